#include "scenarios/report/report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "scenarios/report/sample_report.h"

namespace sct::scenarios {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

TEST(WriteReportTest, WritesJsonThatRoundTripsHtmlAndDiagrams) {
  const std::filesystem::path dir = std::filesystem::path(TmpDir()) / "write-ok" / "out";
  std::filesystem::remove_all(dir.parent_path());
  const scenario::v1::Report report = SampleReport();
  ASSERT_TRUE(WriteReport(report, dir.string()).ok());

  scenario::v1::Report back;
  const std::string json = ReadAll(dir / "report.json");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(report, back))
      << back.DebugString();
  EXPECT_THAT(json, HasSubstr("\n"));  // pretty
  EXPECT_THAT(json, HasSubstr("\"stepId\": \"unlock-after-revoke\""));

  EXPECT_EQ(ReadAll(dir / "report.html"), ReportHtml(report));
  EXPECT_EQ(ReadAll(dir / "diagrams" / "s1-car-share-cross-platform-intercepted.svg"),
            SequenceDiagramSvg(report.scenarios(0)));
  EXPECT_TRUE(std::filesystem::exists(dir / "diagrams" / "s2-revocation-after-relay-restart.svg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.json.tmp"));

  // Writing again replaces the files.
  scenario::v1::Report smaller;
  smaller.set_suite("again");
  ASSERT_TRUE(WriteReport(smaller, dir.string()).ok());
  EXPECT_THAT(ReadAll(dir / "report.json"), HasSubstr("\"again\""));
}

TEST(WriteReportTest, UnwritablePathIsIoErrorNamingThePath) {
  const std::filesystem::path blocker = std::filesystem::path(TmpDir()) / "blocker-file";
  { std::ofstream(blocker) << "x"; }
  const std::string target = (blocker / "out").string();
  const absl::Status s = WriteReport(SampleReport(), target);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(s), "io_error");
  EXPECT_THAT(std::string(s.message()), HasSubstr(target));
}

TEST(WriteReportTest, ExistingReadOnlyTargetFileIsIoError) {
  // report.json is a directory: the rename over it fails.
  const std::filesystem::path dir = std::filesystem::path(TmpDir()) / "json-is-dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "report.json" / "child");
  const absl::Status s = WriteReport(SampleReport(), dir.string());
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(s), "io_error");
  EXPECT_THAT(std::string(s.message()), HasSubstr((dir / "report.json").string()));
}

TEST(WriteReportTest, EmptyDirectoryIsInvalid) {
  EXPECT_EQ(WriteReport(SampleReport(), "").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::scenarios

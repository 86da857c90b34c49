#include "scenarios/experiment/report/experiment_report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using ::testing::HasSubstr;

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::filesystem::path TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(base != nullptr ? base : "/tmp") / name;
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(WriteExperimentReportTest, WritesJsonCsvAndHtml) {
  const std::vector<ExperimentResult> rs = {SampleInterceptionExperiment(),
                                            SamplePollingExperiment()};
  const std::filesystem::path out = TempDir("report") / "nested";
  ASSERT_TRUE(WriteExperimentReport(rs, out.string()).ok());
  EXPECT_THAT(Slurp(out / "report.html"), HasSubstr("polls-with-and-without-push"));
  for (const ExperimentResult& r : rs) {
    SCOPED_TRACE(r.name());
    const std::filesystem::path dir = out / r.name();
    ExperimentResult back;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(Slurp(dir / "result.json"), &back).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, r));
    const std::string runs = Slurp(dir / "runs.csv");
    size_t records = 0;
    for (size_t at = runs.find("\r\n"); at != std::string::npos; at = runs.find("\r\n", at + 2)) {
      ++records;
    }
    EXPECT_EQ(records, static_cast<size_t>(r.runs_size()) + 1);
    EXPECT_THAT(Slurp(dir / "points.csv"), HasSubstr(",mean,"));
  }
  // Nothing half-written is left behind.
  for (const auto& e : std::filesystem::recursive_directory_iterator(out)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST(WriteExperimentReportTest, AggregatesWhatTheCallerDidNot) {
  ExperimentResult r = SamplePollingExperiment();
  const ExperimentResult aggregated = r;
  for (auto& point : *r.mutable_points()) point.clear_samples();
  const std::filesystem::path out = TempDir("unaggregated");
  ASSERT_TRUE(WriteExperimentReport({r}, out.string()).ok());
  ExperimentResult back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  Slurp(out / r.name() / "result.json"), &back)
                  .ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, aggregated));
}

// A result no runner should write: mismatched lengths, a run of a point that
// does not exist, a measure without a kind, charts naming nothing. Every
// file is still written and the charts say what is wrong.
TEST(WriteExperimentReportTest, MalformedResultIsReportedNotACrash) {
  ExperimentResult r;
  google::protobuf::TextFormat::ParseFromString(R"pb(
    name: "odd"
    parameters { parameter { name: "a" values: "1" values: "2" labels: "one" } }
    parameters { parameter { name: "b" } }
    measures { name: "kindless" }
    measures { name: "o" outcome {} }
    charts { measure: "kindless" }
    charts { measure: "o" x: "b" }
    charts { measure: "o" series: "a" }
    charts { measure: "o" kind: BAR statistic: "p99" category: "other" x: "a" }
    points { values: "1" values: "x" values: "extra" labels: "" }
    points {}
    runs { point: 0 categories { key: "o" value: "other" } values { key: "o" value: 3 } }
    runs { point: 9 }
    runs { point: 1 errored: true }
  )pb", &r);
  const std::filesystem::path out = TempDir("malformed");
  ASSERT_TRUE(WriteExperimentReport({r}, out.string()).ok());
  const std::string html = Slurp(out / "report.html");
  EXPECT_THAT(html,
              HasSubstr("Chart not drawn: chart &quot;&quot;: measure: the measure has no kind"));
  EXPECT_THAT(html,
              HasSubstr("Chart not drawn: chart &quot;&quot;: series: the same parameter as x"));
  // The two charts that name what exists are drawn.
  int charts = 0;
  for (size_t at = html.find("<svg "); at != std::string::npos; at = html.find("<svg ", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 2);
  EXPECT_THAT(Slurp(out / "odd" / "runs.csv"), HasSubstr("\r\n9,,,"));
}

TEST(WriteExperimentReportTest, UnwritableDirectoryIsAnIoErrorNamingIt) {
  const std::filesystem::path base = TempDir("blocked");
  std::filesystem::create_directories(base);
  std::ofstream(base / "file") << "not a directory";
  const absl::Status st =
      WriteExperimentReport({SamplePollingExperiment()}, (base / "file").string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(st), "io_error");
  EXPECT_THAT(st.message(), HasSubstr((base / "file").string()));
}

}  // namespace
}  // namespace sct::scenarios::experiment

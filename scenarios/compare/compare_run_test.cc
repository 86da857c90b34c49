// The comparison with a fake launcher (no processes): each cell's verdict
// under its variant's expectations, not-applicable cells with the refused
// field, whole rows failed for broken files or unknown variant names, each
// run's report and compare.json written and read back.
#include "scenarios/compare/compare_run.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "scenarios/compare/compare_files.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FakeEcosystem : public Ecosystem {
 public:
  const Service* Find(absl::string_view) const override { return nullptr; }
  std::vector<std::string> Names() const override { return {}; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    return absl::NotFoundError(std::string(name));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view) override {
    return absl::NotFoundError(std::string(name));
  }
  absl::Status Kill(absl::string_view) override { return absl::FailedPreconditionError("fake"); }
  absl::Status Start(absl::string_view) override { return absl::OkStatus(); }
  absl::Status Restart(absl::string_view) override { return absl::OkStatus(); }
  std::string OwnerCredentialId(absl::string_view) const override { return ""; }
  std::string DeviceId(absl::string_view) const override { return ""; }
  std::string AuthorityId(absl::string_view) const override { return ""; }
  const DevPkiFiles& pki() const override { return pki_; }
  std::map<std::string, std::string> Endpoints() const override { return {}; }
  void Shutdown() override {}

 private:
  DevPkiFiles pki_;
};

std::string Tmp() { return std::getenv("TEST_TMPDIR"); }

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = Tmp() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Two pauses; the "strict" variant expects the second within 1ns (so it
// fails there), and an assertion holds only outside "strict".
constexpr char kPauses[] = R"(name: "pauses"
topology {
  relay { store: MEMORY }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  devices { id: "alice-phone"  oem: "oem-a" }
}
steps { id: "a" pause { duration: "1ms" } }
steps {
  id: "b"
  pause { duration: "2ms" }
  variant_expect { key: "strict" value { max_duration: "1ns" } }
}
)";

sv1::VariantSet Variants() {
  sv1::VariantSet set;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        variants { name: "reference" title: "Reference" }
        variants { name: "strict" title: "Strict" }
        variants {
          name: "vendorless"
          title: "Vendorless"
          architecture { vendorless_devices: "nobody" }
        }
      )pb",
      &set));
  return set;
}

CompareOptions Options(std::atomic<int>* launched) {
  CompareOptions o;
  o.engine.work_dir = Tmp() + "/work";
  o.engine.launch = [launched](const ResolvedTopology&,
                               const LaunchOptions&) -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    ++*launched;
    return std::unique_ptr<Ecosystem>(new FakeEcosystem());
  };
  o.jobs = 2;
  o.out_dir = Tmp() + "/out";
  o.known_variants = {"reference", "strict", "vendorless"};
  return o;
}

TEST(RunCompare, EachCellIsJudgedUnderItsVariant) {
  std::atomic<int> launched{0};
  const sv1::CompareResult r =
      RunCompare({WriteFile("pauses.textproto", kPauses)}, Variants(), Options(&launched));
  EXPECT_EQ(launched.load(), 2);  // the not-applicable cell launches nothing
  ASSERT_EQ(r.rows_size(), 1);
  const sv1::CompareRow& row = r.rows(0);
  EXPECT_EQ(row.scenario(), "pauses");
  ASSERT_EQ(row.cells_size(), 3);
  EXPECT_EQ(row.cells(0).variant(), "reference");
  EXPECT_EQ(row.cells(0).outcome(), sv1::COMPARE_PASSED) << row.cells(0).first_failure();
  EXPECT_EQ(row.cells(1).outcome(), sv1::COMPARE_FAILED);
  EXPECT_THAT(row.cells(1).first_failure(), HasSubstr("step b: expected success within 1ns"));
  ASSERT_EQ(row.cells(1).variant_steps_size(), 1);
  EXPECT_EQ(row.cells(1).variant_steps(0).expected(), "success within 1ns");
  EXPECT_EQ(row.cells(2).outcome(), sv1::COMPARE_NOT_APPLICABLE);
  ASSERT_EQ(row.cells(2).not_applicable_reasons_size(), 1);
  EXPECT_THAT(row.cells(2).not_applicable_reasons(0),
              HasSubstr("topology.architecture.vendorless_devices"));
  EXPECT_THAT(row.cells(2).report(), IsEmpty());
  EXPECT_EQ(r.passed(), 1u);
  EXPECT_EQ(r.failed(), 1u);
  EXPECT_EQ(r.not_applicable(), 1u);
  EXPECT_EQ(r.variants_size(), 3);
  EXPECT_EQ(row.cells(0).report(), "runs/reference/01-pauses/report.html");
  EXPECT_TRUE(std::filesystem::exists(Tmp() + "/out/" + row.cells(0).report()));
}

TEST(RunCompare, ABrokenFileOrAnUnknownVariantNameFailsItsRow) {
  std::atomic<int> launched{0};
  std::string unknown = kPauses;
  unknown.replace(unknown.find("\"strict\""), 8, "\"strikt\"");
  const sv1::CompareResult r = RunCompare({WriteFile("broken.textproto", "name: \"x\"\nstepz {}\n"),
                                           WriteFile("unknown.textproto", unknown)},
                                          Variants(), Options(&launched));
  EXPECT_EQ(launched.load(), 0);
  ASSERT_EQ(r.rows_size(), 2);
  EXPECT_EQ(r.rows(0).scenario(), "broken");
  ASSERT_EQ(r.rows(0).cells_size(), 3);
  for (const sv1::CompareCell& c : r.rows(0).cells()) {
    EXPECT_EQ(c.outcome(), sv1::COMPARE_FAILED);
    EXPECT_THAT(c.first_failure(), HasSubstr("broken.textproto:2:"));
  }
  EXPECT_THAT(r.rows(1).cells(0).first_failure(),
              HasSubstr("steps[1].variant_expect[\"strikt\"].key: unknown variant \"strikt\""));
  EXPECT_EQ(r.failed(), 6u);
}

TEST(RunScenario, APlainRunKeepsTheDefaultExpectationsAndDropsOnlyVariantAssertions) {
  sv1::Scenario s;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kPauses, &s));
  sv1::Assertion* a = s.add_assertions();
  a->set_name("only under strict");
  a->mutable_timing()->set_from_step("a");
  a->mutable_timing()->set_to_step("b");
  a->mutable_timing()->set_max("1ns");
  a->add_only_variants("strict");
  std::atomic<int> launched{0};
  CompareOptions o = Options(&launched);
  sv1::ScenarioResult plain = RunScenario(s, "pauses.textproto", o.engine);
  EXPECT_TRUE(plain.passed()) << plain.first_failure();
  EXPECT_THAT(plain.timings(), IsEmpty());
  o.engine.variant = "strict";
  sv1::ScenarioResult strict = RunScenario(s, "pauses.textproto", o.engine);
  EXPECT_FALSE(strict.passed());
  ASSERT_EQ(strict.timings_size(), 1);
  EXPECT_FALSE(strict.timings(0).passed());
}

TEST(CompareFiles, JsonRoundTripsAndHtmlIsWritten) {
  std::atomic<int> launched{0};
  const sv1::CompareResult r =
      RunCompare({WriteFile("pauses2.textproto", kPauses)}, Variants(), Options(&launched));
  const std::string dir = Tmp() + "/files";
  ASSERT_TRUE(WriteCompare(r, dir).ok());
  absl::StatusOr<sv1::CompareResult> back = ReadCompareJson(dir + "/compare.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back, r));
  EXPECT_TRUE(std::filesystem::exists(dir + "/compare.html"));
  EXPECT_EQ(ReadCompareJson(dir + "/none.json").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(WriteCompare(r, "").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::scenarios

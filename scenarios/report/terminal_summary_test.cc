#include "scenarios/report/terminal_summary.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/sample_report.h"

namespace sct::scenarios {
namespace {

using scenario::v1::StepResult;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TerminalSummaryTest, NamesFirstFailingStepWhyAndCounts) {
  const std::string out = TerminalSummary(SampleReport(), /*color=*/false);
  EXPECT_THAT(out, HasSubstr("PASS"));
  EXPECT_THAT(out, HasSubstr("FAIL"));
  EXPECT_THAT(out, HasSubstr("car-share-cross-platform-intercepted"));
  EXPECT_THAT(out, HasSubstr("first failing step: unlock-after-revoke"));
  EXPECT_THAT(out, HasSubstr("expected: access DENIED_REVOKED"));
  EXPECT_THAT(out, HasSubstr("observed: access GRANTED"));
  EXPECT_THAT(out, HasSubstr("4.87s"));
  EXPECT_TRUE(absl::EndsWith(out, "\n1 passed, 1 failed\n")) << out;
  EXPECT_THAT(out, Not(HasSubstr("\033[")));
}

TEST(TerminalSummaryTest, CountsComeFromScenarioVerdicts) {
  scenario::v1::Report report;
  for (bool passed : {false, true, false}) {
    auto* r = report.add_scenarios();
    r->set_name(passed ? "good" : "bad");
    r->set_passed(passed);
  }
  const std::string out = TerminalSummary(report, false);
  EXPECT_TRUE(absl::EndsWith(out, "\n1 passed, 2 failed\n")) << out;
}

TEST(TerminalSummaryTest, NotApplicableIsItsOwnVerdictWithReasonsAndTheRelayHeader) {
  scenario::v1::Report report;
  (*report.mutable_environment())["relay"] = "attached by URL https://127.0.0.1:9";
  (*report.mutable_environment())["relay_push"] = "unavailable: devices polled";
  report.add_scenarios()->set_passed(true);
  auto* na = report.add_scenarios();
  na->set_name("relay-restart");
  na->set_not_applicable(true);
  na->add_not_applicable_reasons("fault \"crash\": kills and restarts the relay");
  na->set_first_failure("not applicable: fault \"crash\"");
  const std::string out = TerminalSummary(report, false);
  EXPECT_THAT(out, HasSubstr("  relay: attached by URL https://127.0.0.1:9\n"));
  EXPECT_THAT(out, HasSubstr("  push: unavailable: devices polled\n"));
  EXPECT_THAT(out, HasSubstr("N/A     relay-restart"));
  EXPECT_THAT(out, HasSubstr("- fault \"crash\": kills and restarts the relay"));
  EXPECT_THAT(out, Not(HasSubstr("FAIL")));
  EXPECT_TRUE(absl::EndsWith(out, "\n1 passed, 0 failed, 1 not applicable\n")) << out;
}

// A run under SCT_TIME_SCALE (the suite's environment has time_scale) says so
// in its heading; a run without one says nothing about it.
TEST(TerminalSummaryTest, ATimeScaleInForceIsInTheHeading) {
  scenario::v1::Report report;
  report.add_scenarios()->set_passed(true);
  EXPECT_THAT(TerminalSummary(report, false), Not(HasSubstr("time scale")));
  (*report.mutable_environment())["time_scale"] = "4 (SCT_TIME_SCALE: deadlines x4)";
  EXPECT_THAT(TerminalSummary(report, false),
              HasSubstr("  time scale: 4 (SCT_TIME_SCALE: deadlines x4)\n"));
}

TEST(TerminalSummaryTest, AssertionFailureWithoutFailingStepSaysWhich) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  r->set_name("audit-only");
  auto* a = r->add_knowledge_audit();
  a->set_actor("relay");
  a->set_item(common::v1::PIN);
  a->set_must_not_learn(true);
  a->set_learned(true);
  a->set_verdict(scenario::v1::AUDIT_VIOLATED);
  const std::string out = TerminalSummary(report, false);
  EXPECT_THAT(out, HasSubstr("knowledge: relay learned PIN"));
  EXPECT_TRUE(absl::EndsWith(out, "\n0 passed, 1 failed\n")) << out;
}

TEST(TerminalSummaryTest, ControlCharactersFromDataAreNeutralised) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  r->set_name("evil\x1b[2Jname");
  StepResult* s = r->add_steps();
  s->set_step_id("step\nFAKE PASS");
  s->set_status(scenario::v1::FAILED);
  s->set_observed("\x1b[32mfine");
  const std::string out = TerminalSummary(report, /*color=*/false);
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(out, HasSubstr("evil?[2Jname"));
  EXPECT_THAT(out, HasSubstr("first failing step: step?FAKE PASS"));
}

TEST(TerminalSummaryTest, ColorAddsAnsiCodes) {
  const std::string out = TerminalSummary(SampleReport(), /*color=*/true);
  EXPECT_THAT(out, HasSubstr("\033[1;31mFAIL"));
  EXPECT_THAT(out, HasSubstr("\033[1;32mPASS"));
}

TEST(TerminalSummaryTest, ColumnsAreAligned) {
  const std::string out = TerminalSummary(SampleReport(), false);
  // The duration column ends at the same offset on both scenario lines.
  size_t a = out.find("6.42s");
  size_t b = out.find("4.87s");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(a - out.rfind('\n', a), b - out.rfind('\n', b));
}

}  // namespace
}  // namespace sct::scenarios

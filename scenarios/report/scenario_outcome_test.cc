#include "scenarios/report/scenario_outcome.h"

#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point.pb.h"

namespace sct::scenarios::report {
namespace {

using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;

TEST(ScenarioOutcomeTest, FailedAndErroredStepsAreFailures) {
  EXPECT_TRUE(IsFailed(scenario::v1::FAILED));
  EXPECT_TRUE(IsFailed(scenario::v1::ERRORED));
  EXPECT_FALSE(IsFailed(scenario::v1::PASSED));
  EXPECT_FALSE(IsFailed(scenario::v1::SKIPPED));
  EXPECT_FALSE(IsFailed(scenario::v1::STEP_STATUS_UNSPECIFIED));
}

TEST(ScenarioOutcomeTest, FirstFailingStepSkipsPassedAndSkippedSteps) {
  ScenarioResult r;
  EXPECT_EQ(FirstFailingStep(r), nullptr);
  for (auto [id, status] : {std::pair{"a", scenario::v1::PASSED},
                            {"b", scenario::v1::SKIPPED},
                            {"c", scenario::v1::ERRORED},
                            {"d", scenario::v1::FAILED}}) {
    StepResult* s = r.add_steps();
    s->set_step_id(id);
    s->set_status(status);
  }
  ASSERT_NE(FirstFailingStep(r), nullptr);
  EXPECT_EQ(FirstFailingStep(r)->step_id(), "c");
}

TEST(ScenarioOutcomeTest, ObservedTextPrefersTextThenAccessThenCode) {
  StepResult s;
  EXPECT_EQ(ObservedText(s), "");
  s.set_code("INTERNAL");
  EXPECT_EQ(ObservedText(s), "INTERNAL");
  s.set_reason("boom");
  EXPECT_EQ(ObservedText(s), "INTERNAL boom");
  s.set_access(access_point::v1::GRANTED);
  EXPECT_EQ(ObservedText(s), "access GRANTED");
  s.set_observed("door open");
  EXPECT_EQ(ObservedText(s), "door open");
}

TEST(ScenarioOutcomeTest, FailureRepeatsStepWhenItNamesTheStepAndItsOutcome) {
  ScenarioResult r;
  StepResult* s = r.add_steps();
  s->set_step_id("unlock");
  s->set_observed("access GRANTED");
  r.set_first_failure("step unlock: expected access DENIED_REVOKED, got access GRANTED");
  EXPECT_TRUE(FailureRepeatsStep(r, *s));
  r.set_first_failure("step unlock: timed out");
  EXPECT_FALSE(FailureRepeatsStep(r, *s));
  r.set_first_failure("relay crashed: access GRANTED");
  EXPECT_FALSE(FailureRepeatsStep(r, *s));
}

}  // namespace
}  // namespace sct::scenarios::report

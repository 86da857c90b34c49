#include "scenarios/experiment/measure.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios::experiment {
namespace {

namespace sv1 = ::scenario::v1;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

const sv1::Experiment& Race() {
  static const sv1::Experiment* e = new sv1::Experiment(Parse<sv1::Experiment>(R"pb(
    measures {
      name: "who"
      outcome {
        categories {
          name: "receiver"
          when { step: "bob" ok: true }
        }
        categories {
          name: "attacker"
          when { step: "eve" ok: true }
        }
        otherwise: "nobody"
      }
    }
    measures {
      name: "lat"
      latency { from_step: "share" to_step: "bob" }
    }
    measures {
      name: "tries"
      count { attempts_of_step: "bob" }
    }
    measures {
      name: "hits"
      count { step_detail: "eve.links_captured" }
    }
    measures {
      name: "polls"
      count { trace { from: "bob-phone" rpc: "ReadMailbox" } }
    }
    measures {
      name: "eve-learned"
      learned { actor: "eve" item: FULL_LINK }
    }
  )pb"));
  return *e;
}

// share at t=10s for 1s; bob at 12s for 0.5s (code `bob_code`); eve's act.
sv1::ScenarioResult Result(const std::string& bob_code, const std::string& eve_code) {
  return Parse<sv1::ScenarioResult>(absl::StrCat(R"pb(
    steps {
      step_id: "share"
      status: PASSED
      code: "OK"
      started_at { seconds: 10 }
      duration { seconds: 1 }
    }
    steps {
      step_id: "bob"
      status: FAILED
      attempts: 3
      started_at { seconds: 12 }
      duration { nanos: 500000000 }
      code: ")pb", bob_code, R"pb("
    }
    steps {
      step_id: "eve"
      status: PASSED
      code: ")pb", eve_code, R"pb("
      details { key: "links_captured" value: "2" }
    }
    trace { from: "bob-phone" to: "relay" rpc: "relay.v1.Relay/ReadMailbox" }
    trace { from: "bob-phone" to: "relay" rpc: "relay.v1.Relay/ReadMailbox" }
    trace { from: "eve-phone" to: "relay" rpc: "relay.v1.Relay/ReadMailbox" }
    knowledge_audit { actor: "eve" item: FULL_LINK learned: true }
  )pb"));
}

TEST(MeasureRun, FirstMatchingCategoryAndEveryValue) {
  sv1::RunRecord rec;
  MeasureRun(Race(), Result("PERMISSION_DENIED", "OK"), rec);
  EXPECT_EQ(rec.categories().at("who"), "attacker");
  EXPECT_DOUBLE_EQ(rec.values().at("lat"), 2500);
  EXPECT_DOUBLE_EQ(rec.values().at("tries"), 3);
  EXPECT_DOUBLE_EQ(rec.values().at("hits"), 2);
  EXPECT_DOUBLE_EQ(rec.values().at("polls"), 2);
  EXPECT_EQ(rec.categories().at("eve-learned"), "yes");
}

TEST(MeasureRun, OrderOfCategoriesDecidesAndOtherwiseNamesTheRest) {
  sv1::RunRecord both;
  MeasureRun(Race(), Result("OK", "OK"), both);
  EXPECT_EQ(both.categories().at("who"), "receiver");
  sv1::RunRecord none;
  MeasureRun(Race(), Result("NOT_FOUND", "PERMISSION_DENIED"), none);
  EXPECT_EQ(none.categories().at("who"), "nobody");
}

TEST(MeasureRun, AStepThatDidNotRunHoldsNoConditionAndGivesNoValue) {
  sv1::ScenarioResult r = Result("OK", "OK");
  r.mutable_steps(1)->set_status(sv1::SKIPPED);
  sv1::RunRecord rec;
  MeasureRun(Race(), r, rec);
  EXPECT_EQ(rec.categories().at("who"), "attacker");
  EXPECT_EQ(rec.values().count("lat"), 0u);
  EXPECT_EQ(rec.values().count("tries"), 0u);
}

TEST(MeasureRun, UseStepIsOkOnlyWhenGranted) {
  const sv1::Experiment e = Parse<sv1::Experiment>(R"pb(
    measures {
      name: "in"
      outcome {
        categories {
          name: "opened"
          when { step: "use" ok: true }
        }
      }
    }
  )pb");
  sv1::ScenarioResult r = Parse<sv1::ScenarioResult>(R"pb(
    steps { step_id: "use" action: "use" status: PASSED code: "OK" access: DENIED_REVOKED }
  )pb");
  sv1::RunRecord denied;
  MeasureRun(e, r, denied);
  EXPECT_EQ(denied.categories().at("in"), "other");
  r.mutable_steps(0)->set_access(access_point::v1::GRANTED);
  sv1::RunRecord granted;
  MeasureRun(e, r, granted);
  EXPECT_EQ(granted.categories().at("in"), "opened");
}

TEST(RunErrored, EngineErrorsAndRunsThatNeverStarted) {
  std::string why;
  EXPECT_FALSE(RunErrored(Result("PERMISSION_DENIED", "OK"), false, &why));
  sv1::ScenarioResult r = Result("OK", "OK");
  r.mutable_steps(1)->set_status(sv1::ERRORED);
  r.mutable_steps(1)->set_observed("engine error: boom");
  EXPECT_TRUE(RunErrored(r, false, &why));
  EXPECT_EQ(why, "step bob: engine error: boom");
  sv1::ScenarioResult launch = Parse<sv1::ScenarioResult>(R"pb(
    first_failure: "launch failed: relay did not start"
    steps { step_id: "share" status: SKIPPED }
  )pb");
  EXPECT_TRUE(RunErrored(launch, false, &why));
  EXPECT_EQ(why, "launch failed: relay did not start");
}

TEST(RunErrored, FailedExpectationsOnlyWhenJudged) {
  sv1::ScenarioResult r = Result("PERMISSION_DENIED", "OK");
  r.set_passed(false);
  r.set_first_failure("step bob: expected OK");
  EXPECT_FALSE(RunErrored(r, false, nullptr));
  EXPECT_TRUE(RunErrored(r, true, nullptr));
}

TEST(AddLearnedAssertions, OneMustLearnPerLearnedMeasure) {
  sv1::Scenario s;
  AddLearnedAssertions(Race(), s);
  ASSERT_EQ(s.assertions_size(), 1);
  EXPECT_EQ(s.assertions(0).knowledge().actor(), "eve");
  EXPECT_EQ(s.assertions(0).knowledge().must_learn(0), common::v1::FULL_LINK);
  EXPECT_TRUE(NeedsAudit(Race()));
  EXPECT_TRUE(NeedsTrace(Race()));
  EXPECT_FALSE(NeedsTrace(sv1::Experiment()));
}

}  // namespace
}  // namespace sct::scenarios::experiment

#include "scenarios/compare/matrix.h"

#include <string>
#include <vector>

#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename M>
M Text(const std::string& text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// A run: share (1s), accept (2s), a denied use (4s), a granted use (8s),
// a last step (16s).
sv1::ScenarioResult SampleRun() {
  return Text<sv1::ScenarioResult>(R"pb(
    name: "s"
    passed: true
    duration { seconds: 40 }
    steps {
      step_id: "before"
      action: "use"
      status: PASSED
      access: GRANTED
      duration { seconds: 32 }
    }
    steps {
      step_id: "share"
      action: "share"
      status: PASSED
      duration { seconds: 1 }
    }
    steps {
      step_id: "accept"
      action: "accept"
      status: PASSED
      duration { seconds: 2 }
    }
    steps {
      step_id: "eve-uses"
      action: "use"
      status: PASSED
      access: DENIED_REVOKED
      duration { seconds: 4 }
    }
    steps {
      step_id: "bob-unlocks"
      action: "use"
      status: PASSED
      access: GRANTED
      duration { seconds: 8 }
    }
    steps {
      step_id: "after"
      action: "revoke"
      status: PASSED
      duration { seconds: 16 }
    }
  )pb");
}

TEST(FlowSpanOf, ShareToTheFirstGrantedUseAfterIt) {
  std::optional<FlowSpan> span = FlowSpanOf(SampleRun());
  ASSERT_TRUE(span.has_value());
  EXPECT_EQ(span->latency, absl::Seconds(15));
  EXPECT_EQ(span->label, "share -> bob-unlocks");
}

TEST(FlowSpanOf, ShareToAcceptWithoutAGrantedUse) {
  sv1::ScenarioResult r = SampleRun();
  r.mutable_steps(4)->set_status(sv1::FAILED);
  std::optional<FlowSpan> span = FlowSpanOf(r);
  ASSERT_TRUE(span.has_value());
  EXPECT_EQ(span->latency, absl::Seconds(3));
  EXPECT_EQ(span->label, "share -> accept");
}

TEST(FlowSpanOf, NoneWithoutAPassedShare) {
  sv1::ScenarioResult r = SampleRun();
  r.mutable_steps(1)->set_status(sv1::FAILED);
  EXPECT_FALSE(FlowSpanOf(r).has_value());
  EXPECT_FALSE(FlowSpanOf(sv1::ScenarioResult()).has_value());
}

sv1::ScenarioResult Audit(const std::string& rows) { return Text<sv1::ScenarioResult>(rows); }

std::vector<std::string> Texts(const std::vector<sv1::AuditDifference>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.text());
  return out;
}

TEST(AuditDifferences, LearnedOnlyInOneRunIsPlusOrMinus) {
  const auto base = Audit(R"pb(
    knowledge_audit { actor: "relay" item: CIPHERTEXT learned: true verdict: AUDIT_INFO }
    knowledge_audit { actor: "oem-b" item: LINKAGE learned: true verdict: AUDIT_INFO }
    knowledge_audit { actor: "relay" item: PIN must_not_learn: true verdict: AUDIT_OK }
  )pb");
  const auto run = Audit(R"pb(
    knowledge_audit { actor: "relay" item: CIPHERTEXT learned: true verdict: AUDIT_INFO }
    knowledge_audit { actor: "relay" item: DEVICE_IDENTITY learned: true verdict: AUDIT_INFO }
    knowledge_audit { actor: "relay" item: PIN must_not_learn: true verdict: AUDIT_OK }
  )pb");
  const std::vector<sv1::AuditDifference> d = AuditDifferences(run, base);
  EXPECT_THAT(Texts(d), ElementsAre("oem-b: -LINKAGE", "relay: +DEVICE_IDENTITY"));
  EXPECT_FALSE(d[0].learned());
  EXPECT_TRUE(d[0].baseline_learned());
  EXPECT_TRUE(d[1].learned());
}

TEST(AuditDifferences, AVerdictChangeWhereBothAssert) {
  const auto base = Audit(R"pb(
    knowledge_audit {
      actor: "relay"
      item: PIN
      must_not_learn: true
      learned: true
      verdict: AUDIT_VIOLATED
    }
  )pb");
  const auto run = Audit(R"pb(
    knowledge_audit {
      actor: "relay"
      item: PIN
      must_not_learn: true
      learned: true
      verdict: AUDIT_OK
    }
  )pb");
  EXPECT_THAT(Texts(AuditDifferences(run, base)), ElementsAre("relay: PIN violated -> ok"));
}

TEST(AuditDifferences, UnknownActorsAndEqualRunsGiveNothing) {
  const auto base = Audit(R"pb(
    knowledge_audit { actor: "relay" item: CIPHERTEXT learned: true verdict: AUDIT_INFO }
  )pb");
  const auto run = Audit(R"pb(
    knowledge_audit { actor: "relay" item: CIPHERTEXT must_not_learn: true verdict: AUDIT_UNKNOWN }
  )pb");
  EXPECT_THAT(AuditDifferences(run, base), IsEmpty());
  EXPECT_THAT(AuditDifferences(base, base), IsEmpty());
}

TEST(CellOfRun, PassedCellWithLatencyAndVariantSteps) {
  const auto scenario = Text<sv1::Scenario>(R"pb(
    steps { id: "share" }
    steps {
      id: "accept"
      variant_expect {
        key: "pin-in-key"
        value { error { code: PERMISSION_DENIED reason: "pin_required" } }
      }
    }
  )pb");
  sv1::ScenarioResult run = SampleRun();
  run.mutable_steps(2)->set_observed("OK");
  const sv1::CompareCell c = CellOfRun(Text<sv1::Variant>("name: 'pin-in-key'"), scenario, run);
  EXPECT_EQ(c.variant(), "pin-in-key");
  EXPECT_EQ(c.outcome(), sv1::COMPARE_PASSED);
  EXPECT_EQ(c.flow_latency().seconds(), 15);
  EXPECT_EQ(c.flow_span(), "share -> bob-unlocks");
  EXPECT_EQ(c.duration().seconds(), 40);
  EXPECT_EQ(c.steps_passed(), 6u);
  EXPECT_EQ(c.steps_total(), 6u);
  ASSERT_EQ(c.variant_steps_size(), 1);
  EXPECT_EQ(c.variant_steps(0).step_id(), "accept");
  EXPECT_EQ(c.variant_steps(0).expected(), "error PERMISSION_DENIED pin_required");
  EXPECT_EQ(c.variant_steps(0).default_expected(), "success");
  EXPECT_EQ(c.variant_steps(0).observed(), "OK");
  EXPECT_TRUE(c.variant_steps(0).passed());
  EXPECT_THAT(CellOfRun(Text<sv1::Variant>("name: 'ohttp'"), scenario, run).variant_steps(),
              IsEmpty());
}

TEST(CellOfRun, FailedAndNotApplicableRuns) {
  sv1::ScenarioResult run = SampleRun();
  run.set_passed(false);
  run.set_first_failure("step accept: expected success, got NOT_FOUND");
  sv1::CompareCell c = CellOfRun(Text<sv1::Variant>("name: 'x'"), {}, run);
  EXPECT_EQ(c.outcome(), sv1::COMPARE_FAILED);
  EXPECT_EQ(c.first_failure(), "step accept: expected success, got NOT_FOUND");
  run.set_not_applicable(true);
  run.add_not_applicable_reasons("restarts the relay");
  c = CellOfRun(Text<sv1::Variant>("name: 'x'"), {}, run);
  EXPECT_EQ(c.outcome(), sv1::COMPARE_NOT_APPLICABLE);
  EXPECT_THAT(c.not_applicable_reasons(), ElementsAre("restarts the relay"));
}

TEST(CountCells, CountsEveryCellByOutcome) {
  sv1::CompareResult r;
  sv1::CompareRow* row = r.add_rows();
  *row->add_cells() = NotApplicableCell("a", {"why"});
  *row->add_cells() = FailedCell("b", "bad file");
  row->add_cells()->set_outcome(sv1::COMPARE_PASSED);
  r.add_rows()->add_cells()->set_outcome(sv1::COMPARE_PASSED);
  CountCells(r);
  EXPECT_EQ(r.passed(), 2u);
  EXPECT_EQ(r.failed(), 1u);
  EXPECT_EQ(r.not_applicable(), 1u);
}

}  // namespace
}  // namespace sct::scenarios::compare

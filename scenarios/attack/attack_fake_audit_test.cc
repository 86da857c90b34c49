// attack.h against in-process fakes (attack_fake_fixture.h): the knowledge
// audit (PrepareAudit, EvaluateKnowledge) and trace collection.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/attack_fake_fixture.h"

namespace sct::scenarios {
namespace {

using attack_fakes::kFragment;
using attack_fakes::kMailbox;
using attack_fakes::kPin;
using attack_fakes::Link;
using attack_fakes::Tmp;
using attack_fakes::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(AttackFakeTest, PrepareAuditSetsAFreshKeyOnEverySimService) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ASSERT_EQ(ctx_.audit_key.size(), 32u);
  // The fakes' fields are read under their mutex (TSan sees no ordering
  // through the gRPC call that wrote them).
  {
    std::lock_guard<std::mutex> relay_lock(relay_audit_->mu);
    std::lock_guard<std::mutex> oem_lock(oem_audit_->mu);
    EXPECT_EQ(relay_audit_->key, ctx_.audit_key);
    EXPECT_EQ(oem_audit_->key, ctx_.audit_key);
    EXPECT_EQ(relay_audit_->resets, 1);
  }
  const std::string first = ctx_.audit_key;
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  EXPECT_NE(ctx_.audit_key, first);
  std::lock_guard<std::mutex> lock(relay_audit_->mu);
  EXPECT_EQ(relay_audit_->resets, 2);
}

TEST_F(AttackFakeTest, KnowledgeRowsFromServiceObservations) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  {
    std::lock_guard<std::mutex> relay_lock(relay_audit_->mu);
    std::lock_guard<std::mutex> oem_lock(oem_audit_->mu);
    relay_audit_->observed.push_back(
        {::common::v1::CIPHERTEXT, kPin, "relay.v1.Relay/CreateMailbox"});
    oem_audit_->observed.push_back(
        {::common::v1::DEVICE_IDENTITY, "dev-123", "oem.v1.Oem/Enrol"});
  }
  for (const char* actor : {"relay", "oem-a", "ca"}) {
    scenario::v1::Assertion* a = scenario_.add_assertions();
    a->mutable_knowledge()->set_actor(actor);
    a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  }
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, scenario::v1::AuditVerdict> pin;
  for (const auto& r : *rows) {
    if (r.item() == ::common::v1::PIN) pin[r.actor()] = r.verdict();
    EXPECT_THAT(r.evidence(), Not(HasSubstr(kPin)));
  }
  EXPECT_EQ(pin["relay"], scenario::v1::AUDIT_VIOLATED);
  EXPECT_EQ(pin["oem-a"], scenario::v1::AUDIT_OK);
  EXPECT_EQ(pin["ca"], scenario::v1::AUDIT_UNKNOWN);
  bool info = false;
  for (const auto& r : *rows) {
    info |= r.actor() == "oem-a" && r.item() == ::common::v1::DEVICE_IDENTITY &&
            r.verdict() == scenario::v1::AUDIT_INFO;
  }
  EXPECT_TRUE(info);
}

TEST_F(AttackFakeTest, CollectTraceMergesAndOrdersByTime) {
  ::common::v1::TraceEvent late, early;
  late.set_seq(1);
  late.set_rpc("late");
  late.mutable_time()->set_seconds(200);
  early.set_seq(9);
  early.set_rpc("early");
  early.mutable_time()->set_seconds(100);
  {
    std::lock_guard<std::mutex> relay_lock(relay_audit_->mu);
    std::lock_guard<std::mutex> oem_lock(oem_audit_->mu);
    relay_audit_->trace = {late};
    oem_audit_->trace = {early};
  }
  ::common::v1::TraceEvent mine;
  mine.set_rpc("engine");
  mine.mutable_time()->set_seconds(150);
  ctx_.engine_trace.push_back(mine);
  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->size(), 3u);
  EXPECT_EQ((*trace)[0].rpc(), "early");
  EXPECT_EQ((*trace)[1].rpc(), "engine");
  EXPECT_EQ((*trace)[2].rpc(), "late");
}

}  // namespace
}  // namespace sct::scenarios

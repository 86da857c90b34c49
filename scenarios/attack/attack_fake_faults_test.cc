// attack.h against in-process fakes (attack_fake_fixture.h): faults through
// SimControl and channel Configure, restarts that keep the audit, and bad
// fault specs.
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

TEST_F(AttackFakeTest, FaultsGoThroughSimControlAndChannelConfigure) {
  scenario::v1::Fault outage;
  outage.set_name("oem-down");
  outage.mutable_outage()->set_service("oem-a");
  ASSERT_TRUE(ApplyFault(outage, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(oem_audit_->mu);
    ASSERT_EQ(oem_audit_->outages.size(), 1u);
    EXPECT_TRUE(oem_audit_->outages[0].has_until());
  }
  ASSERT_TRUE(ClearFault(outage, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(oem_audit_->mu);
    ASSERT_EQ(oem_audit_->outages.size(), 2u);
    EXPECT_FALSE(oem_audit_->outages[1].has_until());
  }

  scenario::v1::Fault skew;
  skew.set_name("skew");
  skew.mutable_clock_skew()->set_service("relay");
  skew.mutable_clock_skew()->set_offset("-3h");
  ASSERT_TRUE(ApplyFault(skew, ctx_).ok());
  ASSERT_TRUE(ClearFault(skew, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    ASSERT_EQ(relay_audit_->clocks.size(), 2u);
    EXPECT_EQ(relay_audit_->clocks[0].offset().seconds(), -3 * 3600);
    EXPECT_TRUE(relay_audit_->clocks[1].has_offset());
    EXPECT_EQ(relay_audit_->clocks[1].offset().seconds(), 0);
    EXPECT_EQ(relay_audit_->actors[0], "engine");
  }

  // Two link faults on the same caller: the second keeps the first.
  scenario::v1::Fault slow, lossy;
  slow.set_name("slow");
  slow.mutable_link()->set_from("relay");
  slow.mutable_link()->set_to("oem-a");
  slow.mutable_link()->set_delay("2s");
  lossy.set_name("lossy");
  lossy.mutable_link()->set_from("relay");
  lossy.mutable_link()->set_to("*");
  lossy.mutable_link()->set_drop(1.0);
  ASSERT_TRUE(ApplyFault(slow, ctx_).ok());
  ASSERT_TRUE(ApplyFault(lossy, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    ASSERT_EQ(relay_audit_->link_faults.size(), 2u);
    std::set<std::string> peers;
    for (const auto& f : relay_audit_->link_faults[1].faults()) peers.insert(f.peer());
    EXPECT_TRUE(peers.count("oem-a") && peers.count("*"))
        << relay_audit_->link_faults[1].DebugString();
  }
  ASSERT_TRUE(ClearFault(slow, ctx_).ok());
  ASSERT_TRUE(ClearFault(lossy, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    EXPECT_EQ(relay_audit_->link_faults.back().faults_size(), 0);
  }

  // Channel: topology settings are the base, the fault overrides, clearing restores.
  scenario::v1::ChannelSpec* sms = scenario_.mutable_topology()->add_channels();
  sms->set_kind(::common::v1::SMS);
  sms->set_delay("1s");
  sms->set_max_body_length(160);
  scenario::v1::Fault lossy_sms;
  lossy_sms.set_name("lossy-sms");
  lossy_sms.mutable_channel()->set_kind(::common::v1::SMS);
  lossy_sms.mutable_channel()->set_loss(0.5);
  ASSERT_TRUE(ApplyFault(lossy_sms, ctx_).ok());
  ASSERT_TRUE(ClearFault(lossy_sms, ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(channel_.mu);
    ASSERT_EQ(channel_.configs.size(), 2u);
    EXPECT_EQ(channel_.configs[0].config().loss_probability(), 0.5);
    EXPECT_EQ(channel_.configs[0].config().delay().seconds(), 1);
    EXPECT_EQ(channel_.configs[0].config().max_body_length(), 160u);
    EXPECT_EQ(channel_.configs[1].config().loss_probability(), 0.0);
    EXPECT_EQ(channel_.configs[1].config().delay().seconds(), 1);
  }

  // Restart: killed at apply, started (and given the audit key) at clear.
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    relay_audit_->key.clear();
  }
  scenario::v1::Fault crash;
  crash.set_name("relay-crash");
  crash.mutable_restart()->set_service("relay");
  ASSERT_TRUE(ApplyFault(crash, ctx_).ok());
  EXPECT_EQ(eco_.killed, std::vector<std::string>{"relay"});
  ASSERT_TRUE(ClearFault(crash, ctx_).ok());
  EXPECT_EQ(eco_.started, std::vector<std::string>{"relay"});
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    EXPECT_EQ(relay_audit_->key, ctx_.audit_key);
    relay_audit_->key.clear();
  }
  ASSERT_TRUE(RestoreAuditKey(ctx_, "relay").ok());
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    EXPECT_EQ(relay_audit_->key, ctx_.audit_key);
  }

  // Markers and FAULT trace events.
  int fault_markers = 0;
  for (const auto& m : ctx_.markers) {
    if (m.kind() == ::common::v1::FAULT) {
      ++fault_markers;
      EXPECT_TRUE(m.has_end()) << m.label();
    }
  }
  EXPECT_EQ(fault_markers, 6);
  ASSERT_FALSE(ctx_.engine_trace.empty());
  EXPECT_EQ(ctx_.engine_trace[0].kind(), ::common::v1::FAULT);
  EXPECT_EQ(ctx_.engine_trace[0].seq(), 1u);
}

TEST_F(AttackFakeTest, RestartFaultPreservesWhatTheKilledServiceRecorded) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ::common::v1::TraceEvent before;
  before.set_rpc("before-the-crash");
  {
    std::lock_guard<std::mutex> lock(relay_audit_->mu);
    relay_audit_->observed.push_back(
        {::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, kPin, "relay.v1.Relay/X"});
    relay_audit_->trace = {before};
  }
  scenario::v1::Fault crash;
  crash.set_name("crash");
  crash.mutable_restart()->set_service("relay");
  crash.mutable_restart()->set_no_restart(true);
  ASSERT_TRUE(ApplyFault(crash, ctx_).ok());
  ASSERT_FALSE(eco_.Find("relay")->running);
  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok());
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ((*rows)[0].verdict(), scenario::v1::AUDIT_VIOLATED) << (*rows)[0].DebugString();
  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  bool kept = false;
  for (const auto& e : *trace) kept |= e.rpc() == "before-the-crash";
  EXPECT_TRUE(kept);
}

TEST_F(AttackFakeTest, BadFaultsNameTheField) {
  scenario::v1::Fault f;
  f.set_name("bad");
  f.mutable_clock_skew()->set_service("relay");
  f.mutable_clock_skew()->set_offset("soon");
  absl::Status s = ApplyFault(f, ctx_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("faults[bad].clock_skew.offset"));
  f.mutable_outage()->set_service("nope");
  s = ApplyFault(f, ctx_);
  EXPECT_THAT(std::string(s.message()), HasSubstr("faults[bad].outage.service"));
  scenario::v1::Fault none;
  none.set_name("empty");
  EXPECT_EQ(ApplyFault(none, ctx_).code(), absl::StatusCode::kInvalidArgument);
  scenario::v1::Fault link;
  link.set_name("l");
  link.mutable_link()->set_from("eve-phone");  // no sim services
  link.mutable_link()->set_to("relay");
  EXPECT_THAT(std::string(ApplyFault(link, ctx_).message()), HasSubstr("no sim services"));
}

}  // namespace
}  // namespace sct::scenarios

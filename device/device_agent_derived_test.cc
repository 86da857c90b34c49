// DeviceAgent in the derived-locations design (DeviceAgentDeps::
// derived_relay; docs/variants/derived-locations.md): the share and accept
// flows, single and multi-round, run over an in-memory dropbox with the
// derived relay's semantics (first write wins, GET does not delete), never
// touching the mailbox relay; the first reader of a link takes the offer.
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "device/derived_relay_client.h"
#include "device/device_agent_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::device::testing {
namespace {

// The derived relay's semantics in memory.
class FakeDerivedRelay : public DerivedRelayClient {
 public:
  absl::Status Put(const std::string& location, const std::string& body) const override {
    absl::MutexLock lock(&mu_);
    ++puts_;
    if (!messages_.emplace(location, body).second) {
      return MakeError(absl::StatusCode::kAborted, "location_occupied", "occupied");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Get(const std::string& location) const override {
    absl::MutexLock lock(&mu_);
    auto it = messages_.find(location);
    if (it == messages_.end()) {
      return MakeError(absl::StatusCode::kNotFound, "message_not_found", "none");
    }
    return it->second;
  }
  absl::Status Delete(const std::string& location) const override {
    absl::MutexLock lock(&mu_);
    if (messages_.erase(location) == 0) {
      return MakeError(absl::StatusCode::kNotFound, "message_not_found", "none");
    }
    return absl::OkStatus();
  }
  size_t stored() const {
    absl::MutexLock lock(&mu_);
    return messages_.size();
  }
  int puts() const {
    absl::MutexLock lock(&mu_);
    return puts_;
  }

 private:
  mutable absl::Mutex mu_;
  mutable std::map<std::string, std::string> messages_;
  mutable int puts_ = 0;
};

class DerivedDeviceAgentTest : public DeviceAgentTest {
 protected:
  Device MakeDerivedDevice(const std::string& address) {
    Device d;
    d.se = *SecureElement::Open("");
    DeviceAgentOptions options;
    options.oem_id = "oem-a";
    options.address = address;
    DeviceAgentDeps deps;
    deps.clock = &clock_;
    deps.secure_element = d.se.get();
    deps.oem = &oem_;
    deps.relay = &relay_;
    deps.relay_target = "relay.test:443";
    deps.derived_relay = &derived_;
    deps.derived_relay_url = "https://derived.test:8443";
    deps.channel = &channel_;
    auto agent = DeviceAgent::Create(options, deps);
    EXPECT_TRUE(agent.ok()) << agent.status();
    d.agent = *std::move(agent);
    return d;
  }

  // Polls every device until nothing changes (bounded).
  void PollAll(std::initializer_list<Device*> devices) {
    for (int i = 0; i < 8; ++i) {
      clock_.Advance(absl::Seconds(2));
      int changed = 0;
      for (Device* d : devices) changed += d->agent->Tick();
      if (changed == 0) return;
    }
  }

  FakeDerivedRelay derived_;
};

TEST_F(DerivedDeviceAgentTest, SingleRoundOverDerivedLocations) {
  Device alice = MakeDerivedDevice("+15550001");
  Device bob = MakeDerivedDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  const std::string link = LastLinkTo("+15550002");
  EXPECT_TRUE(ParseDerivedShareLink(link).ok()) << link;
  EXPECT_EQ(link.rfind("https://derived.test:8443/v1/d/?v=c#", 0), 0u) << link;
  EXPECT_EQ(derived_.stored(), 1u);

  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(accepted->mailbox_id(), share->mailbox_id());  // both name L0
  EXPECT_EQ(oem_.redemptions(), 1);
  // Bob took the offer and posted a completion notice; Alice's poll reads it.
  PollAll({&alice, &bob});
  auto alice_state = alice.agent->GetState({});
  EXPECT_EQ(alice_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  EXPECT_THAT(Kinds(*alice.agent), ::testing::Contains(dv::EVENT_SHARE_COMPLETED));
  EXPECT_EQ(derived_.stored(), 0u);  // every message deleted after its read
  EXPECT_FALSE(relay_.Exists(share->mailbox_id()));
}

TEST_F(DerivedDeviceAgentTest, TheFirstReaderTakesTheOfferAndTheReceiverFindsNothing) {
  Device alice = MakeDerivedDevice("+15550001");
  Device eve = MakeDerivedDevice("+15550066");
  Device bob = MakeDerivedDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(eve.agent->Enrol({}).ok());
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550002")).ok());
  dv::AcceptLinkRequest stolen;
  stolen.set_link(LastLinkTo("+15550002"));
  ASSERT_EQ(eve.agent->AcceptLink(stolen)->outcome(), dv::ACCEPT_PROVISIONED);
  auto late = bob.agent->AcceptLink(FromInbox("+15550002"));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(late.status()), "message_not_found");
}

TEST_F(DerivedDeviceAgentTest, MultiRoundKeySigningByPolling) {
  Device alice = MakeDerivedDevice("+15550001");
  Device bob = MakeDerivedDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto req = ShareReq(cred, "+15550002");
  req.set_multi_round(true);
  req.set_auto_answer(true);
  ASSERT_TRUE(alice.agent->ShareCredential(req).ok());
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_AWAITING_SENDER);
  PollAll({&alice, &bob});
  EXPECT_EQ(oem_.redemptions(), 1);
  auto bob_state = bob.agent->GetState({});
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  auto alice_state = alice.agent->GetState({});
  EXPECT_EQ(alice_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  // offer, key-signing request, endorsement, completion: four messages.
  EXPECT_EQ(derived_.puts(), 4);
  EXPECT_EQ(derived_.stored(), 0u);
  EXPECT_THAT(Kinds(*alice.agent), ::testing::Contains(dv::EVENT_RELAY_PUSH_UNSUPPORTED));
}

TEST_F(DerivedDeviceAgentTest, CancelWithdrawsAnUnreadOffer) {
  Device alice = MakeDerivedDevice("+15550001");
  Device bob = MakeDerivedDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok());
  dv::CancelShareRequest cancel;
  cancel.set_share_id(share->share_id());
  ASSERT_TRUE(alice.agent->CancelShare(cancel).ok());
  EXPECT_EQ(derived_.stored(), 0u);
  EXPECT_EQ(bob.agent->AcceptLink(FromInbox("+15550002")).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sct::device::testing

// The pin-in-key variant on the device (DeviceAgentOptions::pin_in_key,
// docs/variants/pin-in-key.md): a share with a PIN is sealed under a key
// derived from the link's secret and the PIN, so a reader with the link but
// without the PIN learns nothing and cannot keep the mailbox from the
// receiver; compared with the reference design, where the first reader binds
// and the PIN is checked only at redemption.
#include <string>

#include "common/errors.h"
#include "common/uuid.h"
#include "device/device_agent_fixture.h"
#include "gtest/gtest.h"

namespace sct::device::testing {
namespace {

constexpr char kPin[] = "552093";

class PinInKeyTest : public DeviceAgentTest {
 protected:
  // Alice (on `pin_in_key`) shares her car key with Bob's SMS address, with
  // kPin; returns the link Bob received.
  std::string ShareWithPin(Device& alice, bool multi_round = false) {
    const std::string cred = Own(alice, cv::ASYMMETRIC);
    dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
    req.set_pin(kPin);
    req.set_multi_round(multi_round);
    req.set_auto_answer(multi_round);
    auto share = alice.agent->ShareCredential(req);
    EXPECT_TRUE(share.ok()) << share.status();
    return LastLinkTo("+15550002");
  }

  static dv::AcceptLinkRequest WithLink(const std::string& link, const std::string& pin) {
    dv::AcceptLinkRequest r;
    r.set_request_id(NewUuidV4());
    r.set_link(link);
    r.set_pin(pin);
    return r;
  }
};

TEST_F(PinInKeyTest, InterceptorWithoutThePinLearnsNothingAndTheReceiverStillGetsTheKey) {
  Device alice = MakeDevice("+15550001", "", /*pin_in_key=*/true);
  Device bob = MakeDevice("+15550002", "", true);
  Device eve = MakeDevice("+15550009", "", true);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_TRUE(eve.agent->Enrol({}).ok());
  const std::string link = ShareWithPin(alice);

  auto no_pin = eve.agent->AcceptLink(WithLink(link, ""));
  EXPECT_EQ(no_pin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(no_pin.status()), "pin_required");
  auto guess = eve.agent->AcceptLink(WithLink(link, "123456"));
  EXPECT_EQ(guess.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(guess.status()), "wrong_pin");
  // Eve never reached the authority (no PIN attempt spent) and holds no exchange.
  EXPECT_EQ(oem_.redemptions(), 0);
  auto eve_state = eve.agent->GetState({});
  ASSERT_TRUE(eve_state.ok());
  EXPECT_EQ(eve_state->personas(0).mailboxes_size(), 0);

  auto accepted = bob.agent->AcceptLink(WithLink(link, kPin));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(oem_.redemptions(), 1);
}

// The same race in the reference design: Eve binds first, Bob is locked out.
TEST_F(PinInKeyTest, ReferenceDesignLetsTheInterceptorBindFirst) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  Device eve = MakeDevice("+15550009");
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_TRUE(eve.agent->Enrol({}).ok());
  const std::string link = ShareWithPin(alice);

  auto stolen = eve.agent->AcceptLink(WithLink(link, ""));
  EXPECT_EQ(ReasonOf(stolen.status()), "pin_required");
  auto locked_out = bob.agent->AcceptLink(WithLink(link, kPin));
  EXPECT_EQ(locked_out.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(locked_out.status()), "mailbox_claimed");
}

// The payload does not open with the link's secret alone: a device that does
// not derive the key (reference mode) fails to decrypt even with the PIN.
TEST_F(PinInKeyTest, PayloadDoesNotOpenWithTheSecretAlone) {
  Device alice = MakeDevice("+15550001", "", true);
  Device reference = MakeDevice("+15550009");
  Device bob = MakeDevice("+15550002", "", true);
  ASSERT_TRUE(reference.agent->Enrol({}).ok());
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string link = ShareWithPin(alice);
  auto opened = reference.agent->AcceptLink(WithLink(link, kPin));
  EXPECT_EQ(ReasonOf(opened.status()), "decrypt_failed");
  auto accepted = bob.agent->AcceptLink(WithLink(link, kPin));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
}

TEST_F(PinInKeyTest, MultiRoundRoundsAreSealedUnderThePinBoundKey) {
  Device alice = MakeDevice("+15550001", "", true);
  Device bob = MakeDevice("+15550002", "", true);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string link = ShareWithPin(alice, /*multi_round=*/true);
  auto accepted = bob.agent->AcceptLink(WithLink(link, kPin));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_AWAITING_SENDER);
  DeliverPushes({&alice, &bob});  // Alice opens the request and endorses
  DeliverPushes({&alice, &bob});  // Bob opens the endorsement and redeems
  EXPECT_EQ(oem_.redemptions(), 1);
  auto bob_state = bob.agent->GetState({});
  ASSERT_TRUE(bob_state.ok());
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
}

TEST_F(PinInKeyTest, ShareWithoutAPinUsesTheSecretAsBefore) {
  Device alice = MakeDevice("+15550001", "", true);
  Device bob = MakeDevice("+15550002");
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550002")).ok());
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
}

TEST_F(PinInKeyTest, MalformedPinIsRefusedBeforeTheMailboxIsBound) {
  Device alice = MakeDevice("+15550001", "", true);
  Device bob = MakeDevice("+15550002", "", true);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string link = ShareWithPin(alice);
  const size_t reads_before = relay_.received().size();
  auto bad = bob.agent->AcceptLink(WithLink(link, "12ab56"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(bad.status()), "invalid_field");
  EXPECT_EQ(bad.status().message().rfind("pin:", 0), 0u) << bad.status();
  EXPECT_EQ(relay_.received().size(), reads_before);
}

}  // namespace
}  // namespace sct::device::testing

// The agent applies the wallet's retention policy on Tick: a finished
// exchange and a credential an access point reported revoked are forgotten
// one retention period later (with the credential's key, in the element
// too), while live credentials and the share records a revocation needs stay.
// What the agent keeps in memory for retries is bounded too.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "device/device_agent.h"
#include "device/device_agent_fixture.h"
#include "device/device_state.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

using ::testing::_;
using testing::Device;
using testing::DeviceAgentTest;
using ::testing::Invoke;
namespace dv = ::device::v1;
namespace cv = ::common::v1;
namespace apv = ::access_point::v1;

class RetentionTest : public DeviceAgentTest {
 protected:
  // The access point answers every use with `reason`.
  void AccessPointAnswers(apv::AuthReason reason) {
    ON_CALL(ap_, GetChallenge(_, _, _)).WillByDefault(Invoke([](auto*, const auto&, auto* resp) {
      resp->set_access_point_id("car-1");
      resp->set_nonce(std::string(32, 'n'));
      return grpc::Status::OK;
    }));
    ON_CALL(ap_, Authenticate(_, _, _))
        .WillByDefault(Invoke([reason](auto*, const auto&, apv::AuthenticateResponse* resp) {
          resp->set_granted(reason == apv::GRANTED);
          resp->set_reason(reason);
          return grpc::Status::OK;
        }));
  }

  static dv::UseCredentialRequest Use(const std::string& credential_id) {
    dv::UseCredentialRequest use;
    use.set_credential_id(credential_id);
    use.set_access_point_address("127.0.0.1:1");
    use.set_action("unlock");
    return use;
  }
};

TEST_F(RetentionTest, FinishedExchangesAndARevokedCredentialAreForgottenAfterTheRetention) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  const std::string owner = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(owner, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  ASSERT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  DeliverPushes({&alice, &bob});
  const std::string bob_key = bob.agent->GetState({})->personas(0).keys(0).key_id();

  AccessPointAnswers(apv::DENIED_REVOKED);
  auto used = bob.agent->UseCredential(Use(accepted->credential_id()));
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_EQ(used->reason(), apv::DENIED_REVOKED);
  alice.agent->Tick();  // first sight of the finished exchange
  bob.agent->Tick();

  clock_.Advance(kDefaultWalletRetention - absl::Seconds(11));
  alice.agent->Tick();
  bob.agent->Tick();
  EXPECT_EQ(bob.agent->GetState({})->personas(0).credentials_size(), 1);
  EXPECT_EQ(bob.agent->GetState({})->personas(0).mailboxes_size(), 1);

  clock_.Advance(absl::Seconds(11));
  alice.agent->Tick();
  bob.agent->Tick();
  auto bob_state = bob.agent->GetState({});
  ASSERT_TRUE(bob_state.ok());
  EXPECT_EQ(bob_state->personas(0).credentials_size(), 0);
  EXPECT_EQ(bob_state->personas(0).mailboxes_size(), 0);
  EXPECT_EQ(bob_state->personas(0).keys_size(), 0);
  std::vector<std::string> element_keys = bob.se->KeyIds();
  EXPECT_EQ(std::count(element_keys.begin(), element_keys.end(), bob_key), 0);

  // Alice's exchange is gone, her live owner credential is not, and she can
  // still revoke the share (its record lives as long as the credential).
  auto alice_state = alice.agent->GetState({});
  ASSERT_TRUE(alice_state.ok());
  EXPECT_EQ(alice_state->personas(0).mailboxes_size(), 0);
  ASSERT_EQ(alice_state->personas(0).credentials_size(), 1);
  dv::RevokeRequest revoke;
  revoke.set_share_id(share->share_id());
  auto revoked = alice.agent->Revoke(revoke);
  EXPECT_TRUE(revoked.ok()) << revoked.status();
}

TEST_F(RetentionTest, AGrantedCredentialAndAnOpenShareAreKept) {
  Device alice = MakeDevice("+15550001");
  const std::string owner = Own(alice, cv::ASYMMETRIC);
  auto share = alice.agent->ShareCredential(ShareReq(owner, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  AccessPointAnswers(apv::GRANTED);
  ASSERT_TRUE(alice.agent->UseCredential(Use(owner)).ok());
  alice.agent->Tick();
  clock_.Advance(kDefaultWalletRetention * 2);
  alice.agent->Tick();
  auto state = alice.agent->GetState({});
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->personas(0).credentials_size(), 1);
  ASSERT_EQ(state->personas(0).mailboxes_size(), 1);
  EXPECT_EQ(state->personas(0).mailboxes(0).share_id(), share->share_id());
}

// An owner whose credential lives on shares and revokes again and again (the
// soak's alice): the records of the shares it revoked go one retention
// period later; before, the wallet kept one per share ever made.
TEST_F(RetentionTest, RecordsOfRevokedSharesAreForgottenAfterTheRetention) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  const std::string owner = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  constexpr int kShares = 5;
  for (int i = 0; i < kShares; ++i) {
    auto share = alice.agent->ShareCredential(ShareReq(owner, "+15550002"));
    ASSERT_TRUE(share.ok()) << share.status();
    auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
    ASSERT_TRUE(accepted.ok()) << accepted.status();
    ASSERT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
    DeliverPushes({&alice, &bob});
    dv::RevokeRequest revoke;
    revoke.set_share_id(share->share_id());
    auto revoked = alice.agent->Revoke(revoke);
    ASSERT_TRUE(revoked.ok()) << revoked.status();
  }
  auto live = alice.agent->ShareCredential(ShareReq(owner, "+15550002"));
  ASSERT_TRUE(live.ok()) << live.status();
  auto shares_kept = [&] {
    ::device::state::WalletState wallet;
    EXPECT_TRUE(wallet.ParseFromString(alice.se->Wallet()));
    return wallet.personas(0).shares_size();
  };
  alice.agent->Tick();
  EXPECT_EQ(shares_kept(), kShares + 1);

  clock_.Advance(kDefaultWalletRetention + absl::Seconds(11));
  alice.agent->Tick();
  EXPECT_EQ(shares_kept(), 1);  // the live share's record stays
  dv::RevokeRequest revoke;
  revoke.set_share_id(live->share_id());
  auto revoked = alice.agent->Revoke(revoke);
  EXPECT_TRUE(revoked.ok()) << revoked.status();
}

// AcceptLink answers a retried request id as it did the first time, from the
// newest kAcceptRepliesKept replies (it kept every one before).
TEST_F(DeviceAgentTest, AcceptRepliesKeptForRetriesAreBounded) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const size_t n = DeviceAgent::kAcceptRepliesKept + 3;
  dv::AcceptLinkRequest newest;
  std::string newest_credential;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550002")).ok()) << i;
    newest = FromInbox("+15550002");
    auto accepted = bob.agent->AcceptLink(newest);
    ASSERT_TRUE(accepted.ok()) << i << ": " << accepted.status();
    newest_credential = accepted->credential_id();
  }
  // One reply per request id was kept before: n of them.
  EXPECT_EQ(bob.agent->accept_replies_kept(), DeviceAgent::kAcceptRepliesKept);
  // The newest request is still answered as the first call was, without a new exchange.
  log_.Clear();
  auto again = bob.agent->AcceptLink(newest);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->credential_id(), newest_credential);
  EXPECT_TRUE(log_.calls().empty());
}

}  // namespace
}  // namespace sct::device

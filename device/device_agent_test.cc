#include "device/device_agent.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/uuid.h"
#include "crypto/ecdsa.h"
#include "crypto/hmac.h"
#include "device/device_agent_fixture.h"
#include "device/fake_services.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;
using testing::DeviceAgentTest;
using testing::Device;
using testing::TmpPath;
namespace dv = ::device::v1;
namespace cv = ::common::v1;

// The link format lives in common/share_link.h; these cases pin what the
// device relies on when it accepts a link.
TEST(ParseShareLinkTest, SplitsIdVerticalAndSecret) {
  const std::string secret(16, '\x07');
  auto link = ParseShareLink("https://r.test/v1/m/0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23?v=c#" +
                             Base64UrlEncode(secret));
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->mailbox_id, "0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23");
  EXPECT_EQ(link->vertical, "c");
  EXPECT_EQ(link->Secret().value(), secret);
  EXPECT_EQ(link->without_fragment,
            "https://r.test/v1/m/0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23?v=c");
}

TEST(ParseShareLinkTest, RejectsMalformedLinksWithoutEchoingTheSecret) {
  const std::string id = "0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23";
  const std::string good = Base64UrlEncode(std::string(16, 'x'));
  for (const std::string& bad :
       {"https://r.test/v1/m/" + id + "?v=c",                         // no fragment
        "https://r.test/v1/m/" + id + "#" + Base64UrlEncode("short"),  // 5-byte secret
        "https://r.test/v1/m/" + id + "#***",                          // not base64url
        "https://r.test/v1/m/not-a-uuid#" + good,                      // bad id
        "https://r.test/elsewhere/" + id + "#" + good,                 // bad path
        "https://r.test/v1/m/" + id + "?v=z#" + good}) {               // bad vertical
    auto link = ParseShareLink(bad);
    EXPECT_EQ(ReasonOf(link.status()), "bad_link") << bad;
    EXPECT_FALSE(absl::StrContains(link.status().message(), good)) << bad;
  }
}

// The push token is asked for while the share token is minted: here the
// OEM answers RequestShare only once MintPushToken has reached it, which a
// device asking one after the other never does (its share then fails at the
// bound below instead of succeeding).
TEST_F(DeviceAgentTest, ShareMintsThePushTokenWhileTheShareTokenIsMinted) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  absl::Notification minting;
  ON_CALL(oem_, MintPushToken(_, _, _))
      .WillByDefault(Invoke([&](auto*, const auto& req, auto* resp) {
        minting.Notify();
        return oem_.MintPush(req, resp);
      }));
  ON_CALL(oem_, RequestShare(_, _, _))
      .WillByDefault(Invoke([&](auto*, const auto& req, auto* resp) {
        if (!minting.WaitForNotificationWithTimeout(absl::Seconds(30))) {
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "minted one after the other");
        }
        return oem_.ServeRequestShare(req, resp);
      }));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  EXPECT_TRUE(share.ok()) << share.status();
}

TEST_F(DeviceAgentTest, ShareCallsOemThenRelayThenChannelAndTheRelayNeverSeesTheSecret) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  log_.Clear();
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  // The push token is minted while the share token is (in either order).
  const std::vector<std::string> calls = log_.calls();
  ASSERT_EQ(calls.size(), 4u) << ::testing::PrintToString(calls);
  EXPECT_THAT(std::vector<std::string>(calls.begin(), calls.begin() + 2),
              ::testing::UnorderedElementsAre("oem.RequestShare", "oem.MintPushToken"));
  EXPECT_THAT(std::vector<std::string>(calls.begin() + 2, calls.end()),
              ElementsAre("relay.CreateMailbox", "channel.Send"));
  // The link: urlLink?v=c#base64url(16 random bytes).
  const std::string link = LastLinkTo("+15550002");
  ASSERT_FALSE(link.empty());
  EXPECT_EQ(link.size(), share->link_length());
  EXPECT_EQ(link.substr(0, link.find('#')), share->link_without_fragment());
  EXPECT_TRUE(absl::EndsWith(share->link_without_fragment(), share->mailbox_id() + "?v=c"));
  auto parsed = ParseShareLink(link);
  ASSERT_TRUE(parsed.ok());
  const std::string secret = parsed->Secret().value();
  EXPECT_EQ(secret.size(), 16u);
  // The relay got neither the secret (raw or encoded), nor the token, nor the label.
  const std::string fragment = link.substr(link.find('#') + 1);
  for (const std::string& msg : relay_.received()) {
    EXPECT_FALSE(absl::StrContains(msg, secret));
    EXPECT_FALSE(absl::StrContains(msg, fragment));
    EXPECT_FALSE(absl::StrContains(msg, share->share_id()));
    EXPECT_FALSE(absl::StrContains(msg, "fake-signature"));  // token in clear
    EXPECT_FALSE(absl::StrContains(msg, "Owner key"));
    EXPECT_FALSE(absl::StrContains(msg, "+15550001"));
  }
  // No response field carries the secret either.
  EXPECT_FALSE(absl::StrContains(share->SerializeAsString(), secret));
  EXPECT_FALSE(absl::StrContains(share->SerializeAsString(), fragment));
}

TEST_F(DeviceAgentTest, EveryMailboxGetsAFreshClaimAndPushToken) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550002")).ok());
  ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550003")).ok());
  auto claims = relay_.claims_used();
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_NE(claims[0], claims[1]);
  EXPECT_TRUE(IsValidUuid(claims[0], /*require_v4=*/true));
  auto tokens = relay_.create_token_data();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_NE(tokens[0], tokens[1]);
}

TEST_F(DeviceAgentTest, AcceptLinkStripsTheFragmentDecryptsProvisionsAndDeletes) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  const std::string fragment = LastLinkTo("+15550002").substr(LastLinkTo("+15550002").find('#') + 1);

  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(accepted->mailbox_id(), share->mailbox_id());
  EXPECT_EQ(accepted->share_id(), share->share_id());
  EXPECT_THAT(accepted->offer().entitlements(), ElementsAre("unlock"));
  EXPECT_EQ(oem_.redemptions(), 1);
  EXPECT_FALSE(relay_.Exists(share->mailbox_id()));
  for (const std::string& msg : relay_.received()) {
    EXPECT_FALSE(absl::StrContains(msg, fragment));
  }
  // Bob's wallet holds the new credential, bound to a new attested key.
  auto state = bob.agent->GetState({});
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->personas(0).credentials_size(), 1);
  EXPECT_EQ(state->personas(0).credentials(0).credential_id(), accepted->credential_id());
  EXPECT_EQ(state->personas(0).credentials(0).parent_share_id(), share->share_id());
  EXPECT_TRUE(state->personas(0).keys(0).attested());
  EXPECT_EQ(state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  // Bob's read used a claim different from Alice's.
  auto claims = relay_.claims_used();
  EXPECT_NE(claims.front(), claims.back());

  // Alice learns by push that the mailbox is gone: share completed.
  DeliverPushes({&alice, &bob});
  auto alice_state = alice.agent->GetState({});
  EXPECT_EQ(alice_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  EXPECT_THAT(Kinds(*alice.agent), ::testing::Contains(dv::EVENT_SHARE_COMPLETED));
  ASSERT_EQ(alice_state->notifications_size(), 1);
  EXPECT_EQ(alice_state->notifications(0).via(), dv::VIA_PUSH);
}

// A single-round accept stores the wallet twice (the first read's binding
// together with the exchange's attested key, attested beside the read; then
// the provisioned credential; not once more with nothing changed), each store
// a serialization of the whole wallet and one state-file write; what it
// answered survives a restart of the device.
TEST_F(DeviceAgentTest, SingleRoundAcceptStoresTheWalletTwiceAndSurvivesARestart) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string state = std::string(dir ? dir : "/tmp") + "/bob-" + NewUuidV4() + ".state";
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002", state);
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  const uint64_t before = bob.se->wallet_stores();
  const uint64_t writes_before = bob.se->writes();

  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  ASSERT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(bob.se->wallet_stores() - before, 2u);
  EXPECT_EQ(bob.se->writes() - writes_before, 2u);

  bob.agent.reset();
  bob.se.reset();
  Device restarted = MakeDevice("+15550002", state);
  auto after = restarted.agent->GetState({});
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->personas(0).credentials_size(), 1);
  EXPECT_EQ(after->personas(0).credentials(0).credential_id(), accepted->credential_id());
  EXPECT_EQ(after->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
}

TEST_F(DeviceAgentTest, WrongSecretIsAClearErrorAndReleasesTheBinding) {
  Device alice = MakeDevice("+15550001");
  Device mallory = MakeDevice("+15550009");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(mallory.agent->Enrol({}).ok());
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_TRUE(alice.agent->ShareCredential(ShareReq(cred, "+15550002")).ok());
  const std::string link = LastLinkTo("+15550002");
  const std::vector<std::string> keys_before = mallory.se->KeyIds();
  dv::AcceptLinkRequest wrong;
  wrong.set_link(link.substr(0, link.find('#') + 1) + Base64UrlEncode(std::string(16, '\x01')));
  auto st = mallory.agent->AcceptLink(wrong);
  EXPECT_EQ(st.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(st.status()), "decrypt_failed");
  EXPECT_EQ(oem_.redemptions(), 0);
  // The key attested beside the failed read is not kept.
  EXPECT_EQ(mallory.se->KeyIds(), keys_before);
  // The rightful receiver can still read it.
  auto ok = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->outcome(), dv::ACCEPT_PROVISIONED);
}

TEST_F(DeviceAgentTest, SecondReaderGetsMailboxClaimed) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  Device eve = MakeDevice("+15550009");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_TRUE(eve.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok());
  const std::string link = LastLinkTo("+15550002");
  dv::AcceptLinkRequest manual = FromInbox("+15550002");
  manual.set_manual_rounds(true);
  auto read = bob.agent->AcceptLink(manual);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->outcome(), dv::ACCEPT_READ_ONLY);
  dv::AcceptLinkRequest race;
  race.set_link(link);
  auto lost = eve.agent->AcceptLink(race);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(lost.status()), "mailbox_claimed");
  // Bob completes by Reply.
  dv::ReplyRequest complete;
  complete.set_mailbox_id(share->mailbox_id());
  complete.set_action(dv::REPLY_COMPLETE);
  auto done = bob.agent->Reply(complete);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_FALSE(done->credential_id().empty());
}

TEST_F(DeviceAgentTest, MultiRoundAutoAnswerDrivenByPush) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/true);
  ASSERT_TRUE(share.ok()) << share.status();

  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_AWAITING_SENDER);
  EXPECT_EQ(oem_.redemptions(), 0);
  DeliverPushes({&alice, &bob});  // Alice reads the request and endorses
  DeliverPushes({&alice, &bob});  // Bob reads the endorsement, redeems, posts completion
  EXPECT_EQ(oem_.redemptions(), 1);
  auto bob_state = bob.agent->GetState({});
  ASSERT_EQ(bob_state->personas(0).credentials_size(), 1);
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  DeliverPushes({&alice, &bob});  // Alice reads the completion and deletes
  EXPECT_FALSE(relay_.Exists(share->mailbox_id()));
  auto alice_state = alice.agent->GetState({});
  EXPECT_EQ(alice_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  EXPECT_THAT(Kinds(*alice.agent),
              ::testing::IsSupersetOf({dv::EVENT_KEY_SIGNING_REQUEST,
                                       dv::EVENT_KEY_SIGNING_RESPONSE,
                                       dv::EVENT_SHARE_COMPLETED}));
  EXPECT_THAT(Kinds(*bob.agent), ::testing::IsSupersetOf({dv::EVENT_KEY_SIGNING_REQUEST,
                                                          dv::EVENT_CREDENTIAL_PROVISIONED}));
}

TEST_F(DeviceAgentTest, MultiRoundByHandWithReply) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/false);
  ASSERT_TRUE(share.ok());
  dv::AcceptLinkRequest manual = FromInbox("+15550002");
  manual.set_manual_rounds(true);
  ASSERT_EQ(bob.agent->AcceptLink(manual)->outcome(), dv::ACCEPT_READ_ONLY);

  dv::ReplyRequest r;
  r.set_mailbox_id(share->mailbox_id());
  r.set_action(dv::REPLY_APPROVE);
  EXPECT_EQ(ReasonOf(alice.agent->Reply(r).status()), "wrong_flow_state");  // nothing asked yet

  r.set_action(dv::REPLY_KEY_SIGNING_REQUEST);
  auto ksr = bob.agent->Reply(r);
  ASSERT_TRUE(ksr.ok()) << ksr.status();
  EXPECT_EQ(ksr->round(), 2u);
  r.set_action(dv::REPLY_COMPLETE);
  EXPECT_EQ(ReasonOf(bob.agent->Reply(r).status()), "wrong_flow_state");  // not answered yet

  r.set_action(dv::REPLY_APPROVE);
  auto approve = alice.agent->Reply(r);
  ASSERT_TRUE(approve.ok()) << approve.status();
  EXPECT_EQ(approve->round(), 3u);
  auto bob_state = bob.agent->GetState({});
  EXPECT_EQ(approve->requested_public_key(), bob_state->personas(0).keys(0).public_key());

  r.set_action(dv::REPLY_COMPLETE);
  auto complete = bob.agent->Reply(r);
  ASSERT_TRUE(complete.ok()) << complete.status();
  EXPECT_FALSE(complete->credential_id().empty());
  EXPECT_EQ(oem_.redemptions(), 1);
}

TEST_F(DeviceAgentTest, DeclinedKeySigningRequestFailsTheReceiver) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/false);
  ASSERT_EQ(bob.agent->AcceptLink(FromInbox("+15550002"))->outcome(),
            dv::ACCEPT_AWAITING_SENDER);
  dv::ReplyRequest r;
  r.set_mailbox_id(share->mailbox_id());
  r.set_action(dv::REPLY_DECLINE);
  r.set_decline_reason("not you");
  ASSERT_TRUE(alice.agent->Reply(r).ok());
  DeliverPushes({&alice, &bob});
  auto bob_state = bob.agent->GetState({});
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).state(), dv::FLOW_FAILED);
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).last_reason(), "endorsement_declined");
  EXPECT_EQ(oem_.redemptions(), 0);
}

TEST_F(DeviceAgentTest, WaitingReceiverSeesAWithdrawnShareAsAnError) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/false);
  ASSERT_TRUE(share.ok()) << share.status();
  dv::AcceptLinkRequest accept = FromInbox("+15550002");
  accept.mutable_round_timeout()->set_seconds(20);
  absl::StatusOr<dv::AcceptLinkResponse> accepted;
  std::thread waiter([&] { accepted = bob.agent->AcceptLink(accept); });
  // Bob has posted his key-signing request once his exchange awaits the sender.
  auto awaiting = [&] {
    auto state = bob.agent->GetState({});
    return state.ok() && state->personas_size() > 0 && state->personas(0).mailboxes_size() > 0 &&
           state->personas(0).mailboxes(0).state() == dv::FLOW_AWAITING_SENDER;
  };
  while (!awaiting()) std::this_thread::yield();
  dv::CancelShareRequest cancel;
  cancel.set_share_id(share->share_id());
  ASSERT_TRUE(alice.agent->CancelShare(cancel).ok());
  clock_.Set(bob.agent->NextPollAt());
  EXPECT_EQ(bob.agent->Tick(), 1);  // finds the mailbox gone
  waiter.join();
  EXPECT_EQ(accepted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(accepted.status()), "mailbox_not_found");
}

// The sender deletes the mailbox once it has read the completion; the push of
// that deletion (or the receiver's next poll) must leave the receiver's
// provisioned exchange as it is. It used to turn it into FLOW_CANCELLED
// "mailbox_not_found", which a waiting AcceptLink that had not yet woken up
// then answered as an error although the credential was in the wallet.
TEST_F(DeviceAgentTest, SendersDeleteAfterCompletionLeavesTheReceiverProvisioned) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/true);
  ASSERT_TRUE(share.ok()) << share.status();
  ASSERT_EQ(bob.agent->AcceptLink(FromInbox("+15550002"))->outcome(),
            dv::ACCEPT_AWAITING_SENDER);
  DeliverPushes({&alice, &bob});  // Alice reads the request and endorses
  DeliverPushes({&alice, &bob});  // Bob redeems and posts the completion
  DeliverPushes({&alice, &bob});  // Alice reads the completion and deletes
  ASSERT_FALSE(relay_.Exists(share->mailbox_id()));
  DeliverPushes({&alice, &bob});  // the deletion's push reaches Bob
  clock_.Set(bob.agent->NextPollAt());
  bob.agent->Tick();
  auto bob_state = bob.agent->GetState({});
  ASSERT_EQ(bob_state->personas(0).credentials_size(), 1);
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).state(), dv::FLOW_PROVISIONED);
  EXPECT_EQ(bob_state->personas(0).mailboxes(0).last_reason(), "");
  EXPECT_THAT(Kinds(*bob.agent), ::testing::Not(::testing::Contains(dv::EVENT_FLOW_FAILED)));
}

// The receiver's redemption fails after the sender's endorsement: the receiver
// posts the failure and the sender deletes the mailbox. The waiting AcceptLink
// answers with the redemption's error, not with a vanished mailbox
// (NOT_FOUND mailbox_not_found, which read as a share withdrawn by the sender).
TEST_F(DeviceAgentTest, WaitingReceiverReportsAFailedRedemptionNotAVanishedMailbox) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  EXPECT_CALL(oem_, ProvisionCredential(_, _, _))
      .WillOnce(::testing::Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "link down")));
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/true);
  ASSERT_TRUE(share.ok()) << share.status();
  dv::AcceptLinkRequest accept = FromInbox("+15550002");
  accept.mutable_round_timeout()->set_seconds(20);
  absl::StatusOr<dv::AcceptLinkResponse> accepted;
  std::thread waiter([&] { accepted = bob.agent->AcceptLink(accept); });
  auto bob_state = [&] {
    auto state = bob.agent->GetState({});
    return state.ok() && state->personas_size() > 0 && state->personas(0).mailboxes_size() > 0
               ? state->personas(0).mailboxes(0).state()
               : dv::FLOW_STATE_UNSPECIFIED;
  };
  while (bob_state() != dv::FLOW_AWAITING_SENDER) std::this_thread::yield();
  DeliverPushes({&alice, &bob});  // Alice reads the request and endorses
  DeliverPushes({&alice, &bob});  // Bob's redemption fails; he posts the failure
  DeliverPushes({&alice, &bob});  // Alice reads the failure and deletes the mailbox
  EXPECT_FALSE(relay_.Exists(share->mailbox_id()));
  clock_.Set(bob.agent->NextPollAt());
  bob.agent->Tick();
  waiter.join();
  EXPECT_EQ(accepted.status().code(), absl::StatusCode::kUnavailable) << accepted.status();
  EXPECT_EQ(ReasonOf(accepted.status()), "oem_unavailable");
  EXPECT_EQ(bob_state(), dv::FLOW_FAILED);
  EXPECT_EQ(alice.agent->GetState({})->personas(0).mailboxes(0).state(), dv::FLOW_FAILED);
  EXPECT_EQ(oem_.redemptions(), 0);
}

TEST_F(DeviceAgentTest, PollsWithExponentialBackoffWhenNoPushArrives) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  auto share = ShareInRounds(alice, bob, /*auto_answer=*/true);
  ASSERT_TRUE(share.ok());
  const absl::Time t0 = clock_.Now();
  // Nobody has read: each empty poll doubles the wait, up to the cap.
  std::vector<absl::Duration> gaps;
  absl::Time last = t0;
  for (int i = 0; i < 7; ++i) {
    absl::Time next = alice.agent->NextPollAt();
    gaps.push_back(next - last);
    clock_.Set(next - absl::Milliseconds(1));
    EXPECT_EQ(alice.agent->Tick(), 0) << "polled early, step " << i;
    clock_.Set(next);
    EXPECT_EQ(alice.agent->Tick(), 1) << "did not poll on time, step " << i;
    last = next;
  }
  EXPECT_THAT(gaps, ElementsAre(absl::Seconds(2), absl::Seconds(4), absl::Seconds(8),
                                absl::Seconds(16), absl::Seconds(32), absl::Seconds(60),
                                absl::Seconds(60)));
  // Bob posts his request; the pushes are lost. Alice's next poll finds it and answers.
  ASSERT_EQ(bob.agent->AcceptLink(FromInbox("+15550002"))->outcome(),
            dv::ACCEPT_AWAITING_SENDER);
  relay_.TakePushes();
  clock_.Set(alice.agent->NextPollAt());
  EXPECT_EQ(alice.agent->Tick(), 1);
  relay_.TakePushes();
  // Bob's first poll (due 2 s after his request) finds the answer: he provisions.
  EXPECT_EQ(bob.agent->Tick(), 1);
  EXPECT_EQ(oem_.redemptions(), 1);
  auto bob_state = bob.agent->GetState({});
  ASSERT_EQ(bob_state->notifications_size(), 1);
  EXPECT_EQ(bob_state->notifications(0).via(), dv::VIA_POLL);
  EXPECT_THAT(Kinds(*alice.agent), ::testing::Contains(dv::EVENT_POLL_CHANGE));
  // After a change the backoff starts again from the initial interval.
  EXPECT_EQ(alice.agent->NextPollAt() - clock_.Now() <= absl::Seconds(2), true);
}

TEST_F(DeviceAgentTest, PushStreamDeliversNotificationsAndReportsConnection) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ::oem::v1::DeviceNotification subscribed;
  subscribed.set_sequence(1);
  subscribed.set_kind(::oem::v1::SUBSCRIBED);
  oem_.QueueNotification(subscribed);
  grpc::ClientContext ctx;
  absl::Status st = alice.agent->RunPushStream(&ctx);
  EXPECT_EQ(ReasonOf(st), "oem_unavailable");  // the fake stream ends
  EXPECT_THAT(Kinds(*alice.agent), ElementsAre(dv::EVENT_PUSH_CONNECTED, dv::EVENT_PUSH_LOST));
  EXPECT_FALSE(alice.agent->GetState({})->push_connected());
}

TEST_F(DeviceAgentTest, UseCredentialSignsTheChallengeTranscript) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  auto state = alice.agent->GetState({});
  const std::string spki = state->personas(0).keys(0).public_key();
  EXPECT_CALL(ap_, GetChallenge(_, _, _)).WillOnce(Invoke([](auto*, const auto&, auto* resp) {
    resp->set_access_point_id("car-1");
    resp->set_nonce(std::string(32, 'n'));
    return grpc::Status::OK;
  }));
  EXPECT_CALL(ap_, Authenticate(_, _, _))
      .WillOnce(Invoke([&](auto*, const ::access_point::v1::AuthenticateRequest& req,
                           ::access_point::v1::AuthenticateResponse* resp) {
        const std::string transcript = std::string("sct-ap-auth-v1\0car-1\0", 21) +
                                       std::string(32, 'n') + std::string(1, '\0') + "unlock";
        auto key = *crypto::EcdsaP256PublicKey::FromSpkiDer(spki);
        bool ok = key.Verify(transcript, req.signature(), crypto::SignatureEncoding::kDer).ok() &&
                  req.certificate().certificate_der() == "cert:" + cred;
        resp->set_granted(ok);
        resp->set_reason(ok ? ::access_point::v1::GRANTED
                            : ::access_point::v1::DENIED_BAD_SIGNATURE);
        resp->set_access_point_id("car-1");
        return grpc::Status::OK;
      }));
  dv::UseCredentialRequest use;
  use.set_credential_id(cred);
  use.set_access_point_address("127.0.0.1:1");
  use.set_action("unlock");
  auto resp = alice.agent->UseCredential(use);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_TRUE(resp->granted());
  EXPECT_EQ(resp->reason(), ::access_point::v1::GRANTED);
}

TEST_F(DeviceAgentTest, SymmetricHotelKeyIsSharedOpenedInTheElementAndMacsTheChallenge) {
  Device hotel = MakeDevice("desk@hotel.test");
  Device guest = MakeDevice("guest@example.test");
  std::string cred = Own(hotel, cv::SYMMETRIC);
  ASSERT_TRUE(guest.agent->Enrol({}).ok());
  const dv::AcceptLinkRequest accept =
      ShareHotelKeyByEmail(hotel, cred, "guest@example.test");
  auto accepted = guest.agent->AcceptLink(accept);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  const std::string key = oem_.SymmetricKey(accepted->credential_id());
  ASSERT_EQ(key.size(), 32u);
  EXPECT_CALL(ap_, GetChallenge(_, _, _)).WillOnce(Invoke([](auto*, const auto&, auto* resp) {
    resp->set_access_point_id("room-101");
    resp->set_nonce("nonce");
    return grpc::Status::OK;
  }));
  EXPECT_CALL(ap_, Authenticate(_, _, _))
      .WillOnce(Invoke([&](auto*, const ::access_point::v1::AuthenticateRequest& r,
                           ::access_point::v1::AuthenticateResponse* resp) {
        const std::string transcript =
            std::string("sct-ap-auth-v1\0room-101\0nonce\0enter", 35);
        bool ok = r.credential_id() == accepted->credential_id() &&
                  crypto::HmacSha256Verify(key, transcript, r.hmac()).ok();
        resp->set_granted(ok);
        resp->set_reason(ok ? ::access_point::v1::GRANTED
                            : ::access_point::v1::DENIED_BAD_SIGNATURE);
        return grpc::Status::OK;
      }));
  dv::UseCredentialRequest use;
  use.set_credential_id(accepted->credential_id());
  use.set_access_point_address("127.0.0.1:1");
  use.set_action("enter");
  auto resp = guest.agent->UseCredential(use);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_TRUE(resp->granted());
  EXPECT_EQ(resp->access_point_id(), "room-101");
}

// The opened hotel key is written with the provisioned credential (one
// write, not one for the key and one for the wallet) and is there after a
// restart.
TEST_F(DeviceAgentTest, AnAcceptedHotelKeyIsWrittenWithItsCredentialAndSurvivesARestart) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string state = std::string(dir ? dir : "/tmp") + "/guest-" + NewUuidV4() + ".state";
  Device hotel = MakeDevice("desk@hotel.test");
  Device guest = MakeDevice("guest@example.test", state);
  std::string cred = Own(hotel, cv::SYMMETRIC);
  ASSERT_TRUE(guest.agent->Enrol({}).ok());
  const dv::AcceptLinkRequest accept =
      ShareHotelKeyByEmail(hotel, cred, "guest@example.test");
  const uint64_t writes_before = guest.se->writes();
  auto accepted = guest.agent->AcceptLink(accept);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(guest.se->writes() - writes_before, 2u);
  const std::string key = oem_.SymmetricKey(accepted->credential_id());

  guest.agent.reset();
  guest.se.reset();
  Device restarted = MakeDevice("guest@example.test", state);
  auto wallet = Wallet::FromBytes(restarted.se->Wallet());
  ASSERT_TRUE(wallet.ok()) << wallet.status();
  const auto& creds = wallet->state().personas(0).credentials();
  ASSERT_EQ(creds.size(), 1);
  auto tag = restarted.se->Hmac(creds[0].symmetric_handle(), "transcript");
  ASSERT_TRUE(tag.ok()) << tag.status();
  EXPECT_EQ(*tag, *crypto::HmacSha256(key, "transcript"));
}

TEST_F(DeviceAgentTest, WalletAndKeysSurviveARestartFromTheStateFile) {
  const std::string path = TmpPath("device_restart_state");
  std::string cred, device_id, spki;
  {
    Device alice = MakeDevice("+15550001", path);
    cred = Own(alice, cv::ASYMMETRIC);
    auto state = alice.agent->GetState({});
    device_id = state->device_id();
    spki = state->personas(0).keys(0).public_key();
  }
  Device alice = MakeDevice("+15550001", path);
  auto state = alice.agent->GetState({});
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->enrolled());
  EXPECT_EQ(state->device_id(), device_id);
  ASSERT_EQ(state->personas(0).credentials_size(), 1);
  EXPECT_EQ(state->personas(0).credentials(0).credential_id(), cred);
  // The restored key still proves possession: the OEM accepts a share request.
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  EXPECT_TRUE(share.ok()) << share.status();
  EXPECT_TRUE(alice.agent->Enrol({})->already_enrolled());
}

TEST_F(DeviceAgentTest, CancelShareDeletesTheMailboxBeforeItIsRead) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  dv::CancelShareRequest cancel;
  cancel.set_share_id(share->share_id());
  auto cancelled = alice.agent->CancelShare(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->mailbox_deleted());
  EXPECT_THAT(cancelled->revocation().revoked_share_ids(), ElementsAre(share->share_id()));
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(share->share_id()));
  auto late = bob.agent->AcceptLink(FromInbox("+15550002"));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(alice.agent->GetState({})->personas(0).mailboxes(0).state(), dv::FLOW_CANCELLED);
}

TEST_F(DeviceAgentTest, RevokeShareSendsAHolderProofTheAuthorityAccepts) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok());
  dv::RevokeRequest revoke;
  revoke.set_share_id(share->share_id());
  auto revoked = alice.agent->Revoke(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(share->share_id()));
  revoke.set_share_id("unknown-share");
  EXPECT_EQ(ReasonOf(alice.agent->Revoke(revoke).status()), "share_not_found");
  // Another device cannot revoke Alice's share: it has no record of it.
  Device bob = MakeDevice("+15550002");
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  revoke.set_share_id(share->share_id());
  EXPECT_EQ(ReasonOf(bob.agent->Revoke(revoke).status()), "share_not_found");
}

TEST_F(DeviceAgentTest, PersonasHaveSeparateWallets) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  dv::AddPersonaRequest work;
  work.set_name("work");
  work.set_kind(cv::WORK);
  EXPECT_TRUE(alice.agent->AddPersona(work)->created());
  EXPECT_FALSE(alice.agent->AddPersona(work)->created());
  work.set_kind(cv::PERSONAL);
  EXPECT_EQ(ReasonOf(alice.agent->AddPersona(work).status()), "persona_kind_conflict");
  auto req = ShareReq(cred, "+15550002");
  req.set_persona("work");
  EXPECT_EQ(ReasonOf(alice.agent->ShareCredential(req).status()), "credential_not_found");
  dv::GetStateRequest only_work;
  only_work.set_persona("work");
  auto state = alice.agent->GetState(only_work);
  ASSERT_EQ(state->personas_size(), 1);
  EXPECT_EQ(state->personas(0).credentials_size(), 0);
  only_work.set_persona("nobody");
  EXPECT_EQ(ReasonOf(alice.agent->GetState(only_work).status()), "persona_not_found");
}

TEST_F(DeviceAgentTest, BadRequestsNameTheField) {
  Device alice = MakeDevice("+15550001");
  auto before = alice.agent->ShareCredential(ShareReq("nope", "+1"));
  EXPECT_EQ(ReasonOf(before.status()), "credential_not_found");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  auto req = ShareReq(cred, "+15550002");
  req.set_pin("12ab56");
  auto bad_pin = alice.agent->ShareCredential(req);
  EXPECT_EQ(ReasonOf(bad_pin.status()), "invalid_field");
  EXPECT_TRUE(absl::StartsWith(bad_pin.status().message(), "pin:"));
  req = ShareReq(cred, "");
  EXPECT_TRUE(absl::StartsWith(alice.agent->ShareCredential(req).status().message(),
                               "to_address:"));
  req = ShareReq(cred, "+1");
  req.set_channel(cv::CHANNEL_KIND_UNSPECIFIED);
  EXPECT_EQ(ReasonOf(alice.agent->ShareCredential(req).status()), "invalid_field");
  dv::AcceptLinkRequest accept;
  accept.set_link("https://relay.test/v1/m/x");
  EXPECT_EQ(ReasonOf(alice.agent->AcceptLink(accept).status()), "bad_link");
  Device fresh = MakeDevice("+15550003");
  accept.set_link("https://relay.test/v1/m/x#y");
  EXPECT_EQ(ReasonOf(fresh.agent->AcceptLink(accept).status()), "not_enrolled");
}

TEST_F(DeviceAgentTest, AcceptLinkRefusesAMalformedLinkBeforeCallingAnyone) {
  Device bob = MakeDevice("+15550002");
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string id = "0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23";
  const std::string good = Base64UrlEncode(std::string(16, 'x'));
  log_.Clear();
  for (const std::string& bad :
       {"https://r.test/v1/m/" + id + "?v=c",                          // no fragment
        "https://r.test/v1/m/" + id + "#" + Base64UrlEncode("short"),  // 5-byte secret
        "https://r.test/v1/m/not-a-uuid#" + good,                      // bad id
        "https://r.test/v1/m/" + id + "?v=z#" + good}) {               // bad vertical
    dv::AcceptLinkRequest accept;
    accept.set_link(bad);
    auto st = bob.agent->AcceptLink(accept).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ReasonOf(st), "bad_link") << bad;
    EXPECT_FALSE(absl::StrContains(st.message(), good)) << bad;
  }
  EXPECT_TRUE(log_.calls().empty());
}

TEST_F(DeviceAgentTest, PinIsPassedToTheAuthorityAndAWrongPinCanBeRetried) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto req = ShareReq(cred, "+15550002");
  req.set_pin("123456");
  req.mutable_pin_delivery()->set_channel(cv::EMAIL);
  req.mutable_pin_delivery()->set_to("bob@example.test");
  ASSERT_TRUE(alice.agent->ShareCredential(req).ok());
  auto pin_mail = channel_.Inbox("bob@example.test");
  ASSERT_EQ(pin_mail.size(), 1u);
  EXPECT_TRUE(absl::StrContains(pin_mail[0].body(), "123456"));
  EXPECT_FALSE(absl::StrContains(channel_.Inbox("+15550002")[0].body(), "123456"));
  auto accept = FromInbox("+15550002");
  accept.set_pin("000000");
  EXPECT_EQ(ReasonOf(bob.agent->AcceptLink(accept).status()), "wrong_pin");
  accept.set_request_id(NewUuidV4());
  accept.set_pin("123456");
  auto ok = bob.agent->AcceptLink(accept);  // same mailbox, same claim: no mailbox_claimed
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->outcome(), dv::ACCEPT_PROVISIONED);
}

}  // namespace
}  // namespace sct::device

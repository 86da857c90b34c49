// The sender after the share: revoking what its shares issued (down the
// re-share tree) and cancelling a share whose mailbox or link failed.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/rfc3339.h"
#include "device/device_agent.h"
#include "device/device_agent_fixture.h"
#include "device/fake_services.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

using ::testing::_;
using ::testing::Contains;
using testing::Device;
using testing::DeviceAgentTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
namespace dv = ::device::v1;
namespace cv = ::common::v1;

class SenderTest : public DeviceAgentTest {
 protected:
  // `from` shares credential `cred` to `to_address` and the device `to`
  // accepts; returns the new credential id ("" on failure).
  std::string ShareAndAccept(Device& from, const std::string& cred, Device& to,
                             const std::string& to_address, bool resharing_allowed,
                             std::string* share_id) {
    dv::ShareCredentialRequest req = ShareReq(cred, to_address);
    req.set_resharing_allowed(resharing_allowed);
    auto share = from.agent->ShareCredential(req);
    EXPECT_TRUE(share.ok()) << share.status();
    if (!share.ok()) return "";
    if (share_id != nullptr) *share_id = share->share_id();
    auto accepted = to.agent->AcceptLink(FromInbox(to_address));
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return accepted.ok() ? accepted->credential_id() : "";
  }

  // Alice owns a car key and shares it (resharing allowed) to Bob, who shares
  // it on to Carol: a tree of two levels below Alice.
  struct Chain {
    Device alice, bob, carol;
    std::string cred, bob_cred, bob_share, carol_cred;
  };
  void MakeChain(Chain* c) {
    c->alice = MakeDevice("+15550001");
    c->bob = MakeDevice("+15550002");
    c->carol = MakeDevice("+15550003");
    c->cred = Own(c->alice, cv::ASYMMETRIC);
    ASSERT_TRUE(c->bob.agent->Enrol({}).ok());
    ASSERT_TRUE(c->carol.agent->Enrol({}).ok());
    c->bob_cred = ShareAndAccept(c->alice, c->cred, c->bob, "+15550002",
                                 /*resharing_allowed=*/true, nullptr);
    ASSERT_FALSE(c->bob_cred.empty());
    c->carol_cred = ShareAndAccept(c->bob, c->bob_cred, c->carol, "+15550003",
                                   /*resharing_allowed=*/false, &c->bob_share);
    ASSERT_FALSE(c->carol_cred.empty());
  }

  // The one sender exchange of `d`'s default persona.
  dv::MailboxRecord OnlySentExchange(Device& d) {
    auto state = d.agent->GetState({});
    EXPECT_TRUE(state.ok()) << state.status();
    EXPECT_EQ(state->personas(0).mailboxes_size(), 1);
    if (state->personas(0).mailboxes_size() != 1) return {};
    return state->personas(0).mailboxes(0);
  }
};

TEST_F(SenderTest, SenderRevokesACredentialIssuedFromItsShare) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  const std::string bob_cred =
      ShareAndAccept(alice, cred, bob, "+15550002", /*resharing_allowed=*/false, nullptr);
  ASSERT_FALSE(bob_cred.empty());

  dv::RevokeRequest revoke;
  revoke.set_credential_id(bob_cred);
  auto revoked = alice.agent->Revoke(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(revoked->revoked_credential_ids(), ElementsAre(bob_cred));
  EXPECT_THAT(oem_.revoked_credentials(), ElementsAre(bob_cred));

  // A credential nobody in Alice's share tree holds is still not hers to revoke.
  revoke.set_credential_id("unknown-credential");
  EXPECT_EQ(ReasonOf(alice.agent->Revoke(revoke).status()), "credential_not_found");
  // Another device that made no share cannot revoke Bob's credential.
  Device carol = MakeDevice("+15550003");
  Own(carol, cv::ASYMMETRIC);
  revoke.set_credential_id(bob_cred);
  EXPECT_EQ(ReasonOf(carol.agent->Revoke(revoke).status()), "credential_not_found");
  EXPECT_THAT(oem_.revoked_credentials(), ElementsAre(bob_cred));
}

TEST_F(SenderTest, AncestorRevokesAGrandchildShareAndCredential) {
  Chain c;
  ASSERT_NO_FATAL_FAILURE(MakeChain(&c));
  dv::RevokeRequest revoke;
  revoke.set_share_id(c.bob_share);
  auto revoked = c.alice.agent->Revoke(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(c.bob_share));
  revoke.set_credential_id(c.carol_cred);
  revoked = c.alice.agent->Revoke(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(oem_.revoked_credentials(), ElementsAre(c.carol_cred));
  // Carol is below Bob, not above him: his share is not hers to revoke.
  revoke.set_share_id(c.bob_share);
  EXPECT_EQ(ReasonOf(c.carol.agent->Revoke(revoke).status()), "share_not_found");
}

// The authority pages ListShares: a share further down the tree that is not
// on the first page is still found by following next_page_token.
TEST_F(SenderTest, AncestorRevokeFollowsListSharesPages) {
  oem_.set_list_shares_page_cap(1);
  Chain c;  // Bob's share is the second share of Alice's tree: page 2 of 2
  ASSERT_NO_FATAL_FAILURE(MakeChain(&c));
  const int pages_before = oem_.list_shares_pages();
  dv::RevokeRequest revoke;
  revoke.set_share_id(c.bob_share);
  auto revoked = c.alice.agent->Revoke(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(c.bob_share));
  EXPECT_EQ(oem_.list_shares_pages() - pages_before, 2);
}

TEST_F(SenderTest, FailedMailboxCreateLeavesACancellableShare) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  EXPECT_CALL(relay_, CreateMailbox(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_EQ(share.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(share.status()), "relay_unavailable");

  const dv::MailboxRecord failed = OnlySentExchange(alice);
  ASSERT_FALSE(failed.share_id().empty());
  EXPECT_EQ(failed.role(), dv::ROLE_SENDER);
  EXPECT_EQ(failed.state(), dv::FLOW_FAILED);
  EXPECT_EQ(failed.last_reason(), "relay_unavailable");
  EXPECT_TRUE(failed.mailbox_id().empty());
  EXPECT_TRUE(absl::StrContains(share.status().message(), failed.share_id()));
  std::vector<dv::DeviceEventKind> kinds = Kinds(*alice.agent);
  EXPECT_THAT(kinds, Contains(dv::EVENT_FLOW_FAILED));

  dv::CancelShareRequest cancel;
  cancel.set_share_id(failed.share_id());
  auto cancelled = alice.agent->CancelShare(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_FALSE(cancelled->mailbox_deleted());
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(failed.share_id()));
  EXPECT_EQ(OnlySentExchange(alice).state(), dv::FLOW_CANCELLED);
}

// The authority answers a repeated request id with the share it minted only when the
// request is the same: a retry after a failed delivery re-sends the signed intent.
TEST_F(SenderTest, RetryOfAnUndeliveredShareResendsTheSignedRequest) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  EXPECT_CALL(relay_, CreateMailbox(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")))
      .WillRepeatedly(::testing::DoDefault());
  dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
  ASSERT_EQ(alice.agent->ShareCredential(req).status().code(), absl::StatusCode::kUnavailable);
  auto retried = alice.agent->ShareCredential(req);
  ASSERT_TRUE(retried.ok()) << retried.status();
  std::vector<::credential_authority::v1::InitiateShareRequest> sent = oem_.share_requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].request_id(), sent[0].request_id());
  EXPECT_EQ(sent[1].intent(), sent[0].intent());
  EXPECT_EQ(sent[1].holder_proof(), sent[0].holder_proof());
  // Another request id is another share: signed anew.
  req.set_request_id("another-request");
  ASSERT_TRUE(alice.agent->ShareCredential(req).ok());
  sent = oem_.share_requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_NE(sent[2].intent(), sent[1].intent());
}

// The agent keeps the signed requests of the newest 256 request ids: filling it up forgets
// only the oldest, so a retry of a recent undelivered share still re-sends its signed intent.
TEST_F(SenderTest, RetryAfterManyOtherSharesStillResendsTheSignedRequest) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  EXPECT_CALL(relay_, CreateMailbox(_, _, _))
      .WillRepeatedly(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  auto share = [&](const dv::ShareCredentialRequest& req) {
    EXPECT_EQ(alice.agent->ShareCredential(req).status().code(), absl::StatusCode::kUnavailable);
  };
  // The holder proofs sent for `request_id`, in order.
  auto proofs_of = [&](const std::string& request_id) {
    std::vector<std::string> proofs;
    for (const auto& sent : oem_.share_requests()) {
      if (sent.request_id() == request_id) proofs.push_back(sent.holder_proof());
    }
    return proofs;
  };
  const dv::ShareCredentialRequest oldest = ShareReq(cred, "+15550002");
  share(oldest);
  for (int i = 1; i < 255; ++i) share(ShareReq(cred, "+15550002"));
  const dv::ShareCredentialRequest recent = ShareReq(cred, "+15550002");
  share(recent);  // the 256th request id
  const dv::ShareCredentialRequest newest = ShareReq(cred, "+15550002");
  share(newest);  // beyond the bound: the oldest is forgotten, nothing else

  share(recent);
  share(newest);
  share(oldest);
  for (const auto& [name, request_id] : {std::make_pair("recent", recent.request_id()),
                                         std::make_pair("newest", newest.request_id())}) {
    const std::vector<std::string> proofs = proofs_of(request_id);
    ASSERT_EQ(proofs.size(), 2u) << name;
    EXPECT_EQ(proofs[1], proofs[0]) << name << ": retry was signed anew";
  }
  const std::vector<std::string> oldest_proofs = proofs_of(oldest.request_id());
  ASSERT_EQ(oldest_proofs.size(), 2u);
  EXPECT_NE(oldest_proofs[1], oldest_proofs[0]) << "the oldest request id was not forgotten";
}

TEST_F(SenderTest, FailedLinkSendLeavesACancellableShare) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  EXPECT_CALL(channel_, Send(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_EQ(share.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(share.status()), "channel_unavailable");

  const dv::MailboxRecord failed = OnlySentExchange(alice);
  ASSERT_FALSE(failed.share_id().empty());
  EXPECT_EQ(failed.state(), dv::FLOW_FAILED);
  EXPECT_EQ(failed.last_reason(), "channel_unavailable");
  // Nobody got the link: the mailbox is gone already.
  EXPECT_FALSE(relay_.Exists(failed.mailbox_id()));

  dv::CancelShareRequest cancel;
  cancel.set_share_id(failed.share_id());
  auto cancelled = alice.agent->CancelShare(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_FALSE(cancelled->mailbox_deleted());
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(failed.share_id()));
  // Revoke by share id works as well (the share is in the wallet).
  dv::RevokeRequest revoke;
  revoke.set_share_id(failed.share_id());
  EXPECT_TRUE(alice.agent->Revoke(revoke).ok());
}

// The relay's create answer carries its default expiry: a share nobody
// opened before then is expired, not provisioned, and the sender is told.
TEST_F(SenderTest, UnopenedShareExpiredAtTheRelayDefaultIsReportedExpired) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  relay_.set_default_expiration(FormatRfc3339(clock_.Now() + absl::Hours(24)));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  ASSERT_TRUE(share->has_mailbox_expires_at());
  EXPECT_EQ(share->mailbox_expires_at().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Hours(24)));
  clock_.Advance(absl::Hours(25));
  relay_.Expire(share->mailbox_id());
  EXPECT_EQ(alice.agent->Tick(), 1);
  const dv::MailboxRecord rec = OnlySentExchange(alice);
  EXPECT_EQ(rec.state(), dv::FLOW_EXPIRED);
  EXPECT_EQ(rec.last_reason(), "mailbox_expired");
  EXPECT_THAT(Kinds(*alice.agent), Not(Contains(dv::EVENT_SHARE_COMPLETED)));
  EXPECT_THAT(Kinds(*alice.agent), Contains(dv::EVENT_FLOW_FAILED));
  // The live bearer token can still be cancelled.
  dv::CancelShareRequest cancel;
  cancel.set_share_id(share->share_id());
  ASSERT_TRUE(alice.agent->CancelShare(cancel).ok());
  EXPECT_THAT(oem_.revoked_shares(), ElementsAre(share->share_id()));
}

// A relay lying about expiry (relay --malicious=lie_about_expiry) claims a
// later one in its create and read answers. A sender that asked mailbox_ttl
// keeps its own: the unread mailbox's disappearance after that is
// FLOW_EXPIRED, even when a poll read the lie while the mailbox still existed
// (before the fix that read replaced the sender's expiry, and the share ended
// FLOW_PROVISIONED: the suite's flake).
TEST_F(SenderTest, AskedMailboxTtlIsNotReplacedByTheRelaysLaterClaim) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  const absl::Time start = clock_.Now();
  relay_.set_claimed_expiration(FormatRfc3339(start + absl::Hours(26)));
  dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
  req.mutable_mailbox_ttl()->set_seconds(2 * 3600);
  auto share = alice.agent->ShareCredential(req);
  ASSERT_TRUE(share.ok()) << share.status();
  EXPECT_EQ(share->mailbox_expires_at().seconds(), absl::ToUnixSeconds(start + absl::Hours(2)));

  // Polls while the mailbox is still there read the claim.
  clock_.Advance(absl::Minutes(30));
  EXPECT_EQ(alice.agent->Tick(), 1);
  EXPECT_EQ(relay_.size(), 1u);
  EXPECT_EQ(OnlySentExchange(alice).expires_at().seconds(),
            absl::ToUnixSeconds(start + absl::Hours(2)));

  clock_.Advance(absl::Hours(3));
  relay_.Expire(share->mailbox_id());
  EXPECT_EQ(alice.agent->Tick(), 1);
  const dv::MailboxRecord rec = OnlySentExchange(alice);
  EXPECT_EQ(rec.state(), dv::FLOW_EXPIRED);
  EXPECT_EQ(rec.last_reason(), "mailbox_expired");
  EXPECT_THAT(Kinds(*alice.agent), Not(Contains(dv::EVENT_SHARE_COMPLETED)));
}

// Without mailbox_ttl the relay's word is all the sender has: the same lie
// makes the expired mailbox read as the receiver's delete (undetected;
// docs/attack.md "Active malicious relay").
TEST_F(SenderTest, WithoutMailboxTtlTheRelaysLaterClaimIsBelieved) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  relay_.set_claimed_expiration(FormatRfc3339(clock_.Now() + absl::Hours(26)));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  clock_.Advance(absl::Hours(3));
  relay_.Expire(share->mailbox_id());
  EXPECT_EQ(alice.agent->Tick(), 1);
  EXPECT_EQ(OnlySentExchange(alice).state(), dv::FLOW_PROVISIONED);
}

// An expiry past 9999-12-31 from the relay is an error naming the field,
// not a value clamped (or wrapped) into range.
TEST_F(SenderTest, AnOutOfRangeRelayExpiryIsABadRelayResponse) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  relay_.set_default_expiration("9999-12-31T23:59:59-01:00");  // 10000-01-01T00:59:59Z
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_FALSE(share.ok());
  EXPECT_EQ(ReasonOf(share.status()), "bad_relay_response");
  EXPECT_THAT(std::string(share.status().message()), HasSubstr("expiration"));
}

// A negative or absurd mailbox_ttl is refused naming the field (before: a
// negative one was silently dropped, ten thousand years saturated).
TEST_F(SenderTest, MailboxTtlIsRangeChecked) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  for (int64_t seconds : {int64_t{-60}, int64_t{315576000000}}) {
    dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
    req.mutable_mailbox_ttl()->set_seconds(seconds);
    auto share = alice.agent->ShareCredential(req);
    ASSERT_FALSE(share.ok()) << seconds;
    EXPECT_EQ(share.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(share.status().message(), "mailbox_ttl: must be between 0 and 87600h");
  }
  dv::AcceptLinkRequest accept;
  accept.mutable_round_timeout()->set_seconds(-1);
  auto accepted = alice.agent->AcceptLink(accept);
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.status().message(), "round_timeout: must be between 0 and 24h");
}

// A validity outside 0001-9999, with bad nanos, or inverted is refused naming
// the field before anything is signed (before: the device signed and sent it,
// and only the authority refused).
TEST_F(SenderTest, ShareValidityIsRangeChecked) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  struct Case {
    int64_t not_before, not_after;
    int32_t nanos;
    const char* field;
  };
  const int64_t now = 1767225600;  // 2026-01-01
  for (const Case& c : {Case{now, 253402300800, 0, "validity.not_after"},      // year 10000
                        Case{-62135596801, now, 0, "validity.not_before"},     // before 0001
                        Case{now, now + 60, 1000000000, "validity.not_after"},  // bad nanos
                        Case{now + 60, now, 0, "validity.not_after"}}) {        // inverted
    dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
    req.mutable_validity()->mutable_not_before()->set_seconds(c.not_before);
    req.mutable_validity()->mutable_not_after()->set_seconds(c.not_after);
    req.mutable_validity()->mutable_not_after()->set_nanos(c.nanos);
    auto share = alice.agent->ShareCredential(req);
    ASSERT_FALSE(share.ok()) << c.field;
    EXPECT_EQ(share.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(share.status().message()), HasSubstr(c.field));
  }
}

// A relay that returns no expiry: a mailbox gone before any known expiry
// still reads as the receiver having finished.
TEST_F(SenderTest, WithoutARelayExpiryAGoneMailboxMeansCompleted) {
  Device alice = MakeDevice("+15550001");
  const std::string cred = Own(alice, cv::ASYMMETRIC);
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  EXPECT_FALSE(share->has_mailbox_expires_at());
  clock_.Advance(absl::Hours(25));
  relay_.Expire(share->mailbox_id());
  EXPECT_EQ(alice.agent->Tick(), 1);
  EXPECT_EQ(OnlySentExchange(alice).state(), dv::FLOW_PROVISIONED);
  EXPECT_THAT(Kinds(*alice.agent), Contains(dv::EVENT_SHARE_COMPLETED));
}

// Symmetric keys stay single-round; the refusal says why.
TEST_F(SenderTest, SymmetricKeyRefusesMultiRoundNamingTheReason) {
  Device hotel = MakeDevice("+15550001");
  const std::string cred = Own(hotel, cv::SYMMETRIC);
  dv::ShareCredentialRequest req = ShareReq(cred, "+15550002");
  req.clear_entitlements();
  req.set_multi_round(true);
  auto share = hotel.agent->ShareCredential(req);
  EXPECT_EQ(share.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(share.status()), "invalid_field");
  EXPECT_TRUE(absl::StrContains(share.status().message(), "multi_round: symmetric (hotel) keys"))
      << share.status();
  EXPECT_TRUE(absl::StrContains(share.status().message(), "single-round")) << share.status();
}

}  // namespace
}  // namespace sct::device

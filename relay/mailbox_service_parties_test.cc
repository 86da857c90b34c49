// MailboxService: what each party may do with a mailbox: read and bind,
// preview, update, delete, relinquish, and the pushes they cause.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service_test_fixture.h"

namespace sct::relay {
namespace {

// ------------------------------------------------------------------ read

TEST_F(MailboxServiceTest, FirstOtherClaimBindsTheReceiver) {
  const std::string id = Create();
  const std::string rid = Uuid();
  auto r = Read(id, receiver_, rid);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->payload, MakePayload());
  EXPECT_EQ(r->display.title, "Car key");
  EXPECT_EQ(r->expiration, clock_.Now() + absl::Hours(48));
  EXPECT_FALSE(r->repeated);
  Mailbox m = Stored(id);
  EXPECT_EQ(m.receiver_claim, receiver_);
  EXPECT_EQ(m.receiver_token, (NotificationToken{"oem-b", "receiver-token"}));
  // The binding request repeated: same answer, flagged, nothing changes.
  auto again = Read(id, receiver_, rid);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(again->payload, MakePayload());
  EXPECT_EQ(Stored(id).version, m.version);
  // Later reads by the receiver work (and change nothing).
  auto later = Read(id, absl::AsciiStrToUpper(receiver_));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->repeated);
  EXPECT_EQ(Stored(id).version, m.version);
}

TEST_F(MailboxServiceTest, AnotherClaimCannotReadABoundMailbox) {
  const std::string id = Create();
  ASSERT_TRUE(Read(id, receiver_).ok());
  ExpectError(Read(id, stranger_).status(), absl::StatusCode::kUnauthenticated, "claim_mismatch",
              "Mailbox-Device-Claim");
  EXPECT_EQ(service_->stats().bind_conflicts, 1);
  EXPECT_EQ(Stored(id).receiver_claim, receiver_);
}

TEST_F(MailboxServiceTest, SenderReadsItsOwnMailboxWithoutBindingIt) {
  const std::string id = Create();
  auto r = Read(id, sender_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->payload, MakePayload());
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  EXPECT_EQ(Stored(id).version, 1);
  ASSERT_TRUE(Read(id, receiver_).ok());
  EXPECT_TRUE(Read(id, sender_).ok());  // still, after binding
}

TEST_F(MailboxServiceTest, ReceiverReadNeedsTheReadRight) {
  const std::string id = Create("WD");
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kPermissionDenied, "access_denied");
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  EXPECT_TRUE(Read(id, sender_).ok());
}

TEST_F(MailboxServiceTest, ReadRejectsBadInput) {
  const std::string id = Create();
  ExpectError(Read(id, "").status(), absl::StatusCode::kUnauthenticated, "claim_missing",
              "Mailbox-Device-Claim");
  ExpectError(Read(id, "zzz").status(), absl::StatusCode::kInvalidArgument, "invalid_field",
              "Mailbox-Device-Claim");
  ExpectError(Read(id, receiver_, "1234").status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "Mailbox-Request-ID");
  ExpectError(Read("../etc/passwd", receiver_).status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "mailboxId");
  ReadSecureContentRequest req{id, receiver_, Uuid(), NotificationToken{"", "x"}};
  ExpectError(service_->ReadSecureContent(ctx_, req).status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "notificationToken.type");
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
}

TEST_F(MailboxServiceTest, UnknownMailboxIsNotFound) {
  ExpectError(Read(Uuid(), receiver_).status(), absl::StatusCode::kNotFound, "mailbox_not_found");
  ExpectError(Update(Uuid(), sender_, MakePayload()).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(Delete(Uuid(), sender_).status(), absl::StatusCode::kNotFound, "mailbox_not_found");
  ExpectError(Relinquish(Uuid(), receiver_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(service_->ReadDisplayInformation(ctx_, Uuid()).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
}

// ------------------------------------------------------------- display info

TEST_F(MailboxServiceTest, DisplayInformationBindsNothing) {
  const std::string id = Create();
  auto d = service_->ReadDisplayInformation(ctx_, absl::AsciiStrToUpper(id));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->mailbox_id, id);
  EXPECT_EQ(d->url_link, absl::StrCat(kBaseUrl, "/v1/m/", id));
  EXPECT_EQ(d->display, (DisplayInformation{"Car key", "Blue car", "https://example.com/car.png"}));
  EXPECT_EQ(Stored(id).version, 1);
  // The same answer after someone read.
  ASSERT_TRUE(Read(id, receiver_).ok());
  auto after = service_->ReadDisplayInformation(ctx_, id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->display, d->display);
  EXPECT_EQ(after->url_link, d->url_link);
}

// ------------------------------------------------------------------ update

TEST_F(MailboxServiceTest, SenderUpdateReplacesPayloadAndNotifiesOnlyTheReceiver) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Read(id, receiver_).ok());
  const Payload next = MakePayload(100, 'n');
  auto u = Update(id, sender_, next);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_FALSE(u->repeated);
  EXPECT_EQ(Read(id, receiver_)->payload, next);
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token, (NotificationToken{"oem-b", "receiver-token"}));
  EXPECT_EQ(push_.sent()[0].mailbox_id, id);
  EXPECT_EQ(service_->stats().push_sent, 1);
}

TEST_F(MailboxServiceTest, ReceiverUpdateNotifiesOnlyTheSender) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Read(id, receiver_).ok());
  const Payload reply = MakePayload(50, 'r');
  ASSERT_TRUE(Update(id, receiver_, reply).ok());
  EXPECT_EQ(Read(id, sender_)->payload, reply);
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token, (NotificationToken{"oem-a", "sender-token"}));
}

TEST_F(MailboxServiceTest, UpdateBeforeBindingNotifiesNobody) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Update(id, sender_, MakePayload(40, 'u')).ok());
  EXPECT_TRUE(push_.sent().empty());
}

TEST_F(MailboxServiceTest, UpdateRefreshesTheCallersToken) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Read(id, receiver_).ok());
  UpdateMailboxRequest req{id, receiver_, Uuid(), MakePayload(40, 'u'),
                           NotificationToken{"oem-b", "new-receiver-token"}};
  ASSERT_TRUE(service_->UpdateMailbox(ctx_, req).ok());
  EXPECT_EQ(Stored(id).receiver_token->token_data, "new-receiver-token");
  ASSERT_TRUE(Update(id, sender_, MakePayload(40, 'v')).ok());
  ASSERT_EQ(push_.sent().size(), 2u);
  EXPECT_EQ(push_.sent()[1].token.token_data, "new-receiver-token");
}

TEST_F(MailboxServiceTest, UpdateNeedsTheWriteRight) {
  const std::string id = Create();  // default RD
  ASSERT_TRUE(Read(id, receiver_).ok());
  ExpectError(Update(id, sender_, MakePayload(40, 'x')).status(),
              absl::StatusCode::kPermissionDenied, "access_denied");
  ExpectError(Update(id, receiver_, MakePayload(40, 'x')).status(),
              absl::StatusCode::kPermissionDenied, "access_denied");
  EXPECT_EQ(Stored(id).payload, MakePayload());
  EXPECT_TRUE(push_.sent().empty());
}

TEST_F(MailboxServiceTest, UpdateByAnUnboundClaimIsRefused) {
  const std::string id = Create("RWD");
  // Not yet bound: a would-be receiver cannot write before reading.
  ExpectError(Update(id, receiver_, MakePayload(40, 'x')).status(),
              absl::StatusCode::kUnauthenticated, "claim_mismatch");
  ASSERT_TRUE(Read(id, receiver_).ok());
  ExpectError(Update(id, stranger_, MakePayload(40, 'x')).status(),
              absl::StatusCode::kUnauthenticated, "claim_mismatch");
  EXPECT_EQ(Stored(id).payload, MakePayload());
}

TEST_F(MailboxServiceTest, RepeatedUpdateChangesNothingAndPushesNothing) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Read(id, receiver_).ok());
  const std::string rid = Uuid();
  ASSERT_TRUE(Update(id, sender_, MakePayload(40, '1'), rid).ok());
  const int64_t version = Stored(id).version;
  auto again = Update(id, sender_, MakePayload(40, '2'), rid);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(Stored(id).payload, MakePayload(40, '1'));
  EXPECT_EQ(Stored(id).version, version);
  EXPECT_EQ(push_.sent().size(), 1u);
}

TEST_F(MailboxServiceTest, UpdateValidatesThePayload) {
  const std::string id = Create("RWD");
  ExpectError(Update(id, sender_, Payload{"AEAD_CHACHA", std::string(40, 'x')}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field", "payload.type");
  ExpectError(Update(id, sender_, MakePayload(10)).status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "payload.data");
  ExpectError(Update(id, sender_, MakePayload(RelayLimits().max_payload_bytes + 1)).status(),
              absl::StatusCode::kResourceExhausted, "payload_too_large", "payload.data");
  EXPECT_EQ(Stored(id).payload, MakePayload());
}

TEST_F(MailboxServiceTest, PushFailuresAreCountedButNeverFailTheOperation) {
  const std::string id = Create("RWD");
  ASSERT_TRUE(Read(id, receiver_).ok());
  push_.FailWith(absl::UnavailableError("push endpoint down"));
  EXPECT_TRUE(Update(id, sender_, MakePayload(40, 'f')).ok());
  EXPECT_EQ(service_->stats().push_failed, 1);
  EXPECT_EQ(service_->stats().push_sent, 0);
  EXPECT_TRUE(Delete(id, sender_).ok());
  EXPECT_EQ(service_->stats().push_failed, 2);
}

TEST_F(MailboxServiceTest, NoPushForATokenTypeWithoutRoute) {
  auto req = CreateReq(sender_, "RWD");
  req.notification_token->type = "oem-unknown";
  const std::string id = service_->CreateMailbox(ctx_, req)->mailbox_id;
  ASSERT_TRUE(Read(id, receiver_).ok());
  ASSERT_TRUE(Update(id, receiver_, MakePayload(40, 'x')).ok());
  EXPECT_TRUE(push_.sent().empty());
  EXPECT_EQ(service_->stats().push_failed, 0);
}

// ------------------------------------------------------------------ delete

TEST_F(MailboxServiceTest, SenderDeleteRemovesAndNotifiesTheReceiver) {
  const std::string id = Create();  // RD
  ASSERT_TRUE(Read(id, receiver_).ok());
  auto d = Delete(id, sender_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->repeated);
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kNotFound, "mailbox_not_found");
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token.type, "oem-b");
  EXPECT_EQ(service_->stats().mailboxes_deleted, 1);
  EXPECT_EQ(*service_->LiveMailboxes(), 0);
}

TEST_F(MailboxServiceTest, ReceiverDeleteNotifiesTheSender) {
  const std::string id = Create();
  ASSERT_TRUE(Read(id, receiver_).ok());
  ASSERT_TRUE(Delete(id, receiver_).ok());
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token.type, "oem-a");
}

TEST_F(MailboxServiceTest, DeleteNeedsTheDeleteRightAndABoundParty) {
  const std::string id = Create("RW");
  ExpectError(Delete(id, sender_).status(), absl::StatusCode::kPermissionDenied, "access_denied");
  const std::string id2 = Create();
  ExpectError(Delete(id2, receiver_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");  // not bound yet
  ASSERT_TRUE(Read(id2, receiver_).ok());
  ExpectError(Delete(id2, stranger_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");
  EXPECT_EQ(*service_->LiveMailboxes(), 2);
}

TEST_F(MailboxServiceTest, RepeatedDeleteIsAnsweredAsARepeat) {
  const std::string id = Create();
  const std::string rid = Uuid();
  ASSERT_TRUE(Delete(id, sender_, rid).ok());
  auto again = Delete(id, sender_, rid);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  // A new request on the deleted mailbox is a plain 404.
  ExpectError(Delete(id, sender_).status(), absl::StatusCode::kNotFound, "mailbox_not_found");
  EXPECT_EQ(service_->stats().mailboxes_deleted, 1);
}

// The draft omits Mailbox-Request-ID from its read operation: read and delete
// are served without one, and such a request is never taken for a repeat.
// Update and relinquish still need it.
TEST_F(MailboxServiceTest, ReadAndDeleteWithoutARequestIdAreServedButNeverRepeat) {
  const std::string id = Create("RWD");
  auto first = Read(id, receiver_, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->repeated);
  EXPECT_EQ(Stored(id).receiver_claim, receiver_);
  EXPECT_TRUE(Stored(id).applied_requests.empty());
  auto second = Read(id, receiver_, "");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->repeated);
  ExpectError(Read(id, stranger_, "").status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");
  ExpectError(Read(id, receiver_, "not-a-uuid").status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "Mailbox-Request-ID");
  ExpectError(Update(id, sender_, MakePayload(40, 'u'), "").status(),
              absl::StatusCode::kInvalidArgument, "invalid_field", "Mailbox-Request-ID");
  ExpectError(Relinquish(id, receiver_, "").status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "Mailbox-Request-ID");

  ASSERT_TRUE(Delete(id, sender_, "").ok());
  ExpectError(Delete(id, sender_, "").status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
}

TEST_F(MailboxServiceTest, UpdateSaysWhetherTheCallerCanBePushed) {
  const std::string id = Create("RWD");  // the sender registered an oem-a token
  ASSERT_TRUE(Read(id, receiver_).ok());  // the receiver an oem-b token
  auto sender_update = Update(id, sender_, MakePayload(40, 'a'));
  ASSERT_TRUE(sender_update.ok()) << sender_update.status();
  EXPECT_TRUE(sender_update->push_supported);

  // A token this update sends counts, also on a repeat of it.
  const std::string rid = Uuid();
  UpdateMailboxRequest req{id, receiver_, rid, MakePayload(40, 'b'),
                           NotificationToken{"oem-unknown", "t"}};
  auto unknown = service_->UpdateMailbox(ctx_, req);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_FALSE(unknown->push_supported);
  auto repeated = service_->UpdateMailbox(ctx_, req);
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_TRUE(repeated->repeated);
  EXPECT_FALSE(repeated->push_supported);

  // No push notifier at all: never supported.
  MailboxService no_push(&store_, &clock_, nullptr, "https://relay.example", RelayLimits());
  auto plain = no_push.UpdateMailbox(
      ctx_, UpdateMailboxRequest{id, sender_, Uuid(), MakePayload(40, 'c'), std::nullopt});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->push_supported);
}

// -------------------------------------------------------------- relinquish

TEST_F(MailboxServiceTest, RelinquishLetsAnotherClaimBind) {
  const std::string id = Create();
  ASSERT_TRUE(Read(id, receiver_).ok());
  auto r = Relinquish(id, receiver_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->repeated);
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  EXPECT_FALSE(Stored(id).receiver_token.has_value());
  ASSERT_TRUE(Read(id, stranger_).ok());
  EXPECT_EQ(Stored(id).receiver_claim, stranger_);
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kUnauthenticated, "claim_mismatch");
}

TEST_F(MailboxServiceTest, OnlyTheBoundReceiverMayRelinquish) {
  const std::string id = Create();
  ExpectError(Relinquish(id, receiver_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");  // nobody bound
  ASSERT_TRUE(Read(id, receiver_).ok());
  ExpectError(Relinquish(id, sender_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");
  ExpectError(Relinquish(id, stranger_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");
  EXPECT_EQ(Stored(id).receiver_claim, receiver_);
}

TEST_F(MailboxServiceTest, RepeatedRelinquishChangesNothing) {
  const std::string id = Create();
  ASSERT_TRUE(Read(id, receiver_).ok());
  const std::string rid = Uuid();
  ASSERT_TRUE(Relinquish(id, receiver_, rid).ok());
  ASSERT_TRUE(Read(id, stranger_).ok());  // a new receiver bound meanwhile
  const int64_t version = Stored(id).version;
  auto again = Relinquish(id, receiver_, rid);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(Stored(id).receiver_claim, stranger_);
  EXPECT_EQ(Stored(id).version, version);
}

}  // namespace
}  // namespace sct::relay

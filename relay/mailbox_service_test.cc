#include "relay/mailbox_service.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/memory_mailbox_store.h"
#include "relay/sqlite_mailbox_store.h"

namespace sct::relay {
namespace {

constexpr char kBaseUrl[] = "https://relay.example";

std::string Uuid() { return NewUuidV4(); }

Payload MakePayload(size_t size = 64, char fill = 'p') {
  return Payload{kAeadAes128Gcm, std::string(size, fill)};
}

// Asserts `status` has `code` and `reason`, and its message names `field`.
void ExpectError(const absl::Status& status, absl::StatusCode code, absl::string_view reason,
                 absl::string_view field = "") {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ReasonOf(status), reason) << status;
  if (!field.empty()) {
    EXPECT_TRUE(absl::StrContains(status.message(), field))
        << "message '" << status.message() << "' does not name " << field;
  }
}

class MailboxServiceTest : public testing::Test {
 protected:
  MailboxServiceTest() { Rebuild(RelayLimits()); }

  void Rebuild(RelayLimits limits) {
    service_ = std::make_unique<MailboxService>(&store_, &clock_, &push_, kBaseUrl, limits);
  }

  CreateMailboxRequest CreateReq(const std::string& claim, const std::string& rights = "") {
    CreateMailboxRequest req;
    req.device_claim = claim;
    req.request_id = Uuid();
    req.payload = MakePayload();
    req.display = {"Car key", "Blue car", "https://example.com/car.png"};
    req.notification_token = NotificationToken{"oem-a", "sender-token"};
    if (!rights.empty()) req.access_rights = rights;  // "" leaves the default
    return req;
  }

  // Creates a mailbox owned by sender_ and returns its id.
  std::string Create(const std::string& rights = "") {
    auto r = service_->CreateMailbox(ctx_, CreateReq(sender_, rights));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->mailbox_id : "";
  }

  absl::StatusOr<ReadSecureContentResponse> Read(const std::string& id,
                                                 const std::string& claim,
                                                 const std::string& request_id = Uuid(),
                                                 const CallContext* ctx = nullptr) {
    ReadSecureContentRequest req{id, claim, request_id,
                                 NotificationToken{"oem-b", "receiver-token"}};
    return service_->ReadSecureContent(ctx != nullptr ? *ctx : ctx_, req);
  }

  absl::StatusOr<UpdateMailboxResponse> Update(const std::string& id, const std::string& claim,
                                               const Payload& payload,
                                               const std::string& request_id = Uuid()) {
    return service_->UpdateMailbox(ctx_, UpdateMailboxRequest{id, claim, request_id, payload,
                                                              std::nullopt});
  }

  absl::StatusOr<EmptyResponse> Delete(const std::string& id, const std::string& claim,
                                       const std::string& request_id = Uuid()) {
    return service_->DeleteMailbox(ctx_, DeleteMailboxRequest{id, claim, request_id});
  }

  absl::StatusOr<EmptyResponse> Relinquish(const std::string& id, const std::string& claim,
                                           const std::string& request_id = Uuid()) {
    return service_->RelinquishMailbox(ctx_, RelinquishMailboxRequest{id, claim, request_id});
  }

  Mailbox Stored(const std::string& id) {
    auto m = store_.Get(id, clock_.Now());
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : Mailbox{};
  }

  FakeClock clock_;
  MemoryMailboxStore store_;
  FakePushNotifier push_;
  std::unique_ptr<MailboxService> service_;
  CallContext ctx_{"192.0.2.1"};
  const std::string sender_ = Uuid();
  const std::string receiver_ = Uuid();
  const std::string stranger_ = Uuid();
};

// ------------------------------------------------------------------ create

TEST_F(MailboxServiceTest, CreateReturnsFreshV4IdAndUrlLink) {
  auto r = service_->CreateMailbox(ctx_, CreateReq(sender_));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(IsValidUuid(r->mailbox_id, /*require_v4=*/true)) << r->mailbox_id;
  EXPECT_EQ(r->url_link, absl::StrCat(kBaseUrl, "/v1/m/", r->mailbox_id));
  EXPECT_TRUE(r->push_supported);
  EXPECT_FALSE(r->repeated);
  auto r2 = service_->CreateMailbox(ctx_, CreateReq(sender_));
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(r2->mailbox_id, r->mailbox_id);
  EXPECT_EQ(service_->stats().mailboxes_created, 2);
  EXPECT_EQ(*service_->LiveMailboxes(), 2);
}

TEST_F(MailboxServiceTest, TrailingSlashOfBaseUrlIsDropped) {
  MailboxService service(&store_, &clock_, &push_, "https://r.example/", RelayLimits());
  auto r = service.CreateMailbox(ctx_, CreateReq(sender_));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->url_link, absl::StrCat("https://r.example/v1/m/", r->mailbox_id));
}

TEST_F(MailboxServiceTest, PushSupportedNeedsARouteForTheTokenType) {
  auto req = CreateReq(sender_);
  req.notification_token->type = "oem-unknown";
  EXPECT_FALSE(service_->CreateMailbox(ctx_, req)->push_supported);
  req = CreateReq(sender_);
  req.notification_token.reset();
  EXPECT_FALSE(service_->CreateMailbox(ctx_, req)->push_supported);
  MailboxService no_push(&store_, &clock_, nullptr, kBaseUrl, RelayLimits());
  EXPECT_FALSE(no_push.CreateMailbox(ctx_, CreateReq(sender_))->push_supported);
}

// OEM servers mint push tokens of type "sct-push/<oem-id>" (oem_server);
// the relay must accept that type and route it when a route exists.
TEST_F(MailboxServiceTest, OemPushTokenTypeWithSlashIsAcceptedAndRouted) {
  FakePushNotifier push({"sct-push/oem-a"});
  MailboxService service(&store_, &clock_, &push, kBaseUrl, RelayLimits());
  auto req = CreateReq(sender_);
  req.notification_token->type = "sct-push/oem-a";
  auto r = service.CreateMailbox(ctx_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->push_supported);
}

TEST_F(MailboxServiceTest, CreateStoresDefaultsAndCanonicalClaim) {
  auto req = CreateReq(absl::AsciiStrToUpper(sender_));
  req.attestation = "opaque-attestation";
  auto r = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  Mailbox m = Stored(r->mailbox_id);
  EXPECT_EQ(m.access_rights, "RD");
  EXPECT_EQ(m.created_at, clock_.Now());
  EXPECT_EQ(m.expires_at, clock_.Now() + absl::Hours(48));
  EXPECT_EQ(m.sender_claim, sender_);  // lower-case
  EXPECT_TRUE(m.receiver_claim.empty());
  EXPECT_EQ(m.payload, req.payload);
  EXPECT_EQ(m.display, req.display);
  EXPECT_EQ(m.sender_token, req.notification_token);
  EXPECT_EQ(m.attestation, "opaque-attestation");
  EXPECT_EQ(m.version, 1);
}

TEST_F(MailboxServiceTest, AccessRightsAreCanonicalised) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"R", "R"}, {"DWR", "RWD"}, {"WR", "RW"}, {"DR", "RD"}, {"W", "W"}, {"", "RD"}};
  for (const auto& [in, want] : cases) {
    auto r = service_->CreateMailbox(ctx_, CreateReq(sender_, in));
    ASSERT_TRUE(r.ok()) << in << ": " << r.status();
    EXPECT_EQ(Stored(r->mailbox_id).access_rights, want) << in;
  }
}

TEST_F(MailboxServiceTest, RepeatedCreateRequestReturnsTheSameMailbox) {
  auto req = CreateReq(sender_);
  auto first = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(first.ok());
  clock_.Advance(absl::Minutes(5));
  auto again = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(again->mailbox_id, first->mailbox_id);
  EXPECT_EQ(again->url_link, first->url_link);
  EXPECT_EQ(*service_->LiveMailboxes(), 1);
  EXPECT_EQ(service_->stats().mailboxes_created, 1);
  // Request ids are UUIDs: case does not make a new request.
  req.request_id = absl::AsciiStrToUpper(req.request_id);
  EXPECT_TRUE(service_->CreateMailbox(ctx_, req)->repeated);
  // The same request id from another claim is a different request.
  req.device_claim = stranger_;
  auto other = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->repeated);
  EXPECT_NE(other->mailbox_id, first->mailbox_id);
}

struct BadCreate {
  std::string name;
  std::function<void(CreateMailboxRequest&, absl::Time now)> mutate;
  absl::StatusCode code;
  std::string reason;
  std::string field;
};

TEST_F(MailboxServiceTest, CreateRejectsBadInputNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  const auto kTooBig = absl::StatusCode::kResourceExhausted;
  const RelayLimits l;
  const std::vector<BadCreate> cases = {
      {"claim missing", [](auto& r, auto) { r.device_claim = ""; },
       absl::StatusCode::kUnauthenticated, "claim_missing", "Mailbox-Device-Claim"},
      {"claim not uuid", [](auto& r, auto) { r.device_claim = "not-a-uuid"; }, kInvalid,
       "invalid_field", "Mailbox-Device-Claim"},
      {"claim with braces",
       [](auto& r, auto) { r.device_claim = "{" + r.device_claim + "}"; }, kInvalid,
       "invalid_field", "Mailbox-Device-Claim"},
      {"request id missing", [](auto& r, auto) { r.request_id = ""; }, kInvalid,
       "invalid_field", "Mailbox-Request-ID"},
      {"request id not uuid", [](auto& r, auto) { r.request_id = "12345"; }, kInvalid,
       "invalid_field", "Mailbox-Request-ID"},
      {"payload type missing", [](auto& r, auto) { r.payload.type = ""; }, kInvalid,
       "invalid_field", "payload.type"},
      {"payload type unknown", [](auto& r, auto) { r.payload.type = "AES_GCM"; }, kInvalid,
       "invalid_field", "payload.type"},
      {"payload type wrong case",
       [](auto& r, auto) { r.payload.type = "aead_aes_128_gcm"; }, kInvalid,
       "invalid_field", "payload.type"},
      {"payload data missing", [](auto& r, auto) { r.payload.data = ""; }, kInvalid,
       "invalid_field", "payload.data"},
      {"payload data below IV+tag",
       [](auto& r, auto) { r.payload.data = std::string(27, 'x'); }, kInvalid,
       "invalid_field", "payload.data"},
      {"payload data over limit",
       [l](auto& r, auto) { r.payload.data = std::string(l.max_payload_bytes + 1, 'x'); },
       kTooBig, "payload_too_large", "payload.data"},
      {"title over limit",
       [l](auto& r, auto) { r.display.title = std::string(l.max_title_bytes + 1, 't'); },
       kTooBig, "payload_too_large", "displayInformation.title"},
      {"description over limit",
       [l](auto& r, auto) {
         r.display.description = std::string(l.max_description_bytes + 1, 'd');
       },
       kTooBig, "payload_too_large", "displayInformation.description"},
      {"image url over limit",
       [l](auto& r, auto) {
         r.display.image_url = "https://x/" + std::string(l.max_image_url_bytes, 'i');
       },
       kTooBig, "payload_too_large", "displayInformation.imageURL"},
      {"image url javascript",
       [](auto& r, auto) { r.display.image_url = "javascript:alert(1)"; }, kInvalid,
       "invalid_field", "displayInformation.imageURL"},
      {"token type missing", [](auto& r, auto) { r.notification_token->type = ""; },
       kInvalid, "invalid_field", "notificationToken.type"},
      {"token type bad chars",
       [](auto& r, auto) { r.notification_token->type = "oem a<script>"; }, kInvalid,
       "invalid_field", "notificationToken.type"},
      {"token type too long",
       [](auto& r, auto) { r.notification_token->type = std::string(65, 'a'); }, kInvalid,
       "invalid_field", "notificationToken.type"},
      {"token data missing", [](auto& r, auto) { r.notification_token->token_data = ""; },
       kInvalid, "invalid_field", "notificationToken.tokenData"},
      {"token data too long",
       [l](auto& r, auto) {
         r.notification_token->token_data = std::string(l.max_token_bytes + 1, 'k');
       },
       kInvalid, "invalid_field", "notificationToken.tokenData"},
      {"rights unknown letter", [](auto& r, auto) { r.access_rights = "RX"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights lower case", [](auto& r, auto) { r.access_rights = "rd"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights repeated", [](auto& r, auto) { r.access_rights = "RR"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights repeated later", [](auto& r, auto) { r.access_rights = "RWDR"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights with comma", [](auto& r, auto) { r.access_rights = "R,D"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"expiration in the past",
       [](auto& r, absl::Time now) { r.expiration = now - absl::Seconds(1); }, kInvalid,
       "invalid_field", "mailboxConfiguration.expiration"},
      {"expiration now", [](auto& r, absl::Time now) { r.expiration = now; }, kInvalid,
       "invalid_field", "mailboxConfiguration.expiration"},
      {"expiration beyond max ttl",
       [l](auto& r, absl::Time now) {
         r.expiration = now + l.max_ttl + absl::Nanoseconds(1);
       },
       kInvalid, "invalid_field", "mailboxConfiguration.expiration"},
      {"attestation too long",
       [l](auto& r, auto) { r.attestation = std::string(l.max_attestation_bytes + 1, 'a'); },
       kInvalid, "invalid_field", "Mailbox-Device-Attestation"},
  };
  for (const BadCreate& c : cases) {
    SCOPED_TRACE(c.name);
    CreateMailboxRequest req = CreateReq(sender_);
    c.mutate(req, clock_.Now());
    auto r = service_->CreateMailbox(ctx_, req);
    ASSERT_FALSE(r.ok());
    ExpectError(r.status(), c.code, c.reason, c.field);
  }
  EXPECT_EQ(*service_->LiveMailboxes(), 0);
}

TEST_F(MailboxServiceTest, PayloadAtTheLimitsIsAccepted) {
  RelayLimits limits;
  auto req = CreateReq(sender_);
  req.payload.data = std::string(kIvBytes + kTagBytes, 'x');
  EXPECT_TRUE(service_->CreateMailbox(ctx_, req).ok());
  req = CreateReq(sender_);
  req.payload = Payload{kAeadAes256Gcm, std::string(limits.max_payload_bytes, 'x')};
  req.display.title = std::string(limits.max_title_bytes, 't');
  EXPECT_TRUE(service_->CreateMailbox(ctx_, req).ok());
}

// ------------------------------------------------------------------ expiry

TEST_F(MailboxServiceTest, DefaultTtlExpiresAtExactlyTheBoundary) {
  const std::string id = Create();
  const absl::Time start = clock_.Now();
  clock_.Set(start + absl::Hours(48) - absl::Nanoseconds(1));
  EXPECT_TRUE(service_->ReadDisplayInformation(ctx_, id).ok());
  clock_.Set(start + absl::Hours(48));
  ExpectError(service_->ReadDisplayInformation(ctx_, id).status(),
              absl::StatusCode::kNotFound, "mailbox_not_found");
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
}

TEST_F(MailboxServiceTest, ConfiguredDefaultTtlIsUsed) {
  RelayLimits limits;
  limits.default_ttl = absl::Minutes(10);
  Rebuild(limits);
  const std::string id = Create();
  EXPECT_EQ(Stored(id).expires_at, clock_.Now() + absl::Minutes(10));
}

TEST_F(MailboxServiceTest, DefaultTtlIsCappedByMaxTtl) {
  RelayLimits limits;
  limits.default_ttl = absl::Hours(100);
  limits.max_ttl = absl::Hours(2);
  Rebuild(limits);
  const std::string id = Create();
  EXPECT_EQ(Stored(id).expires_at, clock_.Now() + absl::Hours(2));
}

TEST_F(MailboxServiceTest, ExplicitExpirationUpToMaxTtl) {
  RelayLimits limits;
  auto req = CreateReq(sender_);
  req.expiration = clock_.Now() + limits.max_ttl;  // exactly the maximum is fine
  auto r = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Stored(r->mailbox_id).expires_at, *req.expiration);

  req = CreateReq(sender_);
  req.expiration = clock_.Now() + absl::Seconds(30);
  r = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(r.ok());
  auto read = Read(r->mailbox_id, receiver_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->expiration, *req.expiration);
  clock_.Advance(absl::Seconds(30));
  ExpectError(Read(r->mailbox_id, receiver_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
}

TEST_F(MailboxServiceTest, SweepRemovesOnlyExpiredMailboxes) {
  auto make = [&](absl::Duration ttl) {
    auto req = CreateReq(sender_);
    req.expiration = clock_.Now() + ttl;
    return service_->CreateMailbox(ctx_, req)->mailbox_id;
  };
  make(absl::Minutes(1));
  make(absl::Minutes(2));
  const std::string keep = make(absl::Hours(1));
  EXPECT_EQ(*service_->SweepExpired(), 0);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*service_->SweepExpired(), 2);
  EXPECT_EQ(service_->stats().mailboxes_swept, 2);
  EXPECT_EQ(*service_->LiveMailboxes(), 1);
  EXPECT_TRUE(service_->ReadDisplayInformation(ctx_, keep).ok());
}

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
  ExpectError(Read(id, stranger_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch", "Mailbox-Device-Claim");
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
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kPermissionDenied,
              "access_denied");
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  EXPECT_TRUE(Read(id, sender_).ok());
}

TEST_F(MailboxServiceTest, ReadRejectsBadInput) {
  const std::string id = Create();
  ExpectError(Read(id, "").status(), absl::StatusCode::kUnauthenticated, "claim_missing",
              "Mailbox-Device-Claim");
  ExpectError(Read(id, "zzz").status(), absl::StatusCode::kInvalidArgument, "invalid_field",
              "Mailbox-Device-Claim");
  ExpectError(Read(id, receiver_, "").status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "Mailbox-Request-ID");
  ExpectError(Read("../etc/passwd", receiver_).status(), absl::StatusCode::kInvalidArgument,
              "invalid_field", "mailboxId");
  ReadSecureContentRequest req{id, receiver_, Uuid(), NotificationToken{"", "x"}};
  ExpectError(service_->ReadSecureContent(ctx_, req).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field", "notificationToken.type");
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
}

TEST_F(MailboxServiceTest, UnknownMailboxIsNotFound) {
  ExpectError(Read(Uuid(), receiver_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(Update(Uuid(), sender_, MakePayload()).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(Delete(Uuid(), sender_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(Relinquish(Uuid(), receiver_).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(service_->ReadDisplayInformation(ctx_, Uuid()).status(),
              absl::StatusCode::kNotFound, "mailbox_not_found");
}

// ------------------------------------------------------------- display info

TEST_F(MailboxServiceTest, DisplayInformationBindsNothing) {
  const std::string id = Create();
  auto d = service_->ReadDisplayInformation(ctx_, absl::AsciiStrToUpper(id));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->mailbox_id, id);
  EXPECT_EQ(d->url_link, absl::StrCat(kBaseUrl, "/v1/m/", id));
  EXPECT_EQ(d->display, (DisplayInformation{"Car key", "Blue car",
                                            "https://example.com/car.png"}));
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
  ExpectError(Update(id, sender_, MakePayload(10)).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field", "payload.data");
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
  ExpectError(Delete(id, sender_).status(), absl::StatusCode::kPermissionDenied,
              "access_denied");
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
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kUnauthenticated,
              "claim_mismatch");
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

// ------------------------------------------------------------- rate limits

TEST_F(MailboxServiceTest, CreateRateLimitTripsAndResetsAfterTheWindow) {
  RelayLimits limits;
  limits.creates_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  Rebuild(limits);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(service_->CreateMailbox(ctx_, CreateReq(sender_)).ok());
  clock_.Advance(absl::Seconds(20));
  auto r = service_->CreateMailbox(ctx_, CreateReq(sender_));
  ExpectError(r.status(), absl::StatusCode::kResourceExhausted, "rate_limited");
  EXPECT_EQ(service_->RetryAfter(ctx_), absl::Seconds(40));
  EXPECT_EQ(service_->stats().rate_limited, 1);
  // Another address is unaffected.
  CallContext other{"198.51.100.7"};
  EXPECT_TRUE(service_->CreateMailbox(other, CreateReq(sender_)).ok());
  EXPECT_EQ(service_->RetryAfter(other), absl::ZeroDuration());
  clock_.Advance(absl::Seconds(40));
  EXPECT_EQ(service_->RetryAfter(ctx_), absl::ZeroDuration());
  EXPECT_TRUE(service_->CreateMailbox(ctx_, CreateReq(sender_)).ok());
}

TEST_F(MailboxServiceTest, FailedLookupsLockTheAddressOutUntilTheWindowPasses) {
  RelayLimits limits;
  limits.failed_lookups_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  Rebuild(limits);
  const std::string id = Create();
  CallContext guesser{"203.0.113.9"};
  ExpectError(service_->ReadDisplayInformation(guesser, Uuid()).status(),
              absl::StatusCode::kNotFound, "mailbox_not_found");
  ExpectError(Read(Uuid(), receiver_, Uuid(), &guesser).status(),
              absl::StatusCode::kNotFound, "mailbox_not_found");
  // A malformed id counts too.
  ExpectError(service_->ReadDisplayInformation(guesser, "guess").status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  clock_.Advance(absl::Seconds(15));
  // Now every lookup from that address is refused, even of a real mailbox.
  ExpectError(service_->ReadDisplayInformation(guesser, id).status(),
              absl::StatusCode::kResourceExhausted, "rate_limited");
  ExpectError(Read(id, receiver_, Uuid(), &guesser).status(),
              absl::StatusCode::kResourceExhausted, "rate_limited");
  EXPECT_EQ(service_->RetryAfter(guesser), absl::Seconds(45));
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  // Other addresses are unaffected.
  EXPECT_TRUE(service_->ReadDisplayInformation(ctx_, id).ok());
  clock_.Advance(absl::Seconds(45));
  EXPECT_EQ(service_->RetryAfter(guesser), absl::ZeroDuration());
  EXPECT_TRUE(service_->ReadDisplayInformation(guesser, id).ok());
}

TEST_F(MailboxServiceTest, SuccessfulLookupsDoNotCountTowardsTheLimit) {
  RelayLimits limits;
  limits.failed_lookups_per_window = 2;
  Rebuild(limits);
  const std::string id = Create();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(service_->ReadDisplayInformation(ctx_, id).ok());
}

// ------------------------------------------------------------ binding race

// Delegates to a real store, but holds the first `n` Gets until all `n` have
// read: every racing reader then holds the same unbound version, so only the
// store's CompareAndSwap can decide the race (without the barrier the first
// thread usually finishes before the others start, and the test could not
// catch a CAS that ignores the version).
class GetBarrierStore : public MailboxStore {
 public:
  GetBarrierStore(MailboxStore* base, int n) : base_(base), n_(n) {}
  absl::StatusOr<InsertResult> Insert(const Mailbox& m, absl::string_view key) override {
    return base_->Insert(m, key);
  }
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override {
    auto result = base_->Get(id, now);
    absl::MutexLock lock(&mu_);
    if (arrived_ < n_) {
      ++arrived_;
      mu_.Await(absl::Condition(
          +[](GetBarrierStore* self) { return self->arrived_ >= self->n_; }, this));
    }
    return result;
  }
  absl::Status CompareAndSwap(const Mailbox& m, int64_t v, absl::Time now) override {
    return base_->CompareAndSwap(m, v, now);
  }
  absl::Status Delete(absl::string_view id, int64_t v) override {
    return base_->Delete(id, v);
  }
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override {
    return base_->SweepExpired(now, limit);
  }
  absl::StatusOr<int64_t> Count() override { return base_->Count(); }

 private:
  MailboxStore* const base_;
  const int n_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

class BindingRaceTest : public testing::TestWithParam<std::string> {};

TEST_P(BindingRaceTest, ExactlyOneOfManyRacingReadersBinds) {
  FakeClock clock;
  std::unique_ptr<MailboxStore> store;
  if (GetParam() == "memory") {
    store = std::make_unique<MemoryMailboxStore>();
  } else {
    const char* dir = getenv("TEST_TMPDIR");
    auto s = SqliteMailboxStore::Open(
        absl::StrCat(dir != nullptr ? dir : "/tmp", "/race-", getpid(), ".db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store = std::move(s).value();
  }
  constexpr int kReaders = 32;
  GetBarrierStore barrier(store.get(), kReaders);
  FakePushNotifier push;
  MailboxService service(&barrier, &clock, &push, kBaseUrl, RelayLimits());
  const CallContext ctx{"127.0.0.1"};
  CreateMailboxRequest create;
  create.device_claim = Uuid();
  create.request_id = Uuid();
  create.payload = MakePayload();
  auto created = service.CreateMailbox(ctx, create);
  ASSERT_TRUE(created.ok()) << created.status();

  std::vector<std::string> claims;
  for (int i = 0; i < kReaders; ++i) claims.push_back(Uuid());
  std::vector<absl::Status> results(kReaders);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = service
                       .ReadSecureContent(ctx, ReadSecureContentRequest{created->mailbox_id,
                                                                        claims[i], Uuid(),
                                                                        std::nullopt})
                       .status();
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  int winners = 0;
  std::string winner;
  for (int i = 0; i < kReaders; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner = claims[i];
    } else {
      ExpectError(results[i], absl::StatusCode::kUnauthenticated, "claim_mismatch");
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(service.stats().bind_conflicts, kReaders - 1);
  auto stored = store->Get(created->mailbox_id, clock.Now());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->receiver_claim, winner);
  EXPECT_EQ(stored->version, 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, BindingRaceTest, testing::Values("memory", "sqlite"));

}  // namespace
}  // namespace sct::relay

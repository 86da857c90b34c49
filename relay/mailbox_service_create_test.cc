// MailboxService: creating mailboxes (ids, defaults, repeats, bad input) and
// their lifetime (default and explicit expiry, the sweep).
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service_test_fixture.h"

namespace sct::relay {
namespace {

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
      {"claim with braces", [](auto& r, auto) { r.device_claim = "{" + r.device_claim + "}"; },
       kInvalid, "invalid_field", "Mailbox-Device-Claim"},
      {"request id missing", [](auto& r, auto) { r.request_id = ""; }, kInvalid, "invalid_field",
       "Mailbox-Request-ID"},
      {"request id not uuid", [](auto& r, auto) { r.request_id = "12345"; }, kInvalid,
       "invalid_field", "Mailbox-Request-ID"},
      {"payload type missing", [](auto& r, auto) { r.payload.type = ""; }, kInvalid,
       "invalid_field", "payload.type"},
      {"payload type unknown", [](auto& r, auto) { r.payload.type = "AES_GCM"; }, kInvalid,
       "invalid_field", "payload.type"},
      {"payload type wrong case", [](auto& r, auto) { r.payload.type = "aead_aes_128_gcm"; },
       kInvalid, "invalid_field", "payload.type"},
      {"payload data missing", [](auto& r, auto) { r.payload.data = ""; }, kInvalid,
       "invalid_field", "payload.data"},
      {"payload data below IV+tag", [](auto& r, auto) { r.payload.data = std::string(27, 'x'); },
       kInvalid, "invalid_field", "payload.data"},
      {"payload data over limit",
       [l](auto& r, auto) { r.payload.data = std::string(l.max_payload_bytes + 1, 'x'); }, kTooBig,
       "payload_too_large", "payload.data"},
      {"title over limit",
       [l](auto& r, auto) { r.display.title = std::string(l.max_title_bytes + 1, 't'); }, kTooBig,
       "payload_too_large", "displayInformation.title"},
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
      {"image url javascript", [](auto& r, auto) { r.display.image_url = "javascript:alert(1)"; },
       kInvalid, "invalid_field", "displayInformation.imageURL"},
      {"token type missing", [](auto& r, auto) { r.notification_token->type = ""; }, kInvalid,
       "invalid_field", "notificationToken.type"},
      {"token type bad chars", [](auto& r, auto) { r.notification_token->type = "oem a<script>"; },
       kInvalid, "invalid_field", "notificationToken.type"},
      {"token type too long",
       [](auto& r, auto) { r.notification_token->type = std::string(65, 'a'); }, kInvalid,
       "invalid_field", "notificationToken.type"},
      {"token data missing", [](auto& r, auto) { r.notification_token->token_data = ""; }, kInvalid,
       "invalid_field", "notificationToken.tokenData"},
      {"token data too long",
       [l](auto& r, auto) {
         r.notification_token->token_data = std::string(l.max_token_bytes + 1, 'k');
       },
       kInvalid, "invalid_field", "notificationToken.tokenData"},
      {"rights unknown letter", [](auto& r, auto) { r.access_rights = "RX"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights lower case", [](auto& r, auto) { r.access_rights = "rd"; }, kInvalid,
       "invalid_field", "mailboxConfiguration.accessRights"},
      {"rights repeated", [](auto& r, auto) { r.access_rights = "RR"; }, kInvalid, "invalid_field",
       "mailboxConfiguration.accessRights"},
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
       [l](auto& r, absl::Time now) { r.expiration = now + l.max_ttl + absl::Nanoseconds(1); },
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
  ExpectError(service_->ReadDisplayInformation(ctx_, id).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  ExpectError(Read(id, receiver_).status(), absl::StatusCode::kNotFound, "mailbox_not_found");
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

// The sender learns the expiry from the create answer even when it set none
// (the relay's default TTL), and a repeat answers the first mailbox's expiry.
TEST_F(MailboxServiceTest, CreateAnswersTheMailboxExpiry) {
  RelayLimits limits;
  limits.default_ttl = absl::Minutes(10);
  Rebuild(limits);
  auto req = CreateReq(sender_);
  auto r = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expiration, clock_.Now() + absl::Minutes(10));
  EXPECT_EQ(r->expiration, Stored(r->mailbox_id).expires_at);
  clock_.Advance(absl::Minutes(3));
  auto again = service_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(again->repeated);
  EXPECT_EQ(again->expiration, r->expiration);

  auto explicit_req = CreateReq(sender_);
  explicit_req.expiration = clock_.Now() + absl::Hours(1);
  auto e = service_->CreateMailbox(ctx_, explicit_req);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->expiration, *explicit_req.expiration);
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

}  // namespace
}  // namespace sct::relay

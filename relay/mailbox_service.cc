#include "relay/mailbox_service.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "relay/rate_limiter.h"

namespace sct::relay {
namespace {

// Read–validate–CAS attempts before giving up on a very contended mailbox.
// Each failed attempt means another writer succeeded, so N concurrent writers
// need at most N attempts.
constexpr int kMaxCasAttempts = 64;
// Attempts at a fresh mailbox id (a collision of 122 random bits).
constexpr int kMaxIdAttempts = 4;
// Repeated deletes are recognised among this many recent ones.
constexpr size_t kRecentDeletes = 1 << 16;
constexpr size_t kMaxTokenTypeBytes = 64;
constexpr char kDefaultRights[] = "RD";

constexpr char kClaimField[] = "Mailbox-Device-Claim";
constexpr char kRequestIdField[] = "Mailbox-Request-ID";

// Stored times are whole microseconds (mailbox_store.h); rounding down never
// gives a mailbox more lifetime than it asked for.
absl::Time WholeMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

enum class Party { kNone, kSender, kReceiver };

Party PartyOf(const Mailbox& m, const std::string& claim) {
  if (claim == m.sender_claim) return Party::kSender;
  if (!m.receiver_claim.empty() && claim == m.receiver_claim) return Party::kReceiver;
  return Party::kNone;
}

bool HasRight(const Mailbox& m, char right) {
  return m.access_rights.find(right) != std::string::npos;
}

bool WasApplied(const Mailbox& m, const std::string& key) {
  return std::find(m.applied_requests.begin(), m.applied_requests.end(), key) !=
         m.applied_requests.end();
}

void RememberRequest(Mailbox& m, std::string key) {
  m.applied_requests.push_back(std::move(key));
  if (m.applied_requests.size() > kMaxRememberedRequests) {
    m.applied_requests.erase(
        m.applied_requests.begin(),
        m.applied_requests.begin() + (m.applied_requests.size() - kMaxRememberedRequests));
  }
}

absl::Status ClaimMismatch(absl::string_view why) {
  return MakeError(absl::StatusCode::kUnauthenticated, "claim_mismatch",
                   absl::StrCat(kClaimField, ": ", why));
}

absl::Status AccessDenied(char right, absl::string_view op) {
  return MakeError(absl::StatusCode::kPermissionDenied, "access_denied",
                   absl::StrCat("mailboxConfiguration.accessRights: the mailbox does not "
                                "grant '",
                                std::string(1, right), "' (needed to ", op, ")"));
}

absl::Status TooLarge(absl::string_view field, size_t size, size_t limit) {
  return MakeError(absl::StatusCode::kResourceExhausted, "payload_too_large",
                   absl::StrCat(field, ": ", size, " bytes exceeds the relay's limit of ",
                                limit, " bytes"));
}

absl::Status StoreError(const absl::Status& s) {
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   absl::StrCat("mailbox store: ", s.message()));
}

absl::Status Contended() {
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   "mailbox is being changed concurrently; retry");
}

absl::StatusOr<std::string> CheckClaim(const std::string& claim) {
  if (claim.empty()) {
    return MakeError(absl::StatusCode::kUnauthenticated, "claim_missing",
                     absl::StrCat(kClaimField, ": missing"));
  }
  if (!IsValidUuid(claim)) return InvalidField(kClaimField, "not a UUID");
  return absl::AsciiStrToLower(claim);
}

absl::StatusOr<std::string> CheckRequestId(const std::string& request_id) {
  if (request_id.empty()) return InvalidField(kRequestIdField, "missing");
  if (!IsValidUuid(request_id)) return InvalidField(kRequestIdField, "not a UUID");
  return absl::AsciiStrToLower(request_id);
}

absl::Status CheckPayload(const Payload& p, const RelayLimits& limits) {
  if (p.type.empty()) return InvalidField("payload.type", "missing");
  if (p.type != kAeadAes128Gcm && p.type != kAeadAes256Gcm) {
    return InvalidField("payload.type", absl::StrCat("unknown type; expected ",
                                                     kAeadAes128Gcm, " or ", kAeadAes256Gcm));
  }
  if (p.data.empty()) return InvalidField("payload.data", "missing");
  if (p.data.size() < kIvBytes + kTagBytes) {
    return InvalidField("payload.data",
                        absl::StrCat(p.data.size(), " bytes is shorter than IV (", kIvBytes,
                                     ") + tag (", kTagBytes, ")"));
  }
  if (p.data.size() > limits.max_payload_bytes) {
    return TooLarge("payload.data", p.data.size(), limits.max_payload_bytes);
  }
  return absl::OkStatus();
}

absl::Status CheckDisplay(const DisplayInformation& d, const RelayLimits& limits) {
  if (d.title.size() > limits.max_title_bytes) {
    return TooLarge("displayInformation.title", d.title.size(), limits.max_title_bytes);
  }
  if (d.description.size() > limits.max_description_bytes) {
    return TooLarge("displayInformation.description", d.description.size(),
                    limits.max_description_bytes);
  }
  if (d.image_url.size() > limits.max_image_url_bytes) {
    return TooLarge("displayInformation.imageURL", d.image_url.size(),
                    limits.max_image_url_bytes);
  }
  if (!d.image_url.empty() && !absl::StartsWithIgnoreCase(d.image_url, "https://") &&
      !absl::StartsWithIgnoreCase(d.image_url, "http://")) {
    return InvalidField("displayInformation.imageURL", "must be an http or https URL");
  }
  return absl::OkStatus();
}

absl::Status CheckToken(const NotificationToken& t, const RelayLimits& limits) {
  if (t.type.empty()) return InvalidField("notificationToken.type", "missing");
  if (t.type.size() > kMaxTokenTypeBytes) {
    return InvalidField("notificationToken.type",
                        absl::StrCat("longer than ", kMaxTokenTypeBytes, " characters"));
  }
  for (char c : t.type) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' &&
        c != '_' && c != '/') {
      return InvalidField("notificationToken.type",
                          "only letters, digits, '.', '-', '_' and '/' are allowed");
    }
  }
  if (t.token_data.empty()) return InvalidField("notificationToken.tokenData", "missing");
  if (t.token_data.size() > limits.max_token_bytes) {
    return InvalidField("notificationToken.tokenData",
                        absl::StrCat("longer than ", limits.max_token_bytes, " bytes"));
  }
  return absl::OkStatus();
}

// "" -> the default; otherwise a non-empty subset of R, W, D in any order,
// each at most once, returned in canonical "RWD" order.
absl::StatusOr<std::string> CanonicalRights(const std::string& rights) {
  constexpr char kField[] = "mailboxConfiguration.accessRights";
  if (rights.empty()) return std::string(kDefaultRights);
  bool r = false, w = false, d = false;
  for (char c : rights) {
    bool* seen = c == 'R' ? &r : c == 'W' ? &w : c == 'D' ? &d : nullptr;
    if (seen == nullptr) {
      return InvalidField(kField, "only the letters R, W and D are allowed");
    }
    if (*seen) return InvalidField(kField, "a right is repeated");
    *seen = true;
  }
  return absl::StrCat(r ? "R" : "", w ? "W" : "", d ? "D" : "");
}

}  // namespace

struct MailboxService::State {
  State(const Clock* clock, const RelayLimits& limits, SharedRelayState shared) {
    if (shared.creates == nullptr) {
      own_creates = std::make_unique<LocalEventLimiter>(clock, limits.creates_per_window,
                                                        limits.rate_window);
      shared.creates = own_creates.get();
    }
    if (shared.failed_lookups == nullptr) {
      own_failed_lookups = std::make_unique<LocalEventLimiter>(
          clock, limits.failed_lookups_per_window, limits.rate_window);
      shared.failed_lookups = own_failed_lookups.get();
    }
    if (shared.deletes == nullptr) {
      own_deletes = std::make_unique<LocalDeleteLog>(kRecentDeletes);
      shared.deletes = own_deletes.get();
    }
    creates = shared.creates;
    failed_lookups = shared.failed_lookups;
    deletes = shared.deletes;
  }

  std::unique_ptr<EventLimiter> own_creates, own_failed_lookups;
  std::unique_ptr<DeleteLog> own_deletes;
  EventLimiter* creates;
  EventLimiter* failed_lookups;
  DeleteLog* deletes;

  std::atomic<int64_t> created{0}, deleted{0}, swept{0}, bind_conflicts{0}, push_sent{0},
      push_failed{0}, rate_limited{0};
};

MailboxService::MailboxService(MailboxStore* store, const Clock* clock, PushNotifier* push,
                               std::string public_base_url, RelayLimits limits,
                               SharedRelayState shared)
    : store_(store),
      clock_(clock),
      push_(push),
      public_base_url_(std::move(public_base_url)),
      limits_(limits),
      state_(std::make_unique<State>(clock, limits_, shared)) {
  while (!public_base_url_.empty() && public_base_url_.back() == '/') {
    public_base_url_.pop_back();
  }
}

MailboxService::~MailboxService() = default;

std::string MailboxService::UrlFor(const std::string& id) const {
  return absl::StrCat(public_base_url_, "/v1/m/", id);
}

absl::Status MailboxService::RateLimited(const CallContext& ctx, absl::string_view what) {
  ++state_->rate_limited;
  absl::Duration wait = RetryAfter(ctx);
  return MakeError(absl::StatusCode::kResourceExhausted, "rate_limited",
                   absl::StrCat(what, "; retry after ",
                                absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))),
                                " s"));
}

absl::Status MailboxService::CheckLookupAllowed(const CallContext& ctx) {
  absl::StatusOr<bool> exhausted = state_->failed_lookups->Exhausted(ctx.client_address);
  if (!exhausted.ok()) return StoreError(exhausted.status());
  if (*exhausted) {
    return RateLimited(ctx, "too many lookups of unknown mailboxes from this address");
  }
  return absl::OkStatus();
}

absl::Status MailboxService::NotFound(const CallContext& ctx) {
  // Bookkeeping of a lookup that already failed: if a shared limiter is
  // unreachable the answer stays NOT_FOUND (the next lookup's check fails).
  (void)state_->failed_lookups->Record(ctx.client_address);
  return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                   "no such mailbox (unknown, deleted or expired)");
}

absl::StatusOr<std::string> MailboxService::CheckMailboxId(const CallContext& ctx,
                                                           const std::string& id) {
  if (!IsValidUuid(id)) {
    (void)state_->failed_lookups->Record(ctx.client_address);
    return InvalidField("mailboxId", id.empty() ? "missing" : "not a UUID");
  }
  return absl::AsciiStrToLower(id);
}

absl::StatusOr<Mailbox> MailboxService::Load(const CallContext& ctx, const std::string& id,
                                             absl::Time now) {
  absl::StatusOr<Mailbox> m = store_->Get(id, now);
  if (m.ok()) return m;
  if (absl::IsNotFound(m.status())) return NotFound(ctx);
  return StoreError(m.status());
}

void MailboxService::NotifyParty(const std::optional<NotificationToken>& token,
                                 const std::string& mailbox_id) {
  if (push_ == nullptr || !token.has_value() || !push_->Supports(token->type)) return;
  absl::Status s = push_->Notify(*token, mailbox_id);
  if (s.ok()) {
    ++state_->push_sent;
    return;
  }
  ++state_->push_failed;
  // The token type is validated to [A-Za-z0-9._/-]; the status message and the
  // token data are never logged (they may carry the token).
  std::cerr << "relay: push via '" << token->type
            << "' failed: " << absl::StatusCodeToString(s.code()) << "\n";
}

absl::StatusOr<CreateMailboxResponse> MailboxService::CreateMailbox(
    const CallContext& ctx, const CreateMailboxRequest& req) {
  ASSIGN_OR_RETURN(std::string claim, CheckClaim(req.device_claim));
  ASSIGN_OR_RETURN(std::string request_id, CheckRequestId(req.request_id));
  if (req.attestation.size() > limits_.max_attestation_bytes) {
    return InvalidField("Mailbox-Device-Attestation",
                        absl::StrCat("longer than ", limits_.max_attestation_bytes, " bytes"));
  }
  RETURN_IF_ERROR(CheckPayload(req.payload, limits_));
  RETURN_IF_ERROR(CheckDisplay(req.display, limits_));
  if (req.notification_token.has_value()) {
    RETURN_IF_ERROR(CheckToken(*req.notification_token, limits_));
  }
  ASSIGN_OR_RETURN(std::string rights, CanonicalRights(req.access_rights));

  const absl::Time now = clock_->Now();
  absl::Time expires_at = now + std::min(limits_.default_ttl, limits_.max_ttl);
  if (req.expiration.has_value()) {
    constexpr char kField[] = "mailboxConfiguration.expiration";
    if (*req.expiration <= now) return InvalidField(kField, "must be in the future");
    if (*req.expiration > now + limits_.max_ttl) {
      return InvalidField(kField, absl::StrCat("more than the relay's maximum lifetime (",
                                               absl::FormatDuration(limits_.max_ttl),
                                               ") ahead"));
    }
    expires_at = *req.expiration;
  }

  absl::StatusOr<bool> allowed = state_->creates->TryAcquire(ctx.client_address);
  if (!allowed.ok()) return StoreError(allowed.status());
  if (!*allowed) {
    return RateLimited(ctx, "too many mailboxes created from this address");
  }

  const bool push_supported = push_ != nullptr && req.notification_token.has_value() &&
                              push_->Supports(req.notification_token->type);
  Mailbox m;
  m.payload = req.payload;
  m.display = req.display;
  m.access_rights = std::move(rights);
  m.created_at = WholeMicros(now);
  m.expires_at = WholeMicros(expires_at);
  m.sender_claim = claim;
  m.sender_token = req.notification_token;
  m.attestation = req.attestation;
  m.version = 1;
  const std::string create_key = absl::StrCat(claim, request_id);

  for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt) {
    m.id = NewUuidV4();
    absl::StatusOr<InsertResult> inserted = store_->Insert(m, create_key);
    if (absl::IsAlreadyExists(inserted.status())) continue;  // id taken: draw another
    if (!inserted.ok()) return StoreError(inserted.status());
    if (!inserted->created) {  // the create key is known: a repeat
      const std::string& existing = inserted->existing_id;
      return CreateMailboxResponse{existing, UrlFor(existing), push_supported, true};
    }
    ++state_->created;
    return CreateMailboxResponse{m.id, UrlFor(m.id), push_supported, false};
  }
  return MakeError(absl::StatusCode::kInternal, "internal",
                   "could not allocate a fresh mailbox id");
}

absl::StatusOr<ReadSecureContentResponse> MailboxService::ReadSecureContent(
    const CallContext& ctx, const ReadSecureContentRequest& req) {
  RETURN_IF_ERROR(CheckLookupAllowed(ctx));
  ASSIGN_OR_RETURN(std::string id, CheckMailboxId(ctx, req.mailbox_id));
  ASSIGN_OR_RETURN(std::string claim, CheckClaim(req.device_claim));
  ASSIGN_OR_RETURN(std::string request_id, CheckRequestId(req.request_id));
  if (req.notification_token.has_value()) {
    RETURN_IF_ERROR(CheckToken(*req.notification_token, limits_));
  }
  const std::string key = absl::StrCat(claim, request_id);
  auto content = [](const Mailbox& m, bool repeated) {
    return ReadSecureContentResponse{m.payload, m.display, m.expires_at, repeated};
  };

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, Load(ctx, id, now));
    const bool repeated = WasApplied(m, key);
    Mailbox next = m;
    switch (PartyOf(m, claim)) {
      case Party::kSender:
        // The sender may read back what it wrote; it never binds itself.
        return content(m, repeated);
      case Party::kReceiver:
        if (!HasRight(m, 'R')) return AccessDenied('R', "read");
        if (!req.notification_token.has_value() ||
            req.notification_token == m.receiver_token) {
          return content(m, repeated);
        }
        next.receiver_token = req.notification_token;  // refresh, then answer
        break;
      case Party::kNone:
        if (!m.receiver_claim.empty()) {
          ++state_->bind_conflicts;
          return ClaimMismatch("the mailbox is bound to another receiver");
        }
        if (!HasRight(m, 'R')) return AccessDenied('R', "read");
        // Trust on first use: this claim becomes the receiver iff the CAS
        // below wins against every other reader.
        next.receiver_claim = claim;
        next.receiver_token = req.notification_token;
        if (!repeated) RememberRequest(next, key);
        break;
    }
    next.version = m.version + 1;
    absl::Status s = store_->CompareAndSwap(next, m.version, now);
    if (s.ok()) return content(next, repeated);
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<UpdateMailboxResponse> MailboxService::UpdateMailbox(
    const CallContext& ctx, const UpdateMailboxRequest& req) {
  RETURN_IF_ERROR(CheckLookupAllowed(ctx));
  ASSIGN_OR_RETURN(std::string id, CheckMailboxId(ctx, req.mailbox_id));
  ASSIGN_OR_RETURN(std::string claim, CheckClaim(req.device_claim));
  ASSIGN_OR_RETURN(std::string request_id, CheckRequestId(req.request_id));
  RETURN_IF_ERROR(CheckPayload(req.payload, limits_));
  if (req.notification_token.has_value()) {
    RETURN_IF_ERROR(CheckToken(*req.notification_token, limits_));
  }
  const std::string key = absl::StrCat(claim, request_id);

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, Load(ctx, id, now));
    if (WasApplied(m, key)) return UpdateMailboxResponse{true};
    const Party party = PartyOf(m, claim);
    if (party == Party::kNone) return ClaimMismatch("not a party bound to this mailbox");
    if (!HasRight(m, 'W')) return AccessDenied('W', "update");
    Mailbox next = m;
    next.payload = req.payload;
    if (req.notification_token.has_value()) {
      (party == Party::kSender ? next.sender_token : next.receiver_token) =
          req.notification_token;
    }
    RememberRequest(next, key);
    next.version = m.version + 1;
    absl::Status s = store_->CompareAndSwap(next, m.version, now);
    if (s.ok()) {
      NotifyParty(party == Party::kSender ? next.receiver_token : next.sender_token, id);
      return UpdateMailboxResponse{false};
    }
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<ReadDisplayInformationResponse> MailboxService::ReadDisplayInformation(
    const CallContext& ctx, const std::string& mailbox_id) {
  RETURN_IF_ERROR(CheckLookupAllowed(ctx));
  ASSIGN_OR_RETURN(std::string id, CheckMailboxId(ctx, mailbox_id));
  ASSIGN_OR_RETURN(Mailbox m, Load(ctx, id, clock_->Now()));
  return ReadDisplayInformationResponse{m.id, UrlFor(m.id), m.display};
}

absl::StatusOr<EmptyResponse> MailboxService::DeleteMailbox(const CallContext& ctx,
                                                            const DeleteMailboxRequest& req) {
  RETURN_IF_ERROR(CheckLookupAllowed(ctx));
  ASSIGN_OR_RETURN(std::string id, CheckMailboxId(ctx, req.mailbox_id));
  ASSIGN_OR_RETURN(std::string claim, CheckClaim(req.device_claim));
  ASSIGN_OR_RETURN(std::string request_id, CheckRequestId(req.request_id));
  const std::string key = absl::StrCat(claim, request_id);

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<Mailbox> m = store_->Get(id, clock_->Now());
    if (absl::IsNotFound(m.status())) {
      // A repeat of a delete this relay performed is answered as a repeat,
      // not as a failed lookup.
      absl::StatusOr<bool> recently = state_->deletes->Contains(id, key);
      if (!recently.ok()) return StoreError(recently.status());
      if (*recently) return EmptyResponse{true};
      return NotFound(ctx);
    }
    if (!m.ok()) return StoreError(m.status());
    const Party party = PartyOf(*m, claim);
    if (party == Party::kNone) return ClaimMismatch("not a party bound to this mailbox");
    if (!HasRight(*m, 'D')) return AccessDenied('D', "delete");
    absl::Status s = store_->Delete(id, m->version);
    if (s.ok()) {
      ++state_->deleted;
      // The delete is done; failing to remember it only turns a later
      // repeat into 404 (documented), so it does not fail this request.
      (void)state_->deletes->Remember(id, key);
      NotifyParty(party == Party::kSender ? m->receiver_token : m->sender_token, id);
      return EmptyResponse{false};
    }
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<EmptyResponse> MailboxService::RelinquishMailbox(
    const CallContext& ctx, const RelinquishMailboxRequest& req) {
  RETURN_IF_ERROR(CheckLookupAllowed(ctx));
  ASSIGN_OR_RETURN(std::string id, CheckMailboxId(ctx, req.mailbox_id));
  ASSIGN_OR_RETURN(std::string claim, CheckClaim(req.device_claim));
  ASSIGN_OR_RETURN(std::string request_id, CheckRequestId(req.request_id));
  const std::string key = absl::StrCat(claim, request_id);

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, Load(ctx, id, now));
    if (WasApplied(m, key)) return EmptyResponse{true};
    if (PartyOf(m, claim) != Party::kReceiver) {
      return ClaimMismatch("only the bound receiver may relinquish the mailbox");
    }
    Mailbox next = m;
    next.receiver_claim.clear();
    next.receiver_token.reset();
    RememberRequest(next, key);
    next.version = m.version + 1;
    absl::Status s = store_->CompareAndSwap(next, m.version, now);
    if (s.ok()) return EmptyResponse{false};
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<int64_t> MailboxService::SweepExpired(int64_t limit) {
  absl::StatusOr<int64_t> n = store_->SweepExpired(clock_->Now(), limit);
  if (!n.ok()) return StoreError(n.status());
  state_->swept += *n;
  return n;
}

absl::Duration MailboxService::RetryAfter(const CallContext& ctx) const {
  return std::max(state_->creates->RetryAfter(ctx.client_address),
                  state_->failed_lookups->RetryAfter(ctx.client_address));
}

RelayStats MailboxService::stats() const {
  RelayStats s;
  s.mailboxes_created = state_->created.load();
  s.mailboxes_deleted = state_->deleted.load();
  s.mailboxes_swept = state_->swept.load();
  s.bind_conflicts = state_->bind_conflicts.load();
  s.push_sent = state_->push_sent.load();
  s.push_failed = state_->push_failed.load();
  s.rate_limited = state_->rate_limited.load();
  return s;
}

absl::StatusOr<int64_t> MailboxService::LiveMailboxes() {
  absl::StatusOr<int64_t> n = store_->Count();
  if (!n.ok()) return StoreError(n.status());
  return n;
}

}  // namespace sct::relay

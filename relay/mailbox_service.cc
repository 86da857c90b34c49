#include "relay/mailbox_service.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "relay/rate_limiter.h"
#include "runtime/deferred_durability.h"

namespace sct::relay {
namespace {

// Read–validate–CAS attempts before giving up on a very contended mailbox.
// Each failed attempt means another writer succeeded, so N concurrent writers
// need at most N attempts.
constexpr int kMaxCasAttempts = 64;
// Attempts at a fresh mailbox id (a collision of 122 random bits).
constexpr int kMaxIdAttempts = 4;

// Stored times are whole microseconds (mailbox_store.h); rounding down never
// gives a mailbox more lifetime than it asked for.
absl::Time WholeMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

enum class Party { kNone, kSender, kReceiver };

Party PartyOf(const Mailbox& m, const std::string& claim) {
  if (claim == m.sender_claim) return Party::kSender;
  if (!m.receiver_claim.empty() && claim == m.receiver_claim) return Party::kReceiver;
  return Party::kNone;
}

// The notification token a party registered.
const std::optional<NotificationToken>& TokenOf(Party party, const Mailbox& m) {
  return party == Party::kSender ? m.sender_token : m.receiver_token;
}

bool HasRight(const Mailbox& m, char right) {
  return m.access_rights.find(right) != std::string::npos;
}

// The draft's isPushNotificationSupported: whether this relay can push to the
// OEM that `token` names.
bool CanPush(const PushNotifier* push, const std::optional<NotificationToken>& token) {
  return push != nullptr && token.has_value() && push->Supports(token->type);
}

bool WasApplied(const Mailbox& m, const std::string& key) {
  if (key.empty()) return false;  // no request id: never a repeat
  return std::find(m.applied_requests.begin(), m.applied_requests.end(), key) !=
         m.applied_requests.end();
}

void RememberRequest(Mailbox& m, std::string key) {
  if (key.empty()) return;
  m.applied_requests.push_back(std::move(key));
  if (m.applied_requests.size() > kMaxRememberedRequests) {
    m.applied_requests.erase(
        m.applied_requests.begin(),
        m.applied_requests.begin() + (m.applied_requests.size() - kMaxRememberedRequests));
  }
}

absl::Status ClaimMismatch(const CallContext& ctx, absl::string_view why) {
  return MakeError(absl::StatusCode::kUnauthenticated, "claim_mismatch",
                   absl::StrCat(FieldNamesOf(ctx.face).device_claim, ": ", why));
}

absl::Status AccessDenied(const CallContext& ctx, char right, absl::string_view op) {
  return MakeError(
      absl::StatusCode::kPermissionDenied, "access_denied",
      absl::StrCat(FieldNamesOf(ctx.face).access_rights, ": the mailbox does not grant '",
                   std::string(1, right), "' (needed to ", op, ")"));
}

// The store's own message names files, hosts and internals: it goes to the
// log (it carries no mailbox secret or payload), the client gets only the
// code and a fixed message.
absl::Status StoreError(const absl::Status& s) { return StoreUnavailable(s); }

absl::Status Contended() {
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   "mailbox is being changed concurrently; retry");
}

// The checked caller of an operation: its lower-cased claim and the request
// key (claim ‖ request id) that makes a repeat recognisable.
struct Caller {
  std::string claim;
  std::string key;
};

absl::StatusOr<Caller> CheckCaller(const CallContext& ctx, const std::string& claim,
                                   const std::string& request_id) {
  const FieldNames& names = FieldNamesOf(ctx.face);
  ASSIGN_OR_RETURN(std::string checked_claim, CheckDeviceClaim(claim, names));
  ASSIGN_OR_RETURN(std::string checked_id, CheckRequestId(request_id, names));
  std::string key = absl::StrCat(checked_claim, checked_id);
  return Caller{std::move(checked_claim), std::move(key)};
}

// Read and delete accept a request without a request id (the draft omits the
// header from its read operation; docs/relay.md "Where the draft is
// ambiguous"): such a caller has an empty key, so its request is never
// recognised as a repeat and never remembered. A request id that is present
// must be valid.
absl::StatusOr<Caller> CheckCallerRequestIdOptional(const CallContext& ctx,
                                                    const std::string& claim,
                                                    const std::string& request_id) {
  if (!request_id.empty()) return CheckCaller(ctx, claim, request_id);
  ASSIGN_OR_RETURN(std::string checked_claim, CheckDeviceClaim(claim, FieldNamesOf(ctx.face)));
  return Caller{std::move(checked_claim), std::string()};
}

absl::Status CheckOptionalToken(const CallContext& ctx,
                                const std::optional<NotificationToken>& token,
                                const RelayLimits& limits) {
  if (!token.has_value()) return absl::OkStatus();
  return CheckNotificationToken(*token, limits, FieldNamesOf(ctx.face));
}

}  // namespace

absl::Status StoreUnavailable(const absl::Status& s) {
  std::cerr << "relay: mailbox store error: " << absl::StatusCodeToString(s.code()) << ": "
            << s.message() << "\n";
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   "mailbox store: temporarily unavailable; retry");
}

struct MailboxService::State {
  State(MailboxStore* store, const Clock* clock, const RelayLimits& limits,
        SharedRelayState shared) {
    if (shared.creates == nullptr) {
      own_creates =
          std::make_unique<LocalEventLimiter>(clock, limits.creates_per_window, limits.rate_window);
      shared.creates = own_creates.get();
    }
    if (shared.failed_lookups == nullptr) {
      own_failed_lookups = std::make_unique<LocalEventLimiter>(
          clock, limits.failed_lookups_per_window, limits.rate_window);
      shared.failed_lookups = own_failed_lookups.get();
    }
    if (shared.deletes == nullptr) {
      own_deletes = std::make_unique<LocalDeleteLog>(clock, limits.delete_log_capacity,
                                                     limits.delete_log_retention);
      shared.deletes = own_deletes.get();
    }
    creates = shared.creates;
    failed_lookups = shared.failed_lookups;
    deletes = shared.deletes;
    // The one place where the steps are chosen: the backend's, else the
    // composition of the parts above.
    if (shared.steps == nullptr) {
      own_steps = std::make_unique<ComposedRelaySteps>(store, creates, failed_lookups, deletes);
      shared.steps = own_steps.get();
    }
    steps = shared.steps;
  }

  std::unique_ptr<EventLimiter> own_creates, own_failed_lookups;
  std::unique_ptr<LocalDeleteLog> own_deletes;
  std::unique_ptr<RelaySteps> own_steps;
  EventLimiter* creates;
  EventLimiter* failed_lookups;
  DeleteLog* deletes;
  RelaySteps* steps;

  std::atomic<int64_t> created{0}, deleted{0}, swept{0}, bind_conflicts{0}, rate_limited{0};
  // Shared with the pushes under way: their outcome may come after the service is gone.
  struct PushCounts {
    std::atomic<int64_t> sent{0}, failed{0};
  };
  std::shared_ptr<PushCounts> push = std::make_shared<PushCounts>();
};

MailboxService::MailboxService(MailboxStore* store, const Clock* clock, PushNotifier* push,
                               std::string public_base_url, RelayLimits limits,
                               SharedRelayState shared)
    : store_(store),
      clock_(clock),
      push_(push),
      public_base_url_(std::move(public_base_url)),
      limits_(limits),
      state_(std::make_unique<State>(store, clock, limits_, shared)) {
  while (!public_base_url_.empty() && public_base_url_.back() == '/') {
    public_base_url_.pop_back();
  }
}

MailboxService::~MailboxService() = default;

std::optional<size_t> MailboxService::LocalDeleteLogSize() const {
  if (state_->own_deletes == nullptr) return std::nullopt;
  return state_->own_deletes->size();
}

std::string MailboxService::UrlFor(const std::string& id) const {
  return MailboxUrl(public_base_url_, id);
}

absl::Status MailboxService::RateLimited(const CallContext& ctx, absl::string_view what) {
  ++state_->rate_limited;
  absl::Duration wait = RetryAfter(ctx);
  return MakeError(absl::StatusCode::kResourceExhausted, "rate_limited",
                   absl::StrCat(what, "; retry after ",
                                absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))), " s"));
}

absl::StatusOr<std::string> MailboxService::BeginLookup(const CallContext& ctx,
                                                        const std::string& id) {
  absl::StatusOr<std::string> checked = CheckMailboxId(id, FieldNamesOf(ctx.face));
  if (checked.ok()) return checked;  // the limit is checked with the first read
  // The limit comes before the id (mailbox_service.h): an exhausted caller
  // gets rate_limited, not invalid_field, and nothing more is counted.
  absl::StatusOr<bool> exhausted = state_->failed_lookups->Exhausted(ctx.client_address);
  if (!exhausted.ok()) return StoreError(exhausted.status());
  if (*exhausted) {
    return RateLimited(ctx, "too many lookups of unknown mailboxes from this address");
  }
  (void)state_->failed_lookups->Record(ctx.client_address);
  return checked;
}

absl::StatusOr<Mailbox> MailboxService::FirstLoad(const CallContext& ctx, const std::string& id,
                                                  absl::Time now) {
  absl::StatusOr<LimitedGetResult> r = state_->steps->LimitedGet(ctx.client_address, id, now);
  if (!r.ok()) return StoreError(r.status());
  switch (r->outcome) {
    case LimitedGetResult::Outcome::kLimited:
      return RateLimited(ctx, "too many lookups of unknown mailboxes from this address");
    case LimitedGetResult::Outcome::kNotFound:
      return NotFound(ctx);
    case LimitedGetResult::Outcome::kFound:
      break;
  }
  return std::move(r->mailbox);
}

absl::Status MailboxService::NotFound(const CallContext& ctx) {
  // Bookkeeping of a lookup that already failed: if a shared limiter is
  // unreachable the answer stays NOT_FOUND (the next lookup's check fails).
  (void)state_->failed_lookups->Record(ctx.client_address);
  return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                   "no such mailbox (unknown, deleted or expired)");
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
  // Only once the change is durable: when the caller's face defers the wait
  // for the store's sync (runtime/deferred_durability.h), after it; at once
  // otherwise (the store's write returned durable). The push goes out without
  // waiting for its answer (push_notifier.h); only its outcome is counted.
  DeferredDurability::AfterDurable([push = push_, counts = state_->push, token = *token,
                                    id = mailbox_id]() {
    push->Notify(token, id, [counts, type = token.type](absl::Status s) {
      if (s.ok()) {
        ++counts->sent;
        return;
      }
      ++counts->failed;
      // The token type is validated to [A-Za-z0-9._/-]; the status message and
      // the token data are never logged (they may carry the token).
      std::cerr << "relay: push via '" << type
                << "' failed: " << absl::StatusCodeToString(s.code()) << "\n";
    });
  });
}

absl::StatusOr<CreateMailboxResponse> MailboxService::RepeatedCreate(const std::string& id,
                                                                     bool push_supported,
                                                                     absl::Time now) {
  absl::StatusOr<Mailbox> existing = store_->Get(id, now);
  // Deleted or expired since the store matched the create key: the mailbox
  // is gone, which an expiry of `now` says truthfully.
  absl::Time expiration = WholeMicros(now);
  if (existing.ok()) {
    expiration = existing->expires_at;
  } else if (!absl::IsNotFound(existing.status())) {
    return StoreError(existing.status());
  }
  return CreateMailboxResponse{id, UrlFor(id), push_supported, true, expiration};
}

absl::StatusOr<CreateMailboxResponse> MailboxService::CreateMailbox(
    const CallContext& ctx, const CreateMailboxRequest& req) {
  const FieldNames& names = FieldNamesOf(ctx.face);
  ASSIGN_OR_RETURN(Caller caller, CheckCaller(ctx, req.device_claim, req.request_id));
  RETURN_IF_ERROR(CheckAttestation(req.attestation, limits_, names));
  RETURN_IF_ERROR(CheckPayload(req.payload, limits_, names));
  RETURN_IF_ERROR(VerifyAttestation(req.attestation, caller.claim));
  RETURN_IF_ERROR(CheckDisplay(req.display, limits_, names));
  RETURN_IF_ERROR(CheckOptionalToken(ctx, req.notification_token, limits_));
  ASSIGN_OR_RETURN(std::string rights, CanonicalAccessRights(req.access_rights, names));
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(absl::Time expires_at, CheckExpiration(req.expiration, now, limits_, names));

  const bool push_supported = CanPush(push_, req.notification_token);
  Mailbox m;
  m.payload = req.payload;
  m.display = req.display;
  m.access_rights = std::move(rights);
  m.created_at = WholeMicros(now);
  m.expires_at = WholeMicros(expires_at);
  m.sender_claim = std::move(caller.claim);
  m.sender_token = req.notification_token;
  m.attestation = req.attestation;
  m.version = 1;

  for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt) {
    m.id = NewUuidV4();
    absl::StatusOr<InsertResult> inserted;
    if (attempt == 0) {
      // The creates limit and the insert in one step; a retry with a fresh
      // id (below) is not counted again.
      absl::StatusOr<LimitedInsertResult> first =
          state_->steps->LimitedInsert(ctx.client_address, m, caller.key);
      if (first.ok() && first->limited) {
        return RateLimited(ctx, "too many mailboxes created from this address");
      }
      inserted = first.ok() ? absl::StatusOr<InsertResult>(std::move(first->insert))
                            : absl::StatusOr<InsertResult>(first.status());
    } else {
      inserted = store_->Insert(m, caller.key);
    }
    if (absl::IsAlreadyExists(inserted.status())) continue;  // id taken: draw another
    if (!inserted.ok()) return StoreError(inserted.status());
    if (!inserted->created) return RepeatedCreate(inserted->existing_id, push_supported, now);
    ++state_->created;
    return CreateMailboxResponse{m.id, UrlFor(m.id), push_supported, false, m.expires_at};
  }
  return MakeError(absl::StatusCode::kInternal, "internal",
                   "could not allocate a fresh mailbox id");
}

void MailboxService::RequireAttestation(
    const DeviceAttestationChecker* checker,
    std::function<void(const std::string& vendor)> observe_vendor) {
  attestation_ = checker;
  observe_vendor_ = std::move(observe_vendor);
}

absl::Status MailboxService::VerifyAttestation(const std::string& attestation,
                                               const std::string& claim) {
  if (attestation_ == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string vendor, attestation_->Check(attestation, claim, clock_->Now()));
  if (observe_vendor_) observe_vendor_(vendor);
  return absl::OkStatus();
}

absl::StatusOr<ReadSecureContentResponse> MailboxService::ReadSecureContent(
    const CallContext& ctx, const ReadSecureContentRequest& req) {
  ASSIGN_OR_RETURN(Caller caller,
                   CheckCallerRequestIdOptional(ctx, req.device_claim, req.request_id));
  RETURN_IF_ERROR(CheckOptionalToken(ctx, req.notification_token, limits_));
  RETURN_IF_ERROR(CheckAttestation(req.attestation, limits_, FieldNamesOf(ctx.face)));
  ASSIGN_OR_RETURN(std::string id, BeginLookup(ctx, req.mailbox_id));
  // The answer takes the payload and display out of the mailbox read (no
  // copy of the payload per read).
  auto content = [](Mailbox&& m, bool repeated) {
    return ReadSecureContentResponse{std::move(m.payload), std::move(m.display), m.expires_at,
                                     repeated};
  };

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, LoadFor(attempt, ctx, id, now));
    const bool repeated = WasApplied(m, caller.key);
    const int64_t expected_version = m.version;
    // `m` becomes the next version in place when the read changes it.
    switch (PartyOf(m, caller.claim)) {
      case Party::kSender:
        // The sender may read back what it wrote; it never binds itself.
        return content(std::move(m), repeated);
      case Party::kReceiver:
        if (!HasRight(m, 'R')) return AccessDenied(ctx, 'R', "read");
        if (!req.notification_token.has_value() || req.notification_token == m.receiver_token) {
          return content(std::move(m), repeated);
        }
        m.receiver_token = req.notification_token;  // refresh, then answer
        break;
      case Party::kNone:
        if (!m.receiver_claim.empty()) {
          ++state_->bind_conflicts;
          return ClaimMismatch(ctx, "the mailbox is bound to another receiver");
        }
        if (!HasRight(m, 'R')) return AccessDenied(ctx, 'R', "read");
        RETURN_IF_ERROR(VerifyAttestation(req.attestation, caller.claim));
        // Trust on first use: this claim becomes the receiver iff the CAS
        // below wins against every other reader.
        m.receiver_claim = caller.claim;
        m.receiver_token = req.notification_token;
        if (!repeated) RememberRequest(m, caller.key);
        break;
    }
    m.version = expected_version + 1;
    absl::Status s = store_->CompareAndSwap(m, expected_version, now);
    if (s.ok()) return content(std::move(m), repeated);
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<UpdateMailboxResponse> MailboxService::UpdateMailbox(
    const CallContext& ctx, const UpdateMailboxRequest& req) {
  ASSIGN_OR_RETURN(Caller caller, CheckCaller(ctx, req.device_claim, req.request_id));
  RETURN_IF_ERROR(CheckPayload(req.payload, limits_, FieldNamesOf(ctx.face)));
  RETURN_IF_ERROR(CheckOptionalToken(ctx, req.notification_token, limits_));
  ASSIGN_OR_RETURN(std::string id, BeginLookup(ctx, req.mailbox_id));

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, LoadFor(attempt, ctx, id, now));
    const Party party = PartyOf(m, caller.claim);
    if (WasApplied(m, caller.key)) {
      return UpdateMailboxResponse{true, CanPush(push_, req.notification_token.has_value()
                                                            ? req.notification_token
                                                            : TokenOf(party, m))};
    }
    if (party == Party::kNone) return ClaimMismatch(ctx, "not a party bound to this mailbox");
    if (!HasRight(m, 'W')) return AccessDenied(ctx, 'W', "update");
    // `m` becomes the next version in place (no copy of the old payload).
    const int64_t expected_version = m.version;
    m.payload = req.payload;
    if (req.notification_token.has_value()) {
      (party == Party::kSender ? m.sender_token : m.receiver_token) = req.notification_token;
    }
    RememberRequest(m, caller.key);
    m.version = expected_version + 1;
    absl::Status s = store_->CompareAndSwap(m, expected_version, now);
    if (s.ok()) {
      NotifyParty(party == Party::kSender ? m.receiver_token : m.sender_token, id);
      return UpdateMailboxResponse{false, CanPush(push_, TokenOf(party, m))};
    }
    if (absl::IsAborted(s)) continue;
    if (absl::IsNotFound(s)) return NotFound(ctx);
    return StoreError(s);
  }
  return Contended();
}

absl::StatusOr<ReadDisplayInformationResponse> MailboxService::ReadDisplayInformation(
    const CallContext& ctx, const std::string& mailbox_id) {
  ASSIGN_OR_RETURN(std::string id, BeginLookup(ctx, mailbox_id));
  ASSIGN_OR_RETURN(Mailbox m, FirstLoad(ctx, id, clock_->Now()));
  return ReadDisplayInformationResponse{m.id, UrlFor(m.id), m.display};
}

absl::StatusOr<EmptyResponse> MailboxService::DeleteMailbox(const CallContext& ctx,
                                                            const DeleteMailboxRequest& req) {
  ASSIGN_OR_RETURN(Caller caller,
                   CheckCallerRequestIdOptional(ctx, req.device_claim, req.request_id));
  ASSIGN_OR_RETURN(std::string id, BeginLookup(ctx, req.mailbox_id));

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<Mailbox> m;
    if (attempt == 0) {
      absl::StatusOr<LimitedGetResult> r =
          state_->steps->LimitedGet(ctx.client_address, id, clock_->Now());
      if (!r.ok()) return StoreError(r.status());
      if (r->outcome == LimitedGetResult::Outcome::kLimited) {
        return RateLimited(ctx, "too many lookups of unknown mailboxes from this address");
      }
      m = r->outcome == LimitedGetResult::Outcome::kFound
              ? absl::StatusOr<Mailbox>(std::move(r->mailbox))
              : absl::StatusOr<Mailbox>(absl::NotFoundError("mailbox not found"));
    } else {
      m = store_->Get(id, clock_->Now());
    }
    if (absl::IsNotFound(m.status())) {
      // A repeat of a delete this relay performed is answered as a repeat,
      // not as a failed lookup (only a request with a request id can repeat).
      if (caller.key.empty()) return NotFound(ctx);
      absl::StatusOr<bool> recently = state_->deletes->Contains(id, caller.key);
      if (!recently.ok()) return StoreError(recently.status());
      if (*recently) return EmptyResponse{true};
      return NotFound(ctx);
    }
    if (!m.ok()) return StoreError(m.status());
    const Party party = PartyOf(*m, caller.claim);
    if (party == Party::kNone) return ClaimMismatch(ctx, "not a party bound to this mailbox");
    if (!HasRight(*m, 'D')) return AccessDenied(ctx, 'D', "delete");
    // The delete and its delete-log entry (when the request has a key); a
    // failure to remember only turns a later repeat into 404 (documented),
    // so it does not fail this request.
    absl::Status s = state_->steps->DeleteAndLog(id, m->version, caller.key);
    if (s.ok()) {
      ++state_->deleted;
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
  ASSIGN_OR_RETURN(Caller caller, CheckCaller(ctx, req.device_claim, req.request_id));
  ASSIGN_OR_RETURN(std::string id, BeginLookup(ctx, req.mailbox_id));

  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    const absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(Mailbox m, LoadFor(attempt, ctx, id, now));
    if (WasApplied(m, caller.key)) return EmptyResponse{true};
    if (PartyOf(m, caller.claim) != Party::kReceiver) {
      return ClaimMismatch(ctx, "only the bound receiver may relinquish the mailbox");
    }
    Mailbox next = m;
    next.receiver_claim.clear();
    next.receiver_token.reset();
    RememberRequest(next, caller.key);
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
  s.push_sent = state_->push->sent.load();
  s.push_failed = state_->push->failed.load();
  s.rate_limited = state_->rate_limited.load();
  return s;
}

absl::StatusOr<int64_t> MailboxService::LiveMailboxes() {
  absl::StatusOr<int64_t> n = store_->Count();
  if (!n.ok()) return StoreError(n.status());
  return n;
}

}  // namespace sct::relay

// The relay's core: the six mailbox operations of
// draft-vinokurov-tigress-http-00, free of any transport.
//
// The HTTP adapter (relay_http) and the gRPC adapter (relay_grpc) both decode
// into these structs, call MailboxService, and encode the result; they add no
// rules of their own. Which input is valid, and the error for each invalid
// one, is decided here through request_validation.h, naming fields as the
// caller's face (CallContext::face) spells them. Thread-safe.
//
// Errors (absl code / stable reason from common/errors.h):
//   INVALID_ARGUMENT  invalid_field        bad input; the message names the field
//   UNAUTHENTICATED   claim_missing        no device claim (draft: 401)
//   UNAUTHENTICATED   claim_mismatch       claim is not a bound party / receiver
//                                          slot taken by another claim (draft: 401)
//   PERMISSION_DENIED access_denied        the mailbox's access rights forbid it (401)
//   NOT_FOUND         mailbox_not_found    unknown, deleted or expired (404)
//   RESOURCE_EXHAUSTED rate_limited        a per-client limit; retry_after set (429)
//                                          (shared across replicas when
//                                          SharedRelayState gives shared limiters)
//   RESOURCE_EXHAUSTED payload_too_large   payload or display info over limit (413)
//   PERMISSION_DENIED attestation_required / bad_attestation  only with
//                                          RequireAttestation: create or binding
//                                          read without a valid attestation (401)
//   UNAVAILABLE       store_unavailable    the store (or the shared limiter) failed,
//                                          or the mailbox was too contended to
//                                          update; retry (503 + Retry-After)
//
// Semantics in one place (docs/relay_core.md has the long form):
// - Claims and request ids are UUIDs, compared case-insensitively (stored
//   lower-case). A mailbox id that is not a UUID is INVALID_ARGUMENT
//   ("mailboxId") and counts as a failed lookup.
// - Order of the checks: the request's own fields first (claim, request id,
//   then the body's fields), then the caller's failed-lookup limit, then the
//   mailbox id, then the stored mailbox. A malformed request therefore never
//   counts as a lookup.
// - Idempotency: create remembers claim ‖ request id as the store's create key
//   (a repeat returns the same id, repeated = true). Every other operation
//   that changes the mailbox (binding read, update, relinquish) records the
//   key in Mailbox::applied_requests; a repeat answers repeated = true and
//   changes nothing, pushes nothing. A repeated delete is recognised from a
//   bounded list of recent deletes (SharedRelayState::deletes; in memory by
//   default). Reads that change nothing (the sender's, or an already-bound
//   receiver's) record nothing.
// - Times are stored in whole microseconds (mailbox_store.h): created_at and
//   expires_at are rounded down when a mailbox is created.
// - Rights apply to both parties: update needs W, delete needs D, the
//   receiver's read needs R (the sender can always read its own mailbox).
// - Every operation on an existing id is a "lookup": once a client address
//   has had `failed_lookups_per_window` NOT_FOUND (or malformed-id) answers in
//   its window, all its lookups get rate_limited until the window ends.
#ifndef SCT_RELAY_MAILBOX_SERVICE_H_
#define SCT_RELAY_MAILBOX_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "relay/device_attestation.h"
#include "relay/mailbox.h"
#include "relay/mailbox_store.h"
#include "relay/push_notifier.h"
#include "relay/relay_limits.h"
#include "relay/request_validation.h"
#include "relay/shared_limits.h"

namespace sct::relay {

// State that must be shared when several relays serve one store (Redis):
// the two per-client limits and the recent-delete memory. A null member gets
// the in-memory default (LocalEventLimiter / LocalDeleteLog), which is right
// for a single relay on the memory or sqlite store. Not owned; must outlive
// the service.
struct SharedRelayState {
  EventLimiter* creates = nullptr;         // creates_per_window per address
  EventLimiter* failed_lookups = nullptr;  // failed_lookups_per_window per address
  DeleteLog* deletes = nullptr;
  // How the steps that touch the store and the state above together run
  // (shared_limits.h): null composes them from the service's store and the
  // three members above; a backend's own (RedisRelaySteps) must work on that
  // same store, limiters and delete log.
  RelaySteps* steps = nullptr;
};

// Who is calling: the adapters fill this from the connection.
struct CallContext {
  std::string client_address;  // rate-limit key, e.g. "127.0.0.1"
  // The face the request came through: how error messages name its fields
  // (request_validation.h).
  Face face = Face::kHttp;
};

struct CreateMailboxRequest {
  std::string device_claim;  // Mailbox-Device-Claim (UUID), required
  std::string request_id;    // Mailbox-Request-ID (UUID), required
  std::string attestation;   // Mailbox-Device-Attestation, optional
  Payload payload;           // required
  DisplayInformation display;
  std::optional<NotificationToken> notification_token;
  // Absent means the default "RD"; present must be a valid combination.
  std::optional<std::string> access_rights;
  std::optional<absl::Time> expiration;  // none means now + default_ttl
};
struct CreateMailboxResponse {
  std::string mailbox_id;
  std::string url_link;  // {public_base_url}/v1/m/{id}
  bool push_supported = false;
  bool repeated = false;  // a repeated request id: answer 201, nothing changed
  // When the mailbox expires (whole microseconds; the faces round down to a
  // second): the requested expiration or now + default_ttl. For a repeat, the
  // existing mailbox's expiry, or the time of the call if it is gone already.
  absl::Time expiration;
};

struct UpdateMailboxRequest {
  std::string mailbox_id;
  std::string device_claim;
  std::string request_id;
  Payload payload;
  std::optional<NotificationToken> notification_token;  // refreshes caller's token
};
struct UpdateMailboxResponse {
  bool repeated = false;
  // The draft's isPushNotificationSupported for the caller: whether the relay
  // can push to the OEM of the caller's token (the one this update sent, else
  // the one it registered before).
  bool push_supported = false;
};

struct ReadSecureContentRequest {
  std::string mailbox_id;
  std::string device_claim;
  std::string request_id;  // optional: without one a read is never a repeat
  std::optional<NotificationToken> notification_token;  // the receiver's, on first read
  // Mailbox-Device-Attestation: checked on the binding read when the service
  // requires attestation (RequireAttestation), else ignored.
  std::string attestation;
};
struct ReadSecureContentResponse {
  Payload payload;
  DisplayInformation display;
  absl::Time expiration;
  bool repeated = false;
};

struct ReadDisplayInformationResponse {
  std::string mailbox_id;
  std::string url_link;
  DisplayInformation display;
};

struct DeleteMailboxRequest {
  std::string mailbox_id;
  std::string device_claim;
  std::string request_id;  // optional: without one a repeated delete answers 404
};
struct RelinquishMailboxRequest {
  std::string mailbox_id;
  std::string device_claim;
  std::string request_id;
};
struct EmptyResponse {
  bool repeated = false;
};

// Counters the /metrics page exports.
struct RelayStats {
  int64_t mailboxes_created = 0;
  int64_t mailboxes_deleted = 0;
  int64_t mailboxes_swept = 0;
  int64_t bind_conflicts = 0;  // readers that lost the binding race
  int64_t push_sent = 0;
  int64_t push_failed = 0;
  int64_t rate_limited = 0;
};

// What a client gets when the store fails: UNAVAILABLE store_unavailable
// with a fixed message; `cause` (which may name files and hosts) goes to the
// log only. The faces use it for a write whose sync failed after the service
// answered (a deferred wait for durability, runtime/deferred_durability.h).
absl::Status StoreUnavailable(const absl::Status& cause);

// The six operations and what the faces read besides, as an interface: the
// HTTP and gRPC adapters serve any implementation. MailboxService is the
// honest one; relay/malicious decorates it for the attack scenarios
// (docs/attack.md, "Active malicious relay"). Implementations are
// thread-safe.
class MailboxOperations {
 public:
  virtual ~MailboxOperations() = default;
  virtual absl::StatusOr<CreateMailboxResponse> CreateMailbox(const CallContext& ctx,
                                                              const CreateMailboxRequest& req) = 0;
  virtual absl::StatusOr<UpdateMailboxResponse> UpdateMailbox(const CallContext& ctx,
                                                              const UpdateMailboxRequest& req) = 0;
  virtual absl::StatusOr<ReadSecureContentResponse> ReadSecureContent(
      const CallContext& ctx, const ReadSecureContentRequest& req) = 0;
  virtual absl::StatusOr<ReadDisplayInformationResponse> ReadDisplayInformation(
      const CallContext& ctx, const std::string& mailbox_id) = 0;
  virtual absl::StatusOr<EmptyResponse> DeleteMailbox(const CallContext& ctx,
                                                      const DeleteMailboxRequest& req) = 0;
  virtual absl::StatusOr<EmptyResponse> RelinquishMailbox(const CallContext& ctx,
                                                          const RelinquishMailboxRequest& req) = 0;
  virtual absl::Duration RetryAfter(const CallContext& ctx) const = 0;
  virtual RelayStats stats() const = 0;
  virtual absl::StatusOr<int64_t> LiveMailboxes() = 0;
  virtual const RelayLimits& limits() const = 0;
};

class MailboxService : public MailboxOperations {
 public:
  // `store`, `clock`, `push` are not owned and must outlive the service.
  // `push` may be null (no push routes). `public_base_url` has no trailing slash.
  // `shared` overrides the in-memory limiters / delete log (see above).
  MailboxService(MailboxStore* store, const Clock* clock, PushNotifier* push,
                 std::string public_base_url, RelayLimits limits, SharedRelayState shared = {});
  ~MailboxService();

  // Entries of the in-process delete log (LocalDeleteLog), or nullopt when
  // the log is shared (SharedRelayState::deletes, e.g. Redis).
  std::optional<size_t> LocalDeleteLogSize() const;

  absl::StatusOr<CreateMailboxResponse> CreateMailbox(const CallContext& ctx,
                                                      const CreateMailboxRequest& req) override;
  absl::StatusOr<UpdateMailboxResponse> UpdateMailbox(const CallContext& ctx,
                                                      const UpdateMailboxRequest& req) override;
  // The first claim that is not the sender's binds the receiver (atomic CAS):
  // of two racing readers exactly one wins; the other gets UNAUTHENTICATED.
  absl::StatusOr<ReadSecureContentResponse> ReadSecureContent(
      const CallContext& ctx, const ReadSecureContentRequest& req) override;
  // Binds nothing, needs no claim, answers the same whether or not anyone read.
  absl::StatusOr<ReadDisplayInformationResponse> ReadDisplayInformation(
      const CallContext& ctx, const std::string& mailbox_id) override;
  absl::StatusOr<EmptyResponse> DeleteMailbox(const CallContext& ctx,
                                              const DeleteMailboxRequest& req) override;
  absl::StatusOr<EmptyResponse> RelinquishMailbox(const CallContext& ctx,
                                                  const RelinquishMailboxRequest& req) override;

  // The relay-attestation variant (docs/variants/relay-attestation.md): from
  // now on a create and the read that binds a receiver need a
  // Mailbox-Device-Attestation that `checker` verifies (a reader already
  // bound, the sender and repeats are not checked again). Each verified
  // vendor is passed to `observe_vendor` (may be empty): what the relay now
  // learns. Call before serving; `checker` is not owned and must outlive the
  // service.
  void RequireAttestation(const DeviceAttestationChecker* checker,
                          std::function<void(const std::string& vendor)> observe_vendor);

  // One sweep pass (the server runs it periodically on a background thread).
  absl::StatusOr<int64_t> SweepExpired(int64_t limit = 10000);

  // When a RESOURCE_EXHAUSTED/rate_limited status was returned to `ctx`,
  // how long the client should wait (for Retry-After). Never negative.
  absl::Duration RetryAfter(const CallContext& ctx) const override;

  RelayStats stats() const override;
  absl::StatusOr<int64_t> LiveMailboxes() override;
  const RelayLimits& limits() const override { return limits_; }

 private:
  struct State;

  // Checks the id of a lookup by `ctx`: the lower-cased id; for a malformed
  // one rate_limited if the caller's failed lookups are exhausted, else
  // invalid_field (counted as a failed lookup). A well-formed id's limit
  // check is made with the first read (FirstLoad), in one step.
  absl::StatusOr<std::string> BeginLookup(const CallContext& ctx, const std::string& id);
  // The first read of a lookup: rate_limited once the caller's failed
  // lookups are exhausted, else the mailbox at `now` (RelaySteps::LimitedGet);
  // NOT_FOUND counts as a failed lookup.
  absl::StatusOr<Mailbox> FirstLoad(const CallContext& ctx, const std::string& id,
                                    absl::Time now);
  // A read of a lookup after a lost CAS: store->Get at `now`; NOT_FOUND counts
  // as a failed lookup.
  absl::StatusOr<Mailbox> Load(const CallContext& ctx, const std::string& id, absl::Time now);
  // FirstLoad on the first attempt, else Load.
  absl::StatusOr<Mailbox> LoadFor(int attempt, const CallContext& ctx, const std::string& id,
                                  absl::Time now) {
    return attempt == 0 ? FirstLoad(ctx, id, now) : Load(ctx, id, now);
  }
  absl::Status NotFound(const CallContext& ctx);
  absl::Status RateLimited(const CallContext& ctx, absl::string_view what);
  std::string UrlFor(const std::string& id) const;
  // The answer to a create whose key already names mailbox `id`.
  absl::StatusOr<CreateMailboxResponse> RepeatedCreate(const std::string& id, bool push_supported,
                                                       absl::Time now);
  void NotifyParty(const std::optional<NotificationToken>& token, const std::string& mailbox_id);
  // OK without RequireAttestation; else the checker's verdict on `attestation`
  // for `claim` (the vendor goes to observe_vendor_).
  absl::Status VerifyAttestation(const std::string& attestation, const std::string& claim);

  MailboxStore* store_;
  const Clock* clock_;
  PushNotifier* push_;
  std::string public_base_url_;
  RelayLimits limits_;
  std::unique_ptr<State> state_;
  const DeviceAttestationChecker* attestation_ = nullptr;
  std::function<void(const std::string& vendor)> observe_vendor_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_SERVICE_H_

// The ledger side of the authority's creating methods (BootstrapOwner,
// InitiateShare, RedeemShare): what each records, in which order, and what a
// retried request gets back.
//
// Idempotency. A request is keyed by its request id, its method and a
// fingerprint (SHA-256 of method, caller id and the request without its PIN).
// Before any work, Replay answers a retry with the response stored the first
// time. Each Record/Commit step stores the request's record in the same
// transaction as its change; when a concurrent retry committed first, the
// ledger reports that (WriteOutcome) and the step answers with the stored
// response instead. The same request id with other content is ALREADY_EXISTS
// "request_id_conflict" either way.
//
// A redemption's order: the share must still be redeemable when read
// (CheckRedeemable), the PIN attempt is reserved (pin_gate.h), the credential
// is issued, then CommitRedemption counts the redemption, records the
// credential, its grant and the request, and gives back the PIN attempt, all
// in one transaction that only one caller can win.
//
// Thread-safety: thread-safe. Ownership: borrows the ledger.
// Errors: ALREADY_EXISTS "request_id_conflict"; FAILED_PRECONDITION
// "share_revoked" / "share_locked" / "share_already_redeemed" /
// "share_expired"; PERMISSION_DENIED "resharing_forbidden" (chain too deep);
// NOT_FOUND "share_not_found"; the ledger's errors.
#ifndef SCT_CREDENTIAL_AUTHORITY_LEDGER_STEPS_H_
#define SCT_CREDENTIAL_AUTHORITY_LEDGER_STEPS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "credential_authority/caller.h"
#include "credential_authority/credential_issuer.h"
#include "credential_authority/ledger.h"
#include "credential_authority/pin.h"
#include "credential_authority/pin_gate.h"
#include "credential_authority/share_token.h"
#include "google/protobuf/message.h"

namespace sct::ca {

// What identifies a request for idempotency.
struct RequestKey {
  std::string request_id;  // empty: the request is not idempotent
  std::string method;
  std::string fingerprint;
};

// The key of `request` (given without secrets) to `method` from `caller`.
RequestKey MakeRequestKey(absl::string_view method, const Caller& caller,
                          absl::string_view request_id,
                          const google::protobuf::Message& request_without_secrets);

// OK for a PENDING share; otherwise FAILED_PRECONDITION with the reason its
// state gives.
absl::Status CheckRedeemable(const ShareRow& share);

// The ledger row of a new share made from credential `parent_credential_id`
// by OEM `sharer_oem_id` at `created_at`, `depth` levels below the owner.
ShareRow NewShareRow(const std::string& share_id, const ShareTerms& terms,
                     const std::string& parent_credential_id, const std::string& sharer_oem_id,
                     uint32_t depth, absl::Time created_at, const std::optional<PinHash>& pin);

class LedgerSteps {
 public:
  explicit LedgerSteps(Ledger* ledger) : ledger_(ledger) {}

  // For a retried request: true, with the stored response parsed into
  // `response`. False for a new request (or one without an id).
  absl::StatusOr<bool> Replay(const RequestKey& key, google::protobuf::Message* response);

  // The depth of a share made from `sharer` (1 for an owner credential).
  absl::StatusOr<uint32_t> DepthOfNewShare(const common::v1::Credential& sharer, absl::Time now);

  // Each records its change with the request record holding `*response`.
  // Returns true when this call's change committed; false when a concurrent
  // retry's had, and `*response` now holds the stored response.
  absl::StatusOr<bool> RecordOwnerCredential(const IssuedCredential& issued, const RequestKey& key,
                                             google::protobuf::Message* response);
  absl::StatusOr<bool> RecordShare(const ShareRow& share, const RequestKey& key,
                                   google::protobuf::Message* response);
  // Counts one redemption of `share_id` by `receiver_oem_id` at `now` and
  // records `issued`; a held `pin_attempt` is given back by the same commit.
  absl::StatusOr<bool> CommitRedemption(const std::string& share_id,
                                        const std::string& receiver_oem_id, absl::Time now,
                                        const IssuedCredential& issued, const RequestKey& key,
                                        google::protobuf::Message* response,
                                        PinAttempt* pin_attempt);

 private:
  Ledger* const ledger_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_LEDGER_STEPS_H_

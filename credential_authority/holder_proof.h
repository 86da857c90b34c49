// Checks that a caller acts for the device holding a credential: the sharer's
// signature over a share intent, the holder proof of a revoke or list call,
// the sender's endorsement of a receiver key, and whether a credential is an
// ancestor of a share in the re-share chain (who may revoke what).
//
// A device signs with its credential's holder key (ECDSA P-256, DER or
// P1363) over the context-prefixed bytes of signed_bytes.h; a signed time must
// lie within `proof_skew` of the clock.
//
// Thread-safety: thread-safe. Ownership: borrows the ledger and the clock.
// Errors: INVALID_ARGUMENT "invalid_field" (holder.credential_id missing, a
// signed_at outside 0001-9999);
// NOT_FOUND "credential_not_found" / "share_not_found"; PERMISSION_DENIED
// "bad_holder_proof", "stale_holder_proof", "endorsement_required",
// "bad_endorsement"; the ledger's errors; INVALID_ARGUMENT when a stored
// holder key does not parse.
#ifndef SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_
#define SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "credential_authority/ledger.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

class HolderProofVerifier {
 public:
  HolderProofVerifier(Ledger* ledger, const Clock* clock, absl::Duration proof_skew)
      : ledger_(ledger), clock_(clock), proof_skew_(proof_skew) {}

  // The sharer's credential (intent.credential_id), once `holder_proof` over
  // "sct-share-intent-v1\0" || `serialized_intent` verifies with its holder
  // key and intent.signed_at is within the skew of `now`.
  absl::StatusOr<CredentialRow> VerifyShareIntent(
      const credential_authority::v1::ShareIntent& intent, absl::string_view serialized_intent,
      absl::string_view holder_proof, absl::Time now);

  // The credential `holder` proves to hold, for a call of `method` (the bare
  // RPC name) on `subject`.
  absl::StatusOr<CredentialRow> VerifyHolderProof(
      const credential_authority::v1::HolderProof& holder, absl::string_view method,
      absl::string_view subject);

  // OK when `endorsement` is the sender's (holder of `sender`) signature of
  // `receiver_public_key` for share `share_id`.
  absl::Status VerifyEndorsement(const CredentialRow& sender, absl::string_view share_id,
                                 absl::string_view receiver_public_key,
                                 absl::string_view endorsement);

  // True when credential `credential_id` made share `share_id` or one of the
  // shares it descends from (at most kMaxReshareDepth levels up).
  absl::StatusOr<bool> IsAncestorOfShare(const std::string& credential_id,
                                         const std::string& share_id);

 private:
  Ledger* const ledger_;
  const Clock* const clock_;
  const absl::Duration proof_skew_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_

// Checks that a caller acts for the device holding a credential: the sharer's
// signature over a share intent, the holder proof of a revoke or list call,
// the sender's endorsement of a receiver key, and whether a credential is an
// ancestor of a share in the re-share chain (who may revoke what).
//
// A device signs with its credential's holder key (ECDSA P-256, DER or
// P1363) over the context-prefixed bytes of signed_bytes.h; a signed time must
// lie within `proof_skew` of the clock. A holder proof (revoke, list) speaks
// only for a credential that is neither revoked nor expired, and is accepted
// once: the proofs (and share intent proofs) seen are remembered until their
// signed time leaves the window, keyed by credential and the signature's r
// (so a re-encoded or malleated copy of a signature counts as the same one,
// while a fresh signature over the same bytes does not). At most
// `max_remembered` proofs are remembered; past that the soonest to expire is
// forgotten first.
//
// Thread-safety: thread-safe. Ownership: borrows the ledger and the clock.
// Errors: INVALID_ARGUMENT "invalid_field" (holder.credential_id missing, a
// signed_at outside 0001-9999);
// NOT_FOUND "credential_not_found" / "share_not_found"; PERMISSION_DENIED
// "bad_holder_proof", "stale_holder_proof", "endorsement_required",
// "bad_endorsement", "replayed_holder_proof"; FAILED_PRECONDITION
// "credential_revoked" / "credential_expired" (the holder's credential); the
// ledger's errors; INVALID_ARGUMENT when a stored holder key does not parse.
#ifndef SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_
#define SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_

#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "credential_authority/ledger.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// Proofs seen and when each may be forgotten. Thread-safe.
class SeenProofs {
 public:
  explicit SeenProofs(size_t max_remembered) : max_(max_remembered) {}
  // False when `key` was seen and is still remembered at `now`; otherwise
  // remembers it until `forget_at` and returns true.
  bool Remember(const std::string& key, absl::Time forget_at, absl::Time now);
  size_t size() const;

 private:
  const size_t max_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> by_key_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::string> by_time_ ABSL_GUARDED_BY(mu_);
};

class HolderProofVerifier {
 public:
  static constexpr size_t kDefaultMaxRemembered = 1 << 16;

  HolderProofVerifier(Ledger* ledger, const Clock* clock, absl::Duration proof_skew,
                      size_t max_remembered = kDefaultMaxRemembered)
      : ledger_(ledger), clock_(clock), proof_skew_(proof_skew), seen_(max_remembered) {}

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
  // PERMISSION_DENIED "replayed_holder_proof" when `signature` by
  // `credential_id` signed at `signed_at` was accepted before.
  absl::Status CheckFresh(const std::string& credential_id, absl::string_view signature,
                          absl::Time signed_at, absl::Time now);

  Ledger* const ledger_;
  const Clock* const clock_;
  const absl::Duration proof_skew_;
  SeenProofs seen_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_HOLDER_PROOF_H_

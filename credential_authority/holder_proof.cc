#include "credential_authority/holder_proof.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "credential_authority/share_policy.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/ecdsa.h"

namespace sct::ca {
namespace {

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, reason, message);
}

absl::StatusOr<crypto::EcdsaP256PublicKey> HolderKeyOf(const CredentialRow& row) {
  return crypto::EcdsaP256PublicKey::FromSpkiDer(row.credential.holder_public_key());
}

// The r half of an ECDSA signature in either encoding (what a re-encoding or
// the (r, n - s) malleation keeps); the bytes themselves otherwise.
std::string SignatureR(absl::string_view signature) {
  absl::StatusOr<std::string> p1363 = crypto::EcdsaDerToP1363(signature);
  if (p1363.ok()) return p1363->substr(0, crypto::kEcdsaP256P1363Size / 2);
  if (signature.size() == crypto::kEcdsaP256P1363Size) {
    return std::string(signature.substr(0, crypto::kEcdsaP256P1363Size / 2));
  }
  return std::string(signature);
}

}  // namespace

bool SeenProofs::Remember(const std::string& key, absl::Time forget_at, absl::Time now) {
  absl::MutexLock lock(&mu_);
  while (!by_time_.empty() && (by_time_.begin()->first < now || by_key_.size() >= max_)) {
    by_key_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
  if (by_key_.contains(key)) return false;
  by_key_.emplace(key, forget_at);
  by_time_.emplace(forget_at, key);
  return true;
}

size_t SeenProofs::size() const {
  absl::MutexLock lock(&mu_);
  return by_key_.size();
}

absl::Status HolderProofVerifier::CheckFresh(const std::string& credential_id,
                                             absl::string_view signature, absl::Time signed_at,
                                             absl::Time now) {
  const std::string key = absl::StrCat(credential_id, absl::string_view("\0", 1),
                                       SignatureR(signature));
  if (!seen_.Remember(key, signed_at + proof_skew_, now)) {
    return Denied("replayed_holder_proof", "this holder proof was already used");
  }
  return absl::OkStatus();
}

absl::StatusOr<CredentialRow> HolderProofVerifier::VerifyShareIntent(
    const credential_authority::v1::ShareIntent& intent, absl::string_view serialized_intent,
    absl::string_view holder_proof, absl::Time now) {
  ASSIGN_OR_RETURN(CredentialRow sharer, ledger_->GetCredential(intent.credential_id()));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey key, HolderKeyOf(sharer));
  if (!VerifyDeviceSignature(key, SignedBytes(kShareIntentContext, serialized_intent), holder_proof)
           .ok()) {
    return Denied("bad_holder_proof", "holder_proof does not verify with the credential's key");
  }
  ASSIGN_OR_RETURN(const absl::Time signed_at, FromProto(intent.signed_at(), "intent.signed_at"));
  if (absl::AbsDuration(now - signed_at) > proof_skew_) {
    return Denied("stale_holder_proof", "intent.signed_at is more than 5 minutes off");
  }
  RETURN_IF_ERROR(CheckFresh(sharer.credential.credential_id(), holder_proof, signed_at, now));
  return sharer;
}

absl::StatusOr<CredentialRow> HolderProofVerifier::VerifyHolderProof(
    const credential_authority::v1::HolderProof& holder, absl::string_view method,
    absl::string_view subject) {
  if (holder.credential_id().empty()) {
    return InvalidField("holder.credential_id", "required");
  }
  ASSIGN_OR_RETURN(const absl::Time signed_at, FromProto(holder.signed_at(), "holder.signed_at"));
  ASSIGN_OR_RETURN(CredentialRow row, ledger_->GetCredential(holder.credential_id()));
  const absl::Time now = clock_->Now();
  if (absl::AbsDuration(now - signed_at) > proof_skew_) {
    return Denied("stale_holder_proof", "holder.signed_at is more than 5 minutes off");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey key, HolderKeyOf(row));
  if (!VerifyDeviceSignature(key, HolderProofBytes(method, subject, absl::ToUnixSeconds(signed_at)),
                             holder.proof())
           .ok()) {
    return Denied("bad_holder_proof", "holder.proof does not verify");
  }
  if (row.revoked_at.has_value()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "credential_revoked",
                     "holder.credential_id: the holder's credential is revoked");
  }
  if (now > ToAbslTime(row.credential.validity().not_after())) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "credential_expired",
                     "holder.credential_id: the holder's credential expired");
  }
  RETURN_IF_ERROR(CheckFresh(row.credential.credential_id(), holder.proof(), signed_at, now));
  return row;
}

absl::Status HolderProofVerifier::VerifyEndorsement(const CredentialRow& sender,
                                                    absl::string_view share_id,
                                                    absl::string_view receiver_public_key,
                                                    absl::string_view endorsement) {
  if (endorsement.empty()) {
    return Denied("endorsement_required", "share requires the sender's endorsement");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey key, HolderKeyOf(sender));
  if (!VerifyDeviceSignature(key, EndorsementBytes(share_id, receiver_public_key), endorsement)
           .ok()) {
    return Denied("bad_endorsement", "sender_endorsement does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> HolderProofVerifier::IsAncestorOfShare(const std::string& credential_id,
                                                            const std::string& share_id) {
  std::string current = share_id;
  for (uint32_t i = 0; i < kMaxReshareDepth && !current.empty(); ++i) {
    ASSIGN_OR_RETURN(ShareRow s, ledger_->GetShare(current, clock_->Now()));
    if (s.record.parent_credential_id() == credential_id) return true;
    ASSIGN_OR_RETURN(CredentialRow c, ledger_->GetCredential(s.record.parent_credential_id()));
    current = c.credential.parent_share_id();
  }
  return false;
}

}  // namespace sct::ca

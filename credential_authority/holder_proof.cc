#include "credential_authority/holder_proof.h"

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

}  // namespace

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
  if (absl::AbsDuration(clock_->Now() - signed_at) > proof_skew_) {
    return Denied("stale_holder_proof", "holder.signed_at is more than 5 minutes off");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey key, HolderKeyOf(row));
  if (!VerifyDeviceSignature(key, HolderProofBytes(method, subject, absl::ToUnixSeconds(signed_at)),
                             holder.proof())
           .ok()) {
    return Denied("bad_holder_proof", "holder.proof does not verify");
  }
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

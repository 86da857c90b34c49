#include "credential_authority/signed_bytes.h"

#include "absl/strings/str_cat.h"

namespace sct::ca {
namespace {

constexpr absl::string_view kNul("\0", 1);

}  // namespace

std::string SignedBytes(absl::string_view context, absl::string_view body) {
  return absl::StrCat(context, kNul, body);
}

std::string HolderProofBytes(absl::string_view method, absl::string_view subject,
                             int64_t unix_seconds) {
  return absl::StrCat(kHolderContext, kNul, method, kNul, subject, kNul, unix_seconds);
}

std::string EndorsementBytes(absl::string_view share_id, absl::string_view receiver_public_key) {
  return absl::StrCat(kEndorseContext, kNul, share_id, kNul, receiver_public_key);
}

std::string CredentialHpkeInfo(absl::string_view credential_id) {
  return SignedBytes(kCredentialInfoContext, credential_id);
}

absl::StatusOr<std::string> SignWithContext(const crypto::EcdsaP256PrivateKey& key,
                                            absl::string_view context, absl::string_view body) {
  return key.Sign(SignedBytes(context, body), crypto::SignatureEncoding::kDer);
}

absl::Status VerifyDeviceSignature(const crypto::EcdsaP256PublicKey& key, absl::string_view message,
                                   absl::string_view signature) {
  if (key.Verify(message, signature, crypto::SignatureEncoding::kDer).ok()) {
    return absl::OkStatus();
  }
  if (signature.size() == crypto::kEcdsaP256P1363Size &&
      key.Verify(message, signature, crypto::SignatureEncoding::kP1363).ok()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError("signature does not verify");
}

}  // namespace sct::ca

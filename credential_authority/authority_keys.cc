#include "credential_authority/authority_keys.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "runtime/files.h"

namespace sct::ca {

absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateSigningKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadFileIfExists(path));
  if (pem.has_value()) return crypto::P256PrivateKeyFromPem(*pem, path);
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(std::string out, crypto::P256PrivateKeyToPem(key));
  RETURN_IF_ERROR(WriteNewFile(path, out, 0600));
  return key;
}

absl::StatusOr<crypto::Certificate> MakeRootCertificate(const crypto::EcdsaP256PrivateKey& key,
                                                        absl::string_view authority_id,
                                                        absl::Time now) {
  crypto::CertificateSpec spec;
  spec.subject_cn = absl::StrCat(authority_id, " credential root");
  spec.not_before = now - absl::Hours(1);
  spec.not_after = now + absl::Hours(24 * 365 * 20);
  spec.is_ca = true;
  spec.key_usage =
      crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign | crypto::kKeyUsageDigitalSignature;
  return crypto::SelfSignCertificate(spec, key);
}

absl::StatusOr<crypto::Certificate> LoadOrCreateRootCertificate(
    const std::string& path, const crypto::EcdsaP256PrivateKey& key, absl::string_view authority_id,
    absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadFileIfExists(path));
  if (pem.has_value()) {
    auto cert = crypto::Certificate::FromPem(*pem);
    if (!cert.ok()) return InvalidField(path, "not a PEM certificate");
    ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey pub, cert->PublicKey());
    if (pub != key.PublicKey()) {
      return InvalidField(path, "root certificate is not over the signing key");
    }
    return cert;
  }
  ASSIGN_OR_RETURN(crypto::Certificate cert, MakeRootCertificate(key, authority_id, now));
  ASSIGN_OR_RETURN(std::string out, cert.ToPem());
  RETURN_IF_ERROR(WriteNewFile(path, out, 0644));
  return cert;
}

std::string KeyIdOf(absl::string_view spki_der) {
  return crypto::Sha256Hex(spki_der);
}

}  // namespace sct::ca

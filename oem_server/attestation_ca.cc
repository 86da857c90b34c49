#include "oem_server/attestation_ca.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/pem.h"
#include "runtime/files.h"

namespace sct::oem {
namespace {

using crypto::Certificate;
using crypto::CertificateSpec;
using crypto::EcdsaP256PrivateKey;

// The file at `path`, nullopt when there is none. NOT_FOUND "file_unreadable"
// naming `flag` when it exists but cannot be read.
absl::StatusOr<std::optional<std::string>> ReadIfExists(const std::string& path,
                                                        absl::string_view flag) {
  absl::StatusOr<std::optional<std::string>> data = ReadFileIfExists(path);
  if (!data.ok()) {
    return MakeError(absl::StatusCode::kNotFound, "file_unreadable",
                     absl::StrCat(flag, " ", data.status().message()));
  }
  return data;
}

// UNAVAILABLE "file_unwritable" (this class's contract) for a failed write.
absl::Status Write(const std::string& path, absl::string_view data,
                   mode_t mode) {
  absl::Status written = WriteFileAtomically(path, data, mode);
  if (written.ok()) return written;
  return MakeError(absl::StatusCode::kUnavailable, "file_unwritable",
                   written.message());
}

absl::StatusOr<EcdsaP256PrivateKey> KeyFromPem(const std::string& pem,
                                               const std::string& path) {
  absl::StatusOr<EcdsaP256PrivateKey> key =
      crypto::P256PrivateKeyFromPem(pem, path);
  if (key.status().code() == absl::StatusCode::kInvalidArgument) {
    return InvalidField("--attestation_ca_key", key.status().message());
  }
  return key;
}

absl::StatusOr<Certificate> MakeRoot(absl::string_view oem_id,
                                     const EcdsaP256PrivateKey& key,
                                     absl::Time now) {
  CertificateSpec spec;
  spec.subject_cn = absl::StrCat(oem_id, " attestation root");
  spec.not_before = now - AttestationCa::kBackdate;
  spec.not_after = now + AttestationCa::kRootValidity;
  spec.is_ca = true;
  spec.path_len = 0;
  return crypto::SelfSignCertificate(spec, key);
}

}  // namespace

absl::StatusOr<AttestationCa> AttestationCa::Create(absl::string_view oem_id,
                                                    absl::Time now) {
  if (oem_id.empty()) return InvalidField("oem_id", "must not be empty");
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(Certificate root, MakeRoot(oem_id, key, now));
  ASSIGN_OR_RETURN(std::string der, root.ToDer());
  return AttestationCa(std::string(oem_id), std::move(key), std::move(root),
                       std::move(der));
}

absl::StatusOr<AttestationCa> AttestationCa::LoadOrCreate(
    absl::string_view oem_id, const std::string& key_path,
    const std::string& cert_path, absl::Time now) {
  if (oem_id.empty()) return InvalidField("--oem_id", "must not be empty");
  if (key_path.empty()) {
    return InvalidField("--attestation_ca_key", "must not be empty");
  }
  if (cert_path.empty()) {
    return InvalidField("--attestation_ca_cert", "must not be empty");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> key_pem,
                   ReadIfExists(key_path, "--attestation_ca_key"));
  ASSIGN_OR_RETURN(std::optional<std::string> cert_pem,
                   ReadIfExists(cert_path, "--attestation_ca_cert"));
  if (!key_pem.has_value() && !cert_pem.has_value()) {
    ASSIGN_OR_RETURN(AttestationCa ca, Create(oem_id, now));
    ASSIGN_OR_RETURN(std::string new_key_pem,
                     crypto::P256PrivateKeyToPem(ca.key_));
    ASSIGN_OR_RETURN(std::string new_cert_pem, ca.root_.ToPem());
    RETURN_IF_ERROR(Write(key_path, new_key_pem, 0600));
    RETURN_IF_ERROR(Write(cert_path, new_cert_pem, 0644));
    return ca;
  }
  if (!key_pem.has_value()) {
    return InvalidField("--attestation_ca_key",
                        absl::StrCat(key_path, " is missing but ", cert_path,
                                     " exists; give both or neither"));
  }
  if (!cert_pem.has_value()) {
    return InvalidField("--attestation_ca_cert",
                        absl::StrCat(cert_path, " is missing but ", key_path,
                                     " exists; give both or neither"));
  }
  absl::StatusOr<EcdsaP256PrivateKey> key = KeyFromPem(*key_pem, key_path);
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> root = Certificate::FromPem(*cert_pem);
  if (!root.ok()) {
    return InvalidField("--attestation_ca_cert",
                        absl::StrCat(cert_path, ": ", root.status().message()));
  }
  if (!root->IsCa()) {
    return InvalidField("--attestation_ca_cert",
                        absl::StrCat(cert_path, ": not a CA certificate"));
  }
  ASSIGN_OR_RETURN(std::string root_point, root->PublicKeyPoint());
  if (root_point != key->PublicKey().UncompressedPoint()) {
    return InvalidField("--attestation_ca_key",
                        absl::StrCat(key_path, " does not match ", cert_path));
  }
  ASSIGN_OR_RETURN(std::string der, root->ToDer());
  return AttestationCa(std::string(oem_id), *std::move(key), *std::move(root),
                       std::move(der));
}

std::string AttestationCa::AttestationStatement() const {
  return crypto::KeyAttestationStatement(oem_id_);
}

absl::StatusOr<Certificate> AttestationCa::IssueDeviceCertificate(
    const crypto::EcdsaP256PublicKey& identity_key, absl::string_view device_id,
    absl::Time now) const {
  CertificateSpec spec;
  spec.subject_cn = "device";
  spec.not_before = now - kBackdate;
  spec.not_after = std::min(now + kDeviceCertValidity, root_.NotAfter());
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back(
      {std::string(crypto::kOidKeyAttestation), false, AttestationStatement()});
  spec.extensions.push_back(
      {std::string(crypto::kOidDeviceIdentity), false, std::string(device_id)});
  return crypto::IssueCertificate(spec, identity_key, root_, key_);
}

absl::StatusOr<Certificate> AttestationCa::IssueKeyCertificate(
    const crypto::EcdsaP256PublicKey& key, absl::Time now) const {
  CertificateSpec spec;
  spec.subject_cn = "attested key";
  spec.not_before = now - kBackdate;
  spec.not_after = std::min(now + kKeyCertValidity, root_.NotAfter());
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back(
      {std::string(crypto::kOidKeyAttestation), false, AttestationStatement()});
  return crypto::IssueCertificate(spec, key, root_, key_);
}

absl::StatusOr<std::string> AttestationCa::SignWithRootKey(
    absl::string_view message) const {
  return key_.Sign(message, crypto::SignatureEncoding::kDer);
}

}  // namespace sct::oem

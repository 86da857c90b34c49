#include "oem_server/attestation_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/openssl_util.h"

namespace sct::oem {
namespace {

using crypto::Certificate;
using crypto::CertificateSpec;
using crypto::EcdsaP256PrivateKey;

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view role) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(absl::StatusCode::kNotFound, "file_unreadable",
                     absl::StrCat(role, " ", path, ": cannot open"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view data, mode_t mode) {
  std::string tmp = absl::StrCat(path, ".tmp");
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return MakeError(absl::StatusCode::kUnavailable, "file_unwritable",
                     absl::StrCat(path, ": cannot create"));
  }
  chmod(tmp.c_str(), mode);
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return MakeError(absl::StatusCode::kUnavailable, "file_unwritable",
                     absl::StrCat(path, ": cannot write"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EcdsaP256PrivateKey> KeyFromPem(const std::string& pem,
                                               const std::string& path) {
  ERR_clear_error();
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return crypto::OpenSslError("BIO_new_mem_buf");
  crypto::EvpPkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    return InvalidField("--attestation_ca_key",
                        absl::StrCat(path, ": no readable PEM private key: ",
                                     crypto::DrainOpenSslErrors()));
  }
  crypto::Pkcs8PrivKeyInfoPtr p8(EVP_PKEY2PKCS8(pkey.get()));
  if (!p8) return crypto::OpenSslError("EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (len <= 0) return crypto::OpenSslError("i2d_PKCS8_PRIV_KEY_INFO");
  std::string der_str(reinterpret_cast<char*>(der), len);
  OPENSSL_clear_free(der, len);
  absl::StatusOr<EcdsaP256PrivateKey> key =
      EcdsaP256PrivateKey::FromPkcs8Der(der_str);
  OPENSSL_cleanse(der_str.data(), der_str.size());
  if (!key.ok()) {
    return InvalidField("--attestation_ca_key",
                        absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

absl::StatusOr<std::string> KeyToPem(const EcdsaP256PrivateKey& key) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return crypto::OpenSslError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), key.evp(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    return crypto::OpenSslError("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
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
  bool have_key = FileExists(key_path);
  bool have_cert = FileExists(cert_path);
  if (!have_key && !have_cert) {
    ASSIGN_OR_RETURN(AttestationCa ca, Create(oem_id, now));
    ASSIGN_OR_RETURN(std::string key_pem, KeyToPem(ca.key_));
    ASSIGN_OR_RETURN(std::string cert_pem, ca.root_.ToPem());
    RETURN_IF_ERROR(WriteFileAtomically(key_path, key_pem, 0600));
    RETURN_IF_ERROR(WriteFileAtomically(cert_path, cert_pem, 0644));
    return ca;
  }
  if (!have_key) {
    return InvalidField("--attestation_ca_key",
                        absl::StrCat(key_path, " is missing but ", cert_path,
                                     " exists; give both or neither"));
  }
  if (!have_cert) {
    return InvalidField("--attestation_ca_cert",
                        absl::StrCat(cert_path, " is missing but ", key_path,
                                     " exists; give both or neither"));
  }
  ASSIGN_OR_RETURN(std::string key_pem,
                   ReadFile(key_path, "--attestation_ca_key"));
  absl::StatusOr<EcdsaP256PrivateKey> key = KeyFromPem(key_pem, key_path);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  if (!key.ok()) return key.status();
  ASSIGN_OR_RETURN(std::string cert_pem,
                   ReadFile(cert_path, "--attestation_ca_cert"));
  absl::StatusOr<Certificate> root = Certificate::FromPem(cert_pem);
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
  return absl::StrCat("sct-key-attestation-v1;oem=", oem_id_,
                      ";storage=secure_element;exportable=false");
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

}  // namespace sct::oem

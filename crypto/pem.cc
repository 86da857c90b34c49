#include "crypto/pem.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/openssl_util.h"
#include "crypto/p256.h"
#include "crypto/x509.h"

namespace sct::crypto {
namespace {

constexpr absl::string_view kPublicKeyBegin = "-----BEGIN PUBLIC KEY-----";

// Refuses to prompt for a passphrase: encrypted keys fail to load.
int NoPassword(char*, int, int, void*) { return -1; }

// " (OpenSSL: <queue>)", or "" when OpenSSL recorded nothing. Drains the
// queue.
std::string OpenSslDetail() {
  std::string errors = DrainOpenSslErrors();
  return errors.empty() ? "" : absl::StrCat(" (OpenSSL: ", errors, ")");
}

absl::StatusOr<BioPtr> ReadOnlyBio(absl::string_view data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  return bio;
}

bool IsEncryptedKey(absl::string_view pem) {
  return absl::StrContains(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
         absl::StrContains(pem, "Proc-Type: 4,ENCRYPTED");
}

// The first private key in `pem`, of any algorithm.
absl::StatusOr<EvpPkeyPtr> ReadPrivateKey(absl::string_view pem, absl::string_view field) {
  ERR_clear_error();
  if (!absl::StrContains(pem, "-----BEGIN ")) {
    return InvalidField(field, "not PEM (no -----BEGIN line)");
  }
  if (IsEncryptedKey(pem)) {
    return InvalidField(field, "encrypted private keys are not supported");
  }
  ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    if (absl::StrContains(pem, "-----BEGIN CERTIFICATE") &&
        !absl::StrContains(pem, "PRIVATE KEY-----")) {
      ERR_clear_error();
      return InvalidField(field, "contains a certificate, not a private key");
    }
    return InvalidField(field, absl::StrCat("no readable PEM private key", OpenSslDetail()));
  }
  ERR_clear_error();
  return key;
}

// Errors of the ecdsa.h constructors name their own field; re-name them.
absl::Status Renamed(const absl::Status& status, absl::string_view field) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  return InvalidField(field, status.message());
}

// `key` (a P-256 key pair) as the project's ECDSA key class, through its
// PKCS#8 DER (which checks the pair is consistent).
absl::StatusOr<EcdsaP256PrivateKey> ToEcdsaKey(EVP_PKEY* key, absl::string_view field) {
  Pkcs8PrivKeyInfoPtr info(EVP_PKEY2PKCS8(key));
  if (info == nullptr) return OpenSslError("EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der);
  if (len <= 0) return OpenSslError("i2d_PKCS8_PRIV_KEY_INFO");
  std::string der_copy(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  absl::StatusOr<EcdsaP256PrivateKey> out = EcdsaP256PrivateKey::FromPkcs8Der(der_copy);
  OPENSSL_cleanse(der_copy.data(), der_copy.size());
  if (!out.ok()) return Renamed(out.status(), field);
  return out;
}

}  // namespace

absl::StatusOr<EcdsaP256PrivateKey> P256PrivateKeyFromPem(absl::string_view pem,
                                                          absl::string_view field) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ReadPrivateKey(pem, field));
  RETURN_IF_ERROR(CheckP256(key.get(), field));
  return ToEcdsaKey(key.get(), field);
}

absl::StatusOr<std::string> P256PrivateKeyToPem(const EcdsaP256PrivateKey& key) {
  // Secure-heap memory, cleared when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr) return OpenSslError("BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key.evp(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return OpenSslError("PEM_write_bio_PKCS8PrivateKey");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(runtime/int)
  if (len <= 0 || data == nullptr) return OpenSslError("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> P256PrivateScalarFromPem(absl::string_view pem,
                                                     absl::string_view field) {
  ASSIGN_OR_RETURN(EcdsaP256PrivateKey key, P256PrivateKeyFromPem(pem, field));
  return P256PrivateScalar(key.evp());
}

absl::StatusOr<EcdsaP256PublicKey> P256PublicKeyFromPem(absl::string_view pem,
                                                        absl::string_view field) {
  size_t at = pem.find(kPublicKeyBegin);
  if (at == absl::string_view::npos) return InvalidField(field, "no PEM PUBLIC KEY block");
  ERR_clear_error();
  ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem.substr(at)));
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return InvalidField(field, absl::StrCat("malformed PUBLIC KEY block", OpenSslDetail()));
  }
  RETURN_IF_ERROR(CheckP256(key.get(), field));
  absl::StatusOr<EcdsaP256PublicKey> out = EcdsaP256PublicKey::FromEvp(key.get());
  if (!out.ok()) return Renamed(out.status(), field);
  return out;
}

absl::Status CheckPemPrivateKey(absl::string_view pem, absl::string_view field) {
  return ReadPrivateKey(pem, field).status();
}

absl::Status CheckPemKeyMatchesCertificate(absl::string_view cert_pem, absl::string_view key_pem,
                                           absl::string_view field) {
  absl::StatusOr<Certificate> cert = Certificate::FromPem(cert_pem);
  absl::StatusOr<EvpPkeyPtr> key = ReadPrivateKey(key_pem, field);
  if (!cert.ok() || !key.ok()) {
    ERR_clear_error();
    return InvalidField(field, "cannot parse");
  }
  ERR_clear_error();
  if (X509_check_private_key(cert->x509(), key->get()) != 1) {
    return InvalidField(field, absl::StrCat("does not match the certificate", OpenSslDetail()));
  }
  return absl::OkStatus();
}

}  // namespace sct::crypto

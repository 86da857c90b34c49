// ECDSA over P-256 with SHA-256 (FIPS 186-4), for share tokens, device
// attestation and credential challenges.
//
// Signatures come in two encodings: kDer (the ASN.1 Ecdsa-Sig-Value X.509 and
// most protocols use; verification accepts only strict DER) and kP1363 (raw
// r || s, 32 bytes each, as JOSE/COSE use).
//
// Keys wrap one immutable EVP_PKEY; copies share it (EVP_PKEY_up_ref).
// Thread-safety: const methods may be called concurrently.
//
// Errors: INVALID_ARGUMENT (reason "invalid_field") for malformed keys or a
// key that is not P-256; Verify returns UNAUTHENTICATED with reason
// "bad_signature" for any signature that does not verify, including
// malformed encodings; INTERNAL with OpenSSL's error text when OpenSSL fails.
#ifndef SCT_CRYPTO_ECDSA_H_
#define SCT_CRYPTO_ECDSA_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

enum class SignatureEncoding { kDer, kP1363 };

inline constexpr size_t kEcdsaP256P1363Size = 64;

class EcdsaP256PublicKey {
 public:
  // From 0x04 || X || Y (65 bytes), validated on the curve.
  static absl::StatusOr<EcdsaP256PublicKey> FromUncompressedPoint(
      absl::string_view point65);
  // From a DER SubjectPublicKeyInfo; the key must be EC on P-256.
  static absl::StatusOr<EcdsaP256PublicKey> FromSpkiDer(absl::string_view der);
  // Takes another reference to an EVP_PKEY (e.g. from an X.509
  // certificate); it must be an EC P-256 key.
  static absl::StatusOr<EcdsaP256PublicKey> FromEvp(EVP_PKEY* pkey);

  EcdsaP256PublicKey(const EcdsaP256PublicKey& other);
  EcdsaP256PublicKey& operator=(const EcdsaP256PublicKey& other);
  EcdsaP256PublicKey(EcdsaP256PublicKey&&) = default;
  EcdsaP256PublicKey& operator=(EcdsaP256PublicKey&&) = default;

  // 0x04 || X || Y.
  const std::string& UncompressedPoint() const { return point_; }
  // DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, uncompressed).
  std::string SpkiDer() const { return spki_der_; }

  // OK iff `signature` is a valid ECDSA-SHA256 signature of `message`.
  absl::Status Verify(absl::string_view message, absl::string_view signature,
                      SignatureEncoding enc) const;

  EVP_PKEY* evp() const { return key_.get(); }

  friend bool operator==(const EcdsaP256PublicKey& a,
                         const EcdsaP256PublicKey& b) {
    return a.point_ == b.point_;
  }
  friend bool operator!=(const EcdsaP256PublicKey& a,
                         const EcdsaP256PublicKey& b) {
    return !(a == b);
  }

 private:
  EcdsaP256PublicKey(EvpPkeyPtr key, std::string point, std::string spki_der)
      : key_(std::move(key)),
        point_(std::move(point)),
        spki_der_(std::move(spki_der)) {}
  static absl::StatusOr<EcdsaP256PublicKey> FromOwned(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  std::string point_;
  std::string spki_der_;
};

class EcdsaP256PrivateKey {
 public:
  static absl::StatusOr<EcdsaP256PrivateKey> Generate();
  // From a DER PKCS#8 PrivateKeyInfo holding an EC P-256 key.
  static absl::StatusOr<EcdsaP256PrivateKey> FromPkcs8Der(
      absl::string_view der);
  // From a big-endian 32-byte scalar (1 <= d < n).
  static absl::StatusOr<EcdsaP256PrivateKey> FromRawScalar(
      absl::string_view scalar);

  EcdsaP256PrivateKey(const EcdsaP256PrivateKey& other);
  EcdsaP256PrivateKey& operator=(const EcdsaP256PrivateKey& other);
  EcdsaP256PrivateKey(EcdsaP256PrivateKey&&) = default;
  EcdsaP256PrivateKey& operator=(EcdsaP256PrivateKey&&) = default;

  // DER PKCS#8 PrivateKeyInfo. Only for the simulated secure element's
  // persisted state: a secret, never log it. "" if OpenSSL fails to encode.
  std::string ToPkcs8Der() const;

  // ECDSA-SHA256 signature of `message` (randomized k from OpenSSL).
  absl::StatusOr<std::string> Sign(absl::string_view message,
                                   SignatureEncoding enc) const;

  const EcdsaP256PublicKey& PublicKey() const { return public_key_; }

  EVP_PKEY* evp() const { return key_.get(); }

 private:
  EcdsaP256PrivateKey(EvpPkeyPtr key, EcdsaP256PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<EcdsaP256PrivateKey> FromOwned(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  EcdsaP256PublicKey public_key_;
};

// Converts between the two signature encodings. DerToP1363 requires strict
// DER with 0 < r, s < 2^256; P1363ToDer requires exactly 64 bytes.
// INVALID_ARGUMENT ("invalid_field", field "signature") otherwise.
absl::StatusOr<std::string> EcdsaDerToP1363(absl::string_view der);
absl::StatusOr<std::string> EcdsaP1363ToDer(absl::string_view p1363);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_ECDSA_H_

// Elliptic-curve Diffie-Hellman: P-256 (SEC 1, raw x-coordinate output) and
// X25519 (RFC 7748), as HPKE's DHKEMs and the secure element need them.
//
// Keys wrap one immutable EVP_PKEY; copies share it (EVP_PKEY_up_ref).
// Thread-safety: const methods may be called concurrently.
//
// Errors: INVALID_ARGUMENT (reason "invalid_field") for malformed input —
// wrong lengths, scalars outside [1, n-1], peer points that are compressed,
// the point at infinity, off the curve or with coordinates >= p, and X25519
// peers that give an all-zero shared secret (low-order points). INTERNAL with
// OpenSSL's error text when OpenSSL fails.
#ifndef SCT_CRYPTO_ECDH_H_
#define SCT_CRYPTO_ECDH_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

class EcdhP256PrivateKey {
 public:
  static absl::StatusOr<EcdhP256PrivateKey> Generate();
  // `scalar` is the big-endian private scalar, exactly 32 bytes, 1 <= d < n
  // (HPKE DeriveKeyPair relies on the INVALID_ARGUMENT for out-of-range d).
  static absl::StatusOr<EcdhP256PrivateKey> FromRawScalar(
      absl::string_view scalar);

  EcdhP256PrivateKey(const EcdhP256PrivateKey& other);
  EcdhP256PrivateKey& operator=(const EcdhP256PrivateKey& other);
  EcdhP256PrivateKey(EcdhP256PrivateKey&&) = default;
  EcdhP256PrivateKey& operator=(EcdhP256PrivateKey&&) = default;

  // 0x04 || X || Y (65 bytes).
  const std::string& PublicPoint() const { return public_point_; }

  // The x-coordinate of d * peer (32 bytes). `peer_uncompressed_point` must
  // be a valid 65-byte uncompressed P-256 point.
  absl::StatusOr<std::string> ComputeSharedSecret(
      absl::string_view peer_uncompressed_point) const;

  // The private scalar, big-endian, 32 bytes. A secret: never log it.
  absl::StatusOr<std::string> RawScalar() const;

  EVP_PKEY* evp() const { return key_.get(); }

 private:
  EcdhP256PrivateKey(EvpPkeyPtr key, std::string public_point)
      : key_(std::move(key)), public_point_(std::move(public_point)) {}
  static absl::StatusOr<EcdhP256PrivateKey> FromEvp(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  std::string public_point_;
};

// OK iff `point` is a valid 65-byte uncompressed P-256 public point;
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status CheckP256PublicPoint(absl::string_view point,
                                  absl::string_view field = "public_key");

class X25519PrivateKey {
 public:
  static constexpr size_t kKeySize = 32;

  static absl::StatusOr<X25519PrivateKey> Generate();
  // Any 32 bytes (clamped by X25519 itself, RFC 7748 section 5).
  static absl::StatusOr<X25519PrivateKey> FromRaw(absl::string_view raw);

  X25519PrivateKey(const X25519PrivateKey& other);
  X25519PrivateKey& operator=(const X25519PrivateKey& other);
  X25519PrivateKey(X25519PrivateKey&&) = default;
  X25519PrivateKey& operator=(X25519PrivateKey&&) = default;

  // The 32-byte public key (u-coordinate).
  const std::string& PublicKey() const { return public_key_; }

  // X25519(k, peer) (32 bytes). Rejects a peer of the wrong length and
  // results that are all zero (low-order peer points, RFC 7748 section 6.1).
  absl::StatusOr<std::string> ComputeSharedSecret(
      absl::string_view peer_public_key) const;

  // The raw 32-byte private key as given or generated. Never log it.
  absl::StatusOr<std::string> Raw() const;

  EVP_PKEY* evp() const { return key_.get(); }

 private:
  X25519PrivateKey(EvpPkeyPtr key, std::string public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<X25519PrivateKey> FromEvp(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  std::string public_key_;
};

// The X25519 public key of a raw 32-byte private key.
absl::StatusOr<std::string> X25519PublicFromPrivate(absl::string_view raw);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_ECDH_H_

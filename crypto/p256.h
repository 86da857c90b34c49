// NIST P-256 key plumbing shared by ecdh.h and ecdsa.h: building EVP_PKEYs
// from raw scalars and uncompressed points, and reading them back.
// Prefer the typed classes in ecdh.h and ecdsa.h; this is their toolbox.
//
// Thread-safe (no shared state). Errors: INVALID_ARGUMENT (reason
// "invalid_field", naming `field`) for bad input, INTERNAL with OpenSSL's
// error text for OpenSSL failures.
#ifndef SCT_CRYPTO_P256_H_
#define SCT_CRYPTO_P256_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

inline constexpr size_t kP256ScalarSize = 32;
inline constexpr size_t kP256UncompressedPointSize = 65;
inline constexpr char kP256GroupName[] = "prime256v1";

// A fresh P-256 key pair from OpenSSL's CSPRNG.
absl::StatusOr<EvpPkeyPtr> GenerateP256Key();

// Public key from 0x04 || X(32) || Y(32). Rejects other lengths, compressed
// and infinity encodings, coordinates >= p and points not on the curve.
absl::StatusOr<EvpPkeyPtr> P256PublicKeyFromPoint(absl::string_view point,
                                                  absl::string_view field);

// Key pair from a big-endian 32-byte scalar d with 1 <= d < n; the public
// point d*G is computed.
absl::StatusOr<EvpPkeyPtr> P256PrivateKeyFromScalar(absl::string_view scalar,
                                                    absl::string_view field);

// OK iff `pkey` is an EC key on P-256 (named curve); INVALID_ARGUMENT else.
absl::Status CheckP256(EVP_PKEY* pkey, absl::string_view field);

// The public point of a P-256 key, uncompressed (65 bytes).
absl::StatusOr<std::string> P256PublicPoint(EVP_PKEY* pkey);

// The DER SubjectPublicKeyInfo of a P-256 public key (id-ecPublicKey,
// prime256v1, uncompressed point) from its 0x04 || X || Y point: the fixed
// 26-byte header followed by the point, byte for byte what i2d_PUBKEY writes
// for such a key, without OpenSSL 3.0's encoder (which costs several times an
// ECDSA verification). `point65` must be an uncompressed point (65 bytes,
// 0x04 first); the point itself is not checked here.
std::string P256SpkiDerFromPoint(absl::string_view point65);

// The point of `der` when `der` is exactly that canonical encoding (header +
// 65 bytes starting 0x04), else empty. Nothing is validated beyond the
// bytes: pass the point to P256PublicKeyFromPoint.
absl::string_view CanonicalP256SpkiPoint(absl::string_view der);

// The private scalar of a P-256 key, big-endian, 32 bytes.
absl::StatusOr<std::string> P256PrivateScalar(EVP_PKEY* pkey);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_P256_H_

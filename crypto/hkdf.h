// HKDF with SHA-256 (RFC 5869) on OpenSSL's EVP_KDF "HKDF".
//
// The one-shot form is extract-then-expand; Extract and Expand are exposed on
// their own for RFC 9180 (HPKE) LabeledExtract/LabeledExpand.
//
// Thread-safe. Errors: INVALID_ARGUMENT (reason "invalid_field") for a
// length above 255 * 32 = 8160 bytes or a PRK shorter than 32 bytes;
// INTERNAL with OpenSSL's error text if OpenSSL fails.
#ifndef SCT_CRYPTO_HKDF_H_
#define SCT_CRYPTO_HKDF_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

inline constexpr size_t kHkdfSha256PrkSize = 32;
inline constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

// OKM of `length` bytes. An empty `salt` means HashLen zero bytes (RFC 5869
// section 2.2). `length` 0 yields "".
absl::StatusOr<std::string> HkdfSha256(absl::string_view ikm,
                                       absl::string_view salt,
                                       absl::string_view info, size_t length);

// PRK = HMAC-SHA256(salt, ikm): always 32 bytes.
absl::StatusOr<std::string> HkdfSha256Extract(absl::string_view salt,
                                              absl::string_view ikm);

// OKM of `length` bytes from `prk` (at least 32 bytes) and `info`.
absl::StatusOr<std::string> HkdfSha256Expand(absl::string_view prk,
                                             absl::string_view info,
                                             size_t length);

// TLS 1.3's HKDF-Expand-Label (RFC 8446 section 7.1) with SHA-256:
// HKDF-Expand(secret, HkdfLabel, length), HkdfLabel = uint16 length ||
// opaque label<7..255> = "tls13 " + label || opaque context<0..255>.
// INVALID_ARGUMENT "invalid_field" for a label longer than 249 bytes, a
// context longer than 255 bytes, or what HkdfSha256Expand refuses.
absl::StatusOr<std::string> HkdfSha256ExpandLabel(absl::string_view secret,
                                                  absl::string_view label,
                                                  absl::string_view context,
                                                  size_t length);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_HKDF_H_

// HMAC-SHA256 (RFC 2104 / FIPS 198-1) on OpenSSL's EVP_MAC "HMAC".
//
// Truncated tags: HmacSha256Verify accepts a tag of 16 to 32 bytes and
// compares it, in constant time, with the same-length prefix of the full MAC
// (RFC 2104 section 5 truncation; 16 bytes = 128 bits is the floor the
// project allows, half the hash output as RFC 2104 recommends).
//
// Thread-safe. Errors: INVALID_ARGUMENT (reason "invalid_field") for a tag
// length outside [16, 32]; UNAUTHENTICATED (reason "bad_mac") when the tag
// does not match; INTERNAL with OpenSSL's error text if OpenSSL fails.
#ifndef SCT_CRYPTO_HMAC_H_
#define SCT_CRYPTO_HMAC_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

inline constexpr size_t kHmacSha256Size = 32;
inline constexpr size_t kHmacSha256MinTagSize = 16;

// The full 32-byte HMAC-SHA256 of `data` under `key` (any key length).
absl::StatusOr<std::string> HmacSha256(absl::string_view key,
                                       absl::string_view data);

// OK iff `tag` equals the first tag.size() bytes of HmacSha256(key, data).
absl::Status HmacSha256Verify(absl::string_view key, absl::string_view data,
                              absl::string_view tag);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_HMAC_H_

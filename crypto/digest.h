// SHA-256 (FIPS 180-4) of a byte string, raw or as lowercase hex, on
// OpenSSL's EVP_Digest. For fingerprints and identifiers (request
// fingerprints, key ids, token and certificate hashes, Redis ACL password
// hashes); a keyed digest is crypto/hmac.h.
//
// Errors: none returned. Hashing a buffer in memory fails in OpenSSL only
// when it cannot allocate its context; the process then aborts with
// OpenSSL's error text, as it would on any other failed allocation.
// Thread-safe.
#ifndef SCT_CRYPTO_DIGEST_H_
#define SCT_CRYPTO_DIGEST_H_

#include <cstddef>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace sct::crypto {

inline constexpr size_t kSha256Size = 32;

// The 32-byte SHA-256 of `data`.
std::string Sha256(absl::string_view data);

// The SHA-256 of the concatenation of `parts`, without building it (for a
// large payload behind a small header).
std::string Sha256Concat(std::initializer_list<absl::string_view> parts);

// The SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(absl::string_view data);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_DIGEST_H_

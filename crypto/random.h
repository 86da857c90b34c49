// Secret randomness from OpenSSL's CSPRNG (RAND_bytes). Never mocked: code
// that needs randomness for non-secret choices takes an injected source.
//
// Thread-safe.
#ifndef SCT_CRYPTO_RANDOM_H_
#define SCT_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace sct::crypto {

// `n` bytes from RAND_bytes. INVALID_ARGUMENT if `n` exceeds INT_MAX,
// INTERNAL (with OpenSSL's error text) if the generator fails.
absl::StatusOr<std::string> RandomBytes(size_t n);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_RANDOM_H_

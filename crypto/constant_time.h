// Comparison of secrets (MACs, PINs, tokens) whose running time does not
// depend on where the inputs differ.
//
// Thread-safe.
#ifndef SCT_CRYPTO_CONSTANT_TIME_H_
#define SCT_CRYPTO_CONSTANT_TIME_H_

#include "absl/strings/string_view.h"

namespace sct::crypto {

// True iff `a` and `b` are byte-for-byte equal. Inputs of different lengths
// are unequal at once: only the contents are protected, lengths are treated
// as public. Uses CRYPTO_memcmp.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_CONSTANT_TIME_H_

// Small helpers shared by the crypto tests.
#ifndef SCT_CRYPTO_TEST_UTIL_H_
#define SCT_CRYPTO_TEST_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/testing/test_vectors.h"
#include "gtest/gtest.h"

namespace sct::crypto {

// Decodes a hex literal written in the test; a typo fails the test.
inline std::string Unhex(absl::string_view hex) {
  absl::StatusOr<std::string> bytes = sct::testing::HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

inline std::string Hex(absl::string_view bytes) {
  return sct::testing::HexEncode(bytes);
}

// An error for a vector whose output differs from the expected one.
inline absl::Status Mismatch(absl::string_view what, absl::string_view got,
                             absl::string_view want) {
  return absl::InternalError(
      absl::StrCat(what, " mismatch: got ", Hex(got), ", want ", Hex(want)));
}

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_TEST_UTIL_H_

// The status check the authority's tests share: a gtest EXPECT that a status
// carries a code and a stable reason (common/errors.h).
//
// Thread-safety: as gtest's EXPECT macros.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_TEST_EXPECT_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_TEST_EXPECT_H_

#include <string>

#include "absl/status/status.h"

namespace sct::ca::testing {

// Expects `s` to carry `code` and the reason `reason`; the test goes on.
void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& reason);

}  // namespace sct::ca::testing

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_TEST_EXPECT_H_

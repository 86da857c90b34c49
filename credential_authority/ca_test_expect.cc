#include "credential_authority/ca_test_expect.h"

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::ca::testing {

void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ReasonOf(s), reason) << s;
}

}  // namespace sct::ca::testing

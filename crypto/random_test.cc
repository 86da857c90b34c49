#include "crypto/random.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

TEST(RandomBytesTest, ReturnsRequestedLength) {
  for (size_t n : {0, 1, 12, 32, 1000}) {
    absl::StatusOr<std::string> bytes = RandomBytes(n);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->size(), n);
  }
}

TEST(RandomBytesTest, OutputsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> bytes = RandomBytes(16);
    ASSERT_TRUE(bytes.ok());
    EXPECT_NE(*bytes, std::string(16, '\0'));
    seen.insert(*bytes);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomBytesTest, RejectsAbsurdLength) {
  EXPECT_EQ(RandomBytes(size_t{1} << 40).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::crypto

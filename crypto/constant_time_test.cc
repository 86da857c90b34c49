#include "crypto/constant_time.h"

#include <string>

#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

TEST(ConstantTimeEqualsTest, Compares) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("123456", "123456"));
  EXPECT_FALSE(ConstantTimeEquals("123456", "123457"));
  EXPECT_FALSE(ConstantTimeEquals("023456", "123456"));
  EXPECT_FALSE(ConstantTimeEquals("12345", "123456"));
  EXPECT_FALSE(ConstantTimeEquals("", "1"));
  EXPECT_TRUE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace sct::crypto

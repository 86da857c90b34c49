#include "credential_authority/pin.h"

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

TEST(PinTest, ValidatesSixDigits) {
  EXPECT_TRUE(ValidatePin("012345", "pin").ok());
  for (const char* bad : {"", "12345", "1234567", "12a456", " 12345", "١٢٣٤٥٦"}) {
    absl::Status s = ValidatePin(bad, "pin");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ReasonOf(s), "invalid_field") << bad;
  }
}

TEST(PinTest, HashIsSaltedAndVerifies) {
  auto a = HashPin("493817", 1000);
  auto b = HashPin("493817", 1000);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->salt.size(), 16u);
  EXPECT_EQ(a->hash.size(), 32u);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->hash, b->hash);
  EXPECT_EQ(a->hash.find("493817"), std::string::npos);
  EXPECT_TRUE(*VerifyPin("493817", *a));
  EXPECT_FALSE(*VerifyPin("493818", *a));
  EXPECT_FALSE(*VerifyPin("", *a));
}

// PBKDF2-HMAC-SHA256 known answer (RFC 7914 section 11, first vector:
// P="passwd", S="salt", c=1, dkLen=64; first 32 bytes).
TEST(PinTest, Pbkdf2KnownAnswer) {
  PinHash h;
  h.salt = "salt";
  h.iterations = 1;
  const unsigned char expected[32] = {
      0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91,
      0xc2, 0x25, 0x44, 0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde,
      0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc};
  h.hash.assign(reinterpret_cast<const char*>(expected), 32);
  EXPECT_TRUE(*VerifyPin("passwd", h));
}

}  // namespace
}  // namespace sct::ca

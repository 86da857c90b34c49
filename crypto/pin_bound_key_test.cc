#include "crypto/pin_bound_key.h"

#include <string>

#include "common/errors.h"
#include "crypto/mailbox_payload.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

std::string Bytes(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(i));
  return out;
}

// Known answers, computed independently of this code with Python's hashlib
// (pbkdf2_hmac and an HMAC-based HKDF written from RFC 5869) over the
// derivation documented in pin_bound_key.h; secret = 00 01 02 ... .
struct Vector {
  const char* id;
  size_t secret_size;
  const char* pin;
  uint32_t iterations;
  const char* key_hex;
};

constexpr Vector kVectors[] = {
    {"aes128-default", 16, "123456", kPinKeyIterations, "728fea6adfbe17b3148280cb29ea2c62"},
    {"aes256-default", 32, "552093", kPinKeyIterations,
     "c4afc3e77fef57082fef5b361eec1592240dbee002d6c6dae4497bc12ce87dc0"},
    {"aes128-next-pin", 16, "123457", kPinKeyIterations, "5bbac1f803f8f8d0d081b710e61d1b2b"},
    {"aes128-one-iteration", 16, "123456", 1, "97289a1378799275a2b7b946bd0f11c7"},
};

TEST(PinBoundKeyTest, KnownAnswers) {
  for (const Vector& v : kVectors) {
    absl::StatusOr<std::string> key = PinBoundPayloadKey(Bytes(v.secret_size), v.pin, v.iterations);
    ASSERT_TRUE(key.ok()) << v.id << ": " << key.status();
    EXPECT_EQ(Hex(*key), v.key_hex) << "vector " << v.id;
  }
}

TEST(PinBoundKeyTest, DiffersFromTheSecretAndPerPin) {
  const std::string secret = Bytes(16);
  absl::StatusOr<std::string> a = PinBoundPayloadKey(secret, "000000", 1);
  absl::StatusOr<std::string> b = PinBoundPayloadKey(secret, "000001", 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, secret);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), secret.size());
}

// What the design rests on: a payload sealed under the PIN-bound key does not
// open with the link's secret alone, nor with another PIN.
TEST(PinBoundKeyTest, PayloadOpensOnlyWithThePin) {
  const std::string secret = Bytes(16);
  absl::StatusOr<std::string> key = PinBoundPayloadKey(secret, "552093", 1);
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> sealed =
      SealMailboxPayload(PayloadCipher::kAes128Gcm, *key, "provisioning");
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(OpenMailboxPayload(PayloadCipher::kAes128Gcm, secret, *sealed).ok());
  absl::StatusOr<std::string> other = PinBoundPayloadKey(secret, "552094", 1);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(OpenMailboxPayload(PayloadCipher::kAes128Gcm, *other, *sealed).ok());
  absl::StatusOr<std::string> opened = OpenMailboxPayload(PayloadCipher::kAes128Gcm, *key, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "provisioning");
}

TEST(PinBoundKeyTest, BadInputNamesTheField) {
  struct Case {
    std::string secret;
    std::string pin;
    uint32_t iterations;
    const char* field;
  };
  const Case cases[] = {
      {Bytes(15), "123456", 1, "secret"},     {Bytes(16), "12345", 1, "pin"},
      {Bytes(16), "12345a", 1, "pin"},        {Bytes(16), "", 1, "pin"},
      {Bytes(32), "123456", 0, "iterations"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> key = PinBoundPayloadKey(c.secret, c.pin, c.iterations);
    ASSERT_FALSE(key.ok()) << c.field;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(ReasonOf(key.status()), "invalid_field") << c.field;
    EXPECT_NE(key.status().message().find(c.field), std::string::npos) << key.status();
  }
}

}  // namespace
}  // namespace sct::crypto

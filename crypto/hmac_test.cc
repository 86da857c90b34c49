#include "crypto/hmac.h"

#include <string>

#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::sct::testing::HexField;
using ::sct::testing::Passed;
using ::sct::testing::VectorResult;

// RFC 4231 test case 1 and 2.
TEST(HmacSha256Test, Rfc4231) {
  absl::StatusOr<std::string> tag1 =
      HmacSha256(std::string(20, '\x0b'), "Hi There");
  ASSERT_TRUE(tag1.ok()) << tag1.status();
  EXPECT_EQ(Hex(*tag1),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  absl::StatusOr<std::string> tag2 =
      HmacSha256("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(tag2.ok()) << tag2.status();
  EXPECT_EQ(Hex(*tag2),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(
      HmacSha256Verify("Jefe", "what do ya want for nothing?", *tag2).ok());
}

TEST(HmacSha256Test, VerifyRejectsWrongTagKeyAndData) {
  absl::StatusOr<std::string> tag = HmacSha256("key", "data");
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(HmacSha256Verify("key", "data", *tag).ok());
  std::string flipped = *tag;
  flipped[31] ^= 1;
  absl::Status bad = HmacSha256Verify("key", "data", flipped);
  EXPECT_EQ(bad.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(bad), "bad_mac");
  EXPECT_EQ(HmacSha256Verify("kez", "data", *tag).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(HmacSha256Verify("key", "datb", *tag).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(HmacSha256Test, TruncatedTags) {
  absl::StatusOr<std::string> tag = HmacSha256("key", "data");
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(HmacSha256Verify("key", "data", tag->substr(0, 16)).ok());
  EXPECT_TRUE(HmacSha256Verify("key", "data", tag->substr(0, 20)).ok());
  // The truncated tag must be a prefix, not any 16 bytes of the MAC.
  EXPECT_EQ(HmacSha256Verify("key", "data", tag->substr(16, 16)).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(HmacSha256Verify("key", "data", tag->substr(0, 15)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HmacSha256Verify("key", "data", "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HmacSha256Verify("key", "data", *tag + "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  absl::StatusOr<std::string> tag = HmacSha256("", "");
  ASSERT_TRUE(tag.ok()) << tag.status();
  // HMAC-SHA256 with an empty key over an empty message.
  EXPECT_EQ(Hex(*tag),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha256Test, Wycheproof) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/hmac_sha256_test.json");
  sct::testing::RunWycheproof(
      json, "hmac_sha256_test.json",
      [](const nlohmann::json& group,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        ASSIGN_OR_RETURN(std::string key, HexField(test, "key"));
        ASSIGN_OR_RETURN(std::string msg, HexField(test, "msg"));
        ASSIGN_OR_RETURN(std::string tag, HexField(test, "tag"));
        const size_t tag_bytes = group.at("tagSize").get<size_t>() / 8;
        const std::string result = test.at("result").get<std::string>();
        if (tag.size() != tag_bytes) {
          return absl::InternalError("tag length differs from tagSize");
        }
        absl::Status verified = HmacSha256Verify(key, msg, tag);
        if (result == "invalid") {
          if (verified.ok()) return absl::InternalError("accepted a bad tag");
          return Passed(false);
        }
        if (!verified.ok()) return verified;
        // Also compare the computed MAC itself with the expected tag.
        ASSIGN_OR_RETURN(std::string mac, HmacSha256(key, msg));
        if (mac.substr(0, tag_bytes) != tag) {
          return Mismatch("tag", mac.substr(0, tag_bytes), tag);
        }
        return Passed(true);
      });
}

}  // namespace
}  // namespace sct::crypto

#include "crypto/hkdf.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::sct::testing::HexField;
using ::sct::testing::Passed;
using ::sct::testing::VectorResult;

// RFC 5869 Appendix A.1 (test case 1).
TEST(HkdfSha256Test, Rfc5869Case1) {
  const std::string ikm = Unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const std::string salt = Unhex("000102030405060708090a0b0c");
  const std::string info = Unhex("f0f1f2f3f4f5f6f7f8f9");
  const std::string prk =
      Unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const std::string okm = Unhex(
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf3400720"
      "8d5b887185865");

  absl::StatusOr<std::string> got = HkdfSha256(ikm, salt, info, 42);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Hex(*got), Hex(okm));

  absl::StatusOr<std::string> got_prk = HkdfSha256Extract(salt, ikm);
  ASSERT_TRUE(got_prk.ok()) << got_prk.status();
  EXPECT_EQ(Hex(*got_prk), Hex(prk));

  absl::StatusOr<std::string> got_okm = HkdfSha256Expand(prk, info, 42);
  ASSERT_TRUE(got_okm.ok()) << got_okm.status();
  EXPECT_EQ(Hex(*got_okm), Hex(okm));
}

// RFC 5869 Appendix A.3 (test case 3): empty salt and info.
TEST(HkdfSha256Test, Rfc5869Case3EmptySaltAndInfo) {
  const std::string ikm = Unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  absl::StatusOr<std::string> got = HkdfSha256(ikm, "", "", 42);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Hex(*got),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
  absl::StatusOr<std::string> prk = HkdfSha256Extract("", ikm);
  ASSERT_TRUE(prk.ok()) << prk.status();
  EXPECT_EQ(Hex(*prk),
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
}

TEST(HkdfSha256Test, LengthLimits) {
  absl::StatusOr<std::string> max = HkdfSha256("ikm", "salt", "info", 8160);
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->size(), 8160u);

  absl::StatusOr<std::string> too_long = HkdfSha256("ikm", "salt", "", 8161);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(too_long.status()), "invalid_field");

  const std::string prk(32, 'k');
  EXPECT_EQ(HkdfSha256Expand(prk, "", 8161).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HkdfSha256Expand("short", "", 16).status().code(),
            absl::StatusCode::kInvalidArgument);

  absl::StatusOr<std::string> empty = HkdfSha256("ikm", "", "", 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(HkdfSha256Test, EmptyIkmIsAllowed) {
  absl::StatusOr<std::string> okm = HkdfSha256("", "salt", "info", 32);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(okm->size(), 32u);
}

// The extract-then-expand path agrees with the one-shot path.
TEST(HkdfSha256Test, ExtractThenExpandMatchesOneShot) {
  absl::StatusOr<std::string> prk = HkdfSha256Extract("salt", "secret");
  ASSERT_TRUE(prk.ok());
  absl::StatusOr<std::string> two_step = HkdfSha256Expand(*prk, "ctx", 77);
  absl::StatusOr<std::string> one_shot =
      HkdfSha256("secret", "salt", "ctx", 77);
  ASSERT_TRUE(two_step.ok());
  ASSERT_TRUE(one_shot.ok());
  EXPECT_EQ(*two_step, *one_shot);
}

TEST(HkdfSha256Test, Wycheproof) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/hkdf_sha256_test.json");
  sct::testing::RunWycheproof(
      json, "hkdf_sha256_test.json",
      [](const nlohmann::json& group,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        ASSIGN_OR_RETURN(std::string ikm, HexField(test, "ikm"));
        ASSIGN_OR_RETURN(std::string salt, HexField(test, "salt"));
        ASSIGN_OR_RETURN(std::string info, HexField(test, "info"));
        ASSIGN_OR_RETURN(std::string okm, HexField(test, "okm"));
        const size_t size = test.at("size").get<size_t>();
        const std::string result = test.at("result").get<std::string>();
        absl::StatusOr<std::string> got = HkdfSha256(ikm, salt, info, size);
        if (result == "invalid") {
          if (got.ok()) return absl::InternalError("accepted an invalid input");
          return Passed(false);
        }
        if (!got.ok()) return got.status();
        if (*got != okm) return Mismatch("okm", *got, okm);
        return Passed(true);
      });
}

// RFC 8448 section 3 (Simple 1-RTT Handshake): the early secret (HKDF-Extract
// of zeros) expanded with label "derived" over the hash of the empty string.
TEST(HkdfSha256ExpandLabelTest, Rfc8448DerivedSecret) {
  const std::string early = Unhex(
      "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  const std::string empty_hash = Unhex(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  absl::StatusOr<std::string> derived = HkdfSha256ExpandLabel(early, "derived", empty_hash, 32);
  ASSERT_TRUE(derived.ok()) << derived.status();
  EXPECT_EQ(Hex(*derived), "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
}

TEST(HkdfSha256ExpandLabelTest, RefusesOversizedContext) {
  const std::string secret(32, 'k');
  EXPECT_EQ(ReasonOf(HkdfSha256ExpandLabel(secret, "Location", std::string(256, 'c'), 32)
                         .status()),
            "invalid_field");
  EXPECT_TRUE(HkdfSha256ExpandLabel(secret, "Location", std::string(255, 'c'), 32).ok());
}

}  // namespace
}  // namespace sct::crypto

#include "crypto/aead.h"

#include <string>

#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::sct::testing::HexField;
using ::sct::testing::NotApplicable;
using ::sct::testing::Passed;
using ::sct::testing::VectorResult;

// The GCM specification's test cases 4 (AES-128, with AAD) and 15 (AES-256).
constexpr char kIv[] = "cafebabefacedbaddecaf888";
constexpr char kPlaintext[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95"
    "956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";

TEST(AesGcmTest, KnownAnswer128WithAad) {
  absl::StatusOr<AesGcm> aead =
      AesGcm::Create(Unhex("feffe9928665731c6d6a8f9467308308"));
  ASSERT_TRUE(aead.ok()) << aead.status();
  const std::string aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string pt = Unhex(kPlaintext).substr(0, 60);
  absl::StatusOr<std::string> ct = aead->Encrypt(Unhex(kIv), pt, aad);
  ASSERT_TRUE(ct.ok()) << ct.status();
  EXPECT_EQ(Hex(*ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
            "5bc94fbc3221a5db94fae95ae7121a47");
  absl::StatusOr<std::string> back = aead->Decrypt(Unhex(kIv), *ct, aad);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, pt);
}

TEST(AesGcmTest, KnownAnswer256) {
  absl::StatusOr<AesGcm> aead = AesGcm::Create(Unhex(
      "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  ASSERT_TRUE(aead.ok()) << aead.status();
  absl::StatusOr<std::string> ct =
      aead->Encrypt(Unhex(kIv), Unhex(kPlaintext), "");
  ASSERT_TRUE(ct.ok()) << ct.status();
  EXPECT_EQ(Hex(*ct),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
            "b094dac5d93471bdec1a502270e3cc6c");
}

TEST(AesGcmTest, RejectsBadKeyAndIvSizes) {
  for (size_t size : {0, 15, 24, 31, 33}) {
    absl::StatusOr<AesGcm> aead = AesGcm::Create(std::string(size, 'k'));
    EXPECT_EQ(aead.status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_EQ(ReasonOf(aead.status()), "invalid_field");
  }
  absl::StatusOr<AesGcm> aead = AesGcm::Create(std::string(16, 'k'));
  ASSERT_TRUE(aead.ok());
  EXPECT_EQ(aead->Encrypt(std::string(11, 'i'), "pt", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(aead->Decrypt(std::string(13, 'i'), std::string(32, 'c'), "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(aead->Decrypt(std::string(12, 'i'), std::string(15, 'c'), "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AesGcmTest, TamperingIsDetected) {
  absl::StatusOr<AesGcm> aead = AesGcm::Create(std::string(32, 'k'));
  ASSERT_TRUE(aead.ok());
  const std::string iv(12, 'i');
  absl::StatusOr<std::string> ct = aead->Encrypt(iv, "attack at dawn", "hdr");
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 14u + 16u);
  for (size_t i = 0; i < ct->size(); ++i) {
    std::string bad = *ct;
    bad[i] ^= 0x01;
    absl::StatusOr<std::string> out = aead->Decrypt(iv, bad, "hdr");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << i;
    EXPECT_EQ(ReasonOf(out.status()), "decryption_failed") << i;
  }
  EXPECT_EQ(ReasonOf(aead->Decrypt(iv, *ct, "hdx").status()),
            "decryption_failed");
  EXPECT_EQ(ReasonOf(aead->Decrypt(std::string(12, 'j'), *ct, "hdr").status()),
            "decryption_failed");
  absl::StatusOr<AesGcm> other = AesGcm::Create(std::string(32, 'K'));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(ReasonOf(other->Decrypt(iv, *ct, "hdr").status()),
            "decryption_failed");
  // Copies work and decrypt the same.
  AesGcm copy = *aead;
  absl::StatusOr<std::string> pt = copy.Decrypt(iv, *ct, "hdr");
  ASSERT_TRUE(pt.ok()) << pt.status();
  EXPECT_EQ(*pt, "attack at dawn");
}

TEST(AesGcmTest, EmptyPlaintext) {
  absl::StatusOr<AesGcm> aead = AesGcm::Create(std::string(16, '\0'));
  ASSERT_TRUE(aead.ok());
  absl::StatusOr<std::string> ct = aead->Encrypt(std::string(12, '\0'), "", "");
  ASSERT_TRUE(ct.ok()) << ct.status();
  // GCM specification test case 1.
  EXPECT_EQ(Hex(*ct), "58e2fccefa7e3061367f1d57a4e7455a");
  absl::StatusOr<std::string> pt =
      aead->Decrypt(std::string(12, '\0'), *ct, "");
  ASSERT_TRUE(pt.ok()) << pt.status();
  EXPECT_TRUE(pt->empty());
}

TEST(AesGcmTest, Wycheproof) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/aes_gcm_test.json");
  sct::testing::RunWycheproof(
      json, "aes_gcm_test.json",
      [](const nlohmann::json& group,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        const int key_bits = group.at("keySize").get<int>();
        const int iv_bits = group.at("ivSize").get<int>();
        const int tag_bits = group.at("tagSize").get<int>();
        if ((key_bits != 128 && key_bits != 256) || iv_bits != 96 ||
            tag_bits != 128) {
          return NotApplicable("only 128/256-bit keys, 96-bit IV, 128-bit tag");
        }
        ASSIGN_OR_RETURN(std::string key, HexField(test, "key"));
        ASSIGN_OR_RETURN(std::string iv, HexField(test, "iv"));
        ASSIGN_OR_RETURN(std::string aad, HexField(test, "aad"));
        ASSIGN_OR_RETURN(std::string msg, HexField(test, "msg"));
        ASSIGN_OR_RETURN(std::string ct, HexField(test, "ct"));
        ASSIGN_OR_RETURN(std::string tag, HexField(test, "tag"));
        const std::string result = test.at("result").get<std::string>();
        ASSIGN_OR_RETURN(AesGcm aead, AesGcm::Create(key));
        absl::StatusOr<std::string> opened = aead.Decrypt(iv, ct + tag, aad);
        if (result == "invalid") {
          if (opened.ok())
            return absl::InternalError("decrypted invalid input");
          if (ReasonOf(opened.status()) != "decryption_failed") {
            return absl::InternalError(
                absl::StrCat("wrong rejection: ", opened.status().ToString()));
          }
          return Passed(false);
        }
        if (!opened.ok()) return opened.status();
        if (*opened != msg) return Mismatch("plaintext", *opened, msg);
        ASSIGN_OR_RETURN(std::string sealed, aead.Encrypt(iv, msg, aad));
        if (sealed != ct + tag) return Mismatch("ct||tag", sealed, ct + tag);
        return Passed(true);
      });
}

}  // namespace
}  // namespace sct::crypto

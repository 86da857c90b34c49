#include "crypto/mailbox_payload.h"

#include <string>

#include "common/base64.h"
#include "common/errors.h"
#include "crypto/aead.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

class MailboxPayloadTest : public ::testing::TestWithParam<PayloadCipher> {
 protected:
  std::string Key(char fill = 'k') const {
    return std::string(PayloadKeySize(GetParam()), fill);
  }
};

TEST(MailboxPayloadTypeTest, ParsesDraftNames) {
  absl::StatusOr<PayloadCipher> a = ParsePayloadType("AEAD_AES_128_GCM");
  absl::StatusOr<PayloadCipher> b = ParsePayloadType("AEAD_AES_256_GCM");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, PayloadCipher::kAes128Gcm);
  EXPECT_EQ(*b, PayloadCipher::kAes256Gcm);
  EXPECT_EQ(PayloadTypeName(*a), "AEAD_AES_128_GCM");
  EXPECT_EQ(PayloadTypeName(*b), "AEAD_AES_256_GCM");
  for (const char* bad : {"", "aead_aes_128_gcm", "AEAD_AES_192_GCM",
                          "AEAD_CHACHA20_POLY1305", "AEAD_AES_128_GCM "}) {
    absl::StatusOr<PayloadCipher> parsed = ParsePayloadType(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(parsed.status().message().find("payload.type"),
              absl::string_view::npos);
  }
}

TEST_P(MailboxPayloadTest, RoundTripAndLayout) {
  const std::string plaintext = "{\"provisioningInfo\":\"...\"}";
  absl::StatusOr<std::string> sealed =
      SealMailboxPayload(GetParam(), Key(), plaintext);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  ASSERT_EQ(sealed->size(), 12 + plaintext.size() + 16);
  absl::StatusOr<std::string> opened =
      OpenMailboxPayload(GetParam(), Key(), *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, plaintext);

  // The layout is exactly IV || AES-GCM(ct || tag) with no AAD, so any
  // draft implementation can open it.
  absl::StatusOr<AesGcm> aead = AesGcm::Create(Key());
  ASSERT_TRUE(aead.ok());
  absl::StatusOr<std::string> direct =
      aead->Decrypt(sealed->substr(0, 12), sealed->substr(12), "");
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(*direct, plaintext);

  // Fresh random IV each time.
  absl::StatusOr<std::string> again =
      SealMailboxPayload(GetParam(), Key(), plaintext);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(sealed->substr(0, 12), again->substr(0, 12));

  absl::StatusOr<std::string> empty = SealMailboxPayload(GetParam(), Key(), "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), kPayloadOverhead);
  absl::StatusOr<std::string> empty_open =
      OpenMailboxPayload(GetParam(), Key(), *empty);
  ASSERT_TRUE(empty_open.ok()) << empty_open.status();
  EXPECT_TRUE(empty_open->empty());
}

TEST_P(MailboxPayloadTest, WrongKeyFails) {
  absl::StatusOr<std::string> sealed =
      SealMailboxPayload(GetParam(), Key('a'), "secret");
  ASSERT_TRUE(sealed.ok());
  absl::StatusOr<std::string> opened =
      OpenMailboxPayload(GetParam(), Key('b'), *sealed);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(opened.status()), "decryption_failed");
}

TEST_P(MailboxPayloadTest, EveryTamperedByteFails) {
  absl::StatusOr<std::string> sealed =
      SealMailboxPayload(GetParam(), Key(), "car key share");
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 0x80;
    absl::StatusOr<std::string> opened =
        OpenMailboxPayload(GetParam(), Key(), bad);
    EXPECT_EQ(ReasonOf(opened.status()), "decryption_failed") << "byte " << i;
  }
}

TEST_P(MailboxPayloadTest, TruncatedDataFails) {
  absl::StatusOr<std::string> sealed =
      SealMailboxPayload(GetParam(), Key(), "car key share");
  ASSERT_TRUE(sealed.ok());
  for (size_t len = 0; len < sealed->size(); ++len) {
    absl::StatusOr<std::string> opened =
        OpenMailboxPayload(GetParam(), Key(), sealed->substr(0, len));
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument)
        << len;
    EXPECT_EQ(ReasonOf(opened.status()),
              len < kPayloadOverhead ? "invalid_field" : "decryption_failed")
        << len;
  }
}

TEST_P(MailboxPayloadTest, WrongKeySizeIsRejected) {
  const size_t good = PayloadKeySize(GetParam());
  for (size_t size :
       {size_t{0}, good - 1, good + 1, good == 16 ? size_t{32} : size_t{16}}) {
    const std::string key(size, 'k');
    absl::StatusOr<std::string> sealed =
        SealMailboxPayload(GetParam(), key, "x");
    EXPECT_EQ(sealed.status().code(), absl::StatusCode::kInvalidArgument)
        << size;
    EXPECT_EQ(ReasonOf(sealed.status()), "invalid_field");
    EXPECT_NE(sealed.status().message().find("key"), absl::string_view::npos);
    EXPECT_EQ(OpenMailboxPayload(GetParam(), key, std::string(40, 'd'))
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_P(MailboxPayloadTest, Base64Variants) {
  absl::StatusOr<std::string> b64 =
      SealMailboxPayloadBase64(GetParam(), Key(), "hello");
  ASSERT_TRUE(b64.ok()) << b64.status();
  absl::StatusOr<std::string> raw = Base64Decode(*b64);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), kPayloadOverhead + 5);
  absl::StatusOr<std::string> opened =
      OpenMailboxPayloadBase64(GetParam(), Key(), *b64);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "hello");
  absl::StatusOr<std::string> not_b64 =
      OpenMailboxPayloadBase64(GetParam(), Key(), "not base64!");
  EXPECT_EQ(ReasonOf(not_b64.status()), "invalid_field");
  EXPECT_NE(not_b64.status().message().find("payload.data"),
            absl::string_view::npos);
}

INSTANTIATE_TEST_SUITE_P(Ciphers, MailboxPayloadTest,
                         ::testing::Values(PayloadCipher::kAes128Gcm,
                                           PayloadCipher::kAes256Gcm),
                         [](const ::testing::TestParamInfo<PayloadCipher>& i) {
                           return i.param == PayloadCipher::kAes128Gcm
                                      ? std::string("Aes128Gcm")
                                      : std::string("Aes256Gcm");
                         });

}  // namespace
}  // namespace sct::crypto

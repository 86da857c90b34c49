// HPKE (RFC 9180) behaviour beyond the known answers in hpke_test.cc: round
// trips for every supported suite and mode, and what fails (wrong keys,
// tampering, sequence limits, malformed inputs, unsupported suites).
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "crypto/hpke.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::sct::testing::HexDecode;
using ::testing::HasSubstr;

class HpkeRoundTripTest : public ::testing::TestWithParam<HpkeSuite> {
 protected:
  HpkeKem kem() const { return GetParam().kem; }
  HpkeKeyPair NewKeyPair() const {
    auto pair = HpkeGenerateKeyPair(kem());
    EXPECT_TRUE(pair.ok()) << pair.status();
    return pair.ok() ? *pair : HpkeKeyPair();
  }
};

TEST_P(HpkeRoundTripTest, SingleShotSealOpen) {
  HpkeKeyPair r = NewKeyPair();
  EXPECT_EQ(r.private_key.size(), HpkePrivateKeySize(kem()));
  EXPECT_EQ(r.public_key.size(), HpkePublicKeySize(kem()));
  const std::string pt = "hotel room 1204 key material";
  auto sealed = HpkeSeal(GetParam(), r.public_key, "info", "aad", pt);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->size(), HpkePublicKeySize(kem()) + pt.size() + 16);
  auto opened = HpkeOpen(GetParam(), r.private_key, "info", "aad", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, pt);
  // Fresh ephemeral key each time.
  auto again = HpkeSeal(GetParam(), r.public_key, "info", "aad", pt);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->substr(0, HpkePublicKeySize(kem())),
            sealed->substr(0, HpkePublicKeySize(kem())));
}

TEST_P(HpkeRoundTripTest, WrongRecipientKeyFails) {
  HpkeKeyPair r = NewKeyPair();
  HpkeKeyPair other = NewKeyPair();
  auto sealed = HpkeSeal(GetParam(), r.public_key, "info", "", "secret");
  ASSERT_TRUE(sealed.ok());
  auto opened = HpkeOpen(GetParam(), other.private_key, "info", "", *sealed);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(opened.status()), "decryption_failed");
}

TEST_P(HpkeRoundTripTest, TamperingFails) {
  HpkeKeyPair r = NewKeyPair();
  auto sealed = HpkeSeal(GetParam(), r.public_key, "info", "aad", "secret");
  ASSERT_TRUE(sealed.ok());
  const size_t nenc = HpkePublicKeySize(kem());
  for (size_t pos : {nenc, sealed->size() - 1, nenc - 1}) {
    std::string bad = *sealed;
    bad[pos] ^= 0x01;
    EXPECT_FALSE(HpkeOpen(GetParam(), r.private_key, "info", "aad", bad).ok())
        << "flip at " << pos;
  }
  EXPECT_EQ(
      ReasonOf(HpkeOpen(GetParam(), r.private_key, "info", "other aad", *sealed)
                   .status()),
      "decryption_failed");
  EXPECT_EQ(
      ReasonOf(HpkeOpen(GetParam(), r.private_key, "other info", "aad", *sealed)
                   .status()),
      "decryption_failed");
  EXPECT_EQ(HpkeOpen(GetParam(), r.private_key, "info", "aad",
                     sealed->substr(0, nenc + 15))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(HpkeRoundTripTest, ContextSequenceAndExport) {
  HpkeKeyPair r = NewKeyPair();
  auto sender = HpkeSetupSender(GetParam(), r.public_key, "info");
  ASSERT_TRUE(sender.ok()) << sender.status();
  auto recipient =
      HpkeSetupRecipient(GetParam(), sender->enc(), r.private_key, "info");
  ASSERT_TRUE(recipient.ok()) << recipient.status();
  std::vector<std::string> cts;
  for (int i = 0; i < 3; ++i) {
    auto ct = sender->Seal(absl::StrCat("aad", i), absl::StrCat("msg", i));
    ASSERT_TRUE(ct.ok());
    cts.push_back(*ct);
  }
  EXPECT_EQ(sender->sequence_number(), 3u);
  // Out of order: message 1 at sequence 0 fails and does not advance.
  EXPECT_FALSE(recipient->Open("aad1", cts[1]).ok());
  EXPECT_EQ(recipient->sequence_number(), 0u);
  for (int i = 0; i < 3; ++i) {
    auto pt = recipient->Open(absl::StrCat("aad", i), cts[i]);
    ASSERT_TRUE(pt.ok()) << pt.status();
    EXPECT_EQ(*pt, absl::StrCat("msg", i));
  }
  // Nonces differ only in the sequence bytes.
  std::string n0 = sender->ComputeNonce(0), n1 = sender->ComputeNonce(1);
  ASSERT_EQ(n0.size(), 12u);
  EXPECT_EQ(n0.substr(0, 11), n1.substr(0, 11));
  EXPECT_EQ(n0[11] ^ n1[11], 1);

  auto e1 = sender->Export("ctx", 32);
  auto e2 = recipient->Export("ctx", 32);
  auto e3 = recipient->Export("other", 32);
  ASSERT_TRUE(e1.ok() && e2.ok() && e3.ok());
  EXPECT_EQ(*e1, *e2);
  EXPECT_NE(*e1, *e3);
  EXPECT_EQ(recipient->Export("ctx", 0).value(), "");
  EXPECT_EQ(recipient->Export("ctx", 255 * 32).value().size(), 255u * 32);
  EXPECT_EQ(recipient->Export("ctx", 255 * 32 + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(HpkeRoundTripTest, SequenceOverflowIsAnError) {
  HpkeKeyPair r = NewKeyPair();
  auto sender = HpkeSetupSender(GetParam(), r.public_key, "");
  ASSERT_TRUE(sender.ok());
  auto recipient =
      HpkeSetupRecipient(GetParam(), sender->enc(), r.private_key, "");
  ASSERT_TRUE(recipient.ok());
  sender->SetSequenceNumberForTesting(HpkeContext::kMaxSequenceNumber);
  recipient->SetSequenceNumberForTesting(HpkeContext::kMaxSequenceNumber);
  auto last = sender->Seal("", "last");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(recipient->Open("", *last).value(), "last");
  auto over = sender->Seal("", "one too many");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(over.status()), "hpke_message_limit_reached");
  EXPECT_EQ(recipient->Open("", *last).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_P(HpkeRoundTripTest, AuthModeBindsTheSender) {
  HpkeKeyPair r = NewKeyPair();
  HpkeKeyPair s = NewKeyPair();
  HpkeKeyPair mallory = NewKeyPair();
  HpkeSenderParams sp;
  sp.mode = HpkeMode::kAuth;
  sp.sender_private_key = s.private_key;
  auto sealed = HpkeSeal(GetParam(), r.public_key, "info", "", "from s", sp);
  ASSERT_TRUE(sealed.ok()) << sealed.status();

  HpkeRecipientParams rp;
  rp.mode = HpkeMode::kAuth;
  rp.sender_public_key = s.public_key;
  EXPECT_EQ(
      HpkeOpen(GetParam(), r.private_key, "info", "", *sealed, rp).value(),
      "from s");
  rp.sender_public_key = mallory.public_key;
  auto wrong = HpkeOpen(GetParam(), r.private_key, "info", "", *sealed, rp);
  EXPECT_EQ(ReasonOf(wrong.status()), "decryption_failed") << wrong.status();
  // Opening an Auth message as Base fails too.
  EXPECT_FALSE(HpkeOpen(GetParam(), r.private_key, "info", "", *sealed).ok());
}

TEST_P(HpkeRoundTripTest, PskModesNeedTheRightPsk) {
  HpkeKeyPair r = NewKeyPair();
  HpkeKeyPair s = NewKeyPair();
  const std::string psk(32, '\x42');
  for (HpkeMode mode : {HpkeMode::kPsk, HpkeMode::kAuthPsk}) {
    HpkeSenderParams sp;
    sp.mode = mode;
    sp.psk = psk;
    sp.psk_id = "psk-1";
    if (mode == HpkeMode::kAuthPsk) sp.sender_private_key = s.private_key;
    auto sealed = HpkeSeal(GetParam(), r.public_key, "i", "a", "p", sp);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    HpkeRecipientParams rp;
    rp.mode = mode;
    rp.psk = psk;
    rp.psk_id = "psk-1";
    if (mode == HpkeMode::kAuthPsk) rp.sender_public_key = s.public_key;
    EXPECT_EQ(
        HpkeOpen(GetParam(), r.private_key, "i", "a", *sealed, rp).value(),
        "p");
    rp.psk[0] ^= 1;
    EXPECT_EQ(
        ReasonOf(HpkeOpen(GetParam(), r.private_key, "i", "a", *sealed, rp)
                     .status()),
        "decryption_failed")
        << HpkeModeName(mode);
  }
}

TEST_P(HpkeRoundTripTest, ModeInputsAreChecked) {
  HpkeKeyPair r = NewKeyPair();
  HpkeKeyPair s = NewKeyPair();
  struct Case {
    HpkeSenderParams params;
    std::string field;
  };
  std::vector<Case> cases;
  {
    HpkeSenderParams p;  // Base with a PSK
    p.psk = "k";
    p.psk_id = "id";
    cases.push_back({p, "psk"});
  }
  {
    HpkeSenderParams p;  // PSK without psk_id
    p.mode = HpkeMode::kPsk;
    p.psk = "k";
    cases.push_back({p, "psk_id"});
  }
  {
    HpkeSenderParams p;  // PSK mode without a PSK
    p.mode = HpkeMode::kPsk;
    cases.push_back({p, "psk"});
  }
  {
    HpkeSenderParams p;  // Auth without the sender key
    p.mode = HpkeMode::kAuth;
    cases.push_back({p, "sender_private_key"});
  }
  {
    HpkeSenderParams p;  // Base with a sender key
    p.sender_private_key = s.private_key;
    cases.push_back({p, "sender_private_key"});
  }
  {
    HpkeSenderParams p;  // Malformed ephemeral key
    p.ephemeral_private_key = "short";
    cases.push_back({p, "ephemeral_private_key"});
  }
  for (const Case& c : cases) {
    auto ctx = HpkeSetupSender(GetParam(), r.public_key, "", c.params);
    EXPECT_EQ(ctx.status().code(), absl::StatusCode::kInvalidArgument)
        << c.field;
    EXPECT_EQ(ReasonOf(ctx.status()), "invalid_field");
    EXPECT_THAT(std::string(ctx.status().message()), HasSubstr(c.field));
  }
}

TEST_P(HpkeRoundTripTest, MalformedKeysAreInvalidArgument) {
  HpkeKeyPair r = NewKeyPair();
  auto bad_pk = HpkeSeal(GetParam(), r.public_key.substr(1), "", "", "x");
  EXPECT_EQ(bad_pk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_pk.status().message()), HasSubstr("pkR"));
  // All-zero public key: off the curve (P-256) / low order (X25519).
  std::string zero_pk(HpkePublicKeySize(kem()), '\0');
  if (kem() == HpkeKem::kDhkemP256HkdfSha256) zero_pk[0] = 0x04;
  EXPECT_EQ(HpkeSeal(GetParam(), zero_pk, "", "", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto sealed = HpkeSeal(GetParam(), r.public_key, "", "", "x");
  ASSERT_TRUE(sealed.ok());
  auto bad_sk = HpkeOpen(GetParam(), "short", "", "", *sealed);
  EXPECT_EQ(bad_sk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_sk.status().message()), HasSubstr("skR"));
}

TEST_P(HpkeRoundTripTest, DeriveKeyPairIsDeterministic) {
  const std::string ikm(32, '\x07');
  auto a = HpkeDeriveKeyPair(kem(), ikm);
  auto b = HpkeDeriveKeyPair(kem(), ikm);
  auto c = HpkeDeriveKeyPair(kem(), std::string(32, '\x08'));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->private_key, b->private_key);
  EXPECT_EQ(a->public_key, b->public_key);
  EXPECT_NE(a->private_key, c->private_key);
  EXPECT_EQ(HpkePublicKeyFromPrivate(kem(), a->private_key).value(),
            a->public_key);
  EXPECT_EQ(HpkeDeriveKeyPair(kem(), "short").status().code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(BothKems, HpkeRoundTripTest,
                         ::testing::Values(kHpkeP256Sha256Aes128Gcm,
                                           kHpkeX25519Sha256Aes128Gcm),
                         [](const ::testing::TestParamInfo<HpkeSuite>& info) {
                           return info.param.kem ==
                                          HpkeKem::kDhkemP256HkdfSha256
                                      ? "P256"
                                      : "X25519";
                         });

TEST(HpkeTest, P256ScalarRange) {
  // 0 and n are not valid private keys; n-1 is.
  const std::string n =
      HexDecode(
          "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
          .value();
  std::string n_minus_1 = n;
  n_minus_1.back() = static_cast<char>(n_minus_1.back() - 1);
  const HpkeKem kem = HpkeKem::kDhkemP256HkdfSha256;
  EXPECT_EQ(
      HpkePublicKeyFromPrivate(kem, std::string(32, '\0')).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HpkePublicKeyFromPrivate(kem, n).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HpkePublicKeyFromPrivate(kem, n_minus_1).ok());
}

TEST(HpkeTest, UnsupportedSuitesAndModes) {
  EXPECT_TRUE(HpkeSuiteFromIds(0x10, 1, 1).ok());
  EXPECT_TRUE(HpkeSuiteFromIds(0x20, 1, 1).ok());
  EXPECT_EQ(HpkeSuiteFromIds(0x12, 3, 2).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(HpkeSuiteFromIds(0x10, 1, 3).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(HpkeSuiteFromIds(0x20, 1, 0xffff).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(HpkeModeFromId(4).status().code(),
            absl::StatusCode::kInvalidArgument);
  HpkeSuite bad = kHpkeP256Sha256Aes128Gcm;
  bad.aead = static_cast<HpkeAead>(3);
  EXPECT_EQ(HpkeSeal(bad, std::string(65, '\x04'), "", "", "").status().code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace sct::crypto

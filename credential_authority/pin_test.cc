#include "credential_authority/pin.h"

#include <string>

#include "absl/strings/escaping.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

// The key 00 01 .. 1f, used by the known-answer tests.
PinKey CountingKey() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  auto key = PinKey::FromBytes(bytes, "key");
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

PinKey FreshKey() {
  auto key = PinKey::Generate();
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

TEST(PinTest, ValidatesSixDigits) {
  EXPECT_TRUE(ValidatePin("012345", "pin").ok());
  for (const char* bad :
       {"", "12345", "1234567", "12a456", " 12345", "١٢٣٤٥٦"}) {
    absl::Status s = ValidatePin(bad, "pin");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ReasonOf(s), "invalid_field") << bad;
  }
}

TEST(PinTest, KeyedVerifierIsSaltedAndVerifies) {
  const PinKey key = FreshKey();
  auto a = HashPin("493817", key);
  auto b = HashPin("493817", key);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->iterations, 0u);  // the keyed scheme, no PBKDF2
  EXPECT_EQ(a->salt.size(), 16u);
  EXPECT_EQ(a->hash.size(), 40u);
  EXPECT_EQ(a->hash.substr(0, 8), key.id());
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->hash, b->hash);  // equal PINs do not show in the ledger
  EXPECT_EQ(a->hash.find("493817"), std::string::npos);
  EXPECT_TRUE(*VerifyPin("493817", *a, key));
  EXPECT_FALSE(*VerifyPin("493818", *a, key));
  EXPECT_FALSE(*VerifyPin("", *a, key));
}

// Same PIN, same salt, two keys: two different verifiers; a verifier made
// under one key is not checked with another (it would fail every PIN).
TEST(PinTest, VerifierIsKeyed) {
  const PinKey k1 = FreshKey();
  const PinKey k2 = FreshKey();
  ASSERT_NE(k1.id(), k2.id());
  auto under_k1 = HashPin("493817", k1);
  ASSERT_TRUE(under_k1.ok());
  absl::StatusOr<bool> other_key = VerifyPin("493817", *under_k1, k2);
  EXPECT_EQ(other_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(other_key.status()), "pin_key_mismatch");
  EXPECT_EQ(ReasonOf(CheckPinVerifier(*under_k1, k2)), "pin_key_mismatch");
  EXPECT_TRUE(CheckPinVerifier(*under_k1, k1).ok());
  // Even labelled with k2's id, k1's MAC does not pass under k2.
  PinHash relabelled = *under_k1;
  relabelled.hash.replace(0, 8, k2.id());
  EXPECT_FALSE(*VerifyPin("493817", relabelled, k2));
}

// Pins the stored format: an authority must keep verifying what it wrote.
// HMAC-SHA256(00..1f, "sct-pin-v1\0" || 40..4f || "493817"), computed
// independently (Python hmac).
TEST(PinTest, KeyedVerifierKnownAnswer) {
  const PinKey key = CountingKey();
  EXPECT_EQ(absl::BytesToHexString(key.id()), "3bd8d77719515d65");
  PinHash h;
  for (int i = 0x40; i < 0x50; ++i) h.salt.push_back(static_cast<char>(i));
  h.hash = key.id() + absl::HexStringToBytes(
                          "6125b4ad8574f5d9f0c4ceb846e0c3a33b0415eeca00f96cbfd555ec82dd4aea");
  h.iterations = 0;
  EXPECT_TRUE(*VerifyPin("493817", h, key));
  EXPECT_FALSE(*VerifyPin("493871", h, key));
}

// Records written before the keyed scheme (PBKDF2, iterations > 0) still
// verify, whatever the PIN key.
TEST(PinTest, Pbkdf2RecordsStillVerify) {
  auto old = HashPinPbkdf2("493817", 1000);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->iterations, 1000u);
  EXPECT_EQ(old->hash.size(), 32u);
  const PinKey key = FreshKey();
  EXPECT_TRUE(CheckPinVerifier(*old, key).ok());
  EXPECT_TRUE(*VerifyPin("493817", *old, key));
  EXPECT_FALSE(*VerifyPin("493818", *old, key));
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
  EXPECT_TRUE(*VerifyPin("passwd", h, CountingKey()));
}

TEST(PinTest, MalformedVerifiersAndKeysAreRefused) {
  const PinKey key = FreshKey();
  PinHash short_keyed{std::string(16, 's'), key.id() + std::string(31, 'h'), 0};
  PinHash short_pbkdf2{std::string(16, 's'), std::string(31, 'h'), 1000};
  PinHash huge_count{std::string(16, 's'), std::string(32, 'h'), kMaxLegacyPinIterations + 1};
  for (const PinHash& bad : {short_keyed, short_pbkdf2, huge_count}) {
    absl::StatusOr<bool> r = VerifyPin("493817", bad, key);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
    EXPECT_EQ(ReasonOf(r.status()), "pin_verifier_malformed");
  }
  EXPECT_EQ(ReasonOf(HashPinPbkdf2("493817", 0).status()), "invalid_field");
  for (size_t n : {0, 16, 31, 33}) {
    absl::Status s = PinKey::FromBytes(std::string(n, 'k'), "the key").status();
    EXPECT_EQ(ReasonOf(s), "invalid_field") << n;
    EXPECT_NE(s.message().find("the key"), absl::string_view::npos) << s;
  }
}

}  // namespace
}  // namespace sct::ca

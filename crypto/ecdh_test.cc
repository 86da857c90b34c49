#include "crypto/ecdh.h"

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

// RFC 5903 section 8.1 (256-bit random ECP group).
constexpr char kInitiatorScalar[] =
    "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
constexpr char kInitiatorPoint[] =
    "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
constexpr char kResponderScalar[] =
    "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53";
constexpr char kResponderPoint[] =
    "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
constexpr char kSharedX[] =
    "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";

TEST(EcdhP256Test, Rfc5903KnownAnswer) {
  absl::StatusOr<EcdhP256PrivateKey> i =
      EcdhP256PrivateKey::FromRawScalar(Unhex(kInitiatorScalar));
  absl::StatusOr<EcdhP256PrivateKey> r =
      EcdhP256PrivateKey::FromRawScalar(Unhex(kResponderScalar));
  ASSERT_TRUE(i.ok()) << i.status();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Hex(i->PublicPoint()), kInitiatorPoint);
  EXPECT_EQ(Hex(r->PublicPoint()), kResponderPoint);
  absl::StatusOr<std::string> s1 = i->ComputeSharedSecret(r->PublicPoint());
  absl::StatusOr<std::string> s2 = r->ComputeSharedSecret(i->PublicPoint());
  ASSERT_TRUE(s1.ok()) << s1.status();
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_EQ(Hex(*s1), kSharedX);
  EXPECT_EQ(Hex(*s2), kSharedX);
  absl::StatusOr<std::string> scalar = i->RawScalar();
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(Hex(*scalar), kInitiatorScalar);
}

TEST(EcdhP256Test, GeneratedKeysAgreeAndCopy) {
  absl::StatusOr<EcdhP256PrivateKey> a = EcdhP256PrivateKey::Generate();
  absl::StatusOr<EcdhP256PrivateKey> b = EcdhP256PrivateKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->PublicPoint().size(), 65u);
  EXPECT_EQ(a->PublicPoint()[0], '\x04');
  EXPECT_NE(a->PublicPoint(), b->PublicPoint());
  EcdhP256PrivateKey copy = *a;
  absl::StatusOr<std::string> s1 = copy.ComputeSharedSecret(b->PublicPoint());
  absl::StatusOr<std::string> s2 = b->ComputeSharedSecret(a->PublicPoint());
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(*s1, *s2);
  // Round trip through the raw scalar.
  absl::StatusOr<std::string> scalar = a->RawScalar();
  ASSERT_TRUE(scalar.ok());
  absl::StatusOr<EcdhP256PrivateKey> again =
      EcdhP256PrivateKey::FromRawScalar(*scalar);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->PublicPoint(), a->PublicPoint());
}

TEST(EcdhP256Test, RejectsBadScalars) {
  const std::string order =
      Unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  std::string order_minus_one = order;
  order_minus_one[31] = '\x50';
  for (const std::string& bad :
       {std::string(32, '\0'), order, std::string(32, '\xff'),
        std::string(31, '\x01'), std::string(33, '\x01')}) {
    absl::StatusOr<EcdhP256PrivateKey> key =
        EcdhP256PrivateKey::FromRawScalar(bad);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument)
        << Hex(bad);
  }
  EXPECT_TRUE(EcdhP256PrivateKey::FromRawScalar(order_minus_one).ok());
}

TEST(EcdhP256Test, RejectsBadPeerPoints) {
  absl::StatusOr<EcdhP256PrivateKey> key = EcdhP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  std::string off_curve = Unhex(kResponderPoint);
  off_curve[64] ^= 1;
  std::string compressed = "\x02" + Unhex(kResponderPoint).substr(1, 32);
  const std::string bad_points[] = {off_curve,
                                    compressed,
                                    std::string(1, '\0'),
                                    std::string(65, '\0'),
                                    "\x04" + std::string(64, '\0'),
                                    "\x04" + std::string(64, '\xff'),
                                    std::string(),
                                    Unhex(kResponderPoint).substr(0, 64)};
  for (const std::string& bad : bad_points) {
    absl::StatusOr<std::string> secret = key->ComputeSharedSecret(bad);
    EXPECT_EQ(secret.status().code(), absl::StatusCode::kInvalidArgument)
        << Hex(bad) << " " << secret.status();
    EXPECT_EQ(ReasonOf(secret.status()), "invalid_field");
    EXPECT_EQ(CheckP256PublicPoint(bad).code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(CheckP256PublicPoint(Unhex(kResponderPoint)).ok());
}

// RFC 7748 section 6.1.
TEST(X25519Test, Rfc7748KnownAnswer) {
  absl::StatusOr<X25519PrivateKey> alice = X25519PrivateKey::FromRaw(Unhex(
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  absl::StatusOr<X25519PrivateKey> bob = X25519PrivateKey::FromRaw(Unhex(
      "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(Hex(alice->PublicKey()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(Hex(bob->PublicKey()),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  absl::StatusOr<std::string> s1 = alice->ComputeSharedSecret(bob->PublicKey());
  absl::StatusOr<std::string> s2 = bob->ComputeSharedSecret(alice->PublicKey());
  ASSERT_TRUE(s1.ok()) << s1.status();
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_EQ(Hex(*s1),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(*s1, *s2);
  absl::StatusOr<std::string> pub = X25519PublicFromPrivate(Unhex(
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, alice->PublicKey());
  absl::StatusOr<std::string> raw = alice->Raw();
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Hex(*raw),
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
}

TEST(X25519Test, RejectsLowOrderPointsAndBadLengths) {
  absl::StatusOr<X25519PrivateKey> key = X25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  std::string one(32, '\0');
  one[0] = 1;
  for (const std::string& bad : {std::string(32, '\0'), one}) {
    absl::StatusOr<std::string> secret = key->ComputeSharedSecret(bad);
    EXPECT_EQ(secret.status().code(), absl::StatusCode::kInvalidArgument)
        << Hex(bad);
  }
  EXPECT_EQ(key->ComputeSharedSecret(std::string(31, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(X25519PrivateKey::FromRaw(std::string(33, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  X25519PrivateKey copy = *key;
  EXPECT_EQ(copy.PublicKey(), key->PublicKey());
}

// Wycheproof private keys are ASN.1 integers: strip sign bytes, left-pad.
absl::StatusOr<std::string> NormalizeScalar(std::string bytes) {
  while (bytes.size() > 32 && bytes[0] == '\0') bytes.erase(0, 1);
  if (bytes.size() > 32) return absl::InvalidArgumentError("scalar too long");
  return std::string(32 - bytes.size(), '\0') + bytes;
}

TEST(EcdhP256Test, Wycheproof) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/ecdh_secp256r1_ecpoint_test.json");
  sct::testing::RunWycheproof(
      json, "ecdh_secp256r1_ecpoint_test.json",
      [](const nlohmann::json& group,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        ASSIGN_OR_RETURN(std::string priv_raw, HexField(test, "private"));
        ASSIGN_OR_RETURN(std::string priv, NormalizeScalar(priv_raw));
        ASSIGN_OR_RETURN(std::string pub, HexField(test, "public"));
        ASSIGN_OR_RETURN(std::string shared, HexField(test, "shared"));
        const std::string result = test.at("result").get<std::string>();
        ASSIGN_OR_RETURN(EcdhP256PrivateKey key,
                         EcdhP256PrivateKey::FromRawScalar(priv));
        absl::StatusOr<std::string> got = key.ComputeSharedSecret(pub);
        if (result == "invalid" || (result == "acceptable" && !got.ok())) {
          if (got.ok()) return absl::InternalError("accepted an invalid point");
          if (got.status().code() != absl::StatusCode::kInvalidArgument) {
            return absl::InternalError(absl::StrCat(
                "rejected with the wrong code: ", got.status().ToString()));
          }
          return Passed(false);
        }
        if (!got.ok()) return got.status();
        if (*got != shared) return Mismatch("shared", *got, shared);
        return Passed(true);
      });
}

TEST(X25519Test, Wycheproof) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/x25519_test.json");
  sct::testing::RunWycheproof(
      json, "x25519_test.json",
      [](const nlohmann::json& group,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        ASSIGN_OR_RETURN(std::string priv, HexField(test, "private"));
        ASSIGN_OR_RETURN(std::string pub, HexField(test, "public"));
        ASSIGN_OR_RETURN(std::string shared, HexField(test, "shared"));
        const std::string result = test.at("result").get<std::string>();
        ASSIGN_OR_RETURN(X25519PrivateKey key, X25519PrivateKey::FromRaw(priv));
        absl::StatusOr<std::string> got = key.ComputeSharedSecret(pub);
        if (result == "invalid") {
          if (got.ok()) return absl::InternalError("accepted an invalid input");
          return Passed(false);
        }
        if (!got.ok()) {
          // The only rejection allowed: an all-zero shared secret.
          if (result == "acceptable" && shared == std::string(32, '\0')) {
            return Passed(false);
          }
          return got.status();
        }
        if (*got != shared) return Mismatch("shared", *got, shared);
        return Passed(true);
      });
}

}  // namespace
}  // namespace sct::crypto

#include "crypto/ecdsa.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

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

// RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample".
constexpr char kRfc6979Scalar[] =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
constexpr char kRfc6979Point[] =
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
constexpr char kRfc6979Spki[] =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
constexpr char kRfc6979SigP1363[] =
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
constexpr char kRfc6979SigDer[] =
    "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf"
    "3716022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843a"
    "cda8";

TEST(EcdsaP256Test, Rfc6979KnownAnswerVerifies) {
  absl::StatusOr<EcdsaP256PrivateKey> key =
      EcdsaP256PrivateKey::FromRawScalar(Unhex(kRfc6979Scalar));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(key->PublicKey().UncompressedPoint()), kRfc6979Point);
  EXPECT_EQ(Hex(key->PublicKey().SpkiDer()), kRfc6979Spki);

  absl::StatusOr<EcdsaP256PublicKey> pub =
      EcdsaP256PublicKey::FromSpkiDer(Unhex(kRfc6979Spki));
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(Hex(pub->UncompressedPoint()), kRfc6979Point);
  EXPECT_TRUE(
      pub->Verify("sample", Unhex(kRfc6979SigP1363), SignatureEncoding::kP1363)
          .ok());
  EXPECT_TRUE(
      pub->Verify("sample", Unhex(kRfc6979SigDer), SignatureEncoding::kDer)
          .ok());
  absl::Status wrong_message =
      pub->Verify("samplf", Unhex(kRfc6979SigDer), SignatureEncoding::kDer);
  EXPECT_EQ(wrong_message.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(wrong_message), "bad_signature");
  // The wrong encoding flag is a bad signature, not a crash.
  EXPECT_EQ(ReasonOf(pub->Verify("sample", Unhex(kRfc6979SigDer),
                                 SignatureEncoding::kP1363)),
            "bad_signature");
  EXPECT_EQ(ReasonOf(pub->Verify("sample", Unhex(kRfc6979SigP1363),
                                 SignatureEncoding::kDer)),
            "bad_signature");

  absl::StatusOr<std::string> p1363 = EcdsaDerToP1363(Unhex(kRfc6979SigDer));
  ASSERT_TRUE(p1363.ok());
  EXPECT_EQ(Hex(*p1363), kRfc6979SigP1363);
  absl::StatusOr<std::string> der = EcdsaP1363ToDer(Unhex(kRfc6979SigP1363));
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(Hex(*der), kRfc6979SigDer);
}

TEST(EcdsaP256Test, SignVerifyBothEncodings) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  for (SignatureEncoding enc :
       {SignatureEncoding::kDer, SignatureEncoding::kP1363}) {
    absl::StatusOr<std::string> sig = key->Sign("share token", enc);
    ASSERT_TRUE(sig.ok()) << sig.status();
    if (enc == SignatureEncoding::kP1363) {
      EXPECT_EQ(sig->size(), 64u);
    }
    EXPECT_TRUE(key->PublicKey().Verify("share token", *sig, enc).ok());
    std::string bad = *sig;
    bad[bad.size() - 1] ^= 1;
    EXPECT_EQ(key->PublicKey().Verify("share token", bad, enc).code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(key->PublicKey().Verify("share tokem", *sig, enc).code(),
              absl::StatusCode::kUnauthenticated);
  }
  absl::StatusOr<EcdsaP256PrivateKey> other = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  absl::StatusOr<std::string> sig = key->Sign("m", SignatureEncoding::kDer);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(
      other->PublicKey().Verify("m", *sig, SignatureEncoding::kDer).code(),
      absl::StatusCode::kUnauthenticated);
}

TEST(EcdsaP256Test, Pkcs8RoundTripAndCopies) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string der = key->ToPkcs8Der();
  ASSERT_FALSE(der.empty());
  absl::StatusOr<EcdsaP256PrivateKey> again =
      EcdsaP256PrivateKey::FromPkcs8Der(der);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->PublicKey(), key->PublicKey());
  absl::StatusOr<std::string> sig = again->Sign("x", SignatureEncoding::kDer);
  ASSERT_TRUE(sig.ok());
  EcdsaP256PublicKey pub_copy = key->PublicKey();
  EXPECT_TRUE(pub_copy.Verify("x", *sig, SignatureEncoding::kDer).ok());
  EcdsaP256PrivateKey copy = *key;
  EXPECT_EQ(copy.ToPkcs8Der(), der);

  EXPECT_EQ(EcdsaP256PrivateKey::FromPkcs8Der("junk").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EcdsaP256PrivateKey::FromPkcs8Der(der.substr(0, der.size() - 1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EcdsaP256PrivateKey::FromPkcs8Der(der + "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EcdsaP256Test, RejectsNonP256Keys) {
  // An X25519 key in SPKI form is well-formed DER but the wrong algorithm.
  EvpPkeyPtr x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  ASSERT_NE(x25519, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(x25519.get(), &der);
  ASSERT_GT(len, 0);
  std::string spki(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(spki).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EcdsaP256PublicKey::FromEvp(x25519.get()).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A P-384 key.
  EvpPkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_NE(p384, nullptr);
  EXPECT_EQ(EcdsaP256PublicKey::FromEvp(p384.get()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer("").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string off_curve = Unhex(kRfc6979Point);
  off_curve[64] ^= 1;
  EXPECT_EQ(
      EcdsaP256PublicKey::FromUncompressedPoint(off_curve).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// SpkiDer() is built from the point (not by OpenSSL's encoder) and FromSpkiDer
// reads that encoding without the decoder: both must agree with OpenSSL byte
// for byte, and other encodings must still be normalised.
std::string OpenSslSpki(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

TEST(EcdsaP256Test, SpkiIsOpenSslsEncodingAndReadsBack) {
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    const std::string spki = key->PublicKey().SpkiDer();
    EXPECT_EQ(spki, OpenSslSpki(key->evp()));
    absl::StatusOr<EcdsaP256PublicKey> back = EcdsaP256PublicKey::FromSpkiDer(spki);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, key->PublicKey());
    EXPECT_EQ(back->SpkiDer(), spki);
    EXPECT_EQ(OpenSslSpki(back->evp()), spki);
    absl::StatusOr<std::string> sig = key->Sign("m", SignatureEncoding::kDer);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(back->Verify("m", *sig, SignatureEncoding::kDer).ok());
    // The same key with a compressed point: another encoding, same key,
    // canonical SpkiDer.
    EvpPkeyPtr compressed(EVP_PKEY_dup(key->evp()));
    ASSERT_NE(compressed, nullptr);
    ASSERT_EQ(EVP_PKEY_set_utf8_string_param(compressed.get(),
                                             OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                             "compressed"),
              1);
    const std::string short_spki = OpenSslSpki(compressed.get());
    ASSERT_LT(short_spki.size(), spki.size());
    absl::StatusOr<EcdsaP256PublicKey> same = EcdsaP256PublicKey::FromSpkiDer(short_spki);
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_EQ(same->SpkiDer(), spki);
    EXPECT_EQ(*same, key->PublicKey());
  }
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(Unhex(kRfc6979Spki))->UncompressedPoint(),
            Unhex(kRfc6979Point));
}

TEST(EcdsaP256Test, CanonicalSpkiWithABadPointIsRejected) {
  const std::string good = Unhex(kRfc6979Spki);
  std::string off_curve = good;
  off_curve.back() ^= 1;
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(off_curve).status().code(),
            absl::StatusCode::kInvalidArgument);
  // X = p (not reduced): the header and length of the canonical form.
  std::string x_is_p = good.substr(0, 27) +
                       Unhex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff") +
                       good.substr(59);
  ASSERT_EQ(x_is_p.size(), good.size());
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(x_is_p).status().code(),
            absl::StatusCode::kInvalidArgument);
  // All-zero point (not on the curve).
  std::string zero = good.substr(0, 27) + std::string(64, '\0');
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(zero).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Trailing byte after a canonical encoding.
  EXPECT_EQ(EcdsaP256PublicKey::FromSpkiDer(good + "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Runs one Wycheproof ECDSA verification file in `enc`.
void RunEcdsaFile(const nlohmann::json& json, const char* name,
                  SignatureEncoding enc) {
  sct::testing::RunWycheproof(
      json, name,
      [enc](const nlohmann::json& group,
            const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        ASSIGN_OR_RETURN(std::string spki, HexField(group, "publicKeyDer"));
        ASSIGN_OR_RETURN(std::string point,
                         HexField(group.at("publicKey"), "uncompressed"));
        ASSIGN_OR_RETURN(EcdsaP256PublicKey key,
                         EcdsaP256PublicKey::FromSpkiDer(spki));
        ASSIGN_OR_RETURN(EcdsaP256PublicKey same,
                         EcdsaP256PublicKey::FromUncompressedPoint(point));
        if (key.UncompressedPoint() != point || same.SpkiDer() != spki) {
          return absl::InternalError("SPKI and uncompressed point disagree");
        }
        ASSIGN_OR_RETURN(std::string msg, HexField(test, "msg"));
        ASSIGN_OR_RETURN(std::string sig, HexField(test, "sig"));
        const std::string result = test.at("result").get<std::string>();
        absl::Status verified = key.Verify(msg, sig, enc);
        if (result == "invalid") {
          if (verified.ok())
            return absl::InternalError("accepted a bad signature");
          if (ReasonOf(verified) != "bad_signature") {
            return absl::InternalError(
                absl::StrCat("wrong rejection: ", verified.ToString()));
          }
          return Passed(false);
        }
        if (!verified.ok()) return verified;
        return Passed(true);
      });
}

TEST(EcdsaP256Test, WycheproofDer) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/ecdsa_secp256r1_sha256_test.json");
  RunEcdsaFile(json, "ecdsa_secp256r1_sha256_test.json",
               SignatureEncoding::kDer);
}

TEST(EcdsaP256Test, WycheproofP1363) {
  SCT_LOAD_TEST_VECTORS(json,
                        "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json");
  RunEcdsaFile(json, "ecdsa_secp256r1_sha256_p1363_test.json",
               SignatureEncoding::kP1363);
}

}  // namespace
}  // namespace sct::crypto

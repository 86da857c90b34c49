#include "crypto/pem.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/testing/test_vectors.h"
#include "crypto/ecdsa.h"
#include "crypto/test_util.h"
#include "crypto/x509.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::testing::HasSubstr;

// The RFC 6979 appendix A.2.5 P-256 key pair in its PEM forms (written by
// OpenSSL: PKCS#8, SEC1 and SubjectPublicKeyInfo).
constexpr char kRfc6979Scalar[] =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
constexpr char kRfc6979Point[] =
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
constexpr char kRfc6979Pkcs8Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth\n"
    "+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kRfc6979Sec1Pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIMmvqdhFunUWa1whV2ex1pNOUMPbNuibEnuKYisSD2choAoGCCqGSM49\n"
    "AwEHoUQDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Z5A/4QCLi8\n"
    "maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END EC PRIVATE KEY-----\n";
constexpr char kRfc6979SpkiPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END PUBLIC KEY-----\n";
// The same scalar with the generator G as its "public key": a PKCS#8 file
// whose key pair is inconsistent.
constexpr char kMismatchedPairPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARrF9Hy4SxCR/i85uVjpEDydwN9gS3r\n"
    "M6D0oTlF2JjClk/jQuL+Gn+bjufrSnwPnhYrzjNXazFezsu2QGg3v1H1\n"
    "-----END PRIVATE KEY-----\n";
// A P-384 key pair: valid PEM, wrong curve.
constexpr char kP384Pkcs8Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAxNmcOTulVxcmnlXpn\n"
    "MgJmAp+S1J2noEzjeqe9rWARab3I+2PAmGHvo5nIyOdA0XyhZANiAAQUKq8gHuqp\n"
    "2Kq/VuNFne6UkQnuNbgcWV3MZWlugZIFXgkQ5hZhCX1evcZLzumFUW+tq74CL1Kr\n"
    "mr5/Zn7Cnyzz7Xjy0V8JmyPNtFGdSiQQ4Kw/J1cw+VFQLgDck+TNFiI=\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kP384SpkiPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEFCqvIB7qqdiqv1bjRZ3ulJEJ7jW4HFld\n"
    "zGVpboGSBV4JEOYWYQl9Xr3GS87phVFvrau+Ai9Sq5q+f2Z+wp8s8+148tFfCZsj\n"
    "zbRRnUokEOCsPydXMPlRUC4A3JPkzRYi\n"
    "-----END PUBLIC KEY-----\n";
constexpr char kEncryptedPem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";
constexpr char kBrokenKeyPem[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

// A self-signed certificate over `key`, as PEM.
std::string CertificatePem(const EcdsaP256PrivateKey& key) {
  CertificateSpec spec;
  spec.subject_cn = "pem test";
  spec.not_before = absl::FromUnixSeconds(1735689600);
  spec.not_after = spec.not_before + absl::Hours(24);
  spec.is_ca = true;
  absl::StatusOr<Certificate> cert = SelfSignCertificate(spec, key);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return cert.ok() ? *cert->ToPem() : "";
}

void ExpectInvalid(const absl::Status& status, absl::string_view field, absl::string_view problem) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ReasonOf(status), "invalid_field") << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(absl::StrCat(field, ": ")));
  EXPECT_THAT(std::string(status.message()), HasSubstr(problem));
}

TEST(PemTest, PrivateKeyKnownAnswerInPkcs8AndSec1) {
  for (const char* pem : {kRfc6979Pkcs8Pem, kRfc6979Sec1Pem}) {
    absl::StatusOr<EcdsaP256PrivateKey> key = P256PrivateKeyFromPem(pem, "--key");
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(Hex(key->PublicKey().UncompressedPoint()), kRfc6979Point);
    absl::StatusOr<std::string> scalar = P256PrivateScalarFromPem(pem, "--key");
    ASSERT_TRUE(scalar.ok()) << scalar.status();
    EXPECT_EQ(Hex(*scalar), kRfc6979Scalar);
  }
}

TEST(PemTest, PrivateKeyToPemIsPkcs8AsOpenSslWritesIt) {
  absl::StatusOr<EcdsaP256PrivateKey> key =
      EcdsaP256PrivateKey::FromRawScalar(Unhex(kRfc6979Scalar));
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> pem = P256PrivateKeyToPem(*key);
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(*pem, kRfc6979Pkcs8Pem);
}

TEST(PemTest, GeneratedKeysRoundTrip) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> pem = P256PrivateKeyToPem(*key);
  ASSERT_TRUE(pem.ok()) << pem.status();
  absl::StatusOr<EcdsaP256PrivateKey> back = P256PrivateKeyFromPem(*pem, "k");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->PublicKey(), key->PublicKey());
  // A key file that also holds the certificate (key after it) still loads.
  absl::StatusOr<EcdsaP256PrivateKey> combined =
      P256PrivateKeyFromPem(CertificatePem(*key) + *pem, "k");
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_EQ(combined->PublicKey(), key->PublicKey());
}

TEST(PemTest, PrivateKeyErrorsNameTheField) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  struct Case {
    std::string name, pem, problem;
  };
  const std::vector<Case> cases = {
      {"empty", "", "not PEM"},
      {"not PEM", "hello", "not PEM (no -----BEGIN line)"},
      {"encrypted", kEncryptedPem, "encrypted private keys are not supported"},
      {"certificate", CertificatePem(*key), "contains a certificate, not a private key"},
      {"broken block", kBrokenKeyPem, "no readable PEM private key"},
      {"public key only", kRfc6979SpkiPem, "no readable PEM private key"},
      {"P-384", kP384Pkcs8Pem, "expected P-256"},
      {"inconsistent pair", kMismatchedPairPem, "private_key"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectInvalid(P256PrivateKeyFromPem(c.pem, "--ap_key").status(), "--ap_key", c.problem);
    ExpectInvalid(P256PrivateScalarFromPem(c.pem, "--ap_key").status(), "--ap_key", c.problem);
  }
}

TEST(PemTest, PublicKeyKnownAnswerAlsoAfterOtherBlocks) {
  absl::StatusOr<EcdsaP256PublicKey> key = P256PublicKeyFromPem(kRfc6979SpkiPem, "anchor");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(key->UncompressedPoint()), kRfc6979Point);

  absl::StatusOr<EcdsaP256PrivateKey> other = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  absl::StatusOr<EcdsaP256PublicKey> in_bundle = P256PublicKeyFromPem(
      absl::StrCat(CertificatePem(*other), "comment\n", kRfc6979SpkiPem), "anchor");
  ASSERT_TRUE(in_bundle.ok()) << in_bundle.status();
  EXPECT_EQ(Hex(in_bundle->UncompressedPoint()), kRfc6979Point);
}

TEST(PemTest, PublicKeyErrorsNameTheField) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  ExpectInvalid(P256PublicKeyFromPem(CertificatePem(*key), "--ca_trust_anchor").status(),
                "--ca_trust_anchor", "no PEM PUBLIC KEY block");
  ExpectInvalid(P256PublicKeyFromPem("", "--ca_trust_anchor").status(), "--ca_trust_anchor",
                "no PEM PUBLIC KEY block");
  ExpectInvalid(P256PublicKeyFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                     "--ca_trust_anchor")
                    .status(),
                "--ca_trust_anchor", "malformed PUBLIC KEY block");
  ExpectInvalid(P256PublicKeyFromPem(kP384SpkiPem, "--ca_trust_anchor").status(),
                "--ca_trust_anchor", "expected P-256");
}

// Every Wycheproof ECDSA P-256 test group carries its public key as PEM and
// as an uncompressed point: the two must agree.
TEST(PemTest, WycheproofPublicKeyPemsMatchTheirPoints) {
  SCT_LOAD_TEST_VECTORS(json, "wycheproof/ecdsa_secp256r1_sha256_test.json");
  int groups = 0;
  for (const nlohmann::json& group : json["testGroups"]) {
    SCOPED_TRACE(
        absl::StrCat("group ", groups, " (first tcId ", group["tests"][0]["tcId"].get<int>(), ")"));
    ++groups;
    absl::StatusOr<std::string> point = sct::testing::HexField(group["publicKey"], "uncompressed");
    ASSERT_TRUE(point.ok()) << point.status();
    absl::StatusOr<EcdsaP256PublicKey> key =
        P256PublicKeyFromPem(group["publicKeyPem"].get<std::string>(), "publicKeyPem");
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(Hex(key->UncompressedPoint()), Hex(*point));
  }
  EXPECT_GT(groups, 100);
}

TEST(PemTest, CheckPemPrivateKeyAcceptsAnyReadableUnencryptedKey) {
  for (const char* pem : {kRfc6979Pkcs8Pem, kRfc6979Sec1Pem, kP384Pkcs8Pem}) {
    EXPECT_TRUE(CheckPemPrivateKey(pem, "key").ok()) << pem;
  }
  ExpectInvalid(CheckPemPrivateKey("garbage", "TLS private key file /k"), "TLS private key file /k",
                "not PEM");
  ExpectInvalid(CheckPemPrivateKey(kEncryptedPem, "TLS private key file /k"),
                "TLS private key file /k", "encrypted");
  ExpectInvalid(CheckPemPrivateKey(kBrokenKeyPem, "TLS private key file /k"),
                "TLS private key file /k", "no readable PEM private key (OpenSSL: ");
}

TEST(PemTest, KeyMatchesCertificate) {
  absl::StatusOr<EcdsaP256PrivateKey> key = EcdsaP256PrivateKey::Generate();
  absl::StatusOr<EcdsaP256PrivateKey> other = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  const std::string cert = CertificatePem(*key);
  EXPECT_TRUE(CheckPemKeyMatchesCertificate(cert, *P256PrivateKeyToPem(*key), "k").ok());
  ExpectInvalid(
      CheckPemKeyMatchesCertificate(cert, *P256PrivateKeyToPem(*other), "private key file /k"),
      "private key file /k", "does not match the certificate (OpenSSL: ");
  ExpectInvalid(CheckPemKeyMatchesCertificate("garbage", *P256PrivateKeyToPem(*key), "k"), "k",
                "cannot parse");
  ExpectInvalid(CheckPemKeyMatchesCertificate(cert, "garbage", "k"), "k", "cannot parse");
}

}  // namespace
}  // namespace sct::crypto

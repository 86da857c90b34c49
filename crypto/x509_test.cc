#include "crypto/x509.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "crypto/ecdsa.h"
#include "crypto/openssl_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0),
                         absl::UTCTimeZone());
}

EvpPkeyPtr NewP256Key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  EXPECT_NE(key, nullptr);
  return key;
}

std::string PointOf(EVP_PKEY* key) {
  unsigned char buf[128];
  size_t len = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf,
                                            sizeof(buf), &len),
            1);
  return std::string(reinterpret_cast<char*>(buf), len);
}

CertificateSpec CaSpec(const std::string& cn) {
  CertificateSpec spec;
  spec.subject_cn = cn;
  spec.not_before = Utc(2025, 1, 1);
  spec.not_after = Utc(2035, 1, 1);
  spec.is_ca = true;
  return spec;
}

// A three-level chain: root CA -> intermediate CA -> leaf credential
// certificate valid during 2025, carrying a critical entitlements extension.
class X509ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key_ = NewP256Key();
    inter_key_ = NewP256Key();
    leaf_key_ = NewP256Key();
    auto root =
        SelfSignCertificate(CaSpec("SCT Lab Test Root"), root_key_.get());
    ASSERT_TRUE(root.ok()) << root.status();
    root_.push_back(*root);

    CertificateSpec inter_spec = CaSpec("SCT Lab Test Intermediate");
    inter_spec.path_len = 0;
    auto inter = IssueCertificate(inter_spec, inter_key_.get(), root_[0],
                                  root_key_.get());
    ASSERT_TRUE(inter.ok()) << inter.status();
    inter_.push_back(*inter);

    auto leaf = IssueCertificateForPoint(LeafSpec(), PointOf(leaf_key_.get()),
                                         inter_[0], inter_key_.get());
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    leaf_.push_back(*leaf);
  }

  static CertificateSpec LeafSpec() {
    CertificateSpec spec;
    spec.subject_cn = "receiver-device-42";
    spec.not_before = Utc(2025, 1, 1);
    spec.not_after = Utc(2026, 1, 1);
    spec.key_usage = kKeyUsageDigitalSignature | kKeyUsageKeyAgreement;
    spec.extensions.push_back({std::string(kOidEntitlements), true,
                               std::string("unlock,drive\x00\xff", 14)});
    spec.extensions.push_back(
        {std::string(kOidCredentialPolicy), false, std::string("\x30\x00", 2)});
    return spec;
  }

  static void ExpectChainError(const absl::Status& status,
                               const std::string& openssl_text) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_EQ(ReasonOf(status), "bad_certificate_chain") << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(openssl_text));
  }

  EvpPkeyPtr root_key_, inter_key_, leaf_key_;
  std::vector<Certificate> root_, inter_, leaf_;
};

TEST_F(X509ChainTest, GoodChainVerifiesInsideAllValidityWindows) {
  EXPECT_TRUE(
      VerifyCertificateChain(leaf_[0], inter_, root_, Utc(2025, 6, 1)).ok());
  // The intermediate alone also chains to the root.
  EXPECT_TRUE(
      VerifyCertificateChain(inter_[0], {}, root_, Utc(2030, 1, 1)).ok());
}

// A certificate freshly parsed from DER, first used by many threads at once,
// as the authority's cached OEM root is by parallel redemptions. A lazily
// filled OpenSSL cache inside it would be a data race that
// `./sct test --tsan` reports (docs/sanitizers.md); every verification must
// succeed either way.
TEST_F(X509ChainTest, ConcurrentFirstUsesOfOneParsedCertificateAgree) {
  absl::StatusOr<std::string> root_der = root_[0].ToDer();
  absl::StatusOr<std::string> inter_der = inter_[0].ToDer();
  ASSERT_TRUE(root_der.ok() && inter_der.ok());
  absl::StatusOr<Certificate> root = Certificate::FromDer(*root_der);
  absl::StatusOr<Certificate> inter = Certificate::FromDer(*inter_der);
  ASSERT_TRUE(root.ok() && inter.ok());
  constexpr int kThreads = 8;
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = VerifyCertificateChain(leaf_[0], {*inter}, {*root}, Utc(2025, 6, 1));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& r : results) EXPECT_TRUE(r.ok()) << r;
}

TEST_F(X509ChainTest, ExpiredAtTheGivenTimeFails) {
  ExpectChainError(
      VerifyCertificateChain(leaf_[0], inter_, root_, Utc(2026, 1, 2)),
      "certificate has expired");
}

TEST_F(X509ChainTest, NotYetValidAtTheGivenTimeFails) {
  ExpectChainError(
      VerifyCertificateChain(leaf_[0], inter_, root_, Utc(2024, 12, 31)),
      "certificate is not yet valid");
}

TEST_F(X509ChainTest, WrongRootFails) {
  EvpPkeyPtr other_key = NewP256Key();
  auto other_root =
      SelfSignCertificate(CaSpec("SCT Lab Test Root"), other_key.get());
  ASSERT_TRUE(other_root.ok()) << other_root.status();
  // Same subject name as the real root, different key: the signature check
  // must catch it.
  absl::Status status =
      VerifyCertificateChain(leaf_[0], inter_, {*other_root}, Utc(2025, 6, 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_EQ(ReasonOf(status), "bad_certificate_chain");
}

TEST_F(X509ChainTest, MissingIntermediateFails) {
  ExpectChainError(VerifyCertificateChain(leaf_[0], {}, root_, Utc(2025, 6, 1)),
                   "unable to get local issuer certificate");
}

TEST_F(X509ChainTest, TamperedSignatureFails) {
  auto der = leaf_[0].ToDer();
  ASSERT_TRUE(der.ok());
  std::string bad = *der;
  bad.back() ^= 0x01;  // last byte of the ECDSA signature's s
  auto tampered = Certificate::FromDer(bad);
  ASSERT_TRUE(tampered.ok()) << tampered.status();
  ExpectChainError(
      VerifyCertificateChain(*tampered, inter_, root_, Utc(2025, 6, 1)),
      "certificate signature failure");
}

TEST_F(X509ChainTest, TamperedSubjectFails) {
  auto der = leaf_[0].ToDer();
  ASSERT_TRUE(der.ok());
  std::string bad = *der;
  size_t pos = bad.find("receiver-device-42");
  ASSERT_NE(pos, std::string::npos);
  bad[pos] = 'R';
  auto tampered = Certificate::FromDer(bad);
  ASSERT_TRUE(tampered.ok()) << tampered.status();
  EXPECT_EQ(tampered->SubjectCommonName(), "Receiver-device-42");
  ExpectChainError(
      VerifyCertificateChain(*tampered, inter_, root_, Utc(2025, 6, 1)),
      "certificate signature failure");
}

TEST_F(X509ChainTest, EverySingleByteCorruptionIsRejected) {
  // Flipping any one bit of the leaf's DER must make it unparsable or make
  // the chain fail: every byte is either structure or signed.
  auto der = leaf_[0].ToDer();
  ASSERT_TRUE(der.ok());
  int parsed = 0;
  for (size_t i = 0; i < der->size(); ++i) {
    std::string bad = *der;
    bad[i] ^= 0x01;
    auto cert = Certificate::FromDer(bad);
    if (!cert.ok()) {
      EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument) << i;
      continue;
    }
    ++parsed;
    absl::Status status =
        VerifyCertificateChain(*cert, inter_, root_, Utc(2025, 6, 1));
    EXPECT_FALSE(status.ok()) << "flip at byte " << i << " verified";
  }
  EXPECT_GT(parsed, 0);  // the loop did reach verification
}

TEST_F(X509ChainTest, NonCaIntermediateIsRejected) {
  CertificateSpec not_ca = CaSpec("Not A CA");
  not_ca.is_ca = false;
  not_ca.key_usage = kKeyUsageDigitalSignature | kKeyUsageKeyCertSign;
  EvpPkeyPtr key = NewP256Key();
  auto fake_inter =
      IssueCertificate(not_ca, key.get(), root_[0], root_key_.get());
  ASSERT_TRUE(fake_inter.ok()) << fake_inter.status();
  EXPECT_FALSE(fake_inter->IsCa());
  auto leaf =
      IssueCertificate(LeafSpec(), leaf_key_.get(), *fake_inter, key.get());
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  ExpectChainError(
      VerifyCertificateChain(*leaf, {*fake_inter}, root_, Utc(2025, 6, 1)),
      "invalid CA certificate");
}

TEST_F(X509ChainTest, PathLenConstraintIsEnforced) {
  // inter_ has pathlen 0: a CA below it cannot issue a valid leaf.
  EvpPkeyPtr key = NewP256Key();
  auto sub_ca = IssueCertificate(CaSpec("Sub CA"), key.get(), inter_[0],
                                 inter_key_.get());
  ASSERT_TRUE(sub_ca.ok()) << sub_ca.status();
  auto leaf = IssueCertificate(LeafSpec(), leaf_key_.get(), *sub_ca, key.get());
  ASSERT_TRUE(leaf.ok());
  std::vector<Certificate> chain = {*sub_ca, inter_[0]};
  ExpectChainError(VerifyCertificateChain(*leaf, chain, root_, Utc(2025, 6, 1)),
                   "path length constraint exceeded");
}

TEST_F(X509ChainTest, SimulatorArcCriticalExtensionIsHandled) {
  EXPECT_TRUE(leaf_[0].ExtensionIsCritical(kOidEntitlements));
  EXPECT_FALSE(leaf_[0].ExtensionIsCritical(kOidCredentialPolicy));
  // Verified above in GoodChain...; here a foreign critical OID must fail
  // unless the caller says it handles it.
  CertificateSpec spec = LeafSpec();
  spec.extensions.push_back({"1.2.3.4.5.6", true, "x"});
  auto leaf =
      IssueCertificate(spec, leaf_key_.get(), inter_[0], inter_key_.get());
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  ExpectChainError(
      VerifyCertificateChain(*leaf, inter_, root_, Utc(2025, 6, 1)),
      "unhandled critical extension");
  VerifyOptions options;
  options.handled_critical_extensions.push_back("1.2.3.4.5.6");
  EXPECT_TRUE(
      VerifyCertificateChain(*leaf, inter_, root_, Utc(2025, 6, 1), options)
          .ok());
}

TEST_F(X509ChainTest, HandledCriticalExtensionDoesNotMaskOtherErrors) {
  // An expired certificate with a handled critical extension still fails.
  ExpectChainError(
      VerifyCertificateChain(leaf_[0], inter_, root_, Utc(2027, 1, 1)),
      "certificate has expired");
}

TEST_F(X509ChainTest, ExtensionValuesRoundTripThroughPemAndDer) {
  auto pem = leaf_[0].ToPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_THAT(*pem, HasSubstr("-----BEGIN CERTIFICATE-----"));
  auto from_pem = Certificate::FromPem(*pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  auto der = from_pem->ToDer();
  ASSERT_TRUE(der.ok());
  auto from_der = Certificate::FromDer(*der);
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(*from_der->ToDer(), *leaf_[0].ToDer());

  auto entitlements = from_der->ExtensionValue(kOidEntitlements);
  ASSERT_TRUE(entitlements.ok()) << entitlements.status();
  EXPECT_EQ(*entitlements, std::string("unlock,drive\x00\xff", 14));
  auto policy = from_der->ExtensionValue(kOidCredentialPolicy);
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(*policy, std::string("\x30\x00", 2));

  EXPECT_EQ(from_der->ExtensionValue(kOidKeyAttestation).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(from_der->ExtensionValue("not.an.oid").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(X509ChainTest, FieldsReadBack) {
  const Certificate& leaf = leaf_[0];
  EXPECT_EQ(leaf.SubjectCommonName(), "receiver-device-42");
  EXPECT_EQ(leaf.IssuerCommonName(), "SCT Lab Test Intermediate");
  EXPECT_EQ(leaf.NotBefore(), Utc(2025, 1, 1));
  EXPECT_EQ(leaf.NotAfter(), Utc(2026, 1, 1));
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_TRUE(inter_[0].IsCa());
  EXPECT_TRUE(root_[0].IsCa());
  auto point = leaf.PublicKeyPoint();
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ(*point, PointOf(leaf_key_.get()));
  EXPECT_THAT(*point, SizeIs(65));
  auto spki = leaf.PublicKeySpkiDer();
  ASSERT_TRUE(spki.ok());
  EXPECT_THAT(*spki, SizeIs(91));  // P-256 SubjectPublicKeyInfo

  // Serial: 16 random bytes, positive, so 32 hex digits; unique per issue.
  EXPECT_THAT(leaf.SerialHex(), SizeIs(32));
  auto again = IssueCertificate(LeafSpec(), leaf_key_.get(), inter_[0],
                                inter_key_.get());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->SerialHex(), leaf.SerialHex());
}

TEST_F(X509ChainTest, ChainFromPemReadsABundleInOrder) {
  std::string bundle =
      *leaf_[0].ToPem() + *inter_[0].ToPem() + *root_[0].ToPem();
  auto chain = Certificate::ChainFromPem(bundle);
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_THAT(*chain, SizeIs(3));
  EXPECT_EQ((*chain)[0].SubjectCommonName(), "receiver-device-42");
  EXPECT_EQ((*chain)[2].SubjectCommonName(), "SCT Lab Test Root");
  // A valid block followed by a broken one is an error, not a silent prefix.
  std::string broken =
      *leaf_[0].ToPem() +
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(Certificate::ChainFromPem(broken).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(X509ChainTest, IssuerKeyMustMatchIssuerCertificate) {
  auto cert =
      IssueCertificate(LeafSpec(), leaf_key_.get(), inter_[0], root_key_.get());
  EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cert.status().message()),
              HasSubstr("issuer_private_key"));
}

TEST_F(X509ChainTest, EmptyTrustAnchorsIsInvalidArgument) {
  EXPECT_EQ(
      VerifyCertificateChain(leaf_[0], inter_, {}, Utc(2025, 6, 1)).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(X509Test, GarbagePemIsInvalidArgument) {
  for (const std::string& pem :
       {std::string(""), std::string("hello"),
        std::string(
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
        std::string("-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END "
                    "CERTIFICATE-----\n")}) {
    auto cert = Certificate::FromPem(pem);
    EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument) << pem;
    EXPECT_EQ(ReasonOf(cert.status()), "invalid_field");
    EXPECT_THAT(std::string(cert.status().message()),
                HasSubstr("certificate_pem"));
  }
}

TEST(X509Test, GarbageDerIsInvalidArgument) {
  for (const std::string& der :
       {std::string(""), std::string("\x30\x03\x02\x01\x01", 5),
        std::string("not der at all")}) {
    auto cert = Certificate::FromDer(der);
    EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(cert.status().message()),
                HasSubstr("certificate_der"));
  }
}

TEST(X509Test, TrailingDataAfterDerIsInvalidArgument) {
  EvpPkeyPtr key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), key.get());
  ASSERT_TRUE(root.ok());
  auto cert = Certificate::FromDer(*root->ToDer() + "x");
  EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(X509Test, SelfSignedRootVerifiesAgainstItself) {
  EvpPkeyPtr key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), key.get());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->SubjectCommonName(), root->IssuerCommonName());
  EXPECT_TRUE(VerifyCertificateChain(*root, {}, {*root}, Utc(2030, 1, 1)).ok());
  EXPECT_FALSE(
      VerifyCertificateChain(*root, {}, {*root}, Utc(2036, 1, 1)).ok());
}

TEST(X509Test, BadSpecsAreInvalidArgumentNamingTheField) {
  EvpPkeyPtr key = NewP256Key();
  struct Case {
    std::string field;
    CertificateSpec spec;
  };
  std::vector<Case> cases;
  cases.push_back({"spec.subject_cn", CaSpec("")});
  CertificateSpec backwards = CaSpec("x");
  backwards.not_after = backwards.not_before;
  cases.push_back({"spec.not_after", backwards});
  CertificateSpec pathlen = CaSpec("x");
  pathlen.is_ca = false;
  pathlen.path_len = 1;
  cases.push_back({"spec.path_len", pathlen});
  CertificateSpec bad_oid = CaSpec("x");
  bad_oid.extensions.push_back({"1.3.6.x", false, ""});
  cases.push_back({"spec.extensions[0].oid", bad_oid});
  CertificateSpec dup = CaSpec("x");
  dup.extensions.push_back({std::string(kOidEntitlements), false, "a"});
  dup.extensions.push_back({std::string(kOidEntitlements), false, "b"});
  cases.push_back({"spec.extensions[1].oid", dup});
  CertificateSpec reserved = CaSpec("x");
  reserved.extensions.push_back({"2.5.29.19", true, ""});  // basicConstraints
  cases.push_back({"spec.extensions[0].oid", reserved});
  CertificateSpec reserved_san = CaSpec("x");
  reserved_san.extensions.push_back({"2.5.29.17", false, ""});  // subjectAltName
  cases.push_back({"spec.extensions[0].oid", reserved_san});
  for (const char* bad : {"", "bad name", "a..b", "-,DNS:evil", "x.*"}) {
    CertificateSpec dns = CaSpec("x");
    dns.dns_names = {"localhost", bad};
    cases.push_back({"spec.dns_names[1]", dns});
  }
  for (const char* bad : {"", "1.2.3", "localhost", "127.0.0.1,IP:10.0.0.1"}) {
    CertificateSpec ip = CaSpec("x");
    ip.ip_addresses = {bad};
    cases.push_back({"spec.ip_addresses[0]", ip});
  }
  CertificateSpec eku = CaSpec("x");
  eku.extended_key_usage = 1u << 5;
  cases.push_back({"spec.extended_key_usage", eku});
  for (const Case& c : cases) {
    auto cert = SelfSignCertificate(c.spec, key.get());
    EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument)
        << c.field;
    EXPECT_THAT(std::string(cert.status().message()), HasSubstr(c.field));
  }
}

// A TLS leaf for 127.0.0.1 / localhost usable for server and client auth.
CertificateSpec TlsLeafSpec() {
  CertificateSpec spec;
  spec.subject_cn = "relay";
  spec.not_before = Utc(2025, 1, 1);
  spec.not_after = Utc(2026, 1, 1);
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1"};
  spec.extended_key_usage = kExtKeyUsageServerAuth | kExtKeyUsageClientAuth;
  return spec;
}

TEST(X509Test, SubjectAltNameAndExtendedKeyUsageKnownAnswer) {
  EvpPkeyPtr root_key = NewP256Key();
  EvpPkeyPtr leaf_key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), root_key.get());
  ASSERT_TRUE(root.ok()) << root.status();
  auto leaf =
      IssueCertificate(TlsLeafSpec(), leaf_key.get(), *root, root_key.get());
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  // GeneralNames { dNSName "localhost", iPAddress 7f000001 } and
  // ExtKeyUsageSyntax { id-kp-serverAuth, id-kp-clientAuth }, DER.
  auto san = leaf->ExtensionValue("2.5.29.17");
  ASSERT_TRUE(san.ok()) << san.status();
  EXPECT_EQ(absl::BytesToHexString(*san),
            "301182096c6f63616c686f737487047f000001");
  auto eku = leaf->ExtensionValue("2.5.29.37");
  ASSERT_TRUE(eku.ok()) << eku.status();
  EXPECT_EQ(absl::BytesToHexString(*eku),
            "301406082b0601050507030106082b06010505070302");
  EXPECT_FALSE(leaf->ExtensionIsCritical("2.5.29.17"));
  EXPECT_FALSE(leaf->ExtensionIsCritical("2.5.29.37"));
  EXPECT_TRUE(
      VerifyCertificateChain(*leaf, {}, {*root}, Utc(2025, 6, 1)).ok());
}

TEST(X509Test, TlsPeersAcceptTheNamesAndPurposes) {
  EvpPkeyPtr root_key = NewP256Key();
  EvpPkeyPtr leaf_key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), root_key.get());
  ASSERT_TRUE(root.ok()) << root.status();
  CertificateSpec spec = TlsLeafSpec();
  spec.dns_names = {"localhost", "*.sct.test"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  auto both = IssueCertificate(spec, leaf_key.get(), *root, root_key.get());
  ASSERT_TRUE(both.ok()) << both.status();
  X509* x = both->x509();
  EXPECT_EQ(X509_check_host(x, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x, "relay.sct.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x, "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "10.0.0.1", 0), 0);
  EXPECT_EQ(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0), 1);

  spec.extended_key_usage = kExtKeyUsageServerAuth;
  auto server_only =
      IssueCertificate(spec, leaf_key.get(), *root, root_key.get());
  ASSERT_TRUE(server_only.ok()) << server_only.status();
  EXPECT_EQ(X509_check_purpose(server_only->x509(), X509_PURPOSE_SSL_SERVER, 0),
            1);
  EXPECT_EQ(X509_check_purpose(server_only->x509(), X509_PURPOSE_SSL_CLIENT, 0),
            0);
}

TEST(X509Test, NoSubjectAltNameOrExtendedKeyUsageUnlessAsked) {
  EvpPkeyPtr key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), key.get());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->ExtensionValue("2.5.29.17").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(root->ExtensionValue("2.5.29.37").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(X509Test, ChainFromPemNamesTheFieldAndTheProblem) {
  EvpPkeyPtr key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), key.get());
  ASSERT_TRUE(root.ok());
  struct Case {
    std::string pem, problem;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {"DER or text", "not PEM (no -----BEGIN line)"},
      {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
       "contains a private key, not a certificate"},
      {"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
       "no PEM CERTIFICATE block"},
      {*root->ToPem() +
           "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
       "certificate 2 is malformed (OpenSSL: "},
  };
  for (const Case& c : cases) {
    auto chain = Certificate::ChainFromPem(c.pem, "TLS CA file /ca.pem");
    EXPECT_EQ(ReasonOf(chain.status()), "invalid_field") << c.problem;
    EXPECT_THAT(std::string(chain.status().message()),
                HasSubstr("TLS CA file /ca.pem: " + c.problem));
  }
}

TEST(X509Test, NonP256KeysAreRejected) {
  EvpPkeyPtr p384(EVP_EC_gen("P-384"));
  ASSERT_NE(p384, nullptr);
  auto cert = SelfSignCertificate(CaSpec("x"), p384.get());
  EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cert.status().message()), HasSubstr("P-256"));

  EvpPkeyPtr root_key = NewP256Key();
  auto root = SelfSignCertificate(CaSpec("root"), root_key.get());
  ASSERT_TRUE(root.ok());
  std::string bad_point(65, '\x04');
  EXPECT_EQ(
      IssueCertificateForPoint(CaSpec("x"), bad_point, *root, root_key.get())
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      IssueCertificateForPoint(CaSpec("x"), "short", *root, root_key.get())
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(X509Test, WorksWithTheEcdsaKeyClasses) {
  auto root_key = EcdsaP256PrivateKey::Generate();
  auto device_key = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(root_key.ok() && device_key.ok());
  auto root = SelfSignCertificate(CaSpec("Credential Authority"), *root_key);
  ASSERT_TRUE(root.ok()) << root.status();
  CertificateSpec spec;
  spec.subject_cn = "device";
  spec.not_before = Utc(2025, 1, 1);
  spec.not_after = Utc(2025, 2, 1);
  auto cert = IssueCertificate(spec, device_key->PublicKey(), *root, *root_key);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(
      VerifyCertificateChain(*cert, {}, {*root}, Utc(2025, 1, 15)).ok());
  // An access point's challenge-response: the device signs, the verifier uses
  // the key from the certificate.
  auto cert_key = cert->PublicKey();
  ASSERT_TRUE(cert_key.ok()) << cert_key.status();
  EXPECT_EQ(*cert_key, device_key->PublicKey());
  auto sig = device_key->Sign("challenge", SignatureEncoding::kDer);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(
      cert_key->Verify("challenge", *sig, SignatureEncoding::kDer).ok());
  EXPECT_FALSE(cert_key->Verify("other", *sig, SignatureEncoding::kDer).ok());
  EXPECT_EQ(*cert->PublicKeySpkiDer(), device_key->PublicKey().SpkiDer());
  // The point read straight from the parsed certificate (no key built) is the
  // key's, also after a DER round trip.
  auto reparsed = Certificate::FromDer(*cert->ToDer());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(*reparsed->PublicKeyPoint(), device_key->PublicKey().UncompressedPoint());
  EXPECT_EQ(*reparsed->PublicKey(), device_key->PublicKey());
}

}  // namespace
}  // namespace sct::crypto

#include "runtime/test_certs.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "crypto/ecdsa.h"
#include "crypto/pem.h"
#include "crypto/x509.h"
#include "runtime/files.h"

namespace sct {
namespace {

// Valid from an hour ago (tolerates clock skew between test processes) for a
// day.
constexpr absl::Duration kBackdate = absl::Hours(1);
constexpr absl::Duration kValidity = absl::Hours(24);

crypto::CertificateSpec SpecFor(absl::string_view common_name) {
  const absl::Time now = absl::Now();
  crypto::CertificateSpec spec;
  spec.subject_cn = std::string(common_name);
  spec.not_before = now - kBackdate;
  spec.not_after = now + kValidity;
  return spec;
}

absl::StatusOr<TestCert> ToTestCert(const crypto::Certificate& cert,
                                    const crypto::EcdsaP256PrivateKey& key) {
  TestCert out;
  ASSIGN_OR_RETURN(out.cert_pem, cert.ToPem());
  ASSIGN_OR_RETURN(out.key_pem, crypto::P256PrivateKeyToPem(key));
  return out;
}

}  // namespace

absl::StatusOr<TestCert> MakeTestCa(absl::string_view common_name) {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec = SpecFor(common_name);
  spec.is_ca = true;  // keyUsage keyCertSign, cRLSign
  ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::SelfSignCertificate(spec, key));
  return ToTestCert(cert, key);
}

absl::StatusOr<TestCert> IssueTestCert(const TestCert& ca, absl::string_view common_name,
                                       const std::vector<std::string>& dns_names,
                                       const std::vector<std::string>& ip_addresses) {
  ASSIGN_OR_RETURN(crypto::Certificate ca_cert, crypto::Certificate::FromPem(ca.cert_pem));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey ca_key,
                   crypto::P256PrivateKeyFromPem(ca.key_pem, "ca.key_pem"));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec = SpecFor(common_name);
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.dns_names = dns_names;
  spec.ip_addresses = ip_addresses;
  spec.extended_key_usage = crypto::kExtKeyUsageServerAuth | crypto::kExtKeyUsageClientAuth;
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   crypto::IssueCertificate(spec, key.PublicKey(), ca_cert, ca_key));
  return ToTestCert(cert, key);
}

absl::Status WriteTestFile(const std::string& path, absl::string_view contents) {
  return WriteFileAtomically(path, contents, 0600);
}

absl::StatusOr<TestServerFiles> WriteTestServerFiles(const std::string& prefix,
                                                     absl::string_view common_name) {
  ASSIGN_OR_RETURN(TestCert ca, MakeTestCa(absl::StrCat(common_name, " test CA")));
  ASSIGN_OR_RETURN(TestCert leaf, IssueTestCert(ca, common_name, {"localhost"}, {"127.0.0.1"}));
  TestServerFiles files{prefix + "ca.pem", prefix + "cert.pem", prefix + "key.pem"};
  RETURN_IF_ERROR(WriteTestFile(files.ca_file, ca.cert_pem));
  RETURN_IF_ERROR(WriteTestFile(files.cert_file, leaf.cert_pem));
  RETURN_IF_ERROR(WriteTestFile(files.key_file, leaf.key_pem));
  return files;
}

}  // namespace sct

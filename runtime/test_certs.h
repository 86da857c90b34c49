// Test-only: a throw-away CA and certificates it issues, made with
// crypto/x509.h at test run time (EC P-256, ECDSA-SHA256, valid from one hour
// ago for one day; keys as unencrypted PKCS#8 PEM from crypto/pem.h).
//
// For TLS tests of any service: make a CA, issue a server certificate for
// 127.0.0.1/localhost (and a client certificate for mutual TLS), write them
// with WriteTestFile into $TEST_TMPDIR and load them with runtime/tls.h.
// Errors: INVALID_ARGUMENT for a bad name or address or a `ca` that does not
// parse, INTERNAL with OpenSSL's error text. Thread-compatible.
#ifndef SCT_RUNTIME_TEST_CERTS_H_
#define SCT_RUNTIME_TEST_CERTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;  // unencrypted PKCS#8
};

// A self-signed CA certificate (basicConstraints CA:TRUE).
absl::StatusOr<TestCert> MakeTestCa(absl::string_view common_name);

// A leaf certificate signed by `ca`, with subjectAltName entries for each
// DNS name and IP address given, usable for TLS server and client auth.
absl::StatusOr<TestCert> IssueTestCert(const TestCert& ca, absl::string_view common_name,
                                       const std::vector<std::string>& dns_names,
                                       const std::vector<std::string>& ip_addresses);

// Writes `contents` to `path`, replacing it (mode 0600).
absl::Status WriteTestFile(const std::string& path, absl::string_view contents);

// A server's TLS files for a test: a fresh CA's certificate (`ca_file`) and
// a leaf it issued to `common_name` for localhost and 127.0.0.1
// (`cert_file`, `key_file`), written as <prefix>ca.pem, <prefix>cert.pem and
// <prefix>key.pem.
struct TestServerFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};
absl::StatusOr<TestServerFiles> WriteTestServerFiles(const std::string& prefix,
                                                     absl::string_view common_name);

}  // namespace sct

#endif  // SCT_RUNTIME_TEST_CERTS_H_

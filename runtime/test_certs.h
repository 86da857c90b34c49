// Test-only: a throw-away CA and certificates it issues, made with OpenSSL at
// test run time (EC P-256, SHA-256, valid from one hour ago for one day).
//
// For TLS tests of any service: make a CA, issue a server certificate for
// 127.0.0.1/localhost (and a client certificate for mutual TLS), write them
// with WritePemFiles into $TEST_TMPDIR and load them with runtime/tls.h.
// Errors are INTERNAL with OpenSSL's error text. Thread-compatible.
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
absl::StatusOr<TestCert> IssueTestCert(
    const TestCert& ca, absl::string_view common_name,
    const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses);

// Writes `contents` to `path` (truncating).
absl::Status WriteTestFile(const std::string& path, absl::string_view contents);

}  // namespace sct

#endif  // SCT_RUNTIME_TEST_CERTS_H_

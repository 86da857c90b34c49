// Test and benchmark support: the real ca_server and access_point binaries
// started as separate processes on 127.0.0.1 port 0, wired with mutual TLS
// from a throw-away PKI made here (runtime/test_certs.h for TLS, crypto/x509.h
// for the OEM attestation root and device keys), plus the calls a scenario
// needs: bootstrap an owner credential, authenticate at the access point,
// revoke, read the access point's revocation version.
//
// Thread-compatible. The processes (runtime/child_process.h, stderr to this
// process's stderr) are stopped with SIGTERM (SIGKILL after 30 s) in Stop()
// or the destructor; Stop() returns their exit codes (0 = clean shutdown).
// Errors: ChildProcess::Start's statuses when a binary does not start, the
// services' own statuses (via common/status_mapping.h) for RPC failures.
#ifndef SCT_TESTS_INTEGRATION_CA_AP_ECOSYSTEM_H_
#define SCT_TESTS_INTEGRATION_CA_AP_ECOSYSTEM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "runtime/child_process.h"

namespace sct::integration {

struct EcosystemOptions {
  std::string ca_binary;
  std::string ap_binary;
  std::string work_dir;  // created if missing; files are overwritten
  std::string revocation_mode = "watch";  // or "poll"
  absl::Duration poll_interval = absl::Milliseconds(200);
  std::string access_point_id = "car-1";
};

// A device's credential: what it holds after bootstrap.
struct Holder {
  std::string credential_id;
  ::common::v1::CredentialKind kind = ::common::v1::ASYMMETRIC;
  std::string certificate_der;  // asymmetric
  std::string symmetric_key;    // symmetric (opened with HPKE)
  std::unique_ptr<crypto::EcdsaP256PrivateKey> se_key;
};

class Ecosystem {
 public:
  static absl::StatusOr<std::unique_ptr<Ecosystem>> Start(
      EcosystemOptions options);
  ~Ecosystem();

  // Issues an owner credential for the access point to a fresh attested
  // device key.
  absl::StatusOr<Holder> BootstrapOwner(
      ::common::v1::CredentialKind kind,
      const std::vector<std::string>& entitlements);
  // The same with the validity window the request carries (unchecked here,
  // so that a test can send what a hostile admin client would).
  absl::StatusOr<Holder> BootstrapOwner(
      ::common::v1::CredentialKind kind,
      const std::vector<std::string>& entitlements,
      const ::common::v1::ValidityWindow& validity);
  // GetChallenge + Authenticate as the holder.
  absl::StatusOr<::access_point::v1::AuthenticateResponse> Authenticate(
      const Holder& holder, const std::string& action);
  // Admin revocation; returns the list version that contains it.
  absl::StatusOr<uint64_t> RevokeCredential(const std::string& credential_id);
  absl::StatusOr<::access_point::v1::GetStatusResponse> ApStatus();
  // Polls ApStatus until its version >= `version` (bounded by `timeout`).
  absl::Status WaitForApVersion(uint64_t version, absl::Duration timeout);

  // Stops both processes; returns {ap exit code, ca exit code} (-1 for one
  // already stopped).
  std::pair<int, int> Stop();

  ::credential_authority::v1::CredentialAuthority::Stub& admin() {
    return *admin_;
  }
  ::access_point::v1::AccessPoint::Stub& ap() { return *ap_; }
  const EcosystemOptions& options() const { return options_; }

 private:
  explicit Ecosystem(EcosystemOptions options) : options_(std::move(options)) {}
  absl::Status Init();
  // Init's steps: the TLS PKI, the OEM attestation root and the access
  // point's HPKE key in work_dir; the authority (and the access point
  // registered with it); the access point trusting the authority's root.
  absl::Status WriteKeysAndCertificates();
  absl::Status StartAuthority();
  absl::Status StartAccessPoint();
  std::string Path(const std::string& name) const;

  EcosystemOptions options_;
  std::unique_ptr<ChildProcess> ca_;
  std::unique_ptr<ChildProcess> ap_proc_;
  std::unique_ptr<::credential_authority::v1::CredentialAuthority::Stub> admin_;
  std::unique_ptr<::access_point::v1::AccessPoint::Stub> ap_;
  std::string oem_root_key_pkcs8_;
  std::string oem_root_der_;
  std::string ap_public_spki_;
  int request_counter_ = 0;
};

}  // namespace sct::integration

#endif  // SCT_TESTS_INTEGRATION_CA_AP_ECOSYSTEM_H_

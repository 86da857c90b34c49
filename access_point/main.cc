// access_point: a car, door or hotel lock as a gRPC service
// (access_point.v1.AccessPoint). Flags and files -> AccessPointConfig ->
// AccessPointServer (access_point/server.h, where the wiring lives), then wait
// for SIGINT or SIGTERM and shut down cleanly. See docs/access_point.md.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "access_point/server.h"
#include "common/host_port.h"
#include "crypto/ecdsa.h"
#include "crypto/pem.h"
#include "runtime/files.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"

ABSL_FLAG(sct::HostPort, listen, (sct::HostPort{"127.0.0.1", 0}),
          "HOST:PORT to listen on (port 0 picks one and prints "
          "'listening grpc=HOST:PORT')");
ABSL_FLAG(std::string, ap_id, "",
          "this access point's id, e.g. car-1 (required)");
ABSL_FLAG(std::string, kind, "car", "car, door or hotel_lock");
ABSL_FLAG(
    std::vector<std::string>, actions, {},
    "supported actions (default by kind: car unlock,lock,drive,open_trunk; "
    "door enter,unlock,lock; hotel_lock enter)");
ABSL_FLAG(std::string, ca_target, "",
          "HOST:PORT of the credential authority (required)");
ABSL_FLAG(
    std::string, ca_trust_anchor, "",
    "PEM file: the authority's root CERTIFICATE(s) (credential chains and, "
    "unless a PUBLIC KEY block is also present, the revocation-list key), "
    "or only its PUBLIC KEY (then the root is fetched with "
    "GetAuthorityInfo over the authenticated channel and must be over "
    "that key) (required)");
ABSL_FLAG(std::string, authority_id, "ca",
          "authority id revocation lists must name (empty: any)");
ABSL_FLAG(std::string, ca_tls_ca, "",
          "PEM roots the authority's TLS certificate must chain to (empty: "
          "plaintext to the authority, development only)");
ABSL_FLAG(std::string, ca_tls_cert, "",
          "this access point's TLS client certificate for the authority (CN = "
          "--ap_id)");
ABSL_FLAG(std::string, ca_tls_key, "", "private key for --ca_tls_cert");
ABSL_FLAG(std::string, tls_cert, "",
          "server certificate chain (PEM); empty: plaintext");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA that client certificates must chain to (required unless "
          "--tls_require_client_cert=false, then verified when presented)");
ABSL_FLAG(bool, tls_require_client_cert, true,
          "with --tls_client_ca: refuse callers without a client certificate");
ABSL_FLAG(std::string, ap_key, "",
          "PEM P-256 private key registered with the authority; symmetric "
          "credential keys are sealed to it (empty: no symmetric credentials)");
ABSL_FLAG(std::string, revocation_mode, "watch", "watch or poll");
ABSL_FLAG(absl::Duration, poll_interval, absl::Seconds(1),
          "poll period (poll), heartbeat interval asked for (watch), and "
          "key-grant pull period");
ABSL_FLAG(absl::Duration, challenge_ttl, absl::Seconds(30),
          "lifetime of a nonce");
ABSL_FLAG(
    int64_t, max_outstanding_challenges, 100000,
    "bound on live nonces (GetChallenge answers RESOURCE_EXHAUSTED beyond)");
ABSL_FLAG(int64_t, max_challenges_per_client, 256,
          "bound on live nonces per client (TLS identity, else address)");
ABSL_FLAG(int64_t, certificate_cache_size, 1024,
          "parsed, chain-verified credential certificates kept so that a credential presented "
          "again skips the parse and the chain (validity, revocation and the signature are "
          "checked on every call); 0 turns the cache off");
ABSL_FLAG(bool, revocation_fail_closed, false,
          "also deny (DENIED_REVOCATION_STALE) while the list is past "
          "next_update; before the first list the access point always denies");

namespace sct::access_point {
namespace {

[[noreturn]] void Fail(int code, const std::string& message) {
  std::cerr << "access_point: " << message << std::endl;
  std::exit(code);
}

std::string ReadFileOrDie(const std::string& path, const std::string& flag) {
  absl::StatusOr<std::string> data = ReadWholeFile(path);
  if (!data.ok()) Fail(2, absl::StrCat(flag, ": ", data.status().message()));
  return *std::move(data);
}

// The configuration the flags and files describe; exits 2 on a bad one.
AccessPointConfig ConfigFromFlags() {
  AccessPointConfig config;
  config.verifier.access_point_id = absl::GetFlag(FLAGS_ap_id);
  absl::StatusOr<::common::v1::AccessPointKind> kind =
      ParseAccessPointKind(absl::GetFlag(FLAGS_kind));
  if (!kind.ok()) Fail(2, std::string(kind.status().message()));
  config.verifier.kind = *kind;
  config.verifier.supported_actions = absl::GetFlag(FLAGS_actions);
  config.verifier.challenge_ttl = absl::GetFlag(FLAGS_challenge_ttl);
  if (absl::GetFlag(FLAGS_max_outstanding_challenges) <= 0) {
    Fail(2, "--max_outstanding_challenges: must be positive");
  }
  config.verifier.max_outstanding_challenges =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_outstanding_challenges));
  if (absl::GetFlag(FLAGS_max_challenges_per_client) <= 0) {
    Fail(2, "--max_challenges_per_client: must be positive");
  }
  config.verifier.max_challenges_per_client =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_challenges_per_client));
  if (absl::GetFlag(FLAGS_certificate_cache_size) < 0) {
    Fail(2, "--certificate_cache_size: must not be negative");
  }
  config.verifier.certificate_cache_size =
      static_cast<size_t>(absl::GetFlag(FLAGS_certificate_cache_size));
  config.verifier.revocation_fail_closed =
      absl::GetFlag(FLAGS_revocation_fail_closed);
  absl::StatusOr<RevocationMode> mode =
      ParseRevocationMode(absl::GetFlag(FLAGS_revocation_mode));
  if (!mode.ok()) Fail(2, std::string(mode.status().message()));
  config.revocation_mode = *mode;
  config.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  config.listen = absl::GetFlag(FLAGS_listen).ToString();
  config.ca_target = absl::GetFlag(FLAGS_ca_target);
  config.authority_id = absl::GetFlag(FLAGS_authority_id);
  config.authority_tls = {absl::GetFlag(FLAGS_ca_tls_ca),
                          absl::GetFlag(FLAGS_ca_tls_cert),
                          absl::GetFlag(FLAGS_ca_tls_key)};
  config.server_tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  config.server_tls.key_file = absl::GetFlag(FLAGS_tls_key);
  config.server_tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  config.server_tls.require_client_cert =
      !config.server_tls.client_ca_file.empty() && absl::GetFlag(FLAGS_tls_require_client_cert);
  if (absl::Status s = ValidateConfig(config); !s.ok()) {
    Fail(2, std::string(s.message()));
  }

  if (absl::GetFlag(FLAGS_ca_trust_anchor).empty())
    Fail(2, "--ca_trust_anchor: required");
  const std::string anchor_pem =
      ReadFileOrDie(absl::GetFlag(FLAGS_ca_trust_anchor), "--ca_trust_anchor");
  absl::StatusOr<crypto::EcdsaP256PublicKey> pinned_key =
      crypto::P256PublicKeyFromPem(anchor_pem, "--ca_trust_anchor");
  config.trust_anchor_pem = anchor_pem;
  if (pinned_key.ok()) config.pinned_key = *std::move(pinned_key);
  if (!absl::GetFlag(FLAGS_ap_key).empty()) {
    auto scalar = crypto::P256PrivateScalarFromPem(
        ReadFileOrDie(absl::GetFlag(FLAGS_ap_key), "--ap_key"), "--ap_key");
    if (!scalar.ok()) Fail(2, scalar.status().ToString());
    config.ap_private_scalar = *std::move(scalar);
  }
  return config;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "An SCT Lab access point (car, door, hotel lock). See "
      "docs/access_point.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1)
    Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));
  const AccessPointConfig config = ConfigFromFlags();

  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state =
      sim::StateFromFlags(config.verifier.access_point_id);
  absl::StatusOr<std::unique_ptr<AccessPointServer>> server =
      AccessPointServer::Create(config, sim_state.get());
  if (!server.ok()) Fail(2, std::string(server.status().message()));
  if (absl::Status s = (*server)->Start(); !s.ok()) {
    Fail(1, std::string(s.message()));
  }
  std::cerr << "access_point: " << config.verifier.access_point_id << " ("
            << absl::GetFlag(FLAGS_kind)
            << ") revocation_mode=" << absl::GetFlag(FLAGS_revocation_mode)
            << " list_version=" << (*server)->revocation_list_version() << "\n";
  sct::PrintListeningLine({{"grpc", (*server)->address()}});

  int sig = WaitForTerminationSignal();
  std::cerr << "access_point: signal " << sig << ", shutting down\n";
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace sct::access_point

int main(int argc, char** argv) { return sct::access_point::Main(argc, argv); }

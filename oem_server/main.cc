// oem_server: one device vendor's (OEM's) server, run once per vendor.
// Flags -> OemServerConfig -> OemServer (oem_server/server.h, where the
// wiring lives), then wait for SIGINT/SIGTERM and shut down cleanly.
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "oem_server/server.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"

ABSL_FLAG(std::string, oem_id, "", "This OEM's id, e.g. oem-a (required).");
ABSL_FLAG(sct::HostPort, listen, (sct::HostPort{"127.0.0.1", 0}),
          "gRPC listen address HOST:PORT; port 0 picks a free port.");
ABSL_FLAG(std::string, db_path, "", "SQLite device registry file (required).");
ABSL_FLAG(std::string, attestation_ca_key, "",
          "PEM private key of the attestation root (created if missing).");
ABSL_FLAG(std::string, attestation_ca_cert, "",
          "PEM certificate of the attestation root (created if missing).");
ABSL_FLAG(std::string, ca_target, "", "Credential authority gRPC address HOST:PORT (required).");
ABSL_FLAG(std::string, ca_tls_cert, "",
          "PEM client certificate presented to the authority (CN = oem_id).");
ABSL_FLAG(std::string, ca_tls_key, "", "PEM key for --ca_tls_cert.");
ABSL_FLAG(std::string, ca_tls_root, "",
          "PEM roots the authority's server certificate must chain to.");
ABSL_FLAG(std::string, ca_tls_server_name, "",
          "Expected name in the authority's certificate (default: host of "
          "--ca_target).");
ABSL_FLAG(absl::Duration, ca_timeout, absl::Seconds(10), "Deadline of each call to the authority.");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate (required).");
ABSL_FLAG(std::string, tls_key, "", "PEM key for --tls_cert (required).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle for client certificates (relay, devices); a "
          "presented certificate must chain to it (required).");
ABSL_FLAG(bool, tls_require_client_cert, false,
          "Refuse clients without a certificate (devices then need one too).");
ABSL_FLAG(std::string, relay_cn, "",
          "TLS client-certificate CN allowed to call Notify (required).");
ABSL_FLAG(bool, insecure, false,
          "Development only: plaintext gRPC both ways; Notify open to anyone "
          "when --relay_cn is empty.");
ABSL_FLAG(absl::Duration, challenge_ttl, absl::Minutes(5),
          "Lifetime of enrolment/attestation nonces.");
ABSL_FLAG(absl::Duration, push_token_ttl, absl::Hours(24 * 7), "Lifetime of a minted push token.");
ABSL_FLAG(int, push_queue_limit, 64,
          "Notifications kept per device (offline queue and resume window).");
ABSL_FLAG(int, max_streams_per_device, 4,
          "Open notification streams per device; a newer one retires the oldest.");
ABSL_FLAG(std::string, token_model, "standard",
          "standard (pass the authority's share token through) or per_oem_format "
          "(wrap it in this vendor's format; redeem only agreed formats).");
ABSL_FLAG(std::string, provisioning_agreements, "",
          "OEM=FILE,...: the vendors whose provisioning format this OEM redeems and "
          "the PEM attestation root that verifies each (needs per_oem_format).");

ABSL_FLAG(std::string, malicious, "",
          "A malicious vendor, for adversary scenarios: attest_own_key (AttestKey certifies a "
          "key of the vendor's instead of the device's) or redeem_own_key (ProvisionCredential "
          "redeems the share for a key of the vendor's). Empty: honest. docs/oem_server.md.");

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "oem_server: " << status << "\n";
  return 1;
}

absl::StatusOr<sct::oem::OemServerConfig> ConfigFromFlags() {
  sct::oem::OemServerConfig config;
  const std::string model = absl::GetFlag(FLAGS_token_model);
  if (model != "standard" && model != "per_oem_format") {
    return absl::InvalidArgumentError("--token_model must be standard or per_oem_format");
  }
  config.vendor_format = model == "per_oem_format";
  absl::StatusOr<std::map<std::string, std::string>> agreements =
      sct::oem::ParseAgreementRoots(absl::GetFlag(FLAGS_provisioning_agreements));
  if (!agreements.ok()) return agreements.status();
  config.agreement_roots = *std::move(agreements);
  config.service.oem_id = absl::GetFlag(FLAGS_oem_id);
  config.service.relay_cn = absl::GetFlag(FLAGS_relay_cn);
  config.service.challenge_ttl = absl::GetFlag(FLAGS_challenge_ttl);
  config.service.push_token_ttl = absl::GetFlag(FLAGS_push_token_ttl);
  config.service.push_queue_limit = absl::GetFlag(FLAGS_push_queue_limit);
  config.service.max_streams_per_device = absl::GetFlag(FLAGS_max_streams_per_device);
  absl::StatusOr<sct::oem::Malice> malice =
      sct::oem::ParseMalice(absl::GetFlag(FLAGS_malicious), "--malicious");
  if (!malice.ok()) return malice.status();
  config.service.malice = *malice;
  config.listen = absl::GetFlag(FLAGS_listen).ToString();
  config.db_path = absl::GetFlag(FLAGS_db_path);
  config.attestation_ca_key = absl::GetFlag(FLAGS_attestation_ca_key);
  config.attestation_ca_cert = absl::GetFlag(FLAGS_attestation_ca_cert);
  config.ca_target = absl::GetFlag(FLAGS_ca_target);
  config.authority_tls = {absl::GetFlag(FLAGS_ca_tls_root), absl::GetFlag(FLAGS_ca_tls_cert),
                          absl::GetFlag(FLAGS_ca_tls_key)};
  config.authority_tls_server_name = absl::GetFlag(FLAGS_ca_tls_server_name);
  config.authority_timeout = absl::GetFlag(FLAGS_ca_timeout);
  config.server_tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                       absl::GetFlag(FLAGS_tls_client_ca),
                       absl::GetFlag(FLAGS_tls_require_client_cert)};
  config.insecure = absl::GetFlag(FLAGS_insecure);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "SCT Lab OEM server: device enrolment, key attestation, authority "
      "bridge, push. See docs/oem_server.md.");
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<sct::oem::OemServerConfig> parsed = ConfigFromFlags();
  if (!parsed.ok()) return Fail(parsed.status());
  const sct::oem::OemServerConfig& config = *parsed;
  if (absl::Status s = sct::oem::ValidateConfig(config); !s.ok()) return Fail(s);

  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sct::sim::SimState> sim_state = sct::sim::StateFromFlags(config.service.oem_id);
  absl::StatusOr<std::unique_ptr<sct::oem::OemServer>> server =
      sct::oem::OemServer::Start(config, sim_state.get());
  if (!server.ok()) return Fail(server.status());

  std::cerr << "oem_server: " << config.service.oem_id << " serving; authority at "
            << config.ca_target << "; registry " << config.db_path
            << (config.service.malice == sct::oem::Malice::kNone ? "" : "; MALICIOUS mode")
            << "\n";
  sct::PrintListeningLine({{"grpc", (*server)->address()}});

  int sig = sct::WaitForTerminationSignal();
  std::cerr << "oem_server: signal " << sig << ", shutting down\n";
  (*server)->Shutdown();
  std::cerr << "oem_server: stopped\n";
  return 0;
}

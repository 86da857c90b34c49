// ca_server: the credential authority as a gRPC server over mutual TLS.
// Flags -> AuthorityServerConfig -> AuthorityServer (authority_server.h, where
// the wiring lives); then wait for SIGTERM/SIGINT and shut down.
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "credential_authority/authority_server.h"
#include "credential_authority/pin.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "HOST:PORT to listen on; port 0 picks one and prints it");
ABSL_FLAG(std::string, db_path, "ca.db", "SQLite ledger file");
ABSL_FLAG(std::string, signing_key, "ca_signing_key.pem",
          "authority P-256 signing key (PKCS#8 PEM); created 0600 if missing");
ABSL_FLAG(std::string, root_cert, "",
          "authority root certificate (PEM) over the signing key; default "
          "<signing_key>.root.pem, created if missing");
ABSL_FLAG(std::string, pin_key, "",
          "authority PIN key (32 random bytes; share PIN verifiers are HMACs under it); "
          "default <signing_key>.pin.key, created 0600 if missing; never a symlink");
ABSL_FLAG(std::string, tls_cert, "", "server certificate chain (PEM)");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA (PEM) that client certificates must chain to (mutual TLS)");
ABSL_FLAG(std::string, oem_roots, "",
          "trusted OEM attestation roots: oem-a=FILE.pem,oem-b=FILE.pem; the "
          "OEM id is also the CN its TLS client certificate must carry");
ABSL_FLAG(std::string, admin_cn, "admin", "TLS client certificate CN of the admin identity");
ABSL_FLAG(std::string, authority_id, "ca", "authority id (token issuer)");
ABSL_FLAG(std::vector<std::string>, trusted_oems, {},
          "OEM ids whose attestation roots this authority accepts (comma list); "
          "empty: every OEM of --oem_roots. Others' devices are refused with "
          "untrusted_attestation_root.");

ABSL_FLAG(uint32_t, max_pin_attempts, sct::ca::kMaxPinAttempts,
          "wrong PINs that lock a share (1-100)");
ABSL_FLAG(bool, unsafe_no_fsync_for_benchmarks, false,
          "BENCHMARKS ONLY: acknowledge ledger writes without syncing them to disk "
          "(an acknowledged redemption can be lost on power loss). Never in a deployment.");

namespace {

absl::StatusOr<sct::ca::AuthorityServerConfig> ConfigFromFlags() {
  sct::ca::AuthorityServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.db_path = absl::GetFlag(FLAGS_db_path);
  config.signing_key_path = absl::GetFlag(FLAGS_signing_key);
  config.root_cert_path = absl::GetFlag(FLAGS_root_cert);
  config.pin_key_path = absl::GetFlag(FLAGS_pin_key);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.admin_cn = absl::GetFlag(FLAGS_admin_cn);
  config.authority_id = absl::GetFlag(FLAGS_authority_id);
  config.max_pin_attempts = absl::GetFlag(FLAGS_max_pin_attempts);
  config.unsafe_no_fsync_for_benchmarks = absl::GetFlag(FLAGS_unsafe_no_fsync_for_benchmarks);
  for (const std::string& oem : absl::GetFlag(FLAGS_trusted_oems)) {
    if (!oem.empty()) config.trusted_oems.insert(oem);
  }
  if (absl::Status s = sct::ca::CheckAuthorityServerConfig(config); !s.ok()) return s;
  auto oem_roots = sct::ca::ParseOemRoots(absl::GetFlag(FLAGS_oem_roots));
  if (!oem_roots.ok()) return oem_roots.status();
  config.oem_roots = std::move(*oem_roots);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<sct::ca::AuthorityServerConfig> config = ConfigFromFlags();
  if (!config.ok()) {
    std::cerr << "ca_server: " << config.status().message() << "\n";
    return 2;
  }
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sct::sim::SimState> sim_state = sct::sim::StateFromFlags("ca");
  auto server = sct::ca::AuthorityServer::Start(*config, sim_state.get());
  if (!server.ok()) {
    std::cerr << "ca_server: " << server.status() << "\n";
    return 1;
  }
  sct::PrintListeningLine({{"grpc", (*server)->address()}});
  const sct::ca::CaService& service = (*server)->service();
  if (config->unsafe_no_fsync_for_benchmarks) {
    std::cerr << "ca_server: WARNING --unsafe_no_fsync_for_benchmarks: ledger writes are NOT "
                 "synced to disk; for benchmarks only\n";
  }
  std::cerr << "ca_server: authority=" << config->authority_id << " key_id=" << service.key_id()
            << " revocation_version=" << service.revocation_version() << "\n";
  absl::StatusOr<uint64_t> orphaned = service.PendingSharesUnderAnotherPinKey();
  if (!orphaned.ok()) {
    std::cerr << "ca_server: could not check the PIN verifiers of pending shares: "
              << orphaned.status() << "\n";
  } else if (*orphaned > 0) {
    std::cerr << "ca_server: WARNING " << *orphaned
              << " pending share(s) have PIN verifiers made under another PIN key than --pin_key's;"
                 " their redemptions will fail pin_key_mismatch (was the PIN key file replaced?)\n";
  }
  int sig = sct::WaitForTerminationSignal();
  std::cerr << "ca_server: signal " << sig << ", shutting down\n";
  (*server)->Shutdown();  // ends revocation watches, then the gRPC server
  return 0;
}

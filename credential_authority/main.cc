// ca_server: the credential authority as a gRPC server over mutual TLS.
// Flags, wiring, start, wait for SIGTERM/SIGINT, shut down. No logic here.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"
#include "runtime/tls.h"
#include "credential_authority/authority_keys.h"
#include "credential_authority/ca_grpc.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/sqlite_ledger.h"
#include "crypto/x509.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "HOST:PORT to listen on; port 0 picks one and prints it");
ABSL_FLAG(std::string, db_path, "ca.db", "SQLite ledger file");
ABSL_FLAG(std::string, signing_key, "ca_signing_key.pem",
          "authority P-256 signing key (PKCS#8 PEM); created 0600 if missing");
ABSL_FLAG(std::string, root_cert, "",
          "authority root certificate (PEM) over the signing key; default "
          "<signing_key>.root.pem, created if missing");
ABSL_FLAG(std::string, tls_cert, "", "server certificate chain (PEM)");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA (PEM) that client certificates must chain to (mutual TLS)");
ABSL_FLAG(std::string, oem_roots, "",
          "trusted OEM attestation roots: oem-a=FILE.pem,oem-b=FILE.pem; the "
          "OEM id is also the CN its TLS client certificate must carry");
ABSL_FLAG(std::string, admin_cn, "admin",
          "TLS client certificate CN of the admin identity");
ABSL_FLAG(std::string, authority_id, "ca", "authority id (token issuer)");

namespace {

int Fail(const std::string& what, const absl::Status& s) {
  std::cerr << "ca_server: " << what << ": " << s << "\n";
  return 1;
}

int Run() {
  using namespace sct;
  if (absl::GetFlag(FLAGS_tls_cert).empty() ||
      absl::GetFlag(FLAGS_tls_key).empty() ||
      absl::GetFlag(FLAGS_tls_client_ca).empty()) {
    std::cerr << "ca_server: --tls_cert, --tls_key and --tls_client_ca are "
                 "required (callers are identified by client certificates)\n";
    return 2;
  }
  auto creds = LoadServerCredentials(TlsServerFiles{
      absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
      absl::GetFlag(FLAGS_tls_client_ca), /*require_client_cert=*/true});
  if (!creds.ok()) return Fail("tls", creds.status());

  const std::string key_path = absl::GetFlag(FLAGS_signing_key);
  auto key = ca::LoadOrCreateSigningKey(key_path);
  if (!key.ok()) return Fail("--signing_key", key.status());
  std::string root_path = absl::GetFlag(FLAGS_root_cert);
  if (root_path.empty()) root_path = key_path + ".root.pem";
  auto root = ca::LoadOrCreateRootCertificate(root_path, *key,
                                              absl::GetFlag(FLAGS_authority_id),
                                              RealClock::Get().Now());
  if (!root.ok()) return Fail("--root_cert", root.status());

  auto ledger = ca::SqliteLedger::Open(absl::GetFlag(FLAGS_db_path));
  if (!ledger.ok()) return Fail("--db_path", ledger.status());

  ca::CaServiceOptions options;
  options.authority_id = absl::GetFlag(FLAGS_authority_id);
  options.admin_cn = absl::GetFlag(FLAGS_admin_cn);
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("ca");
  ca::CaService service(ledger->get(), &sim::ClockOr(sim_state.get()), *key, *root, options);

  const ca::Caller admin{ca::CallerRole::kAdmin, options.admin_cn};
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_oem_roots), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() || kv[1].empty()) {
      std::cerr << "ca_server: --oem_roots: expected OEM=FILE, got '" << item
                << "'\n";
      return 2;
    }
    auto pem = ReadPemCertificates(kv[1], "--oem_roots");
    if (!pem.ok()) return Fail("--oem_roots", pem.status());
    auto cert = crypto::Certificate::FromPem(*pem);
    if (!cert.ok()) return Fail("--oem_roots " + kv[0], cert.status());
    auto der = cert->ToDer();
    if (!der.ok()) return Fail("--oem_roots " + kv[0], der.status());
    credential_authority::v1::RegisterOemRequest reg;
    reg.set_oem_id(kv[0]);
    reg.set_attestation_root_der(*der);
    auto r = service.RegisterOem(admin, reg);
    if (!r.ok()) return Fail("--oem_roots " + kv[0], r.status());
  }

  ca::CaGrpcService grpc_service(&service);
  GrpcServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen);
  server_options.credentials = *creds;
  server_options.services = {&grpc_service};
  // Mutual TLS: only the admin certificate may use the simulation controls.
  auto sim_hooks = sim::ServerHooks::Attach(
      sim_state.get(), sim::AdminAuth{true, options.admin_cn}, &server_options);
  if (!sim_hooks.ok()) return Fail("--sim_control", sim_hooks.status());
  auto server = GrpcServer::Start(server_options);
  if (!server.ok()) return Fail("--listen", server.status());
  sct::PrintListeningLine({{"grpc", (*server)->address()}});
  std::cerr << "ca_server: authority=" << options.authority_id
            << " key_id=" << service.key_id()
            << " revocation_version=" << service.revocation_version() << "\n";

  int sig = WaitForTerminationSignal();
  std::cerr << "ca_server: signal " << sig << ", shutting down\n";
  service.Shutdown();  // ends revocation watches
  (*server)->Shutdown(absl::Seconds(2));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  return Run();
}

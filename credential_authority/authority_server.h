// ca_server's wiring, from its configuration (what main.cc reads from the
// flags) to a running authority: TLS credentials (mutual TLS), the signing key,
// root certificate and PIN key files (created when missing), the SQLite ledger, the
// service with the OEM attestation roots named on the command line, and the
// gRPC server with the simulator's hooks when a SimState is given.
//
// Thread-safety: Start on one thread; Shutdown may then be called from any.
// Ownership: an AuthorityServer owns everything it started; the SimState
// passed to Start must outlive it.
// Errors: ParseOemRoots and CheckAuthorityServerConfig: INVALID_ARGUMENT
// "invalid_field" naming the flag. Start: the failing step's own code and
// reason, its message prefixed with the flag concerned ("--signing_key: ...",
// "--pin_key: ...",
// "tls: ..." for the TLS files, "--listen: ..." when the address cannot be
// bound).
#ifndef SCT_CREDENTIAL_AUTHORITY_AUTHORITY_SERVER_H_
#define SCT_CREDENTIAL_AUTHORITY_AUTHORITY_SERVER_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "credential_authority/ca_grpc.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/sqlite_ledger.h"
#include "runtime/grpc_server.h"
#include "sim/sim.h"

namespace sct::ca {

// A trusted OEM attestation root: the OEM id and the PEM file of its root.
struct OemRootFile {
  std::string oem_id;
  std::string pem_path;
};

struct AuthorityServerConfig {
  std::string listen = "127.0.0.1:0";
  std::string db_path = "ca.db";
  std::string signing_key_path = "ca_signing_key.pem";
  // Empty: RootCertPath's default beside the signing key.
  std::string root_cert_path;
  // Empty: PinKeyPath's default beside the signing key.
  std::string pin_key_path;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::vector<OemRootFile> oem_roots;
  std::string admin_cn = "admin";
  std::string authority_id = "ca";
  // --trusted_oems: the OEMs whose attestation roots are accepted; empty: all.
  std::set<std::string> trusted_oems;
  // --max_pin_attempts: wrong PINs that lock a share (1-100).
  uint32_t max_pin_attempts = kMaxPinAttempts;
  // --unsafe_no_fsync_for_benchmarks: the ledger acknowledges writes without
  // syncing its WAL (they survive kill -9, NOT a power loss). Only for the
  // flow benchmark's "fsync removed" baseline; never in a deployment.
  bool unsafe_no_fsync_for_benchmarks = false;
};

// Parses --oem_roots: "OEM=FILE,OEM=FILE" (empty items are skipped).
absl::StatusOr<std::vector<OemRootFile>> ParseOemRoots(absl::string_view flag);

// The TLS files are required: callers are identified by client certificates.
absl::Status CheckAuthorityServerConfig(const AuthorityServerConfig& config);

// The root certificate file: root_cert_path, else "<signing_key_path>.root.pem".
std::string RootCertPath(const AuthorityServerConfig& config);

// The PIN key file: pin_key_path, else "<signing_key_path>.pin.key".
std::string PinKeyPath(const AuthorityServerConfig& config);

class AuthorityServer {
 public:
  // Starts the authority described by `config` (checked first). `sim_state`
  // may be null (no simulator).
  static absl::StatusOr<std::unique_ptr<AuthorityServer>> Start(const AuthorityServerConfig& config,
                                                                sim::SimState* sim_state);
  ~AuthorityServer();

  // The bound "host:port".
  std::string address() const { return server_->address(); }
  const CaService& service() const { return *service_; }

  // Ends the revocation watches, then stops the gRPC server (in-flight calls
  // get 2 s). Idempotent.
  void Shutdown();

 private:
  AuthorityServer() = default;
  // Registers config.oem_roots with the service, as the admin.
  absl::Status RegisterOemRoots(const AuthorityServerConfig& config);

  std::unique_ptr<SqliteLedger> ledger_;
  std::unique_ptr<CaService> service_;
  std::unique_ptr<CaGrpcService> grpc_service_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_AUTHORITY_SERVER_H_

// The OEM server process (binary //oem_server): its configuration, as main.cc
// builds it from flags, and the wiring that runs it — the attestation root,
// the device registry, the mutual-TLS client of the credential authority, the
// OEM service with its gRPC adapter, and the gRPC server with the simulator's
// hooks. main.cc keeps only flags -> config -> run.
//
// Thread-safety: Start and Shutdown are called from one thread (main); the
// running service is thread-safe. Ownership: the server owns everything it
// builds; the SimState (may be null) must outlive it.
#ifndef SCT_OEM_SERVER_SERVER_H_
#define SCT_OEM_SERVER_SERVER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/oem_grpc.h"
#include "oem_server/oem_service.h"
#include "oem_server/provisioning_format.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "runtime/grpc_server.h"
#include "runtime/tls.h"
#include "sim/sim.h"

namespace sct::oem {

struct OemServerConfig {
  OemServiceOptions service;  // oem id, relay CN, lifetimes, queue limit
  std::string listen = "127.0.0.1:0";
  std::string db_path;  // the SQLite device registry
  // PEM key and certificate of the attestation root (created when neither exists).
  std::string attestation_ca_key;
  std::string attestation_ca_cert;
  std::string ca_target;  // HOST:PORT of the credential authority
  // Client certificate (CN = oem id) and roots for the authority.
  TlsClientFiles authority_tls;
  // Expected name in the authority's certificate; empty: the host of ca_target.
  std::string authority_tls_server_name;
  absl::Duration authority_timeout = absl::Seconds(10);  // per call
  // The listener's certificate and the CA client certificates must chain to.
  TlsServerFiles server_tls;
  // Development only: plaintext both ways; TLS settings are not needed.
  bool insecure = false;
  // --token_model=per_oem_format: wrap share tokens in this vendor's format
  // and redeem only its own and its partners' formats (provisioning_format.h).
  bool vendor_format = false;
  // --provisioning_agreements: issuer OEM id -> PEM file of its attestation
  // root, for each vendor whose format this OEM redeems.
  std::map<std::string, std::string> agreement_roots;
};

// Parses --provisioning_agreements "OEM=FILE,OEM=FILE" (empty items skipped).
// INVALID_ARGUMENT naming the flag for an item without '=' or a repeated OEM.
absl::StatusOr<std::map<std::string, std::string>> ParseAgreementRoots(absl::string_view text);

// INVALID_ARGUMENT "--<flag> is required" for the first missing setting
// (the TLS ones only without `insecure`), "--push_queue_limit must be >= 1",
// "--max_streams_per_device must be >= 1", agreements without
// --token_model=per_oem_format,
// or a malformed --ca_target (host_port.h).
absl::Status ValidateConfig(const OemServerConfig& config);

class OemServer {
 public:
  // Loads or creates the attestation root, opens the registry, connects to
  // the authority (through the simulator's channel when `sim` is set), and
  // starts serving. Errors: AttestationCa::LoadOrCreate's,
  // SqliteDeviceRegistry::Open's, the TLS files' (runtime/tls.h),
  // GrpcServer::Start's.
  static absl::StatusOr<std::unique_ptr<OemServer>> Start(const OemServerConfig& config,
                                                          sim::SimState* sim);
  ~OemServer();
  OemServer(const OemServer&) = delete;
  OemServer& operator=(const OemServer&) = delete;

  // Ends the notification streams, then the server (2 s grace). Idempotent.
  void Shutdown();

  // "host:port" the server listens on.
  std::string address() const { return server_->address(); }

 private:
  explicit OemServer(const OemServerConfig& config) : config_(config) {}
  absl::Status ConnectToAuthority(sim::SimState* sim);
  // format_ from vendor_format and the agreement roots' files.
  absl::Status LoadProvisioningFormat();
  absl::Status StartGrpcServer(sim::SimState* sim);

  const OemServerConfig config_;
  std::unique_ptr<AttestationCa> ca_;
  std::unique_ptr<ProvisioningFormat> format_;  // null: the standard token
  std::unique_ptr<SqliteDeviceRegistry> registry_;
  std::unique_ptr<::credential_authority::v1::CredentialAuthority::Stub> authority_stub_;
  std::unique_ptr<GrpcAuthorityClient> authority_;
  std::unique_ptr<OemService> service_;
  std::unique_ptr<OemGrpcService> grpc_service_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> server_;
  bool stopped_ = false;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_SERVER_H_

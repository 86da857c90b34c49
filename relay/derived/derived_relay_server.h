// The derived-locations relay as one running server: the store, the
// service, the HTTP face, a sweeper thread and a gRPC listener that serves
// only grpc.health.v1 (the launcher's readiness probe) and, under
// --sim_control, the simulator's Audit and SimControl (the draft defines
// only HTTP). derived_relay_main.cc
// turns flags into a DerivedRelayConfig and runs this.
//
// Two steps, so the binary tells a bad flag (exit 2) from a failure to
// start (exit 1): PrepareDerivedRelay checks every value and the TLS files
// (INVALID_ARGUMENT naming the flag, or the TLS loader's error);
// DerivedRelayServer::Start opens the store and binds (the store's error,
// UNAVAILABLE "bind_failed"/"listen_failed").
//
// Thread-safety: Start, the accessors and Shutdown from one thread.
#ifndef SCT_RELAY_DERIVED_DERIVED_RELAY_SERVER_H_
#define SCT_RELAY_DERIVED_DERIVED_RELAY_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "grpcpp/grpcpp.h"
#include "relay/derived/derived_relay_http.h"
#include "relay/derived/derived_relay_service.h"
#include "relay/derived/derived_store.h"
#include "runtime/grpc_server.h"
#include "sim/sim.h"

namespace sct::relay::derived {

struct DerivedRelayConfig {
  HostPort http_listen{"127.0.0.1", 8443};
  HostPort grpc_listen{"127.0.0.1", 0};  // health; Audit/SimControl with --sim_control
  std::string store = "sqlite";          // memory or sqlite
  std::string sqlite_path = "derived_relay.db";
  DerivedRelayLimits limits;
  absl::Duration sweep_interval = absl::Seconds(10);
  std::string tls_cert;  // PEM files: both set serve HTTPS, both empty HTTP
  std::string tls_key;
  // CA bundle the gRPC listener verifies presented client certificates
  // against; with TLS, Audit and SimControl answer only "admin".
  std::string tls_client_ca;
  int http_threads = 8;
};

struct DerivedRelaySetup {
  DerivedRelayConfig config;
  std::shared_ptr<grpc::ServerCredentials> grpc_credentials;  // null: plaintext
};

absl::StatusOr<DerivedRelaySetup> PrepareDerivedRelay(DerivedRelayConfig config);

class DerivedRelayServer {
 public:
  // `sim` (null unless --sim_control) is not owned and must outlive the server.
  static absl::StatusOr<std::unique_ptr<DerivedRelayServer>> Start(DerivedRelaySetup setup,
                                                                   sim::SimState* sim);
  ~DerivedRelayServer();  // Shutdown()

  std::string http_address() const { return http_->address(); }
  std::string grpc_address() const;
  // The start-up description: store, TLS, limits (never a location).
  std::string Describe() const;
  // Stops the listeners and the sweeper. Idempotent.
  void Shutdown();

 private:
  explicit DerivedRelayServer(DerivedRelaySetup setup) : setup_(std::move(setup)) {}
  absl::Status StartServing(sim::SimState* sim);
  void SweepLoop();

  const DerivedRelaySetup setup_;
  std::unique_ptr<DerivedStore> store_;
  std::unique_ptr<DerivedRelayService> service_;
  std::unique_ptr<DerivedRelayHttpServer> http_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> grpc_server_;
  absl::Notification stop_sweeping_;
  std::thread sweeper_;
  bool shut_down_ = false;
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_RELAY_SERVER_H_

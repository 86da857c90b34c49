// The relay as one running server: the store, MailboxService, the HTTP and
// gRPC faces, push to the OEMs, the sweeper and the simulator's hooks, built
// from the binary's configuration (docs/relay.md, "Flags"). relay/main.cc
// only turns flags into a RelayServerConfig and runs this.
//
// Two steps, so that the binary can tell a bad flag (exit 2) from a failure
// to start (exit 1):
//   PrepareRelay  checks every value (the HTTP bounds too: counts and sizes
//                 within fixed ranges, timeouts positive and at most 1h) and
//                 loads what the flags name (TLS
//                 files, push routes, --malicious names): INVALID_ARGUMENT
//                 with the message the binary prints ("--max_ttl: must be at
//                 least --default_ttl"),
//                 or the TLS loader's error for a certificate or key file.
//   RelayServer::Start  opens the store, binds both listeners and starts
//                 serving: the store's error, UNAVAILABLE for an address that
//                 cannot be bound, or the simulator's error.
//
// Thread-safety: Start, the accessors and Shutdown are called from one
// thread (main); the server's own threads serve requests.
#ifndef SCT_RELAY_RELAY_SERVER_H_
#define SCT_RELAY_RELAY_SERVER_H_

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "grpcpp/grpcpp.h"
#include "relay/grpc_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/metrics.h"
#include "relay/relay_grpc.h"
#include "relay/relay_http.h"
#include "relay/relay_limits.h"
#include "relay/store_factory.h"
#include "relay/sweeper.h"
#include "runtime/grpc_server.h"
#include "relay/device_attestation.h"
#include "relay/malicious/behaviours.h"
#include "relay/malicious/malicious_mailbox_service.h"
#include "sim/sim.h"

namespace sct::relay {

// What the binary is configured with: one member per flag.
struct RelayServerConfig {
  HostPort http_listen{"127.0.0.1", 8080};
  HostPort grpc_listen{"127.0.0.1", 9090};
  StoreConfig store;
  // Base of urlLink; "" means http[s]://<bound http_listen>.
  std::string public_base_url;
  RelayLimits limits;
  absl::Duration sweep_interval = absl::Seconds(10);
  // PEM files of both listeners: both set serve TLS, both empty plaintext.
  std::string tls_cert;
  std::string tls_key;
  // CA bundle the gRPC listener verifies client certificates against when a
  // caller presents one (requested, not required: devices present none).
  // With TLS on, Audit and SimControl answer only the "admin" certificate.
  std::string tls_client_ca;
  // TYPE=HOST:PORT entries (or comma lists of them) of --push_route.
  std::vector<std::string> push_routes;
  // TLS towards the push endpoints; all empty is plaintext.
  std::string push_ca_cert;
  std::string push_client_cert;
  std::string push_client_key;
  int http_threads = 16;
  // --attestation_roots: "VENDOR=PEM_FILE" entries (or comma lists of them).
  // Set: the relay-attestation variant, creates and binding reads need a
  // valid Mailbox-Device-Attestation (relay/device_attestation.h).
  std::vector<std::string> attestation_roots;
  // --malicious: names of the active malicious relay's behaviours
  // (relay/malicious/behaviours.h); empty is the honest relay.
  std::vector<std::string> malicious;
  // Bounds of the HTTP face (flags --http_max_connections ... ); only these
  // members of RelayHttpOptions are read, and its defaults are the flags'.
  RelayHttpOptions http;
};

// A configuration that passed PrepareRelay, with what the flags named.
struct RelaySetup {
  RelayServerConfig config;                        // public_base_url without a trailing '/'
  std::map<std::string, std::string> push_routes;  // token type -> HOST:PORT
  std::shared_ptr<grpc::ServerCredentials> grpc_credentials;   // null: plaintext
  std::shared_ptr<grpc::ChannelCredentials> push_credentials;  // null: plaintext
  // From --attestation_roots; none: attestations are stored unread.
  std::optional<DeviceAttestationChecker> attestation;
  // From --malicious; none: the honest relay.
  malicious::Behaviours malicious;
};

absl::StatusOr<RelaySetup> PrepareRelay(RelayServerConfig config);

class RelayServer {
 public:
  // `sim` (null unless --sim_control) is not owned and must outlive the server.
  static absl::StatusOr<std::unique_ptr<RelayServer>> Start(RelaySetup setup, sim::SimState* sim);
  ~RelayServer();  // Shutdown()

  // "host:port" of each listener, with the bound port.
  std::string http_address() const;
  std::string grpc_address() const;
  // The start-up line's content: store, TLS, public base URL, limits and push
  // routes (never keys or tokens).
  std::string Describe() const;

  // Stops the HTTP listener, gives gRPC calls 5 s of grace, stops the
  // sweeper and closes the store. Idempotent.
  void Shutdown();

 private:
  explicit RelayServer(RelaySetup setup) : setup_(std::move(setup)) {}
  absl::Status StartServing(sim::SimState* sim);
  // Adds the SimControl.GetMemory sizes reporter (mailboxes, delete log,
  // Get cache); the server is stopped before `sim` goes.
  void ReportSizes(sim::SimState* sim);

  const RelaySetup setup_;
  std::string public_base_url_;  // as used: given, or from the bound HTTP port
  std::unique_ptr<RelayStore> store_;
  std::unique_ptr<GrpcPushNotifier> push_;
  RelayMetrics metrics_;
  std::unique_ptr<MailboxService> service_;
  // With --malicious: the decorator both faces serve instead of service_.
  std::unique_ptr<malicious::MaliciousMailboxService> malicious_;
  std::unique_ptr<RelayGrpcService> relay_grpc_;
  EchoGrpcService echo_grpc_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> grpc_server_;
  std::unique_ptr<RelayHttpServer> http_;
  std::unique_ptr<Sweeper> sweeper_;
  bool shut_down_ = false;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RELAY_SERVER_H_

// The device binary's wiring: from a DeviceConfig (what the command-line
// flags say) to a running device — secure element and wallet from the state
// file, outbound stubs to the OEM, the relay, the channel server and access
// points, the DeviceAgent, its control API (device.v1.DeviceAgent over gRPC)
// and the two background loops that keep exchanges moving: the OEM push
// stream (reconnected with backoff 1 s, doubling, at most 30 s) and the
// poller (DeviceAgent::Tick every 100 ms).
//
// main.cc only parses flags, calls CheckConfig and DeviceProcess::Start,
// prints the start-up line, waits for a signal and calls Shutdown.
//
// Thread-safety: Start and Shutdown are called from one thread (main);
// the loops run on their own threads. Errors are listed per function.
#ifndef SCT_DEVICE_DEVICE_PROCESS_H_
#define SCT_DEVICE_DEVICE_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "device/derived_relay_client.h"
#include "device/device_agent.h"
#include "device/vendorless/direct_authority_grpc.h"
#include "device/relay_client.h"
#include "runtime/channel_cache.h"
#include "runtime/grpc_server.h"
#include "sim/sim.h"

namespace sct::device {

// One device process's settings; docs/device.md describes each flag.
struct DeviceConfig {
  std::string device_id;          // --device_id: local name for logs
  std::string oem_id;             // --oem_id (required)
  std::string oem_target;         // --oem_target (required)
  // Exactly one of the two: the relay's gRPC address, or its base URL for
  // the draft's HTTP API ("https://HOST:PORT" or "http://HOST:PORT").
  std::string relay_grpc_target;  // --relay_grpc_target
  std::string relay_http_url;     // --relay_http_url
  std::string relay_ca_file;      // --relay_ca_file; empty: tls_ca
  // Oblivious HTTP in front of the relay's HTTP API: both or neither.
  std::string ohttp_relay_url;  // --ohttp_relay_url
  std::string ohttp_keys_file;  // --ohttp_keys_file
  // --derived_relay_url: the derived-locations relay's base URL; when set,
  // every new exchange uses it (DeviceAgentDeps::derived_relay). Its HTTPS
  // certificate is verified against --relay_ca_file, else --tls_ca.
  std::string derived_relay_url;
  std::string channel_target;     // --channel_target; empty: no channel
  std::string state_file;         // --state_file; empty: memory only
  std::string listen = "127.0.0.1:0";
  std::string address;  // --address: the device's own channel address
  std::string model = "sim-phone";
  std::string tls_ca;           // outbound roots; empty (and no client cert): plaintext
  std::string tls_client_cert;  // outbound mutual TLS
  std::string tls_client_key;
  std::string tls_cert;  // control API; empty: plaintext
  std::string tls_key;
  // Control API: client certificates presented are verified against this CA
  // (not required). With TLS, Audit/SimControl need the admin certificate.
  std::string tls_client_ca;
  bool enrol_at_start = true;
  bool push = true;  // false (--no_push): learn of changes by polling only
  absl::Duration poll_initial = absl::Seconds(2);
  absl::Duration poll_max = absl::Seconds(60);
  absl::Duration wallet_retention = kDefaultWalletRetention;
  bool pin_in_key = false;  // --pin_in_key (DeviceAgentOptions::pin_in_key)
  // --relay_attestation (DeviceAgentOptions::relay_attestation)
  bool relay_attestation = false;
  // The vendorless-device variant (docs/variants/vendorless-device.md): with
  // --vendorless_authority_target the device has no OEM server. It attests
  // its keys under its own root (--vendorless_attestation_key/_cert, the
  // root the authority registered under --oem_id) and calls the authority
  // there directly with its TLS client identity (CN = --oem_id); no push.
  std::string vendorless_authority_target;
  std::string vendorless_attestation_key;
  std::string vendorless_attestation_cert;
};

// INVALID_ARGUMENT "invalid_field" naming the missing flag, e.g.
// "--oem_target: required"; naming "--relay_grpc_target" when neither or
// both relay flags are set; --tls_client_ca without --tls_cert; with
// --vendorless_authority_target: --oem_target given too, a missing
// --vendorless_attestation_key/_cert or --tls_client_cert.
absl::Status CheckConfig(const DeviceConfig& config);

// The agent's options as the config sets them.
DeviceAgentOptions AgentOptionsFrom(const DeviceConfig& config);

class DeviceProcess {
 public:
  // Checks the config, loads the TLS material and the secure element, builds
  // the stubs (the relay's: gRPC, or the HTTP client of
  // device/http_relay_client.h with --relay_http_url) and the agent, enrols when asked (a failure is logged: the
  // Enrol RPC retries), starts the control API and the loops. `sim` (may be
  // null) is the simulator's state (--sim_control); it is kept for the
  // process's lifetime. Errors: CheckConfig's; the TLS loaders' (runtime/tls.h);
  // DATA_LOSS "state_file_corrupt" and INTERNAL from the secure element;
  // UNAVAILABLE "listen_failed" when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<DeviceProcess>> Start(const DeviceConfig& config,
                                                              std::unique_ptr<sim::SimState> sim);
  ~DeviceProcess();  // Shutdown()

  // The control API's bound address, e.g. "127.0.0.1:40123".
  std::string address() const;
  DeviceAgent& agent() { return *agent_; }

  // Stops the loops (cancelling the push stream), drains the server (2 s
  // grace) and waits for the loops to end. Idempotent.
  void Shutdown();

 private:
  class Loops;
  DeviceProcess();

  // The agent's Oem stub: the OEM server's, or the vendorless device's own.
  absl::StatusOr<::oem::v1::Oem::StubInterface*> BuildVendor(
      const DeviceConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials);
  absl::Status BuildAgent(const DeviceConfig& config,
                          std::shared_ptr<grpc::ChannelCredentials> credentials);
  absl::Status StartServer(const DeviceConfig& config,
                           std::shared_ptr<grpc::ServerCredentials> credentials);

  // Declared in dependency order: each member may refer to those above it.
  std::unique_ptr<sim::SimState> sim_;
  std::unique_ptr<SecureElement> secure_element_;
  std::unique_ptr<::oem::v1::Oem::StubInterface> oem_;
  // Vendorless: what the device runs in place of a vendor (oem_ is null).
  std::unique_ptr<InProcessOem> in_process_oem_;
  std::unique_ptr<::relay::v1::Relay::StubInterface> relay_;
  std::unique_ptr<RelayClient> relay_client_;  // with --relay_http_url
  std::unique_ptr<DerivedRelayClient> derived_relay_;  // with --derived_relay_url
  std::unique_ptr<::channel::v1::Channel::StubInterface> channel_;
  std::unique_ptr<ChannelCache> access_points_;  // outlives agent_, which calls through it
  std::unique_ptr<DeviceAgent> agent_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<Loops> loops_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_DEVICE_PROCESS_H_

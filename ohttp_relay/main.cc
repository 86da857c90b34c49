// ohttp_relay: the Oblivious HTTP relay (RFC 9458) in front of one gateway.
// Flags -> the forwarder to --gateway_url, the per-address budget, the
// HTTP(S) face (relay_http.h) on a bounded server, and a gRPC listener for
// health and the simulator's hooks (sim/control_server.h; with --sim_control
// each exchange is traced and audited, sim_hook.h). Waits for SIGTERM or
// SIGINT. Exit 2 for a bad flag, 1 when it cannot start. See
// docs/ohttp_relay.md.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/host_port.h"
#include "ohttp_relay/oblivious_relay.h"
#include "ohttp_relay/relay_http.h"
#include "ohttp_relay/sim_hook.h"
#include "relay/bounded_http_server.h"
#include "runtime/grpc_server.h"
#include "runtime/http_forwarder.h"
#include "runtime/startup_line.h"
#include "sim/control_server.h"
#include "sim/flags.h"

ABSL_FLAG(sct::HostPort, http_listen, (sct::HostPort{"127.0.0.1", 0}),
          "HOST:PORT of the HTTP(S) listener (port 0 picks a free port)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain (with --tls_key): serve HTTPS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key (with --tls_cert)");
ABSL_FLAG(sct::HostPort, grpc_listen, (sct::HostPort{"127.0.0.1", 0}),
          "HOST:PORT of the gRPC listener (health, simulator hooks)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle for client certificates on the gRPC listener (the admin certificate)");
ABSL_FLAG(std::string, gateway_url, "",
          "the gateway's resource, e.g. https://127.0.0.1:4443/gateway (required)");
ABSL_FLAG(std::string, gateway_ca_file, "", "PEM roots to verify the gateway's certificate");
ABSL_FLAG(int64_t, requests_per_window, 600,
          "requests one client address may send per --rate_window (0: no limit)");
ABSL_FLAG(absl::Duration, rate_window, absl::Minutes(1), "rate-limit window");
ABSL_FLAG(int64_t, max_request_bytes, 1 << 20, "largest message/ohttp-req body");
ABSL_FLAG(int32_t, http_threads, 8, "handler threads");

namespace sct::ohttp_relay {
namespace {

[[noreturn]] void Fail(int code, absl::string_view message) {
  std::cerr << "ohttp_relay: " << message << std::endl;
  std::exit(code);
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage("The SCT Lab Oblivious HTTP relay. See docs/ohttp_relay.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));
  const int64_t max_body = absl::GetFlag(FLAGS_max_request_bytes);
  if (max_body < 64 || max_body > (64 << 20)) Fail(2, "--max_request_bytes: 64..67108864");
  if (absl::GetFlag(FLAGS_rate_window) <= absl::ZeroDuration()) Fail(2, "--rate_window: > 0");
  absl::StatusOr<std::unique_ptr<HttplibForwarder>> gateway = HttplibForwarder::Create(
      {absl::GetFlag(FLAGS_gateway_url), "--gateway_url", absl::GetFlag(FLAGS_gateway_ca_file)});
  if (!gateway.ok()) Fail(2, gateway.status().message());
  ObliviousRelayOptions options;
  options.requests_per_window = absl::GetFlag(FLAGS_requests_per_window);
  options.window = absl::GetFlag(FLAGS_rate_window);
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("ohttp_relay");
  ObliviousRelay relay(gateway->get(), &sim::ClockOr(sim_state.get()), options);
  absl::StatusOr<std::unique_ptr<sim::ControlServer>> control = sim::ControlServer::Start(
      {absl::GetFlag(FLAGS_grpc_listen).ToString(), absl::GetFlag(FLAGS_tls_cert),
       absl::GetFlag(FLAGS_tls_key), absl::GetFlag(FLAGS_tls_client_ca)},
      sim_state.get());
  if (!control.ok()) Fail(1, control.status().message());

  relay::BoundedHttpServerOptions server_options;
  const HostPort listen = absl::GetFlag(FLAGS_http_listen);
  server_options.host = listen.host;
  server_options.port = listen.port;
  server_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  server_options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  server_options.limits.max_body_bytes = static_cast<size_t>(max_body);
  server_options.worker_threads = absl::GetFlag(FLAGS_http_threads);
  absl::StatusOr<std::unique_ptr<relay::BoundedHttpServer>> server =
      relay::BoundedHttpServer::Bind(server_options);
  if (!server.ok()) Fail(1, server.status().message());
  relay::BoundedHttpServer::ExchangeHook hook;
  if (sim_state != nullptr) {
    hook = [sim = sim_state.get()](const relay::HttpRequest& req, const relay::HttpResponse& res) {
      RecordRelayExchange(sim, req, res);
    };
  }
  (*server)->Serve([&relay](const relay::HttpRequest& req,
                            relay::HttpResponse& res) { HandleRelayHttp(relay, req, res); },
                   nullptr, hook);
  std::cerr << "ohttp_relay: forwarding to " << (*gateway)->authority() << std::endl;
  PrintListeningLine({{"http", HostPort{listen.host, (*server)->port()}.ToString()},
                      {"grpc", (*control)->address()}});
  const int signal = WaitForTerminationSignal();
  std::cerr << "ohttp_relay: signal " << signal << ", shutting down" << std::endl;
  (*server)->Stop();
  (*control)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace sct::ohttp_relay

int main(int argc, char** argv) { return sct::ohttp_relay::Main(argc, argv); }

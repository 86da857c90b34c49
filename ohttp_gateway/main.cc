// ohttp_gateway: the Oblivious HTTP gateway (RFC 9458) in front of the
// mailbox relay's HTTP API. Flags -> a fresh X25519 key, the forwarder to
// --target_url, the HTTP(S) face (gateway_http.h) on a bounded server; the
// key configuration goes to --keys_out (application/ohttp-keys) before the
// start-up line, so whoever starts the gateway hands it to the clients out of
// band. A gRPC listener carries health and the simulator's hooks
// (sim/control_server.h); with --sim_control each opened inner exchange is
// traced and audited as the relay's HTTP face records its own
// (relay/sim_http_hook.h). Waits for SIGTERM or SIGINT. Exit 2 for a bad flag, 1 when it cannot
// start. See docs/ohttp_gateway.md.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/host_port.h"
#include "crypto/ohttp.h"
#include "ohttp_gateway/gateway_http.h"
#include "ohttp_gateway/gateway_service.h"
#include "relay/bounded_http_server.h"
#include "relay/sim_http_hook.h"
#include "runtime/files.h"
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
ABSL_FLAG(std::string, target_url, "", "base URL of the mailbox relay's HTTP API (required)");
ABSL_FLAG(std::string, target_ca_file, "", "PEM roots to verify the target's certificate");
ABSL_FLAG(std::string, keys_out, "", "file to write the application/ohttp-keys body to");
ABSL_FLAG(int32_t, key_id, 1, "the key configuration's id (0..255)");
ABSL_FLAG(int64_t, max_request_bytes, 1 << 20, "largest message/ohttp-req body");
ABSL_FLAG(int32_t, http_threads, 8, "handler threads");

namespace sct::ohttp_gateway {
namespace {

[[noreturn]] void Fail(int code, absl::string_view message) {
  std::cerr << "ohttp_gateway: " << message << std::endl;
  std::exit(code);
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage("The SCT Lab Oblivious HTTP gateway. See docs/ohttp_gateway.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));
  const int key_id = absl::GetFlag(FLAGS_key_id);
  if (key_id < 0 || key_id > 255) Fail(2, "--key_id: must be 0..255");
  const int64_t max_body = absl::GetFlag(FLAGS_max_request_bytes);
  if (max_body < 64 || max_body > (64 << 20)) Fail(2, "--max_request_bytes: 64..67108864");
  absl::StatusOr<std::unique_ptr<HttplibForwarder>> target = HttplibForwarder::Create(
      {absl::GetFlag(FLAGS_target_url), "--target_url", absl::GetFlag(FLAGS_target_ca_file)});
  if (!target.ok()) Fail(2, target.status().message());
  absl::StatusOr<crypto::ohttp::Gateway> keys =
      crypto::ohttp::Gateway::Generate(static_cast<uint8_t>(key_id));
  if (!keys.ok()) Fail(1, keys.status().message());
  GatewayOptions options;
  options.target_authority = (*target)->authority();
  options.limits.max_message_bytes = static_cast<size_t>(max_body);
  options.limits.max_content_bytes = static_cast<size_t>(max_body);
  GatewayService service(*std::move(keys), target->get(), options);
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("ohttp_gateway");
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
  const std::string keys_out = absl::GetFlag(FLAGS_keys_out);
  if (!keys_out.empty()) {
    absl::StatusOr<std::string> body = service.KeyConfigs();
    absl::Status written = body.ok() ? WriteFileAtomically(keys_out, *body, 0644) : body.status();
    if (!written.ok()) Fail(1, absl::StrCat("--keys_out: ", written.message()));
  }
  (*server)->Serve(
      [&service, sim = sim_state.get()](const relay::HttpRequest& req, relay::HttpResponse& res) {
        GatewayObservation observed;
        HandleGatewayHttp(service, req, res, &observed);
        if (sim != nullptr && observed.inner_response.status != 0) {
          relay::RecordHttpExchange(sim, observed.inner_request, observed.inner_response);
        }
      },
      nullptr, nullptr);
  std::cerr << "ohttp_gateway: forwarding to " << (*target)->authority() << std::endl;
  PrintListeningLine({{"http", HostPort{listen.host, (*server)->port()}.ToString()},
                      {"grpc", (*control)->address()}});
  const int signal = WaitForTerminationSignal();
  std::cerr << "ohttp_gateway: signal " << signal << ", shutting down" << std::endl;
  (*server)->Stop();
  (*control)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace sct::ohttp_gateway

int main(int argc, char** argv) { return sct::ohttp_gateway::Main(argc, argv); }

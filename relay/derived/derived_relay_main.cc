// derived_relay_server: the relay of draft-rescorla-tigress-http-00, a
// dropbox at locations the clients derive from their shared secret (PUT,
// GET, DELETE on /v1/d/{location}). Flags -> DerivedRelayConfig ->
// DerivedRelayServer (derived_relay_server.h); prints the start-up line,
// waits for SIGTERM or SIGINT, shuts down. Exit 2 for a bad flag, 1 when it
// cannot start. See docs/derived-relay.md.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "relay/derived/derived_relay_server.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"

ABSL_FLAG(sct::HostPort, http_listen, (sct::HostPort{"127.0.0.1", 8443}),
          "HOST:PORT of the HTTP(S) listener (port 0 picks a free port)");
ABSL_FLAG(sct::HostPort, grpc_listen, (sct::HostPort{"127.0.0.1", 0}),
          "HOST:PORT of the gRPC listener: health checking, and the simulator's Audit and "
          "SimControl with --sim_control");
ABSL_FLAG(std::string, store, "sqlite", "message store: memory or sqlite");
ABSL_FLAG(std::string, sqlite_path, "derived_relay.db", "sqlite database file (--store=sqlite)");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(48), "how long an unread message is kept");
ABSL_FLAG(int64_t, max_message_bytes, 64 * 1024, "largest message body");
ABSL_FLAG(int64_t, failed_lookups_per_window, 60,
          "GET/DELETE of empty locations one client address may make per --rate_window "
          "(<= 0: unlimited)");
ABSL_FLAG(std::vector<std::string>, in_range, {},
          "proximity mode (the direct-transfer variant): comma-separated IPv4 client addresses "
          "of the devices within range; every other client is refused (peer_out_of_range). "
          "Empty: every client is served");
ABSL_FLAG(absl::Duration, rate_window, absl::Minutes(1), "rate-limit window");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(10),
          "how often expired messages are removed");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain (with --tls_key): serve HTTPS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key (with --tls_cert)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: client certificates presented on the gRPC listener are verified "
          "against it; with TLS, Audit/SimControl need the admin certificate");
ABSL_FLAG(int32_t, http_threads, 8, "HTTP handler threads (1..1024)");

namespace sct::relay::derived {
namespace {

[[noreturn]] void Fail(int code, absl::string_view message) {
  std::cerr << "derived_relay_server: " << message << std::endl;
  std::exit(code);
}

DerivedRelayConfig ConfigFromFlags() {
  DerivedRelayConfig config;
  config.http_listen = absl::GetFlag(FLAGS_http_listen);
  config.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  config.store = absl::GetFlag(FLAGS_store);
  config.sqlite_path = absl::GetFlag(FLAGS_sqlite_path);
  config.limits.ttl = absl::GetFlag(FLAGS_ttl);
  // A negative value wraps to a huge size, which the range check refuses.
  config.limits.max_message_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_message_bytes));
  config.limits.failed_lookups_per_window = absl::GetFlag(FLAGS_failed_lookups_per_window);
  config.limits.rate_window = absl::GetFlag(FLAGS_rate_window);
  for (const std::string& address : absl::GetFlag(FLAGS_in_range)) {
    config.limits.in_range.insert(address);
  }
  config.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.http_threads = absl::GetFlag(FLAGS_http_threads);
  return config;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "The SCT Lab derived-locations relay (draft-rescorla-tigress-http-00). "
      "See docs/derived-relay.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));

  absl::StatusOr<DerivedRelaySetup> setup = PrepareDerivedRelay(ConfigFromFlags());
  if (!setup.ok()) Fail(2, setup.status().message());
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("derived-relay");
  absl::StatusOr<std::unique_ptr<DerivedRelayServer>> server =
      DerivedRelayServer::Start(*std::move(setup), sim_state.get());
  if (!server.ok()) Fail(1, server.status().message());

  std::cerr << "derived_relay_server: " << (*server)->Describe() << std::endl;
  PrintListeningLine(
      {{"http", (*server)->http_address()}, {"grpc", (*server)->grpc_address()}});

  const int signal = WaitForTerminationSignal();
  std::cerr << "derived_relay_server: signal " << signal << ", shutting down" << std::endl;
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace sct::relay::derived

int main(int argc, char** argv) { return sct::relay::derived::Main(argc, argv); }

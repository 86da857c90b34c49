// relay_server: the mailbox relay of draft-vinokurov-tigress-http-00 over
// HTTP (cpp-httplib) and gRPC (relay.v1.Relay, plus the relay.v1.Echo
// baseline), on one MailboxService. Flags -> RelayServerConfig -> RelayServer
// (relay_server.h, where the checks and the wiring live); wait for SIGTERM or
// SIGINT, shut down cleanly. Exit status 2 for a bad flag, 1 when the relay
// cannot start. See docs/relay.md.
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "relay/relay_server.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"

ABSL_FLAG(sct::HostPort, http_listen, (sct::HostPort{"127.0.0.1", 8080}),
          "HOST:PORT of the HTTP listener (port 0 picks a free port)");
ABSL_FLAG(sct::HostPort, grpc_listen, (sct::HostPort{"127.0.0.1", 9090}),
          "HOST:PORT of the gRPC listener (port 0 picks a free port)");
ABSL_FLAG(std::string, store, "sqlite", "mailbox store: memory, sqlite or redis");
ABSL_FLAG(std::string, sqlite_path, "relay.db", "sqlite database file (--store=sqlite)");
ABSL_FLAG(std::vector<std::string>, redis, {},
          "HOST:PORT[,HOST:PORT...] of Redis (--store=redis); one node of a Redis Cluster "
          "is enough, the others are discovered");
ABSL_FLAG(int32_t, redis_pool_size, 8, "Redis connections kept per node (--store=redis)");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Seconds(2),
          "Redis connect and command timeout; a slower Redis answers 503 (--store=redis)");
ABSL_FLAG(std::string, redis_user, "",
          "Redis ACL user to AUTH as (--store=redis; needs --redis_password_file)");
ABSL_FLAG(std::string, redis_password_file, "",
          "file whose first line is the Redis password; every connection, also to cluster "
          "nodes, sends AUTH (--store=redis)");
ABSL_FLAG(std::string, redis_key_prefix, "sct:",
          "prefix of every Redis key (--store=redis); relays sharing a prefix share mailboxes "
          "and rate limits");
ABSL_FLAG(std::string, public_base_url, "",
          "base of urlLink, no trailing slash (default: http[s]://<http_listen>)");
ABSL_FLAG(absl::Duration, default_ttl, absl::Hours(48),
          "mailbox lifetime when the sender sets no expiration");
ABSL_FLAG(absl::Duration, max_ttl, absl::Hours(168), "longest lifetime a sender may ask for");
ABSL_FLAG(int64_t, max_payload_bytes, 64 * 1024,
          "largest payload.data (raw bytes: IV + ciphertext + tag)");
ABSL_FLAG(int64_t, creates_per_window, 600,
          "mailboxes one client address may create per --rate_window");
ABSL_FLAG(int64_t, failed_lookups_per_window, 60,
          "lookups of unknown mailbox ids one client address may make per --rate_window");
ABSL_FLAG(absl::Duration, rate_window, absl::Minutes(1), "rate-limit window");
ABSL_FLAG(absl::Duration, delete_log_retention, absl::Minutes(10),
          "how long a delete is recognised when repeated (answer 201, not 404); memory and "
          "sqlite stores (0: until --delete_log_capacity pushes it out)");
ABSL_FLAG(int64_t, delete_log_capacity, 1 << 16,
          "deletes remembered at most (memory and sqlite stores), oldest forgotten first");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(10),
          "how often expired mailboxes are removed");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for both listeners (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for both listeners (with --tls_cert)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: client certificates presented on the gRPC listener are verified "
          "against it (not required); with TLS, Audit/SimControl need the admin certificate");
ABSL_FLAG(std::vector<std::string>, attestation_roots, {},
          "VENDOR=PEM_FILE attestation roots (comma-separated; repeatable): creates and binding "
          "reads then need a Mailbox-Device-Attestation that verifies to one of them "
          "(docs/variants/relay-attestation.md); empty: attestations are stored unread");
ABSL_FLAG(std::vector<std::string>, malicious, {},
          "an ACTIVE MALICIOUS relay for attack scenarios (docs/attack.md): comma-separated "
          "behaviours of serve_second_reader, ignore_binding, drop_round, replay_round, "
          "swap_payloads, lie_about_expiry; empty: the honest relay");
ABSL_FLAG(std::vector<std::string>, push_route, {},
          "TYPE=HOST:PORT: notificationToken.type -> OEM push endpoint (oem.v1.Oem/Notify); "
          "repeatable or comma-separated");
ABSL_FLAG(std::string, push_ca_cert, "",
          "PEM roots for TLS to the push endpoints (empty: plaintext)");
ABSL_FLAG(std::string, push_client_cert, "", "PEM client certificate for mutual TLS to OEMs");
ABSL_FLAG(std::string, push_client_key, "", "PEM client key for mutual TLS to OEMs");
ABSL_FLAG(int32_t, http_threads, 16,
          "HTTP handler (worker) threads; open connections need none (1..1024)");
// The HTTP face's bounds (relay/bounded_http_server.h); the defaults are
// RelayHttpOptions'.
ABSL_FLAG(int32_t, http_max_connections, sct::relay::RelayHttpOptions().max_connections,
          "open HTTP connections at most; a new one beyond is closed at once (1..1048576)");
ABSL_FLAG(int32_t, http_max_connections_per_address,
          sct::relay::RelayHttpOptions().max_connections_per_address,
          "open HTTP connections per client address (1..--http_max_connections)");
ABSL_FLAG(absl::Duration, http_head_timeout, sct::relay::RelayHttpOptions().head_timeout,
          "from accept (TLS handshake included) or a request's first byte to the end of its "
          "head; then 408 (at most 1h)");
ABSL_FLAG(absl::Duration, http_body_timeout, sct::relay::RelayHttpOptions().body_timeout,
          "from the end of a request's head to its last body byte; then 408 (at most 1h)");
ABSL_FLAG(absl::Duration, http_idle_timeout, sct::relay::RelayHttpOptions().idle_timeout,
          "keep-alive: from an answer to the next request's first byte (at most 1h)");
ABSL_FLAG(int64_t, http_max_request_line,
          static_cast<int64_t>(sct::relay::RelayHttpOptions().max_request_line),
          "request-line bytes; longer answers 414 (64..1048576)");
ABSL_FLAG(int64_t, http_max_header_bytes,
          static_cast<int64_t>(sct::relay::RelayHttpOptions().max_header_bytes),
          "bytes of all header lines; more answers 431 (1024..16777216)");
ABSL_FLAG(int64_t, http_max_header_count,
          static_cast<int64_t>(sct::relay::RelayHttpOptions().max_header_count),
          "header lines; more answers 431 (8..10000)");

namespace sct::relay {
namespace {

// absl exits with status 1 on a flag it cannot parse; the relay promises 2.
// The same exit happens after --help (and its kin) printed the usage: that
// exits 0. Both flush stdout first: when it is a pipe the usage text is
// still in the buffer, and _exit would drop it.
std::atomic<bool> g_parsing_flags{false};
std::atomic<bool> g_help_requested{false};
void ExitTwoOnFlagError() {
  if (!g_parsing_flags.load()) return;
  std::cout.flush();
  std::fflush(nullptr);
  _exit(g_help_requested.load() ? 0 : 2);
}

bool AsksForHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    while (absl::ConsumePrefix(&arg, "-")) {
    }
    if (absl::StartsWith(arg, "help") || arg == "version" || arg == "only_check_args") {
      return true;
    }
  }
  return false;
}

[[noreturn]] void Fail(int code, absl::string_view message) {
  std::cerr << "relay_server: " << message << std::endl;
  std::exit(code);
}

// absl keeps only the last occurrence of a vector flag; --push_route is
// documented as repeatable, so collect every occurrence from argv.
std::vector<std::string> CollectRepeated(int argc, char** argv, const std::string& name) {
  std::vector<std::string> values;
  const std::string eq = "--" + name + "=", bare = "--" + name;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (absl::StartsWith(arg, eq)) {
      values.push_back(arg.substr(eq.size()));
    } else if (arg == bare && i + 1 < argc) {
      values.push_back(argv[++i]);
    }
  }
  return values;
}

RelayServerConfig ConfigFromFlags(int argc, char** argv) {
  RelayServerConfig config;
  config.http_listen = absl::GetFlag(FLAGS_http_listen);
  config.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  config.store.kind = absl::GetFlag(FLAGS_store);
  config.store.sqlite_path = absl::GetFlag(FLAGS_sqlite_path);
  config.store.redis.addresses = absl::GetFlag(FLAGS_redis);
  config.store.redis.pool_size = absl::GetFlag(FLAGS_redis_pool_size);
  config.store.redis.connect_timeout = absl::GetFlag(FLAGS_redis_timeout);
  config.store.redis.command_timeout = absl::GetFlag(FLAGS_redis_timeout);
  config.store.redis.user = absl::GetFlag(FLAGS_redis_user);
  config.store.redis_password_file = absl::GetFlag(FLAGS_redis_password_file);
  config.store.redis_key_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
  config.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  config.limits.default_ttl = absl::GetFlag(FLAGS_default_ttl);
  config.limits.max_ttl = absl::GetFlag(FLAGS_max_ttl);
  // A negative value wraps to a huge size, which the range check refuses.
  config.limits.max_payload_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_payload_bytes));
  config.limits.creates_per_window = absl::GetFlag(FLAGS_creates_per_window);
  config.limits.failed_lookups_per_window = absl::GetFlag(FLAGS_failed_lookups_per_window);
  config.limits.rate_window = absl::GetFlag(FLAGS_rate_window);
  config.limits.delete_log_retention = absl::GetFlag(FLAGS_delete_log_retention);
  // A negative value wraps to a huge size, which the range check refuses.
  config.limits.delete_log_capacity = static_cast<size_t>(absl::GetFlag(FLAGS_delete_log_capacity));
  config.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.push_routes = CollectRepeated(argc, argv, "push_route");
  config.attestation_roots = CollectRepeated(argc, argv, "attestation_roots");
  config.push_ca_cert = absl::GetFlag(FLAGS_push_ca_cert);
  config.push_client_cert = absl::GetFlag(FLAGS_push_client_cert);
  config.push_client_key = absl::GetFlag(FLAGS_push_client_key);
  config.malicious = absl::GetFlag(FLAGS_malicious);
  config.http_threads = absl::GetFlag(FLAGS_http_threads);
  config.http.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  config.http.max_connections_per_address = absl::GetFlag(FLAGS_http_max_connections_per_address);
  config.http.head_timeout = absl::GetFlag(FLAGS_http_head_timeout);
  config.http.body_timeout = absl::GetFlag(FLAGS_http_body_timeout);
  config.http.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  // A negative value wraps to a huge size, which the range check refuses.
  config.http.max_request_line = static_cast<size_t>(absl::GetFlag(FLAGS_http_max_request_line));
  config.http.max_header_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_http_max_header_bytes));
  config.http.max_header_count = static_cast<size_t>(absl::GetFlag(FLAGS_http_max_header_count));
  return config;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "The SCT Lab mailbox relay (draft-vinokurov-tigress-http-00). See docs/relay.md.");
  // --help lists the flags defined here (absl would look for a file named
  // after the binary, relay_server.cc, and list none).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "relay/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  std::atexit(ExitTwoOnFlagError);
  g_help_requested = AsksForHelp(argc, argv);
  g_parsing_flags = true;
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  g_parsing_flags = false;
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));

  absl::StatusOr<RelaySetup> setup = PrepareRelay(ConfigFromFlags(argc, argv));
  if (!setup.ok()) Fail(2, setup.status().message());
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("relay");
  absl::StatusOr<std::unique_ptr<RelayServer>> server =
      RelayServer::Start(*std::move(setup), sim_state.get());
  if (!server.ok()) Fail(1, server.status().message());

  std::cerr << "relay_server: " << (*server)->Describe() << std::endl;
  sct::PrintListeningLine(
      {{"http", (*server)->http_address()}, {"grpc", (*server)->grpc_address()}});

  const int signal = WaitForTerminationSignal();
  std::cerr << "relay_server: signal " << signal << ", shutting down" << std::endl;
  (*server)->Shutdown();
  std::cerr << "relay_server: stopped" << std::endl;
  return 0;
}

}  // namespace
}  // namespace sct::relay

int main(int argc, char** argv) { return sct::relay::Main(argc, argv); }

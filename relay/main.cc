// relay_server: the mailbox relay of draft-vinokurov-tigress-http-00 over
// HTTP (cpp-httplib) and gRPC (relay.v1.Relay, plus the relay.v1.Echo
// baseline), on one MailboxService. Flags, wiring, start, wait for SIGTERM or
// SIGINT, shut down cleanly. No logic lives here. See docs/relay.md.
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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "common/host_port.h"
#include "sim/flags.h"
#include "relay/sim_http_hook.h"
#include "sim/sim.h"
#include "runtime/tls.h"
#include "relay/grpc_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/metrics.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_store.h"
#include "relay/relay_grpc.h"
#include "relay/relay_http.h"
#include "relay/sqlite_mailbox_store.h"
#include "relay/sweeper.h"

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
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(10),
          "how often expired mailboxes are removed");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for both listeners (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for both listeners (with --tls_cert)");
ABSL_FLAG(std::vector<std::string>, push_route, {},
          "TYPE=HOST:PORT: notificationToken.type -> OEM push endpoint (oem.v1.Oem/Notify); "
          "repeatable or comma-separated");
ABSL_FLAG(std::string, push_ca_cert, "",
          "PEM roots for TLS to the push endpoints (empty: plaintext)");
ABSL_FLAG(std::string, push_client_cert, "", "PEM client certificate for mutual TLS to OEMs");
ABSL_FLAG(std::string, push_client_key, "", "PEM client key for mutual TLS to OEMs");
ABSL_FLAG(int32_t, http_threads, 16, "HTTP handler threads (one per open connection)");

namespace sct::relay {
namespace {

// absl exits with status 1 on a flag it cannot parse; the relay promises 2.
std::atomic<bool> g_parsing_flags{false};
void ExitTwoOnFlagError() {
  if (g_parsing_flags.load()) _exit(2);
}

[[noreturn]] void Fail(int code, const std::string& message) {
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

int Main(int argc, char** argv) {
  BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "The SCT Lab mailbox relay (draft-vinokurov-tigress-http-00). See docs/relay.md.");
  std::atexit(ExitTwoOnFlagError);
  g_parsing_flags = true;
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  g_parsing_flags = false;
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));

  // ---- validate flags ----
  const std::string store_kind = absl::GetFlag(FLAGS_store);
  if (store_kind != "memory" && store_kind != "sqlite" && store_kind != "redis") {
    Fail(2, "--store: must be memory, sqlite or redis, not \"" + store_kind + "\"");
  }
  RedisClientOptions redis_options;
  redis_options.addresses = absl::GetFlag(FLAGS_redis);
  redis_options.pool_size = absl::GetFlag(FLAGS_redis_pool_size);
  redis_options.connect_timeout = absl::GetFlag(FLAGS_redis_timeout);
  redis_options.command_timeout = absl::GetFlag(FLAGS_redis_timeout);
  const std::string redis_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
  if (store_kind == "redis") {
    if (redis_options.addresses.empty()) Fail(2, "--redis: required with --store=redis");
    for (const std::string& a : redis_options.addresses) {
      auto hp = ParseHostPort(a, "--redis");
      if (!hp.ok()) Fail(2, std::string(hp.status().message()));
    }
    if (redis_options.pool_size < 1 || redis_options.pool_size > 1024) {
      Fail(2, "--redis_pool_size: must be between 1 and 1024");
    }
    if (redis_options.command_timeout <= absl::ZeroDuration()) {
      Fail(2, "--redis_timeout: must be positive");
    }
  } else if (!redis_options.addresses.empty()) {
    Fail(2, "--redis: only with --store=redis");
  }
  RelayLimits limits;
  limits.default_ttl = absl::GetFlag(FLAGS_default_ttl);
  limits.max_ttl = absl::GetFlag(FLAGS_max_ttl);
  if (limits.default_ttl <= absl::ZeroDuration()) Fail(2, "--default_ttl: must be positive");
  if (limits.max_ttl < limits.default_ttl) {
    Fail(2, "--max_ttl: must be at least --default_ttl");
  }
  const int64_t max_payload = absl::GetFlag(FLAGS_max_payload_bytes);
  if (max_payload < 28 || max_payload > 64 * 1024 * 1024) {
    Fail(2, "--max_payload_bytes: must be between 28 (IV + tag) and 67108864");
  }
  limits.max_payload_bytes = static_cast<size_t>(max_payload);
  limits.creates_per_window = absl::GetFlag(FLAGS_creates_per_window);
  limits.failed_lookups_per_window = absl::GetFlag(FLAGS_failed_lookups_per_window);
  limits.rate_window = absl::GetFlag(FLAGS_rate_window);
  if (limits.creates_per_window < 1) Fail(2, "--creates_per_window: must be at least 1");
  if (limits.failed_lookups_per_window < 1) {
    Fail(2, "--failed_lookups_per_window: must be at least 1");
  }
  if (limits.rate_window <= absl::ZeroDuration()) Fail(2, "--rate_window: must be positive");
  const absl::Duration sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  if (sweep_interval <= absl::ZeroDuration()) Fail(2, "--sweep_interval: must be positive");
  const std::string tls_cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string tls_key = absl::GetFlag(FLAGS_tls_key);
  if (tls_cert.empty() != tls_key.empty()) Fail(2, "--tls_cert/--tls_key: set both or neither");
  const bool tls = !tls_cert.empty();
  std::shared_ptr<grpc::ServerCredentials> grpc_credentials;
  if (tls) {
    auto creds = LoadServerCredentials(TlsServerFiles{tls_cert, tls_key, "", false});
    if (!creds.ok()) Fail(2, std::string(creds.status().message()));
    grpc_credentials = *creds;
  }
  auto routes = ParsePushRoutes(CollectRepeated(argc, argv, "push_route"));
  if (!routes.ok()) Fail(2, std::string(routes.status().message()));
  const int http_threads = absl::GetFlag(FLAGS_http_threads);
  if (http_threads < 1 || http_threads > 1024) {
    Fail(2, "--http_threads: must be between 1 and 1024");
  }
  std::string public_base_url = absl::GetFlag(FLAGS_public_base_url);
  if (!public_base_url.empty() && !absl::StartsWith(public_base_url, "https://") &&
      !absl::StartsWith(public_base_url, "http://")) {
    Fail(2, "--public_base_url: must start with http:// or https://");
  }
  while (absl::EndsWith(public_base_url, "/")) public_base_url.pop_back();

  // ---- build ----
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("relay");
  std::unique_ptr<MailboxStore> store;
  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<RedisEventLimiter> redis_creates, redis_lookups;
  std::unique_ptr<RedisDeleteLog> redis_deletes;
  SharedRelayState shared;  // in-memory limits unless --store=redis
  if (store_kind == "memory") {
    store = std::make_unique<MemoryMailboxStore>();
  } else if (store_kind == "redis") {
    // Fail fast: a relay that cannot reach Redis at startup exits (status 1)
    // so the orchestrator restarts it; once running, an outage answers 503.
    auto connected = ConnectRedis(redis_options);
    if (!connected.ok()) {
      Fail(1, absl::StrCat("--redis: cannot reach Redis at ",
                           absl::StrJoin(redis_options.addresses, ","), ": ",
                           connected.status().message()));
    }
    redis = std::move(*connected);
    RedisStoreOptions store_options;
    store_options.key_prefix = redis_prefix;
    store = std::make_unique<RedisMailboxStore>(redis.get(), store_options);
    redis_creates = std::make_unique<RedisEventLimiter>(
        redis.get(), "creates", limits.creates_per_window, limits.rate_window, redis_prefix);
    redis_lookups = std::make_unique<RedisEventLimiter>(
        redis.get(), "failed_lookups", limits.failed_lookups_per_window, limits.rate_window,
        redis_prefix);
    redis_deletes = std::make_unique<RedisDeleteLog>(redis.get(), limits.max_ttl, redis_prefix);
    shared = SharedRelayState{redis_creates.get(), redis_lookups.get(), redis_deletes.get()};
  } else {
    auto opened = SqliteMailboxStore::Open(absl::GetFlag(FLAGS_sqlite_path));
    if (!opened.ok()) Fail(1, std::string(opened.status().message()));
    store = std::move(*opened);
  }

  std::unique_ptr<GrpcPushNotifier> push;
  if (!routes->empty()) {
    std::shared_ptr<grpc::ChannelCredentials> push_credentials;
    const std::string ca = absl::GetFlag(FLAGS_push_ca_cert);
    const std::string cert = absl::GetFlag(FLAGS_push_client_cert);
    const std::string key = absl::GetFlag(FLAGS_push_client_key);
    if (!ca.empty() || !cert.empty() || !key.empty()) {
      auto creds = LoadClientCredentials(TlsClientFiles{ca, cert, key});
      if (!creds.ok()) Fail(2, std::string(creds.status().message()));
      push_credentials = *creds;
    }
    push = GrpcPushNotifier::Create(
        *routes, push_credentials, absl::Seconds(2),
        [s = sim_state.get()](const std::string& type, const std::string& target,
                              std::shared_ptr<grpc::ChannelCredentials> creds) {
          return sim::Channel(target, std::move(creds), type, s);
        });
  }

  const HostPort http_listen = absl::GetFlag(FLAGS_http_listen);
  RelayHttpOptions http_options;
  http_options.host = http_listen.host;
  http_options.port = http_listen.port;
  http_options.tls_cert_file = tls_cert;
  http_options.tls_key_file = tls_key;
  http_options.threads = http_threads;
  auto http = RelayHttpServer::Bind(http_options);
  if (!http.ok()) Fail(1, std::string(http.status().message()));
  const HostPort http_bound{http_listen.host, (*http)->port()};
  if (public_base_url.empty()) {
    public_base_url = absl::StrCat(tls ? "https://" : "http://", http_bound.ToString());
  }

  RelayMetrics metrics;
  MailboxService service(store.get(), &sim::ClockOr(sim_state.get()), push.get(), public_base_url,
                         limits, shared);
  RelayGrpcService relay_grpc(&service, &metrics);
  EchoGrpcService echo_grpc;
  GrpcServerOptions grpc_options;
  grpc_options.address = absl::GetFlag(FLAGS_grpc_listen).ToString();
  grpc_options.credentials = grpc_credentials;
  grpc_options.services = {&relay_grpc, &echo_grpc};
  grpc_options.max_receive_message_bytes = RelayGrpcService::MaxMessageBytes(limits);
  // The relay's gRPC listener verifies no client certificates: SimControl is
  // open to loopback callers only.
  auto sim_hooks = sim::ServerHooks::Attach(sim_state.get(), {}, &grpc_options);
  if (!sim_hooks.ok()) Fail(1, std::string(sim_hooks.status().message()));
  auto grpc_server = GrpcServer::Start(grpc_options);
  if (!grpc_server.ok()) Fail(1, std::string(grpc_server.status().message()));
  const HostPort grpc_bound{absl::GetFlag(FLAGS_grpc_listen).host, (*grpc_server)->port()};

  if (sim_state != nullptr) {
    (*http)->set_exchange_hook(
        [s = sim_state.get()](const httplib::Request& req, const httplib::Response& res) {
          RecordHttpExchange(s, req, res);
        });
  }
  (*http)->Serve(&service, &metrics);
  SweeperOptions sweeper_options;
  sweeper_options.interval = sweep_interval;
  Sweeper sweeper(&service, sweeper_options);
  sweeper.Start();

  std::vector<std::string> route_types;
  for (const auto& [type, target] : *routes) route_types.push_back(type + "->" + target);
  std::cerr << "relay_server: store=" << store_kind
            << (store_kind == "sqlite" ? " sqlite_path=" + absl::GetFlag(FLAGS_sqlite_path) : "")
            << (store_kind == "redis"
                    ? absl::StrCat(" redis=", absl::StrJoin(redis_options.addresses, ","),
                                   redis->cluster() ? " (cluster)" : " (standalone)",
                                   " redis_pool_size=", redis_options.pool_size,
                                   " redis_timeout=",
                                   absl::FormatDuration(redis_options.command_timeout))
                    : "")
            << " tls=" << (tls ? "on" : "off") << " public_base_url=" << public_base_url
            << " default_ttl=" << absl::FormatDuration(limits.default_ttl)
            << " max_ttl=" << absl::FormatDuration(limits.max_ttl)
            << " max_payload_bytes=" << limits.max_payload_bytes
            << " creates_per_window=" << limits.creates_per_window
            << " failed_lookups_per_window=" << limits.failed_lookups_per_window
            << " rate_window=" << absl::FormatDuration(limits.rate_window)
            << " push_routes=[" << absl::StrJoin(route_types, ",") << "]" << std::endl;
  sct::PrintListeningLine({{"http", http_bound.ToString()}, {"grpc", grpc_bound.ToString()}});

  const int signal = WaitForTerminationSignal();
  std::cerr << "relay_server: signal " << signal << ", shutting down" << std::endl;
  (*http)->Stop();
  (*grpc_server)->Shutdown(absl::Seconds(5));
  sweeper.Stop();
  store.reset();
  redis.reset();
  std::cerr << "relay_server: stopped" << std::endl;
  return 0;
}

}  // namespace
}  // namespace sct::relay

int main(int argc, char** argv) { return sct::relay::Main(argc, argv); }

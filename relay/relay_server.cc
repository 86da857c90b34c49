#include "relay/relay_server.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "absl/strings/str_split.h"
#include "relay/sim_http_hook.h"
#include "relay/sqlite_mailbox_store.h"
#include "runtime/files.h"
#include "sim/knowledge.h"
#include "sim/server_side.h"
#include "runtime/tls.h"

namespace sct::relay {
namespace {

absl::Status BadFlag(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_flag", message);
}

// The rules of the lifetime, size and rate flags.
absl::Status ValidateLimits(const RelayLimits& limits) {
  if (limits.default_ttl <= absl::ZeroDuration()) {
    return BadFlag("--default_ttl: must be positive");
  }
  if (limits.max_ttl < limits.default_ttl) {
    return BadFlag("--max_ttl: must be at least --default_ttl");
  }
  if (limits.max_payload_bytes < 28 || limits.max_payload_bytes > 64 * 1024 * 1024) {
    return BadFlag("--max_payload_bytes: must be between 28 (IV + tag) and 67108864");
  }
  if (limits.creates_per_window < 1) return BadFlag("--creates_per_window: must be at least 1");
  if (limits.failed_lookups_per_window < 1) {
    return BadFlag("--failed_lookups_per_window: must be at least 1");
  }
  if (limits.rate_window <= absl::ZeroDuration()) {
    return BadFlag("--rate_window: must be positive");
  }
  if (limits.delete_log_retention < absl::ZeroDuration()) {
    return BadFlag("--delete_log_retention: must not be negative");
  }
  if (limits.delete_log_capacity < 1 || limits.delete_log_capacity > (size_t{1} << 24)) {
    return BadFlag("--delete_log_capacity: must be between 1 and 16777216");
  }
  return absl::OkStatus();
}

absl::Status InRange(absl::string_view flag, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return BadFlag(absl::StrCat("--", flag, ": must be between ", min, " and ", max));
}

absl::Status Positive(absl::string_view flag, absl::Duration value) {
  if (value > absl::ZeroDuration() && value <= absl::Hours(1)) return absl::OkStatus();
  return BadFlag(absl::StrCat("--", flag, ": must be positive and at most 1h"));
}

// The rules of the HTTP face's bounds (relay/bounded_http_server.h).
absl::Status ValidateHttpBounds(const RelayServerConfig& config) {
  const RelayHttpOptions& h = config.http;
  if (config.http_threads < 1 || config.http_threads > 1024) {
    return BadFlag("--http_threads: must be between 1 and 1024");
  }
  RETURN_IF_ERROR(InRange("http_max_connections", h.max_connections, 1, 1 << 20));
  RETURN_IF_ERROR(InRange("http_max_connections_per_address", h.max_connections_per_address, 1,
                          h.max_connections));
  RETURN_IF_ERROR(Positive("http_head_timeout", h.head_timeout));
  RETURN_IF_ERROR(Positive("http_body_timeout", h.body_timeout));
  RETURN_IF_ERROR(Positive("http_idle_timeout", h.idle_timeout));
  // A request line shorter than "DELETE /v1/m/<uuid> HTTP/1.1" could not
  // serve the API.
  RETURN_IF_ERROR(
      InRange("http_max_request_line", static_cast<int64_t>(h.max_request_line), 64, 1 << 20));
  RETURN_IF_ERROR(
      InRange("http_max_header_bytes", static_cast<int64_t>(h.max_header_bytes), 1024, 16 << 20));
  return InRange("http_max_header_count", static_cast<int64_t>(h.max_header_count), 8, 10000);
}

// Loads the credentials of both listeners (null when TLS is off).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const RelayServerConfig& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return BadFlag("--tls_cert/--tls_key: set both or neither");
  }
  if (config.tls_cert.empty()) {
    if (!config.tls_client_ca.empty()) return BadFlag("--tls_client_ca: needs --tls_cert");
    return std::shared_ptr<grpc::ServerCredentials>();
  }
  return LoadServerCredentials(
      TlsServerFiles{config.tls_cert, config.tls_key, config.tls_client_ca, false});
}

// Loads the credentials towards the push endpoints (null: plaintext).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PushCredentials(
    const RelayServerConfig& config) {
  if (config.push_ca_cert.empty() && config.push_client_cert.empty() &&
      config.push_client_key.empty()) {
    return std::shared_ptr<grpc::ChannelCredentials>();
  }
  return LoadClientCredentials(
      TlsClientFiles{config.push_ca_cert, config.push_client_cert, config.push_client_key});
}

// The HTTP bounds as the start-up line shows them.
std::string DescribeHttpBounds(const RelayServerConfig& config) {
  const RelayHttpOptions& h = config.http;
  return absl::StrCat(
      " http_threads=", config.http_threads, " http_max_connections=", h.max_connections,
      " http_max_connections_per_address=", h.max_connections_per_address,
      " http_head_timeout=", absl::FormatDuration(h.head_timeout),
      " http_body_timeout=", absl::FormatDuration(h.body_timeout),
      " http_idle_timeout=", absl::FormatDuration(h.idle_timeout),
      " http_max_request_line=", h.max_request_line, " http_max_header_bytes=", h.max_header_bytes,
      " http_max_header_count=", h.max_header_count);
}

}  // namespace

// The checker of --attestation_roots ("VENDOR=PEM_FILE", comma lists allowed).
absl::StatusOr<DeviceAttestationChecker> AttestationCheckerFromFlag(
    const std::vector<std::string>& entries) {
  std::map<std::string, std::string> roots;
  for (const std::string& entry : entries) {
    for (absl::string_view one : absl::StrSplit(entry, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(one, absl::MaxSplits('=', 1));
      if (kv.first.empty() || kv.second.empty()) {
        return BadFlag(absl::StrCat("--attestation_roots: '", one, "' is not VENDOR=PEM_FILE"));
      }
      absl::StatusOr<std::string> pem = ReadWholeFile(kv.second);
      if (!pem.ok()) {
        return BadFlag(absl::StrCat("--attestation_roots: ", kv.first, ": cannot read ",
                                    kv.second, ": ", pem.status().message()));
      }
      roots[kv.first] = *std::move(pem);
    }
  }
  return DeviceAttestationChecker::Create(roots);
}

absl::StatusOr<RelaySetup> PrepareRelay(RelayServerConfig config) {
  RelaySetup setup;
  if (absl::Status s = ValidateStoreConfig(config.store); !s.ok()) return s;
  if (absl::Status s = ValidateLimits(config.limits); !s.ok()) return s;
  if (config.sweep_interval <= absl::ZeroDuration()) {
    return BadFlag("--sweep_interval: must be positive");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> listener = ListenerCredentials(config);
  if (!listener.ok()) return listener.status();
  setup.grpc_credentials = *std::move(listener);
  absl::StatusOr<std::map<std::string, std::string>> routes = ParsePushRoutes(config.push_routes);
  if (!routes.ok()) return routes.status();
  setup.push_routes = *std::move(routes);
  if (absl::Status s = ValidateHttpBounds(config); !s.ok()) return s;
  std::string& base = config.public_base_url;
  if (!base.empty() && !absl::StartsWith(base, "https://") && !absl::StartsWith(base, "http://")) {
    return BadFlag("--public_base_url: must start with http:// or https://");
  }
  while (absl::EndsWith(base, "/")) base.pop_back();
  if (!setup.push_routes.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> push = PushCredentials(config);
    if (!push.ok()) return push.status();
    setup.push_credentials = *std::move(push);
  }
  if (!config.attestation_roots.empty()) {
    absl::StatusOr<DeviceAttestationChecker> checker =
        AttestationCheckerFromFlag(config.attestation_roots);
    if (!checker.ok()) return checker.status();
    setup.attestation.emplace(*std::move(checker));
  }
  absl::StatusOr<malicious::Behaviours> behaviours =
      malicious::ParseBehaviours(config.malicious, "--malicious");
  if (!behaviours.ok()) return BadFlag(behaviours.status().message());
  setup.malicious = *std::move(behaviours);
  setup.config = std::move(config);
  return setup;
}

absl::StatusOr<std::unique_ptr<RelayServer>> RelayServer::Start(RelaySetup setup,
                                                                sim::SimState* sim) {
  std::unique_ptr<RelayServer> server(new RelayServer(std::move(setup)));
  const RelayServerConfig& config = server->setup_.config;
  absl::StatusOr<std::unique_ptr<RelayStore>> store = RelayStore::Open(config.store, config.limits, &sim::ClockOr(sim));
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);
  if (!server->setup_.push_routes.empty()) {
    server->push_ = GrpcPushNotifier::Create(
        server->setup_.push_routes, server->setup_.push_credentials, absl::Seconds(2),
        [sim](const std::string& type, const std::string& target,
              std::shared_ptr<grpc::ChannelCredentials> creds) {
          return sim::Channel(target, std::move(creds), type, sim);
        });
  }
  if (absl::Status s = server->StartServing(sim); !s.ok()) return s;
  return server;
}

absl::Status RelayServer::StartServing(sim::SimState* sim) {
  const RelayServerConfig& config = setup_.config;
  RelayHttpOptions http_options = config.http;
  http_options.host = config.http_listen.host;
  http_options.port = config.http_listen.port;
  http_options.tls_cert_file = config.tls_cert;
  http_options.tls_key_file = config.tls_key;
  http_options.threads = config.http_threads;
  absl::StatusOr<std::unique_ptr<RelayHttpServer>> http = RelayHttpServer::Bind(http_options);
  if (!http.ok()) return http.status();
  http_ = std::move(*http);
  // The default base of urlLink needs the bound port.
  public_base_url_ = config.public_base_url;
  if (public_base_url_.empty()) {
    public_base_url_ =
        absl::StrCat(config.tls_cert.empty() ? "http://" : "https://", http_address());
  }
  service_ = std::make_unique<MailboxService>(store_->store(), &sim::ClockOr(sim), push_.get(),
                                              public_base_url_, config.limits, store_->shared());
  if (setup_.attestation.has_value()) {
    service_->RequireAttestation(&*setup_.attestation, [sim](const std::string& vendor) {
      // What the relay learns by checking attestations: the device's vendor.
      if (sim == nullptr || !sim->recorder().has_audit_key()) return;
      sim::ObserveValue(&sim->recorder(), ::common::v1::DEVICE_VENDOR, vendor, false,
                        "Mailbox-Device-Attestation");
    });
  }
  MailboxOperations* operations = service_.get();
  if (!setup_.malicious.empty()) {
    malicious_ = std::make_unique<malicious::MaliciousMailboxService>(
        service_.get(), store_->store(), &sim::ClockOr(sim), setup_.malicious);
    operations = malicious_.get();
  }
  relay_grpc_ = std::make_unique<RelayGrpcService>(operations, &metrics_);
  if (sim != nullptr) {
    // The simulator's outage for the callback-API face (sim/server_side.h).
    relay_grpc_->set_admission([sim] { return sim::OutageStatus(*sim); });
  }

  GrpcServerOptions grpc_options;
  grpc_options.address = config.grpc_listen.ToString();
  grpc_options.credentials = setup_.grpc_credentials;
  grpc_options.services = {relay_grpc_.get(), &echo_grpc_};
  grpc_options.max_receive_message_bytes = RelayGrpcService::MaxMessageBytes(config.limits);
  // With TLS only the admin certificate may use the simulation controls;
  // plaintext: loopback callers only.
  sim::AdminAuth admin_auth;
  admin_auth.client_certs = !config.tls_cert.empty();
  absl::StatusOr<std::unique_ptr<sim::ServerHooks>> hooks =
      sim::ServerHooks::Attach(sim, admin_auth, &grpc_options);
  if (!hooks.ok()) return hooks.status();
  sim_hooks_ = std::move(*hooks);
  absl::StatusOr<std::unique_ptr<GrpcServer>> grpc_server = GrpcServer::Start(grpc_options);
  if (!grpc_server.ok()) return grpc_server.status();
  grpc_server_ = std::move(*grpc_server);

  if (sim != nullptr) {
    http_->set_exchange_hook([sim](const HttpRequest& req, const HttpResponse& res) {
      RecordHttpExchange(sim, req, res);
    });
  }
  http_->Serve(operations, &metrics_);
  SweeperOptions sweeper_options;
  sweeper_options.interval = config.sweep_interval;
  sweeper_ = std::make_unique<Sweeper>(service_.get(), sweeper_options);
  sweeper_->Start();
  if (sim != nullptr) ReportSizes(sim);
  return absl::OkStatus();
}

RelayServer::~RelayServer() { Shutdown(); }

std::string RelayServer::http_address() const {
  return HostPort{setup_.config.http_listen.host, http_->port()}.ToString();
}

std::string RelayServer::grpc_address() const {
  return HostPort{setup_.config.grpc_listen.host, grpc_server_->port()}.ToString();
}

std::string RelayServer::Describe() const {
  const RelayServerConfig& config = setup_.config;
  const RelayLimits& limits = config.limits;
  std::vector<std::string> routes;
  for (const auto& [type, target] : setup_.push_routes) routes.push_back(type + "->" + target);
  return absl::StrCat(store_->Describe(), " tls=", config.tls_cert.empty() ? "off" : "on",
                      " public_base_url=", public_base_url_,
                      " default_ttl=", absl::FormatDuration(limits.default_ttl),
                      " max_ttl=", absl::FormatDuration(limits.max_ttl),
                      " max_payload_bytes=", limits.max_payload_bytes,
                      " creates_per_window=", limits.creates_per_window,
                      " failed_lookups_per_window=", limits.failed_lookups_per_window,
                      " rate_window=", absl::FormatDuration(limits.rate_window),
                      " delete_log_retention=", absl::FormatDuration(limits.delete_log_retention),
                      " delete_log_capacity=", limits.delete_log_capacity, " push_routes=[",
                      absl::StrJoin(routes, ","), "]",
                      " tls_client_ca=", config.tls_client_ca.empty() ? "none" : "set",
                      DescribeHttpBounds(config),
                      setup_.malicious.empty()
                          ? ""
                          : absl::StrCat(" MALICIOUS=", malicious::Describe(setup_.malicious)));
}

void RelayServer::ReportSizes(sim::SimState* sim) {
  // SimControl.GetMemory's sizes: the structures that grow with the load
  // (docs/relay.md "Memory"). The server is stopped before it goes.
  sim->AddSizeReporter([this] {
    std::vector<std::pair<std::string, uint64_t>> sizes;
    if (absl::StatusOr<int64_t> n = store_->store()->Count(); n.ok()) {
      sizes.emplace_back("mailboxes", static_cast<uint64_t>(*n));
    }
    if (std::optional<size_t> n = service_->LocalDeleteLogSize(); n.has_value()) {
      sizes.emplace_back("delete_log_entries", *n);
    }
    if (auto* sqlite = dynamic_cast<SqliteMailboxStore*>(store_->store()); sqlite != nullptr) {
      const SqliteMailboxStore::CacheSize c = sqlite->GetCacheSize();
      sizes.emplace_back("mailbox_cache_entries", c.entries);
      sizes.emplace_back("mailbox_cache_bytes", c.bytes);
      sizes.emplace_back("mailbox_cache_order_entries", c.order_entries);
    }
    return sizes;
  });
}

void RelayServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (http_ != nullptr) http_->Stop();
  if (grpc_server_ != nullptr) grpc_server_->Shutdown(absl::Seconds(5));
  // Pushes still under way end by their deadline; their outcomes are counted.
  if (push_ != nullptr) push_->Drain();
  if (sweeper_ != nullptr) sweeper_->Stop();
  if (store_ != nullptr) store_->Close();
}

}  // namespace sct::relay

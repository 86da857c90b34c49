#include "relay/derived/derived_relay_server.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "relay/derived/derived_sim_hook.h"
#include "relay/derived/memory_derived_store.h"
#include "relay/derived/sqlite_derived_store.h"
#include "runtime/tls.h"

namespace sct::relay::derived {
namespace {

absl::Status BadFlag(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field", message);
}

absl::StatusOr<std::unique_ptr<DerivedStore>> OpenStore(const DerivedRelayConfig& config) {
  if (config.store == "memory") return std::make_unique<MemoryDerivedStore>();
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDerivedStore> sqlite,
                   SqliteDerivedStore::Open(config.sqlite_path));
  return std::unique_ptr<DerivedStore>(std::move(sqlite));
}

}  // namespace

absl::StatusOr<DerivedRelaySetup> PrepareDerivedRelay(DerivedRelayConfig config) {
  if (config.store != "memory" && config.store != "sqlite") {
    return BadFlag(absl::StrCat("--store: \"", config.store, "\" is not memory or sqlite"));
  }
  if (config.store == "sqlite" && config.sqlite_path.empty()) {
    return BadFlag("--sqlite_path: must not be empty with --store=sqlite");
  }
  if (absl::Status limits = CheckLimits(config.limits); !limits.ok()) {
    return BadFlag(absl::StrCat("--", limits.message()));
  }
  if (config.sweep_interval <= absl::ZeroDuration()) {
    return BadFlag("--sweep_interval: must be positive");
  }
  if (config.http_threads < 1 || config.http_threads > 1024) {
    return BadFlag("--http_threads: must be 1..1024");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return BadFlag("--tls_cert/--tls_key: set both or neither");
  }
  if (!config.tls_client_ca.empty() && config.tls_cert.empty()) {
    return BadFlag("--tls_client_ca: needs --tls_cert");
  }
  DerivedRelaySetup setup;
  if (!config.tls_cert.empty()) {
    const TlsServerFiles files{config.tls_cert, config.tls_key, config.tls_client_ca, false};
    ASSIGN_OR_RETURN(setup.grpc_credentials, LoadServerCredentials(files));
  }
  setup.config = std::move(config);
  return setup;
}

absl::StatusOr<std::unique_ptr<DerivedRelayServer>> DerivedRelayServer::Start(
    DerivedRelaySetup setup, sim::SimState* sim) {
  auto server = std::unique_ptr<DerivedRelayServer>(new DerivedRelayServer(std::move(setup)));
  RETURN_IF_ERROR(server->StartServing(sim));
  return server;
}

absl::Status DerivedRelayServer::StartServing(sim::SimState* sim) {
  const DerivedRelayConfig& config = setup_.config;
  ASSIGN_OR_RETURN(store_, OpenStore(config));
  service_ = std::make_unique<DerivedRelayService>(store_.get(), &sim::ClockOr(sim), config.limits);
  BoundedHttpServerOptions http_options;
  http_options.host = config.http_listen.host;
  http_options.port = config.http_listen.port;
  http_options.tls_cert_file = config.tls_cert;
  http_options.tls_key_file = config.tls_key;
  http_options.worker_threads = config.http_threads;
  ASSIGN_OR_RETURN(http_, DerivedRelayHttpServer::Bind(std::move(http_options)));
  // gRPC carries only health checking (the launcher's readiness probe) and,
  // under --sim_control, the simulator's Audit and SimControl.
  GrpcServerOptions grpc_options;
  grpc_options.address = config.grpc_listen.ToString();
  grpc_options.credentials = setup_.grpc_credentials;
  sim::AdminAuth admin_auth;
  admin_auth.client_certs = !config.tls_cert.empty();
  ASSIGN_OR_RETURN(sim_hooks_, sim::ServerHooks::Attach(sim, admin_auth, &grpc_options));
  ASSIGN_OR_RETURN(grpc_server_, GrpcServer::Start(grpc_options));
  BoundedHttpServer::ExchangeHook hook;
  if (sim != nullptr) {
    hook = [sim](const HttpRequest& req, const HttpResponse& res) {
      RecordDerivedExchange(sim, req, res);
    };
  }
  http_->Serve(service_.get(), std::move(hook));
  sweeper_ = std::thread([this] { SweepLoop(); });
  return absl::OkStatus();
}

void DerivedRelayServer::SweepLoop() {
  while (!stop_sweeping_.WaitForNotificationWithTimeout(setup_.config.sweep_interval)) {
    absl::StatusOr<int64_t> swept = service_->SweepExpired();
    if (!swept.ok()) std::cerr << "derived_relay_server: sweep: " << swept.status() << std::endl;
  }
}

std::string DerivedRelayServer::grpc_address() const {
  return grpc_server_ == nullptr ? "" : grpc_server_->address();
}

std::string DerivedRelayServer::Describe() const {
  const DerivedRelayConfig& c = setup_.config;
  return absl::StrCat("store=", c.store, c.store == "sqlite" ? ":" + c.sqlite_path : "",
                      " tls=", c.tls_cert.empty() ? "off" : "on",
                      " ttl=", absl::FormatDuration(c.limits.ttl),
                      " max_message_bytes=", c.limits.max_message_bytes,
                      " failed_lookups_per_window=", c.limits.failed_lookups_per_window, "/",
                      absl::FormatDuration(c.limits.rate_window),
                      c.limits.in_range.empty()
                          ? ""
                          : absl::StrCat(" proximity_in_range=", c.limits.in_range.size()));
}

void DerivedRelayServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (http_ != nullptr) http_->Stop();
  if (grpc_server_ != nullptr) grpc_server_->Shutdown();
  if (!stop_sweeping_.HasBeenNotified()) stop_sweeping_.Notify();
  if (sweeper_.joinable()) sweeper_.join();
}

DerivedRelayServer::~DerivedRelayServer() { Shutdown(); }

}  // namespace sct::relay::derived

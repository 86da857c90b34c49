#include "runtime/grpc_server.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace sct {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    GrpcServerOptions options) {
  ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(options.address, "address"));
  if (options.max_receive_message_bytes <= 0) {
    return InvalidField("max_receive_message_bytes", "must be positive");
  }
  for (grpc::Service* service : options.services) {
    if (service == nullptr)
      return InvalidField("services", "contains a null service");
  }
  if (options.min_pollers < 1) return InvalidField("min_pollers", "must be at least 1");
  if (options.max_pollers < options.min_pollers) {
    return InvalidField("max_pollers", "must be at least min_pollers");
  }

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  for (const auto& create : options.interceptor_creators) {
    if (!create) return InvalidField("interceptor_creators", "contains a null function");
    interceptors.push_back(create());
    if (interceptors.back() == nullptr) {
      return InvalidField("interceptor_creators", "a creator returned null");
    }
  }

  // Both are process-wide switches that apply to servers built afterwards.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  // Without this, gRPC sets SO_REUSEPORT and a second server "binds" a port
  // that is already in use instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::shared_ptr<grpc::ServerCredentials> credentials =
      options.credentials ? options.credentials
                          : grpc::InsecureServerCredentials();
  int bound_port = 0;
  builder.AddListeningPort(listen.ToString(), credentials, &bound_port);
  for (grpc::Service* service : options.services)
    builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // One completion queue (a second one measured no better). With gRPC's
  // default 1..2 waiting threads, 8 closed-loop clients made a server create
  // and reap threads for the calls beyond two; with 4..64 the echo baseline
  // served ~1.7x and the relay ~1.15x as many calls per second on the shared
  // 2-core machine (docs/BENCHMARKS.md, "gRPC server settings").
  builder.SetSyncServerOption(grpc::ServerBuilder::MIN_POLLERS, options.min_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::MAX_POLLERS, options.max_pollers);
  if (!interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return MakeError(absl::StatusCode::kUnavailable, "listen_failed",
                     absl::StrCat("cannot listen on ", listen.ToString(),
                                  " (address in use or not local?)"));
  }
  auto result = std::unique_ptr<GrpcServer>(new GrpcServer());
  result->server_ = std::move(server);
  result->port_ = bound_port;
  listen.port = bound_port;
  result->address_ = listen.ToString();
  if (grpc::HealthCheckServiceInterface* health =
          result->server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
  }
  return result;
}

GrpcServer::~GrpcServer() { Shutdown(absl::Seconds(2)); }

void GrpcServer::Shutdown(absl::Duration grace) {
  // Held throughout, so that a concurrent caller (the destructor, say) returns
  // only when the server is really down and its services may be destroyed.
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // Health first, so load balancers and readiness probes see NOT_SERVING.
  if (grpc::HealthCheckServiceInterface* health =
          server_->GetHealthCheckService()) {
    health->Shutdown();
  }
  if (grace < absl::ZeroDuration()) grace = absl::ZeroDuration();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(grace));
}

void GrpcServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

void BlockTerminationSignals() {
  // See the header: off in every server process, on in unit tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  signal(SIGPIPE, SIG_IGN);
  sigset_t set = TerminationSignals();
  int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) {
    // Only fails for invalid arguments; nothing sensible to return.
    fprintf(stderr, "pthread_sigmask failed: %s\n", strerror(rc));
  }
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace sct

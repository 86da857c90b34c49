#include "sim/sim.h"

#include <utility>

#include "common/errors.h"

namespace sct::sim {

Clock& ClockOr(SimState* state) {
  if (state == nullptr) return RealClock::Get();
  return state->clock();
}

absl::StatusOr<std::unique_ptr<ServerHooks>> ServerHooks::Attach(SimState* state, AdminAuth auth,
                                                                 GrpcServerOptions* options) {
  auto hooks = std::unique_ptr<ServerHooks>(new ServerHooks());
  if (state == nullptr) return hooks;
  for (grpc::Service* service : options->services) {
    if (service == nullptr) return InvalidField("services", "contains a null service");
    absl::Status gated = InstallOutageGate(service, state);
    if (!gated.ok()) return gated;
  }
  hooks->audit_ = std::make_unique<AuditService>(state, auth);
  hooks->control_ = std::make_unique<SimControlService>(state, auth);
  options->services.push_back(hooks->audit_.get());
  options->services.push_back(hooks->control_.get());
  options->interceptor_creators.push_back(
      [state]() -> std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> {
        return std::make_unique<TraceInterceptorFactory>(state);
      });
  return hooks;
}

}  // namespace sct::sim

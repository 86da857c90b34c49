// The simulator's hooks for SCT Lab service processes, one include
// for main.cc. See docs/sim.md.
//
//   auto sim = sct::sim::StateFromFlags("relay");          // null unless --sim_control
//   const sct::Clock& clock = sct::sim::ClockOr(sim.get());  // SimClock or RealClock
//   ... actor logic gets `clock`; outbound channels come from
//       sct::sim::Channel(target, creds, "oem-a", sim.get()) ...
//   auto hooks = sct::sim::ServerHooks::Attach(sim.get(), {client_certs}, &server_options);
//   ... GrpcServer::Start(server_options) ...
//
// With a null SimState every helper leaves behaviour exactly as before: no
// interceptors, no extra services, RealClock, plain channels.
#ifndef SCT_SIM_SIM_H_
#define SCT_SIM_SIM_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "sim/client_side.h"
#include "sim/knowledge.h"
#include "sim/recorder.h"
#include "sim/server_side.h"
#include "sim/services.h"
#include "sim/sim_clock.h"
#include "sim/sim_state.h"

namespace sct::sim {

// The SimClock of `state`, or RealClock::Get() when `state` is null.
Clock& ClockOr(SimState* state);

// Owns the Audit and SimControl services added to one server.
class ServerHooks {
 public:
  // With a non-null `state`: wraps each service already in `options` with
  // the outage gate, appends Audit and SimControl (authorized by `auth`) and
  // the trace interceptor. With a null `state`: changes nothing. The result
  // must outlive the server. INVALID_ARGUMENT for a null service in
  // `options`.
  static absl::StatusOr<std::unique_ptr<ServerHooks>> Attach(SimState* state, AdminAuth auth,
                                                             GrpcServerOptions* options);

 private:
  ServerHooks() = default;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<SimControlService> control_;
};

}  // namespace sct::sim

#endif  // SCT_SIM_SIM_H_

// Server-side pieces of --sim_control: the trace/knowledge interceptor and
// the outage gate.
//
// TraceInterceptorFactory (grpc::experimental server interceptors, installed
// through GrpcServerOptions::interceptor_creators) records, for every inbound
// RPC except common.v1.Audit, common.v1.SimControl, grpc.health.* and
// grpc.reflection.*, one TraceEvent when the status is sent:
//   from: the `sct-actor` metadata, else the TLS client certificate CN, else
//         "unknown"; actor_self_declared when the metadata named an actor
//         other than the certificate's CN (or there was no certificate);
//         to: the actor id; rpc "pkg.Service/Method";
//   summary: method, message counts and sizes (never values);
//   time (SimClock) and duration; status_code ("OK", "NOT_FOUND", ...) and
//   reason (the stable reason status_mapping.h puts in error_details);
//   kind PUSH for oem.v1.Oem/Notify and SubscribeNotifications, CHANNEL for
//   channel.v1.Channel/*; step_id from `sct-step`.
// It also records an Observation (knowledge.h) for every string and bytes
// value of each received request and each sent response (where = the rpc),
// the caller's address (CLIENT_ADDRESS, from the peer), and when the status
// is sent one CoObservation of all of the call's values together,
// and sets the thread's step (SimState::SetThreadStep) while the call runs
// so outbound calls made for it carry the same `sct-step`.
//
// InstallOutageGate wraps every method handler of a synchronous service so
// that while SimState::InOutage() a call is answered UNAVAILABLE with reason
// "simulated_outage" (through ToGrpcStatus) WITHOUT running the handler; the
// interceptor still traces it. gRPC's public interceptor API cannot stop a
// synchronous handler from running, so the gate replaces the handler inside
// grpc::Service (private members reached through explicit template
// instantiation; checked against gRPC 1.51). It must be called before the
// service is registered with a server.
//
// Thread-safety: the factory and interceptors are used by gRPC's threads;
// all shared state lives in the (thread-safe) SimState, which must outlive
// the server.
#ifndef SCT_SIM_SERVER_SIDE_H_
#define SCT_SIM_SERVER_SIDE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "sim/sim_state.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace sct::sim {

// True for services the simulator never traces or gates (its own, health,
// reflection). `rpc` is "pkg.Service/Method" with or without a leading '/'.
bool IsInfrastructureRpc(absl::string_view rpc);

// TraceKind for an rpc name ("oem.v1.Oem/Notify" -> PUSH, ...).
::common::v1::TraceKind KindOf(absl::string_view rpc);

class TraceInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TraceInterceptorFactory(SimState* state) : state_(state) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  SimState* const state_;
};

// INVALID_ARGUMENT (reason "invalid_field") for a null service or state.
// Callback-API methods are left alone: gRPC builds their reactors inside a
// typed handler the gate cannot stand in for, so a callback service asks
// OutageStatus itself before each call (relay::RelayGrpcService::
// set_admission).
absl::Status InstallOutageGate(grpc::Service* service, SimState* state);

// While `state` is in an outage: UNAVAILABLE with reason "simulated_outage"
// ("<actor>: simulated outage"), what a gated call answers; else OK.
absl::Status OutageStatus(const SimState& state);

}  // namespace sct::sim

#endif  // SCT_SIM_SERVER_SIDE_H_

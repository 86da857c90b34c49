// How the engine calls the services of a running scenario: one cached gRPC
// channel per service (Ecosystem::Channel, as the engine's "admin" identity),
// typed stubs for the devices, authorities, access points, the channel
// server and SimControl, and Call(), which runs one unary RPC the way every
// engine RPC runs: `sct-actor` and `sct-step` metadata, a deadline bounded by
// the scenario's, and an event in the engine trace (RunContext::engine_trace)
// unless the callee is a running sim service that traces the call itself.
//
// Errors: the stub getters return what Ecosystem::Channel returns (NOT_FOUND
// for an unknown service); Call returns the RPC's status mapped to
// absl::Status (common/status_mapping.h).
// Not thread-safe: the engine's thread only. Borrows the Ecosystem, the
// RunContext and the clock, which outlive it.
#ifndef SCT_SCENARIOS_ENGINE_ACTOR_CLIENTS_H_
#define SCT_SCENARIOS_ENGINE_ACTOR_CLIENTS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/engine/run_clock.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios {

class ActorClients {
 public:
  ActorClients(Ecosystem* eco, RunContext* ctx, const RunClock* clock);

  ActorClients(const ActorClients&) = delete;
  ActorClients& operator=(const ActorClients&) = delete;

  // The channel to service `name` (made once, then cached).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& name);

  absl::StatusOr<std::unique_ptr<::device::v1::DeviceAgent::Stub>> Device(const std::string& name);
  absl::StatusOr<std::unique_ptr<::credential_authority::v1::CredentialAuthority::Stub>> Authority(
      const std::string& name);
  absl::StatusOr<std::unique_ptr<::access_point::v1::AccessPoint::Stub>> AccessPoint(
      const std::string& name);
  // The run's context (inbox cursors, the trace).
  RunContext* context() const { return ctx_; }
  // The channel server ("channel").
  absl::StatusOr<std::unique_ptr<::channel::v1::Channel::Stub>> ChannelServer();
  absl::StatusOr<std::unique_ptr<::common::v1::SimControl::Stub>> SimControl(
      const std::string& name);

  // Adds `sct-actor: from` and `sct-step: <the running step>` to `call` and
  // sets its deadline to `timeout` from now, bounded by the scenario's.
  void Prepare(grpc::ClientContext* call, const std::string& from, absl::Duration timeout) const;

  // Runs one unary RPC `fn(ClientContext*) -> grpc::Status` from `from` to
  // service `to` (the trace names it `method`, described by `summary`).
  template <typename Fn>
  absl::Status Call(const std::string& from, const std::string& to, const std::string& method,
                    const std::string& summary, absl::Duration timeout, Fn fn) {
    grpc::ClientContext call;
    Prepare(&call, from, timeout);
    const absl::Time start = clock_->Now();
    const absl::Time real_start = absl::Now();
    absl::Status status = FromGrpcStatus(fn(&call));
    // A running sim service traces the call itself (same from/step): record
    // it here only when nobody else will, so the diagram shows it once.
    if (!TracedByCallee(to)) {
      Record(from, to, method, summary, status, absl::Now() - real_start, start);
    }
    return status;
  }

  // Appends one event to the engine trace, stamped `when` (service time;
  // InfinitePast: now) and tagged with the running step.
  void Record(const std::string& from, const std::string& to, const std::string& method,
              const std::string& summary, const absl::Status& status, absl::Duration took,
              absl::Time when = absl::InfinitePast());

 private:
  // Whether `to` is a running sim service (it traces calls itself).
  bool TracedByCallee(const std::string& to) const;

  Ecosystem* eco_;
  RunContext* ctx_;
  const RunClock* clock_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  uint64_t trace_seq_ = 0;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_ACTOR_CLIENTS_H_

// Outbound channels of a service under --sim_control.
//
// sim::Channel builds a channel the way the binaries did before
// (grpc::CreateCustomChannel with the given credentials and arguments) and,
// when `state` is not null, adds a client interceptor that for every call:
//   - sends metadata `sct-actor: <actor id>` and `sct-step: <step>` (the step
//     of the inbound call this thread serves, else the last step the process
//     saw; omitted while no step is known);
//   - applies the SimControl.SetLinkFaults fault matching this link (peer
//     equal to `peer_name`, to `target`, or "*"; the first match wins):
//       delay: sleeps that long before sending (every call type);
//       drop: a unary call fails UNAVAILABLE, reason "simulated_drop",
//         without reaching the peer; a streaming call is cancelled instead
//         (the caller sees CANCELLED);
//       duplicate: a unary call's request is first sent once more, byte for
//         byte with the same metadata keys, on a separate plain channel, and
//         its answer discarded; the caller sees the second (real) call's
//         answer. Streaming calls are not duplicated.
//     Each applied fault is recorded as a TraceEvent of kind FAULT (from the
//     actor, to `peer_name`).
// With a null `state` the result is exactly grpc::CreateCustomChannel.
// Either way, when the process has a source address and `target` is a
// loopback IPv4 literal, every connection of the channel is bound to that
// address first (runtime/source_address.h).
//
// Thread-safe; `state` is not owned and must outlive the channel.
#ifndef SCT_SIM_CLIENT_SIDE_H_
#define SCT_SIM_CLIENT_SIDE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "sim/sim_state.h"
#include "grpcpp/grpcpp.h"

namespace sct::sim {

// What the interceptor does for a fault, for clients on other transports
// (the device's HTTP relay client): decide with state->DecideFault(peer,
// target), then record each applied fault with RecordLinkFault and fail a
// dropped call with SimulatedDropStatus.
//
// Records a TraceEvent of kind FAULT from the actor to `peer` (time on the
// state's clock, duration 0, the status's code and reason).
void RecordLinkFault(SimState* state, const std::string& peer, const std::string& rpc,
                     const std::string& step, const std::string& summary,
                     const absl::Status& status);
// UNAVAILABLE, reason "simulated_drop", naming `peer`.
absl::Status SimulatedDropStatus(const std::string& peer);

std::shared_ptr<grpc::Channel> Channel(const std::string& target,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                                       const std::string& peer_name, SimState* state,
                                       const grpc::ChannelArguments& args = {});

}  // namespace sct::sim

#endif  // SCT_SIM_CLIENT_SIDE_H_

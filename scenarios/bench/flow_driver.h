// One share -> link -> accept -> use flow of the flow benchmark, driven only
// through the launched services' public APIs, as a person would: Alice's
// DeviceAgent shares her car key over SMS, Bob's SMS inbox on the channel
// server is polled until the link arrives, Bob's DeviceAgent accepts it
// (read, redeem through his OEM, provision) and unlocks car-1. Each phase and
// the total are timed with a monotonic clock (std::chrono::steady_clock). The
// driver also times the baselines: relay.v1.Echo on the relay over the same
// mutual TLS, and grpc.health.v1.Health/Check on Bob's agent.
//
// BenchTopology() is the topology it expects (launched once by the
// benchmark): relay, authority "ca", OEMs oem-a and oem-b, car-1 (revocations
// by WATCH), alice (oem-a, owns car-1 as "alice-car") and bob (oem-b), the
// SMS channel with zero delay.
//
// Thread-compatible: one thread drives a FlowDriver. It borrows the Ecosystem,
// which must outlive it; Disconnect() drops its channels before Shutdown.
#ifndef SCT_SCENARIOS_BENCH_FLOW_DRIVER_H_
#define SCT_SCENARIOS_BENCH_FLOW_DRIVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/types.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "runtime/health.grpc.pb.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::bench {

// The benchmark's topology with the relay on `store` ("sqlite" or "memory").
// INTERNAL if the built-in text does not parse.
absl::StatusOr<scenario::v1::Topology> BenchTopology(const std::string& store);

// Who shares what with whom. The defaults are the benchmark's: alice shares
// alice-car (unlock, lock) over SMS to bob, who unlocks car-1. The soak
// (scenarios/soak) drives other pairs, re-shares and multi-round flows with it.
struct FlowParties {
  std::string sender = "alice";
  std::string receiver = "bob";
  std::string sender_address = "+15550001";
  std::string receiver_address = "+15550002";
  ::common::v1::ChannelKind channel = ::common::v1::SMS;
  std::string access_point = "car-1";
  // Topology owner credential the sender shares, unless `credential_id` is set
  // (then that device credential is shared, e.g. a received one: a re-share).
  std::string owner_credential = "alice-car";
  std::string credential_id;
  std::vector<std::string> entitlements = {"unlock", "lock"};
  std::string action = "unlock";
  ::common::v1::Vertical vertical = ::common::v1::VERTICAL_CAR;
  bool resharing_allowed = false;
  // Multi-round: the sender answers the key-signing request by itself
  // (auto_answer) and the receiver's AcceptLink waits up to `round_timeout`.
  bool multi_round = false;
  absl::Duration round_timeout = absl::Seconds(20);
};

// One flow's measurements; the phases after a failure stay at -1.
struct Flow {
  int index = 0;  // measured flows 0, 1, ...; warm-up flows -1, -2, ...
  bool ok = false;
  std::string failed_phase;  // "share", "link", "accept", "use"
  std::string error;
  double share_ms = -1, link_ms = -1, accept_ms = -1, use_ms = -1;
  double total_ms = -1;
  double link_polls = 0;      // Receive calls until the link was there
  std::string share_id;       // set once the share phase succeeded
  std::string credential_id;  // the receiver's new credential, once accepted
};

class FlowDriver {
 public:
  // `pin`: share with a 6-digit PIN that Bob types at AcceptLink.
  // `rpc_timeout` is each call's deadline; `link_timeout` bounds the polling
  // of Bob's inbox.
  FlowDriver(scenarios::Ecosystem& eco, bool pin, absl::Duration rpc_timeout,
             absl::Duration link_timeout, FlowParties parties = FlowParties());

  // Channels to the sender, the receiver, the channel server and the relay;
  // the shared credential's id; the receiver's inbox cursor after anything
  // already there. NOT_FOUND when the access point or the owner credential is
  // missing; the ecosystem's or the channel's error otherwise.
  absl::Status Connect();
  // Drops every channel (a gRPC server with a connected client would use its
  // whole shutdown grace).
  void Disconnect();

  // One Echo round trip to the relay (ms), or -1 on error (logged).
  double EchoOnce();
  // One Health/Check round trip to Bob's agent (ms), or -1 on error (logged).
  double HealthOnce();

  // One whole flow; a failure is reported in the Flow with its phase.
  Flow RunFlow(int index);

  // Shares `credential_id` from now on (a re-share of a received credential).
  void set_credential_id(const std::string& credential_id) { owner_credential_ = credential_id; }

 private:
  using Steady = std::chrono::steady_clock;

  // The phases; each returns "" or the error that ends the flow. AwaitLink
  // starts over from the inbox's beginning when the channel server answers
  // that the cursor is beyond its inbox (it restarted and lost the inbox).
  std::string Share(::device::v1::ShareCredentialResponse* share);
  std::string AwaitLink(const ::device::v1::ShareCredentialResponse& share,
                        Steady::time_point since, std::string* message_id, double* polls);
  std::string Accept(const ::device::v1::ShareCredentialResponse& share,
                     const std::string& message_id, std::string* credential_id);
  std::string Use(const std::string& credential_id);

  std::chrono::system_clock::time_point Deadline() const;

  scenarios::Ecosystem& eco_;
  const bool pin_;
  const absl::Duration rpc_timeout_;
  const absl::Duration link_timeout_;
  const FlowParties parties_;
  std::unique_ptr<::device::v1::DeviceAgent::Stub> alice_, bob_;
  std::unique_ptr<grpc::health::v1::Health::Stub> bob_health_;
  std::unique_ptr<::channel::v1::Channel::Stub> channel_;
  std::unique_ptr<::relay::v1::Echo::Stub> echo_;
  std::string car_address_;
  std::string owner_credential_;
  uint64_t cursor_ = 0;
};

}  // namespace sct::bench

#endif  // SCT_SCENARIOS_BENCH_FLOW_DRIVER_H_

// Validation and defaults of a scenario topology (scenario.v1.Topology): the
// one place that decides what a topology means. The engine resolves a
// scenario's topology once and hands the ResolvedTopology on: to the launcher
// (Launch), to the attack code (RunContext::topology) and to its own steps.
//
// ResolveTopology returns a copy in which every default the proto documents
// is explicit:
//   - relay.store SQLITE; authority store SQLITE; a REDIS relay without
//     redis_address gets a launched Redis (relay.redis: one server unless
//     cluster_masters, with an ACL user unless no_auth);
//   - oems[].authority / access_points[].authority: the only authority;
//   - access_points[].entitlements by kind (car: unlock, lock, drive,
//     open_trunk; door and hotel lock: enter, unlock, lock); revocation WATCH;
//     poll_interval "5s" for POLL;
//   - devices[].personas: one PERSONAL persona "personal" (a persona with an
//     unspecified kind becomes PERSONAL); devices[].addresses: the given ones
//     first, then one per channel kind not given: SMS "+1555" + 7 digits
//     (device index + 1), EMAIL "<id>@example.test", MESSENGER "@<id>";
//     poll_interval "2s";
//   - owner_credentials[]: persona = the device's first, kind ASYMMETRIC,
//     entitlements = the access point's, validity not_before "0s" and
//     not_after "720h", label = the spec id.
//
// Errors: INVALID_ARGUMENT (reason "invalid_field") whose message starts with
// the field path, e.g. `topology.devices[1].oem: unknown OEM "oem-z"`; the
// first problem in topology order is reported.
// Thread-safe (pure functions; a ResolvedTopology is an immutable value).
#ifndef SCT_SCENARIOS_LAUNCHER_TOPOLOGY_H_
#define SCT_SCENARIOS_LAUNCHER_TOPOLOGY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/common/v1/types.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// A topology that ResolveTopology accepted, with every default explicit. Only
// ResolveTopology makes one, so holding one means the checks passed and the
// defaults are the launcher's. Copyable and movable.
class ResolvedTopology {
 public:
  // The resolved message.
  const scenario::v1::Topology& proto() const { return topology_; }

  // The device spec with id `device`, or nullptr when there is none.
  const scenario::v1::DeviceSpec* FindDevice(absl::string_view device) const;

  // The address `device` has on `kind` (a resolved device has one for every
  // channel kind); "" when the topology has no such device.
  std::string AddressOf(absl::string_view device, ::common::v1::ChannelKind kind) const;

 private:
  friend absl::StatusOr<ResolvedTopology> ResolveTopology(const scenario::v1::Topology& topology);
  explicit ResolvedTopology(scenario::v1::Topology topology);

  scenario::v1::Topology topology_;
};

// Checks `topology` and fills in every default (see the top of this file).
absl::StatusOr<ResolvedTopology> ResolveTopology(const scenario::v1::Topology& topology);

// The default address of device number `index` (0-based, topology order).
std::string DefaultAddress(absl::string_view device_id, int index, ::common::v1::ChannelKind kind);

// Most masters of a launched Redis Cluster (RedisSpec.cluster_masters).
inline constexpr uint32_t kMaxRedisClusterMasters = 7;

// The service name of launched Redis Cluster node `index`: "redis-<index>".
// "redis" and these names are reserved (no topology id may take them).
std::string RedisNodeName(uint32_t index);

// The services of the Redis the launcher starts for `relay`: {"redis"} for
// one server, {"redis-0", ...} for a cluster, {} when the relay is attached,
// not on REDIS, or uses an external Redis (redis_address).
std::vector<std::string> LaunchedRedisNames(const scenario::v1::RelaySpec& relay);

// The service name of the derived-locations relay (relay_design
// DERIVED_LOCATIONS, docs/derived-relay.md), launched beside the mailbox
// relay "relay". Reserved like "relay" when that design is chosen.
inline constexpr char kDerivedRelayName[] = "derived-relay";

// Default entitlements of an access point kind.
std::vector<std::string> DefaultEntitlements(::common::v1::AccessPointKind kind);

// The device's address on `kind` in a resolved topology ("" if none).
std::string AddressOf(const scenario::v1::DeviceSpec& device, ::common::v1::ChannelKind kind);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_TOPOLOGY_H_

// The address plan: the loopback address (127.0.0.0/8) of every actor the
// launcher starts, so that a client address names an actor in traces,
// captures and the knowledge audit (docs/launcher.md, "Address plan").
//
// Each launched actor listens on its address (every port it serves) and
// connects from it (--source_address, runtime/source_address.h). In topology
// order:
//   servers: relay, channel, authorities, OEMs, access points, then the
//            actors an architecture adds (ohttp: the gateway, then the
//            oblivious relay; DERIVED_LOCATIONS: the derived relay;
//            DIRECT: the proximity link):
//            127.0.0.2, 127.0.0.3, ... 127.0.0.10, then 127.0.2.1, 127.0.2.2, ...
//   devices: 127.0.0.11, 127.0.0.12, ... 127.0.0.250, then 127.0.3.1, ...
// so in the usual topologies relay 127.0.0.2, channel 127.0.0.3, ca
// 127.0.0.4, oem-a 127.0.0.5, ... and alice-phone 127.0.0.11, bob-phone
// 127.0.0.12. Attached actors keep their own endpoints and are not planned.
// 127.0.0.1 stays the lab's: the engine, adversaries' own calls, test
// clients, and the Redis the launcher starts for the relay.
//   adversaries: 127.1.0.1, 127.1.0.2, ... 127.1.0.64: the attackers of an
//            id_guesser with distinct_addresses (attacker i from 127.1.0.i).
//            127.1.0.0/16 is outside every server (127.0.<even>.x) and
//            device (127.0.<odd>.x) range however large the topology.
//
// Thread-safe (pure functions).
#ifndef SCT_SCENARIOS_LAUNCHER_ADDRESS_PLAN_H_
#define SCT_SCENARIOS_LAUNCHER_ADDRESS_PLAN_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// The actors an architecture variant adds beside the topology's own.
inline constexpr char kOhttpGatewayName[] = "ohttp-gateway";
inline constexpr char kOhttpRelayName[] = "ohttp-relay";
// The derived-locations relay (relay_design DERIVED_LOCATIONS,
// docs/derived-relay.md), launched beside the mailbox relay "relay".
inline constexpr char kDerivedRelayName[] = "derived-relay";
// The proximity link between the devices in range (relay_design DIRECT,
// docs/variants/direct-transfer.md).
inline constexpr char kProximityName[] = "proximity";

// The actors `architecture` adds beside the topology's own, in the order
// they are planned and launched.
std::vector<std::string> ArchitectureActors(const scenario::v1::ArchitectureSpec& architecture);

// Whether `name` is one of the actors above: an assertion limited to
// variants (Assertion.only_variants) may name them though the scenario's own
// architecture does not start them.
bool IsArchitectureActor(absl::string_view name);

// The address of the lab itself (engine, test clients, launched Redis).
inline constexpr char kLabAddress[] = "127.0.0.1";

// Attackers of one id_guesser with distinct_addresses, at most.
inline constexpr int kMaxAttackers = 64;

// The source address of attacker `i` (0-based, i < kMaxAttackers) of the
// adversary range: "127.1.0.<i+1>".
std::string AttackerAddress(int i);

// Actor name (topology id, "relay", "channel") -> its planned address, for
// every actor of `topology` that is launched (not attached).
std::map<std::string, std::string> AddressPlan(const scenario::v1::Topology& topology);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_ADDRESS_PLAN_H_

// Which scenarios can run against a relay the engine did not launch: a relay
// attached by URL offers only its HTTP mailbox API (and perhaps gRPC), not
// its internals. RelayInternalsNeeded reads the scenario's content (topology,
// steps, faults, adversaries) and gives one reason per part that needs what
// the relay under test does not offer; the engine reports such a scenario as
// NOT APPLICABLE with those reasons instead of running it (docs/suite.md).
//
// The rules, by what the relay must offer:
//  - launched by the engine: a store, TTL, Redis or flags chosen for it;
//    architecture.ohttp (the gateway is launched in front of it); the
//    relay-attestation variant (the relay gets the OEMs' roots);
//    relay_design DERIVED_LOCATIONS (its exchanges run over the derived
//    relay beside it); a
//    restart fault or service step on "relay"; the relay-operator dump (reads
//    its store files); waiting for a push (an attached relay has no route to
//    this run's OEMs);
//  - its sim services (SimControl, Audit): advancing every clock (or the
//    relay's), a clock skew, outage or link fault on "relay";
//  - a gRPC address: a launched device with relay_api GRPC.
// Knowledge assertions about the relay are not a reason: its rows are
// reported AUDIT_UNKNOWN (not audited) and the rest of the scenario runs.
//
// Thread-safe (pure functions).
#ifndef SCT_SCENARIOS_ENGINE_RELAY_INTERNALS_H_
#define SCT_SCENARIOS_ENGINE_RELAY_INTERNALS_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// What the relay under test offers the engine.
struct RelayOffer {
  bool launched = true;      // started (and restartable, configurable) by the engine
  bool sim_services = true;  // serves common.v1.SimControl and Audit
  bool grpc = true;          // has a gRPC address (relay.v1)
};

// What `relay` (a topology's relay spec) offers: everything when launched;
// an attached one its endpoint's has_sim_services and grpc_address.
RelayOffer RelayOfferOf(const scenario::v1::RelaySpec& relay);

// One reason per part of `scenario` that needs what `offer` lacks, e.g.
// "fault \"relay crash\": kills and restarts the relay (needs a launched
// relay)"; empty when the scenario can run. `scenario`'s own relay spec is
// read for store and flag choices even when `offer` comes from elsewhere
// (the engine's --attach_relay_url).
std::vector<std::string> RelayInternalsNeeded(const scenario::v1::Scenario& scenario,
                                              const RelayOffer& offer);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_RELAY_INTERNALS_H_

// The soak's steady mixed load, one loop per thread until the run stops.
// Each flow is driven through the DeviceAgent control API and the channel
// inboxes (scenarios/bench/flow_driver.h does share -> link -> accept -> use),
// and everything it observes goes into the context's bookkeeping:
//
//   ChainLoop:  alice shares car-1 with bob (re-sharing allowed), bob
//               re-shares with carol, both use it; alice revokes her share
//               and both must be denied within the bound (cascade).
//   DoorLoop:   carol shares door-1 with dave, multi-round with a PIN over
//               e-mail; dave enters; carol revokes; dave denied in the bound.
//   HotelLoop:  dave shares hotel-1 (symmetric key) with bob over e-mail;
//               bob enters; dave revokes; bob denied within the bound.
//   RaceLoop:   alice shares car-1 with mallory's inbox; bob and mallory
//               accept the same full link at once: at most one redemption.
//   (the ledger and relay audits are in audits.h)
//
// Thread-safety: each loop runs on its own thread; they share only the
// context (soak_context.h).
#ifndef SCT_SCENARIOS_SOAK_SOAK_LOAD_H_
#define SCT_SCENARIOS_SOAK_SOAK_LOAD_H_

#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/soak/soak_context.h"

namespace sct::soak {

// The soak topology with the relay on `store` ("sqlite" or "memory"): relay,
// authority "ca", oem-a (alice, carol, mallory), oem-b (bob, dave), car-1
// (WATCH), door-1 (POLL every 2 s), hotel-1 (WATCH, symmetric), SMS and
// e-mail channels, real clocks (skew works). The relay's per-address rate
// limits are lifted: every simulated phone calls it from 127.0.0.1, and the
// race loser's lookup of a consumed mailbox counts as a failed lookup (the
// limiter itself is what attack-id-guessing-rate-limited tests). INTERNAL if
// it does not parse.
absl::StatusOr<scenario::v1::Topology> SoakTopology(const std::string& store);

void ChainLoop(SoakContext& ctx);
void DoorLoop(SoakContext& ctx);
void HotelLoop(SoakContext& ctx);
void RaceLoop(SoakContext& ctx);

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_SOAK_LOAD_H_

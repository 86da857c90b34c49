// Pure logic of the linkability audit (no RPCs, no processes): what an actor,
// or several colluding actors, can link from what each one saw, and the audit
// rows of a scenario's linkability assertions.
//
// The raw material is the values each call carried together: a service
// records, per call, the fingerprints of every value it saw in it (the
// caller's address included) as one common.v1.CoObservation. Two values seen
// in one call are linked for that service; links chain (a device's address
// seen with a mailbox id in one call, and the same mailbox id with another
// device's address in another, links the two devices). Colluding actors pool
// their calls. Chains run only through identifying values: a value the engine
// knows as an identifier of a device, persona or share (KnownValue::owner),
// or one the service filed as a MAILBOX_ID, PUSH_TOKEN or DEVICE_IDENTITY
// (by the contract's field annotations) even when the engine does not know
// it. Server addresses and other common values never join two chains.
//
// Link kinds (scenario.v1.Link):
//   CLIENT_ADDRESS   the actors saw calls from the address of actor `subject`;
//   SENDER_RECEIVER  they link the sender and the receiver device of share
//                    `subject` (any identifier of one to any of the other);
//   DEVICE_MAILBOX   they link device `subject` to share `object` (its
//                    mailbox id or share id);
//   PERSONAS         they link entity `subject` to entity `object`
//                    ("device/persona" owners of known values).
// Evidence names values by their labels and the calls where they were seen,
// never by value. Thread-compatible (plain functions and value types).
#ifndef SCT_SCENARIOS_ATTACK_LINKABILITY_H_
#define SCT_SCENARIOS_ATTACK_LINKABILITY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/attack/knowledge.h"

namespace sct::scenarios::attack {

// The values one call carried together, as one actor recorded them.
struct CoSighting {
  std::string actor;
  std::string where;                      // the rpc
  std::vector<std::string> fingerprints;  // hex, as Observation.fingerprint
  uint64_t count = 1;
};

// A share's two ends (RunContext::shares).
struct ShareEnds {
  std::string sender;    // device name
  std::string receiver;  // device name ("" if none)
};

// Everything the linkability rows are built from. `base` supplies the audit
// key, the known values (with owners), the sightings (for the classes
// services gave unknown values), which actors are audited and why not.
struct LinkInput {
  const AuditInput* base = nullptr;
  std::vector<CoSighting> co_sightings;
  std::map<std::string, ShareEnds> shares;  // share name -> ends
  std::vector<scenario::v1::LinkabilityAssertion> assertions;
  // Actors whose pairs are searched for collusion-only links (AUDIT_INFO
  // rows), e.g. the audited services.
  std::vector<std::string> collusion_candidates;
};

// One row per assertion, in order, then one AUDIT_INFO row per (pair of
// collusion candidates, link) that the pair links and neither links alone,
// for every share's SENDER_RECEIVER and both ends' DEVICE_MAILBOX. A row is
// AUDIT_UNKNOWN when an actor of its set is not audited and the rest do not
// link; when the engine knows no identifying value of the subject or object
// the row says so and is AUDIT_UNKNOWN. INVALID_ARGUMENT "invalid_field"
// naming the assertion field for a missing actor, link, subject, or (for
// DEVICE_MAILBOX and PERSONAS) object; for an unknown share; and for an
// empty audit key; INTERNAL when an HMAC fails.
absl::StatusOr<std::vector<scenario::v1::LinkabilityAuditRow>> BuildLinkRows(
    const LinkInput& input);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_LINKABILITY_H_

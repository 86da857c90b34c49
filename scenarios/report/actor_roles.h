// The role of each actor in a sequence diagram (device, relay, OEM server,
// adversary, …) and the colours it is drawn in. Roles come from the words of
// the actor id as scenario files write them ("alice-phone", "oem-a", "ca",
// "car-1", "eve"); adversaries also from what the scenario recorded.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_REPORT_ACTOR_ROLES_H_
#define SCT_SCENARIOS_REPORT_ACTOR_ROLES_H_

#include <set>
#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::report {

enum class Role {
  kEngine,
  kDevice,
  kChannel,
  kRelay,
  kOem,
  kAuthority,
  kAccessPoint,
  kAdversary,
  kOther
};

// How a role is named under its actor box and coloured (SVG colours).
struct RoleStyle {
  const char* name;
  const char* fill;
  const char* stroke;
};

RoleStyle StyleOf(Role r);

// The scenario's adversaries: senders of ADVERSARY trace events, actors of
// adversary_act steps, and labels of ADVERSARY markers.
std::set<std::string> Adversaries(const scenario::v1::ScenarioResult& r);

// The role of actor `name`: "engine" is the engine; a member of
// `adversaries` or an id with an adversary word ("eve", "attacker", …) is an
// adversary; otherwise the first role whose words the id contains as whole
// words (trailing digits dropped), else kOther.
Role RoleOf(const std::string& name, const std::set<std::string>& adversaries);

}  // namespace sct::scenarios::report

#endif  // SCT_SCENARIOS_REPORT_ACTOR_ROLES_H_

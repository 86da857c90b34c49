#include "scenarios/report/actor_roles.h"

#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::scenarios::report {
namespace {

// Lower-case words of an actor id, split at anything not a letter, with
// trailing digits dropped: "Car1-front" -> {"car", "front"}.
std::set<std::string> Words(absl::string_view name) {
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && absl::ascii_isdigit(word.back())) word.pop_back();
    if (!word.empty()) out.insert(word);
    word.clear();
  };
  for (char c : name) {
    if (absl::ascii_isalnum(c)) {
      word += absl::ascii_tolower(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

bool HasAny(const std::set<std::string>& words, std::initializer_list<const char*> any) {
  for (const char* w : any) {
    if (words.count(w)) return true;
  }
  return false;
}

}  // namespace

RoleStyle StyleOf(Role r) {
  switch (r) {
    case Role::kEngine:
      return {"engine", "#f3f4f6", "#9ca3af"};
    case Role::kDevice:
      return {"device", "#dbeafe", "#1d4ed8"};
    case Role::kChannel:
      return {"channel", "#dcfce7", "#15803d"};
    case Role::kRelay:
      return {"relay", "#ede9fe", "#6d28d9"};
    case Role::kOem:
      return {"OEM server", "#ffedd5", "#c2410c"};
    case Role::kAuthority:
      return {"authority", "#fef9c3", "#a16207"};
    case Role::kAccessPoint:
      return {"access point", "#ccfbf1", "#0f766e"};
    case Role::kAdversary:
      return {"adversary", "#fee2e2", "#b91c1c"};
    default:
      return {"service", "#f3f4f6", "#4b5563"};
  }
}

std::set<std::string> Adversaries(const scenario::v1::ScenarioResult& r) {
  std::set<std::string> out;
  for (const common::v1::TraceEvent& e : r.trace()) {
    if (e.kind() == common::v1::ADVERSARY && !e.from().empty()) out.insert(e.from());
  }
  for (const scenario::v1::StepResult& s : r.steps()) {
    if (s.action() == "adversary_act" && !s.actor().empty()) out.insert(s.actor());
  }
  for (const scenario::v1::Marker& m : r.markers()) {
    if (m.kind() == common::v1::ADVERSARY) out.insert(m.label());
  }
  return out;
}

Role RoleOf(const std::string& name, const std::set<std::string>& adversaries) {
  if (name == "engine") return Role::kEngine;
  const std::set<std::string> w = Words(name);
  if (adversaries.count(name) ||
      HasAny(w, {"adversary", "attacker", "eve", "mallory", "trudy", "interceptor", "guesser",
                 "replayer", "operator", "evil"})) {
    return Role::kAdversary;
  }
  if (HasAny(w, {"relay", "mailbox"})) return Role::kRelay;
  if (HasAny(w, {"oem", "vendor"})) return Role::kOem;
  if (HasAny(w, {"ca", "authority", "issuer"})) return Role::kAuthority;
  if (HasAny(w, {"channel", "sms", "email", "mail", "messenger", "preview", "bot"})) {
    return Role::kChannel;
  }
  if (HasAny(w, {"phone", "device", "tablet", "watch", "laptop", "wallet", "iphone", "android",
                 "pixel", "handset"})) {
    return Role::kDevice;
  }
  if (HasAny(w, {"car", "door", "hotel", "lock", "gate", "ap", "vehicle", "room", "home", "reader",
                 "access"})) {
    return Role::kAccessPoint;
  }
  return Role::kOther;
}

}  // namespace sct::scenarios::report

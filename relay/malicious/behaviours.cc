#include "relay/malicious/behaviours.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace sct::relay::malicious {

std::string NameOf(Behaviour b) {
  switch (b) {
    case Behaviour::kServeSecondReader:
      return "serve_second_reader";
    case Behaviour::kIgnoreBinding:
      return "ignore_binding";
    case Behaviour::kDropRound:
      return "drop_round";
    case Behaviour::kReplayRound:
      return "replay_round";
    case Behaviour::kSwapPayloads:
      return "swap_payloads";
    case Behaviour::kLieAboutExpiry:
      return "lie_about_expiry";
  }
  return "unknown";
}

std::vector<Behaviour> AllBehaviours() {
  return {Behaviour::kServeSecondReader, Behaviour::kIgnoreBinding, Behaviour::kDropRound,
          Behaviour::kReplayRound,       Behaviour::kSwapPayloads,  Behaviour::kLieAboutExpiry};
}

absl::StatusOr<Behaviours> ParseBehaviours(const std::vector<std::string> &names,
                                           absl::string_view field) {
  Behaviours out;
  for (const std::string &name : names) {
    if (name.empty()) continue;
    bool known = false;
    for (Behaviour b : AllBehaviours()) {
      if (NameOf(b) == name) {
        out.insert(b);
        known = true;
      }
    }
    if (!known) {
      std::vector<std::string> all;
      for (Behaviour b : AllBehaviours()) all.push_back(NameOf(b));
      return InvalidField(field, absl::StrCat("unknown behaviour \"", name,
                                              "\" (known: ", absl::StrJoin(all, ", "), ")"));
    }
  }
  return out;
}

std::string Describe(const Behaviours &behaviours) {
  std::vector<std::string> names;
  for (Behaviour b : behaviours) names.push_back(NameOf(b));
  return absl::StrJoin(names, ",");
}

}  // namespace sct::relay::malicious

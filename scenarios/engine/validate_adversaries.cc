// Validator: the adversaries (unique names that are not service ids, and per
// kind the devices, channel and interceptor they use).
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/address_plan.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

void Validator::CheckAdversaries() {
  std::set<std::string> seen;
  for (int i = 0; i < s_.adversaries_size(); ++i) {
    const sv1::Adversary& a = s_.adversaries(i);
    Node n = Child(root_, "adversaries", i);
    if (a.name().empty()) {
      Err(n, "name", "required");
    } else if (!seen.insert(a.name()).second) {
      Err(n, "name", absl::StrCat("duplicate adversary \"", a.name(), "\""));
    } else if (IsService(a.name())) {
      Err(n, "name", absl::StrCat("\"", a.name(), "\" is also a service id"));
    }
    CheckAdversaryKind(n, a);
  }
}

void Validator::CheckAdversaryKind(const Node& n, const sv1::Adversary& a) {
  switch (a.kind_case()) {
    case sv1::Adversary::kLinkInterceptor: {
      Node c = Child(n, "link_interceptor");
      if (a.link_interceptor().channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        Err(c, "channel", "required (SMS, EMAIL or MESSENGER)");
      }
      DeviceRef(c, "target", a.link_interceptor().target(), false);
      DeviceRef(c, "device", a.link_interceptor().device(), a.link_interceptor().race());
      Duration(c, "reaction_time", a.link_interceptor().reaction_time());
      std::set<int> also;
      for (int i = 0; i < a.link_interceptor().also_channels_size(); ++i) {
        const int kind = a.link_interceptor().also_channels(i);
        if (kind == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
          Err(c, "also_channels", i, "not a channel kind");
        } else if (kind == a.link_interceptor().channel()) {
          Err(c, "also_channels", i, "the tapped `channel` itself; name other channels");
        } else if (!also.insert(kind).second) {
          Err(c, "also_channels", i, "listed twice");
        }
      }
      break;
    }
    case sv1::Adversary::kIdGuesser: {
      Node c = Child(n, "id_guesser");
      if (a.id_guesser().rate() < 0) Err(c, "rate", "must not be negative");
      if (a.id_guesser().attackers() > kMaxAttackers) {
        Err(c, "attackers", absl::StrCat("must be at most ", kMaxAttackers, " (0 means 1)"));
      }
      break;
    }
    case sv1::Adversary::kTokenReplayer: {
      Node c = Child(n, "token_replayer");
      const sv1::TokenReplayer& r = a.token_replayer();
      auto it = adversaries_.find(r.interceptor());
      if (it == adversaries_.end() || it->second != sv1::Adversary::kLinkInterceptor) {
        Err(c, "interceptor",
            absl::StrCat("\"", r.interceptor(), "\" is not a link_interceptor adversary"));
      }
      DeviceRef(c, "device", r.device(), true);
      if (r.share().empty()) {
        Err(c, "share", "required (a share's save_as name)");
      } else if (!all_shares_.count(r.share())) {
        Err(c, "share", absl::StrCat("unknown share \"", r.share(), "\" (no share step saves it)"));
      }
      break;
    }
    case sv1::Adversary::kRelayDump:
      break;
    case sv1::Adversary::KIND_NOT_SET:
      Err(n, "name",
          absl::StrCat("adversary \"", a.name(),
                       "\" has no kind (link_interceptor, id_guesser, "
                       "token_replayer or relay_dump)"));
      break;
  }
}

}  // namespace sct::scenarios::validation

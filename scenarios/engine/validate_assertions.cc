// Validator: the assertions checked at the end of a run (knowledge: whose
// knowledge and which items; timing: two steps in order and a maximum).
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/address_plan.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

// Linkability: known actors, a link kind, and the subject and object that
// kind names (a share for SENDER_RECEIVER; a device and a share for
// DEVICE_MAILBOX; an actor for CLIENT_ADDRESS; two personas for PERSONAS).
// With `variant_only` (the assertion names only_variants) the actors a
// variant adds (launcher/address_plan.h) are known too.
void Validator::CheckLinkability(const Node& l, const sv1::LinkabilityAssertion& a,
                                 bool variant_only) {
  if (a.actors().empty()) Err(l, "actors", "required (one actor, or several that collude)");
  for (const std::string& actor : a.actors()) {
    if (!IsService(actor) && !adversaries_.count(actor) &&
        !(variant_only && IsArchitectureActor(actor))) {
      Err(l, "actors", absl::StrCat("unknown actor \"", actor, "\""));
    }
  }
  auto share = [&](const char* field, const std::string& name) {
    if (name.empty()) {
      Err(l, field, "required (a share's save_as)");
    } else if (!all_shares_.count(name)) {
      Err(l, field, absl::StrCat("unknown share \"", name, "\""));
    }
  };
  switch (a.link()) {
    case sv1::CLIENT_ADDRESS:
      if (!IsService(a.subject())) {
        Err(l, "subject", absl::StrCat("unknown actor \"", a.subject(), "\""));
      }
      break;
    case sv1::SENDER_RECEIVER:
      share("subject", a.subject());
      break;
    case sv1::DEVICE_MAILBOX:
      if (!IsDevice(a.subject())) {
        Err(l, "subject", absl::StrCat("unknown device \"", a.subject(), "\""));
      }
      share("object", a.object());
      break;
    case sv1::PERSONAS:
      if (a.subject().empty()) Err(l, "subject", "required (\"device/persona\")");
      if (a.object().empty()) Err(l, "object", "required (\"device/persona\")");
      break;
    default:
      Err(l, "link", "required (CLIENT_ADDRESS, SENDER_RECEIVER, DEVICE_MAILBOX or PERSONAS)");
  }
}

void Validator::CheckAssertions() {
  for (int i = 0; i < s_.assertions_size(); ++i) {
    const sv1::Assertion& a = s_.assertions(i);
    Node n = Child(root_, "assertions", i);
    CheckAssertionVariants(n, a);
    switch (a.kind_case()) {
      case sv1::Assertion::kKnowledge: {
        Node k = Child(n, "knowledge");
        const std::string& actor = a.knowledge().actor();
        if (actor.empty()) {
          Err(k, "actor", "required (a service id or adversary name)");
        } else if (!IsService(actor) && !adversaries_.count(actor) && actor != "relay-operator" &&
                   actor != "preview-bot" &&
                   !(a.only_variants_size() > 0 && IsArchitectureActor(actor))) {
          Err(k, "actor", absl::StrCat("unknown actor \"", actor, "\""));
        }
        if (a.knowledge().must_not_learn_size() == 0 && a.knowledge().must_learn_size() == 0) {
          Err(k, "must_not_learn", "give must_not_learn or must_learn items");
        }
        break;
      }
      case sv1::Assertion::kTiming: {
        Node t = Child(n, "timing");
        StepRef(t, "from_step", a.timing().from_step(), true);
        StepRef(t, "to_step", a.timing().to_step(), true);
        Duration(t, "max", a.timing().max(), false, true);
        auto from = step_index_.find(a.timing().from_step());
        auto to = step_index_.find(a.timing().to_step());
        if (from != step_index_.end() && to != step_index_.end() && to->second < from->second) {
          Err(t, "to_step", "comes before from_step");
        }
        break;
      }
      case sv1::Assertion::kLinkability:
        CheckLinkability(Child(n, "linkability"), a.linkability(), a.only_variants_size() > 0);
        break;
      case sv1::Assertion::KIND_NOT_SET:
        Err(n, "name", "assertion has no kind (knowledge, timing or linkability)");
        break;
    }
  }
}

}  // namespace sct::scenarios::validation

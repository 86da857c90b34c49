// Validator: the faults (their window of steps and, per kind, the service or
// channel they act on with their durations and probabilities).
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

void Validator::CheckFaults() {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const sv1::Fault& f = s_.faults(i);
    Node n = Child(root_, "faults", i);
    StepRef(n, "from_step", f.from_step(), false);
    StepRef(n, "until_step", f.until_step(), false);
    auto from = step_index_.find(f.from_step());
    auto until = step_index_.find(f.until_step());
    if (from != step_index_.end() && until != step_index_.end() && until->second < from->second) {
      Err(n, "until_step",
          absl::StrCat("step \"", f.until_step(), "\" comes before from_step \"", f.from_step(),
                       "\""));
    }
    CheckFaultKind(n, f);
  }
}

void Validator::CheckFaultKind(const Node& n, const sv1::Fault& f) {
  switch (f.kind_case()) {
    case sv1::Fault::kChannel: {
      Node c = Child(n, "channel");
      if (f.channel().kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        Err(c, "kind", "required (SMS, EMAIL or MESSENGER)");
      }
      Duration(c, "delay", f.channel().delay());
      Probability(c, "loss", f.channel().loss());
      Probability(c, "duplicate", f.channel().duplicate());
      break;
    }
    case sv1::Fault::kLink: {
      Node c = Child(n, "link");
      ServiceRef(c, "from", f.link().from());
      ServiceRef(c, "to", f.link().to(), true);
      Duration(c, "delay", f.link().delay());
      Probability(c, "drop", f.link().drop());
      Probability(c, "duplicate", f.link().duplicate());
      break;
    }
    case sv1::Fault::kRestart:
      ServiceRef(Child(n, "restart"), "service", f.restart().service());
      break;
    case sv1::Fault::kClockSkew: {
      Node c = Child(n, "clock_skew");
      ServiceRef(c, "service", f.clock_skew().service());
      Duration(c, "offset", f.clock_skew().offset(), true, true);
      break;
    }
    case sv1::Fault::kOutage:
      ServiceRef(Child(n, "outage"), "service", f.outage().service());
      break;
    case sv1::Fault::KIND_NOT_SET:
      Err(n, "name",
          absl::StrCat("fault \"", f.name(),
                       "\" has no kind (channel, link, restart, "
                       "clock_skew or outage)"));
      break;
  }
}

}  // namespace sct::scenarios::validation

#include "scenarios/report/scenario_outcome.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proto/access_point/v1/access_point.pb.h"

namespace sct::scenarios::report {

using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;

Verdict ScenarioVerdict(const ScenarioResult& r) {
  if (r.not_applicable()) return Verdict::kNotApplicable;
  return r.passed() ? Verdict::kPass : Verdict::kFail;
}

const char* VerdictLabel(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kNotApplicable:
      return "N/A";
    default:
      return "FAIL";
  }
}

std::vector<std::string> RelayHeadline(const scenario::v1::Report& report) {
  std::vector<std::string> lines;
  const auto& env = report.environment();
  for (const auto& [key, label] : {std::pair<const char*, const char*>{"relay", "relay: "},
                                   {"relay_api", "devices reach the relay over: "},
                                   {"relay_push", "push: "}}) {
    auto it = env.find(key);
    if (it != env.end() && !it->second.empty()) lines.push_back(absl::StrCat(label, it->second));
  }
  return lines;
}

bool IsFailed(scenario::v1::StepStatus s) {
  return s == scenario::v1::FAILED || s == scenario::v1::ERRORED;
}

const StepResult* FirstFailingStep(const ScenarioResult& r) {
  for (const StepResult& s : r.steps()) {
    if (IsFailed(s.status())) return &s;
  }
  return nullptr;
}

std::string ObservedText(const StepResult& s) {
  if (!s.observed().empty()) return s.observed();
  if (s.access() != access_point::v1::AUTH_REASON_UNSPECIFIED) {
    return absl::StrCat("access ", access_point::v1::AuthReason_Name(s.access()));
  }
  if (!s.code().empty()) {
    return s.reason().empty() ? s.code() : absl::StrCat(s.code(), " ", s.reason());
  }
  return "";
}

bool FailureRepeatsStep(const ScenarioResult& r, const StepResult& step) {
  return absl::StrContains(r.first_failure(), step.step_id()) &&
         absl::StrContains(r.first_failure(), ObservedText(step));
}

}  // namespace sct::scenarios::report

// What a scenario result says about its steps, as the terminal summary, the
// HTML page and the diagram all read it: the scenario's verdict (pass, fail,
// not applicable), which steps count as failed, the first failing step, and
// the observed outcome of a step as text; and the run's relay under test.
//
// Pure functions; thread-safe. Returned pointers point into the argument.
#ifndef SCT_SCENARIOS_REPORT_SCENARIO_OUTCOME_H_
#define SCT_SCENARIOS_REPORT_SCENARIO_OUTCOME_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::report {

// A scenario's verdict: NOT APPLICABLE (ScenarioResult.not_applicable: it
// needs what the relay under test does not offer) is neither a pass nor a
// failure.
enum class Verdict { kPass, kFail, kNotApplicable };
Verdict ScenarioVerdict(const scenario::v1::ScenarioResult& r);

// "PASS", "FAIL" or "N/A".
const char* VerdictLabel(Verdict v);

// The run's header lines about the relay under test, from the report's
// environment (RunEnvironment in scenarios/engine/suite.h): which relay
// ("relay: attached by URL https://..."), which API the devices used, and
// that push was unavailable (devices polled) when so. Empty when the
// environment says nothing about the relay.
std::vector<std::string> RelayHeadline(const scenario::v1::Report& report);

// FAILED and ERRORED steps are failures; SKIPPED and not-run ones are not.
bool IsFailed(scenario::v1::StepStatus s);

// The first step of `r` that IsFailed, or nullptr.
const scenario::v1::StepResult* FirstFailingStep(const scenario::v1::ScenarioResult& r);

// The step's observed outcome: its `observed` text, else "access <decision>",
// else "<code> <reason>" (or the code alone), else "".
std::string ObservedText(const scenario::v1::StepResult& s);

// Whether the scenario's first_failure text already says what `step` says
// (its id and observed outcome), so printing both would repeat it.
bool FailureRepeatsStep(const scenario::v1::ScenarioResult& r,
                        const scenario::v1::StepResult& step);

}  // namespace sct::scenarios::report

#endif  // SCT_SCENARIOS_REPORT_SCENARIO_OUTCOME_H_

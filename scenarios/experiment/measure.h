// Measuring one run of an experiment: what its ScenarioResult says about
// each of the experiment's measures (docs/experiments.md "Measures").
//
//   outcome  the first category whose StepConditions all hold (a condition on
//            a step that did not run never holds), else `otherwise`;
//   latency  start of from_step to the end of to_step, in milliseconds
//            (absent when either did not run);
//   count    trace events matching the filter, a step's attempts, or a
//            numeric step detail (absent when the step did not run or has
//            no such detail);
//   learned  "yes"/"no" from the knowledge-audit row of the actor and item
//            (AddLearnedAssertions makes the audit produce it).
//
// A run errored when nothing ran (launch or set-up failure, not
// applicable), when a step ERRORED (engine error, scenario timeout), or, if
// the experiment judges expectations, when it did not pass; an errored run
// has no categories or values.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_MEASURE_H_
#define SCT_SCENARIOS_EXPERIMENT_MEASURE_H_

#include <string>

#include "proto/scenario/v1/experiment.pb.h"
#include "proto/scenario/v1/result.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::experiment {

// The name of the assertion AddLearnedAssertions adds for a measure.
inline constexpr char kLearnedAssertionPrefix[] = "experiment measure ";

// Adds a knowledge assertion (must_learn) per learned measure to `s`, so the
// knowledge audit has a row for its actor and item.
void AddLearnedAssertions(const scenario::v1::Experiment& e, scenario::v1::Scenario& s);

// Whether the run errored; `why` (may be null) says why.
bool RunErrored(const scenario::v1::ScenarioResult& r, bool judge_expectations, std::string* why);

// Fills record.categories and record.values from `r` (errored or not).
void MeasureRun(const scenario::v1::Experiment& e, const scenario::v1::ScenarioResult& r,
                scenario::v1::RunRecord& record);

// Whether some measure counts trace events (the engine must merge the
// services' traces).
bool NeedsTrace(const scenario::v1::Experiment& e);
// Whether some measure reads the knowledge audit, or expectations are judged
// (assertions included).
bool NeedsAudit(const scenario::v1::Experiment& e);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_MEASURE_H_

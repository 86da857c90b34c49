// The cells of the comparison matrix, from the runs' results: each cell's
// outcome, its share -> use latency, its knowledge-audit differences against
// the baseline column and the steps whose expectation the variant replaced;
// and the totals. What `sct compare` writes to compare.json
// (scenario.v1.CompareResult); docs/comparison.md says how to read it.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_COMPARE_MATRIX_H_
#define SCT_SCENARIOS_COMPARE_MATRIX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::compare {

// The span a flow's latency is measured over.
struct FlowSpan {
  absl::Duration latency;
  std::string label;  // e.g. "share -> bob-unlocks"
};

// Sum of the step durations from the first passed `share` step to the first
// passed `use` step after it that was GRANTED, or else to the first passed
// `accept` after it; nullopt when the run has no such pair. Step durations
// are wall-clock (fake service clocks do not shorten them).
std::optional<FlowSpan> FlowSpanOf(const scenario::v1::ScenarioResult& run);

// The knowledge-audit differences of `run` against `baseline` (same
// scenario, first column): an (actor, item) learned in one and not the other
// ("relay: +DEVICE_IDENTITY": learned only in `run`; "oem-b: -LINKAGE": only
// in the baseline), else a verdict that differs where both assert it
// ("relay: PIN ok -> violated"). Items of an actor the audit could not see
// (AUDIT_UNKNOWN) in either run are not compared. Sorted by actor and item.
std::vector<scenario::v1::AuditDifference> AuditDifferences(
    const scenario::v1::ScenarioResult& run, const scenario::v1::ScenarioResult& baseline);

// The cell of a run of `scenario` (as written in its file) under `variant`:
// outcome (NOT_APPLICABLE when the run said so), first failure, flow
// latency, duration, steps passed, and the steps with a variant_expect for
// the variant (expected, default, observed). Audit differences and the
// report link are left to the caller.
scenario::v1::CompareCell CellOfRun(const scenario::v1::Variant& variant,
                                    const scenario::v1::Scenario& scenario,
                                    const scenario::v1::ScenarioResult& run);

// A cell not run: NOT_APPLICABLE with `reasons`.
scenario::v1::CompareCell NotApplicableCell(const std::string& variant,
                                            const std::vector<std::string>& reasons);

// A cell not run because the file itself is broken: FAILED with `why`.
scenario::v1::CompareCell FailedCell(const std::string& variant, const std::string& why);

// Sets `result`'s passed / failed / not_applicable counts from its cells.
void CountCells(scenario::v1::CompareResult& result);

// "passed", "FAILED", "not applicable" (for text and HTML).
std::string OutcomeWord(scenario::v1::CompareOutcome outcome);

}  // namespace sct::scenarios::compare

#endif  // SCT_SCENARIOS_COMPARE_MATRIX_H_

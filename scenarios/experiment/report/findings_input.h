// What `./sct findings` reads: the questions file, the experiment results
// under a directory, and the suite's scenario report (docs/experiments.md,
// "Findings").
//
// Thread-compatible; reads files only.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_INPUT_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_INPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/experiment.pb.h"
#include "proto/scenario/v1/result.pb.h"
#include "scenarios/experiment/report/findings.pb.h"

namespace sct::scenarios::experiment {

// Parses and checks a questions file (text format). Errors, kInvalidArgument
// (reason "invalid_field"), one "FILE:LINE:COL: field: problem" line each: a
// syntax error; a question without id, title or question; a duplicate id; an
// experiment or scenario answer without a name.
absl::StatusOr<sct::findings::FindingsQuestions> ParseFindingsQuestions(const std::string& text,
                                                                        const std::string& file);

// Every `result.json` under `dir` (recursively, in path order), parsed as an
// ExperimentResult and aggregated (Aggregate: its numbers follow from its
// runs); for a name found twice, the one that started last. A
// missing `dir` gives none. Errors: kInvalidArgument naming a file that is
// not an ExperimentResult; kInternal ("io_error") for one that cannot be read.
absl::StatusOr<std::vector<scenario::v1::ExperimentResult>> LoadExperimentResults(
    const std::string& dir);

// The scenario report (scenario.v1.Report JSON) at `path`; nullopt if there
// is no such file. Errors as for LoadExperimentResults.
absl::StatusOr<std::optional<scenario::v1::Report>> LoadScenarioReport(const std::string& path);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_INPUT_H_

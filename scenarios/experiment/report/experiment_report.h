// Writes an experiment run's files (docs/experiments.md, "Outputs"):
//   OUT/<dir>/result.json  the ExperimentResult (proto3 JSON mapping);
//   OUT/<dir>/runs.csv     one row per run (csv.h);
//   OUT/<dir>/points.csv   one row per point and measure statistic (csv.h);
//   OUT/report.html        one section per experiment (experiment_html.h);
// where <dir> is the experiment's directory name (ExperimentDirs). Each file
// is written through a temporary file and a rename, so a reader never sees
// half of one.
//
// Thread-compatible: concurrent calls must use different directories.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_REPORT_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// Writes the files for `results`, each aggregated first (Aggregate on a
// copy: the per-point numbers always follow from the runs, whether or not
// the caller aggregated). Creates `out_dir` and the experiment directories.
// Errors: kInternal (reason "io_error") when a directory or file cannot be
// written, naming it.
absl::Status WriteExperimentReport(const std::vector<scenario::v1::ExperimentResult>& results,
                                   const std::string& out_dir);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_REPORT_H_

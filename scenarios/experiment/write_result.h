// Writing an experiment's result: DIR/<name>/result.json (the proto3 JSON of
// scenario.v1.ExperimentResult, every field printed).
//
// Thread-safe (separate results, separate files).
#ifndef SCT_SCENARIOS_EXPERIMENT_WRITE_RESULT_H_
#define SCT_SCENARIOS_EXPERIMENT_WRITE_RESULT_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// Writes `result` to DIR/<result.name>/result.json (directories created);
// returns the file's path. INTERNAL "io_error" naming the path on failure.
absl::StatusOr<std::string> WriteResultJson(const scenario::v1::ExperimentResult& result,
                                            const std::string& dir);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_WRITE_RESULT_H_

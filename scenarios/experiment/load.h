// Loading experiment files (text-format scenario.v1.Experiment,
// docs/experiments.md "## Experiment files").
//
// LoadExperiment parses the file, loads its scenario (scenario_file relative
// to the experiment file, through the engine's checked loader, or the inline
// scenario, validated with locations in the experiment file), and checks:
// every parameter (name, path, values, labels; each value applied to the
// scenario must leave it valid), every sweep point (the cross product), the
// measures (steps and actors that exist) and the charts (measures,
// categories and parameters that exist). Every problem is one
// "FILE:LINE:COL: field: problem" line; all are collected.
//
// Pure functions (apart from reading files); thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_LOAD_H_
#define SCT_SCENARIOS_EXPERIMENT_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/experiment.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::experiment {

// An experiment that passed every check.
struct LoadedExperiment {
  scenario::v1::Experiment experiment;  // name defaulted to the file's stem
  std::string file;                     // the experiment file
  std::string scenario_file;            // the scenario's file (the experiment's if inline)
  scenario::v1::Scenario scenario;      // the base scenario, as loaded
  // The parameters with whether each forces a relaunch (a path under
  // topology).
  std::vector<scenario::v1::ParameterInfo> parameters;
  // Every sweep point: the value index of each parameter, in sweep order
  // (the last parameter varies fastest). One empty point without parameters.
  std::vector<std::vector<int>> points;
};

// The most sweep points an experiment may have.
inline constexpr int kMaxPoints = 10000;

// Parses and checks experiment text; `file` names it in messages and anchors
// a relative scenario_file. INVALID_ARGUMENT whose message is every
// "FILE:LINE:COL: ..." line.
absl::StatusOr<LoadedExperiment> ParseExperiment(const std::string& text, const std::string& file);

// Reads `path` and calls ParseExperiment. NOT_FOUND if it cannot be read.
absl::StatusOr<LoadedExperiment> LoadExperiment(const std::string& path);

// The scenario of sweep point `point` (LoadedExperiment::points) at `seed`:
// the base scenario with every parameter's value applied at its paths.
// INVALID_ARGUMENT naming the parameter when a value does not apply (never,
// for a loaded experiment).
absl::StatusOr<scenario::v1::Scenario> PointScenario(const LoadedExperiment& e,
                                                     const std::vector<int>& point, uint64_t seed);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_LOAD_H_

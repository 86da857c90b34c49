// The checks of an experiment file behind ParseExperiment (load.h), private
// to the load library: where a field is (Loc, from TextFormat's
// ParseInfoTree) and one check per section.
//
// Single-threaded; a Checker collects "FILE:LINE:COL: field: problem" lines.
#ifndef SCT_SCENARIOS_EXPERIMENT_POINT_CHECKS_H_
#define SCT_SCENARIOS_EXPERIMENT_POINT_CHECKS_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/experiment.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/experiment/load.h"

namespace sct::scenarios::experiment {

// A message of the experiment file: its parse-info subtree (may be null),
// its type and its own 0-based location.
struct Loc {
  const google::protobuf::TextFormat::ParseInfoTree* tree = nullptr;
  const google::protobuf::Descriptor* type = nullptr;
  int line = 0;
  int col = 0;
};

// The message in `field` (element `index` of a repeated field) of `l`.
Loc Nested(const Loc& l, const std::string& field, int index = -1);

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}
  // The experiment's root.
  Loc Root(const google::protobuf::TextFormat::ParseInfoTree* tree) const;
  // Reports `problem` of field `path` at `field` (element `index`) of `l`.
  void Err(const Loc& l, const std::string& field, int index, const std::string& path,
           const std::string& problem);
  // Adds a line that already has its location.
  void Raw(std::string line) { errors_.push_back(std::move(line)); }
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

// The first problem of `s` as the scenario checks see it (without its
// "FILE:0:0: " prefix; ResolveTopology's too when `resolve`), or "".
std::string ScenarioProblem(const scenario::v1::Scenario& s, const std::string& file,
                            bool resolve);

// Parameters: names, paths, values (each applied to `base` must leave it
// valid), labels.
void CheckParameters(const scenario::v1::Experiment& e, const scenario::v1::Scenario& base,
                     const std::string& scenario_file, const Loc& root, Checker& c);
// Measures: steps and actors that exist.
void CheckMeasures(const scenario::v1::Experiment& e, const scenario::v1::Scenario& base,
                   const std::string& scenario_file, const Loc& root, Checker& c);
// Charts: measures, categories, statistics and parameters that exist.
void CheckCharts(const scenario::v1::Experiment& e, const Loc& root, Checker& c);
// Every sweep point of two or more parameters is a valid scenario.
void CheckPoints(const LoadedExperiment& e, const Loc& root, Checker& c);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_POINT_CHECKS_H_

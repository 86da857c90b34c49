#include "scenarios/experiment/load.h"

#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/text_format_errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "scenarios/engine/parse.h"
#include "scenarios/experiment/param_path.h"
#include "scenarios/experiment/point_checks.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios::experiment {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::TextFormat;

absl::Status Errors(const std::vector<std::string>& lines) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field", absl::StrJoin(lines, "\n"));
}

// The base scenario: the inline one (validated with the experiment's
// locations) or scenario_file's, through the engine's checked loader.
bool LoadBase(const sv1::Experiment& e, const TextFormat::ParseInfoTree& tree, Checker& c,
              LoadedExperiment& out) {
  const Loc root = c.Root(&tree);
  if (e.has_scenario()) {
    out.scenario_file = out.file;
    const Loc s = Nested(root, "scenario");
    std::vector<std::string> errors = ValidateScenario(e.scenario(), s.tree, out.file);
    if (errors.empty()) {
      absl::StatusOr<ResolvedTopology> t = ResolveTopology(e.scenario().topology());
      if (!t.ok()) c.Err(s, "topology", -1, "scenario.topology", std::string(t.status().message()));
    }
    for (std::string& line : errors) c.Raw(std::move(line));
    out.scenario = e.scenario();
    return errors.empty() && c.ok();
  }
  if (e.scenario_file().empty()) {
    c.Err(root, "name", -1, "scenario_file", "required (or an inline scenario)");
    return false;
  }
  std::filesystem::path p(e.scenario_file());
  if (p.is_relative()) p = std::filesystem::path(out.file).parent_path() / p;
  out.scenario_file = p.lexically_normal().string();
  absl::StatusOr<CheckedScenario> s = LoadCheckedScenario(out.scenario_file);
  if (!s.ok()) {
    c.Err(root, "scenario_file", -1, "scenario_file",
          absl::StrCat("\"", e.scenario_file(), "\": ", s.status().message()));
    return false;
  }
  out.scenario = std::move(s->scenario);
  return true;
}

// The cross product of the parameters' values, last fastest.
std::vector<std::vector<int>> CrossProduct(const sv1::Experiment& e) {
  std::vector<std::vector<int>> points = {{}};
  for (const sv1::Parameter& p : e.parameters()) {
    std::vector<std::vector<int>> next;
    for (const auto& prefix : points) {
      for (int v = 0; v < p.values_size(); ++v) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    }
    points = std::move(next);
  }
  return points;
}

}  // namespace

absl::StatusOr<LoadedExperiment> ParseExperiment(const std::string& text, const std::string& file) {
  std::vector<std::string> errors;
  LineErrorCollector collector(file, &errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  LoadedExperiment out;
  out.file = file;
  if (!parser.ParseFromString(text, &out.experiment)) {
    if (errors.empty()) errors.push_back(absl::StrCat(file, ":1:1: cannot parse experiment"));
    return Errors(errors);
  }
  sv1::Experiment& e = out.experiment;
  if (e.name().empty()) e.set_name(std::filesystem::path(file).stem().string());
  Checker c(file);
  if (!LoadBase(e, tree, c, out)) return Errors(c.errors());
  const Loc root = c.Root(&tree);
  CheckParameters(e, out.scenario, out.scenario_file, root, c);
  CheckMeasures(e, out.scenario, out.scenario_file, root, c);
  CheckCharts(e, root, c);
  if (!c.ok()) return Errors(c.errors());
  for (const sv1::Parameter& p : e.parameters()) {
    sv1::ParameterInfo info;
    *info.mutable_parameter() = p;
    bool relaunch = IsTopologyPath(p.path());
    for (const std::string& a : p.also_paths()) relaunch = relaunch || IsTopologyPath(a);
    info.set_forces_relaunch(relaunch);
    out.parameters.push_back(std::move(info));
  }
  out.points = CrossProduct(e);
  if (out.points.size() > static_cast<size_t>(kMaxPoints)) {
    c.Err(root, "parameters", -1, "parameters",
          absl::StrCat(out.points.size(), " sweep points; at most ", kMaxPoints));
    return Errors(c.errors());
  }
  CheckPoints(out, root, c);
  if (!c.ok()) return Errors(c.errors());
  return out;
}

absl::StatusOr<LoadedExperiment> LoadExperiment(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadLabFile(path, "experiment"));
  return ParseExperiment(text, path);
}

absl::StatusOr<sv1::Scenario> PointScenario(const LoadedExperiment& e,
                                            const std::vector<int>& point, uint64_t seed) {
  sv1::Scenario s = e.scenario;
  for (size_t i = 0; i < point.size() && i < e.parameters.size(); ++i) {
    const sv1::Parameter& p = e.parameters[i].parameter();
    const std::string& value = p.values(point[i]);
    absl::Status st = ApplyPath(s, p.path(), value);
    for (const std::string& also : p.also_paths()) {
      if (st.ok()) st = ApplyPath(s, also, value);
    }
    if (!st.ok()) {
      return InvalidField(absl::StrCat("parameters[", i, "] (", p.name(), ")"), st.message());
    }
  }
  s.set_seed(seed);
  return s;
}

}  // namespace sct::scenarios::experiment

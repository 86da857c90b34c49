// Writes the experiment report of the made-up results of
// sample_experiment.h to a directory, and prints their terminal tables, to
// look at the report without running an experiment.
//
// Usage: render_experiment_sample OUT_DIR [--hostile]
//   --hostile  adds an experiment whose names and labels are hostile markup
//              (for escaping checks).
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/experiment/report/experiment_report.h"
#include "scenarios/experiment/report/sample_experiment.h"
#include "scenarios/experiment/report/terminal_table.h"

namespace {

scenario::v1::ExperimentResult Hostile() {
  const std::string evil = "<script>alert(1)</script>&\"'";
  scenario::v1::ExperimentResult r = sct::scenarios::experiment::SamplePollingExperiment();
  r.set_name(evil);
  r.set_question(evil);
  r.set_description(evil);
  r.set_error(evil);
  r.mutable_parameters(0)->mutable_parameter()->set_name(evil);
  r.mutable_parameters(0)->mutable_parameter()->set_labels(0, evil);
  r.mutable_points(0)->set_labels(0, evil);
  r.mutable_measures(0)->set_name(evil);
  r.mutable_charts(0)->set_measure(evil);
  r.mutable_charts(0)->set_title(evil);
  r.mutable_charts(0)->set_x(evil);
  for (auto& run : *r.mutable_runs()) {
    (*run.mutable_values())[evil] = (*run.mutable_values())["polls"];
  }
  r.mutable_runs(0)->set_errored(true);
  r.mutable_runs(0)->set_error(evil + ",\"\r\n");
  r.mutable_points(0)->set_errored(1);
  sct::scenarios::experiment::Aggregate(r);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir;
  bool hostile = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--hostile") == 0) {
      hostile = true;
    } else if (argv[i][0] == '-' || !out_dir.empty()) {
      out_dir.clear();
      break;
    } else {
      out_dir = argv[i];
    }
  }
  if (out_dir.empty()) {
    std::cerr << "usage: render_experiment_sample OUT_DIR [--hostile]\n";
    return 2;
  }
  std::vector<scenario::v1::ExperimentResult> results = {
      sct::scenarios::experiment::SampleInterceptionExperiment(),
      sct::scenarios::experiment::SamplePollingExperiment()};
  if (hostile) results.push_back(Hostile());
  const absl::Status status = sct::scenarios::experiment::WriteExperimentReport(results, out_dir);
  if (!status.ok()) {
    std::cerr << "render_experiment_sample: " << status << "\n";
    return 1;
  }
  for (const auto& r : results) {
    std::cout << sct::scenarios::experiment::ExperimentTerminalTable(r) << "\n";
  }
  std::cout << "wrote " << out_dir << "/report.html and one directory per experiment\n";
  return 0;
}

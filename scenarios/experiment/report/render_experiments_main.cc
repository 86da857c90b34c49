// render_experiments: writes the experiment report (report.html, and each
// experiment's result.json, runs.csv and points.csv) again from the
// result.json files under a directory, running nothing: to re-render results
// after the report changed, or to merge the results of several runs into one
// page.
//
//   render_experiments RESULTS_DIR OUT_DIR
//
// Exit codes: 0 written; 2 usage error, a result file that is not an
// ExperimentResult, or the report could not be written.
#include <iostream>
#include <string>

#include "scenarios/experiment/report/experiment_report.h"
#include "scenarios/experiment/report/findings_input.h"
#include "scenarios/experiment/report/terminal_table.h"

int main(int argc, char** argv) {
  if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
    std::cerr << "usage: render_experiments RESULTS_DIR OUT_DIR\n";
    return 2;
  }
  namespace ex = sct::scenarios::experiment;
  auto results = ex::LoadExperimentResults(argv[1]);
  if (!results.ok()) {
    std::cerr << "render_experiments: " << results.status().message() << "\n";
    return 2;
  }
  const absl::Status written = ex::WriteExperimentReport(*results, argv[2]);
  if (!written.ok()) {
    std::cerr << "render_experiments: " << written.message() << "\n";
    return 2;
  }
  for (const auto& r : *results) std::cout << ex::ExperimentTerminalTable(r) << "\n";
  std::cout << "wrote " << argv[2] << "/report.html from " << results->size()
            << " result(s) under " << argv[1] << "\n";
  return 0;
}

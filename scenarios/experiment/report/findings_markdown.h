// docs/findings.md from the questions file, the experiment results and the
// scenario report: for each working-group question, the experiments and
// scenarios that answer it with their numbers and intervals, all taken from
// the results; what has no result yet says so (docs/experiments.md,
// "Findings").
//
// Pure function; thread-safe. The same inputs give the same bytes (no
// clock is read: dates come from the results).
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_MARKDOWN_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_MARKDOWN_H_

#include <optional>
#include <string>
#include <vector>

#include "proto/scenario/v1/experiment.pb.h"
#include "proto/scenario/v1/result.pb.h"
#include "scenarios/experiment/report/findings.pb.h"

namespace sct::scenarios::experiment {

// What the page is made from.
struct FindingsSources {
  std::vector<scenario::v1::ExperimentResult> results;
  std::optional<scenario::v1::Report> scenario_report;
  // How the page names where they came from, e.g. "out/experiments",
  // "out/report.json", "scenarios/experiments/findings/questions.textproto".
  std::string results_dir;
  std::string scenario_report_path;
  std::string questions_file;
};

// The whole page (Markdown).
std::string FindingsMarkdown(const sct::findings::FindingsQuestions& questions,
                             const FindingsSources& sources);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_FINDINGS_MARKDOWN_H_

// The experiment report as one self-contained HTML page (inline CSS and SVG,
// no scripts, nothing fetched), in the look of the scenario report: a
// summary table, then one section per experiment with its question,
// description, parameters (and which forced a relaunch), its charts, a table
// per measure with intervals, and the errors of errored runs
// (docs/experiments.md, "Outputs").
//
// Pure functions; thread-safe. All text from the results is HTML-escaped; a
// chart that names an unknown measure or parameter becomes a visible note.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_HTML_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_HTML_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// The directory of each experiment under the output directory: its name
// reduced to [a-z0-9._-] ("experiment-N" when nothing is left, a leading
// '.' dropped), made unique with "-2", "-3"… in order.
std::vector<std::string> ExperimentDirs(const std::vector<scenario::v1::ExperimentResult>& rs);

// The whole page. The results should be aggregated (see Aggregate).
std::string ExperimentReportHtml(const std::vector<scenario::v1::ExperimentResult>& rs);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_EXPERIMENT_HTML_H_

// The scenario report as one self-contained HTML page: inline CSS and SVG,
// no scripts, nothing fetched, opens offline. The page has the suite's
// environment and a summary table linking to one section per scenario:
// description, verdict, first failure, sequence diagram, steps, timing
// assertions, knowledge audit and endpoints. See docs/report.md.
//
// Pure functions; thread-safe. All text from the report is HTML-escaped;
// maps are printed in sorted key order, so the same report gives the same
// bytes.
#ifndef SCT_SCENARIOS_REPORT_REPORT_HTML_H_
#define SCT_SCENARIOS_REPORT_REPORT_HTML_H_

#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// The whole report as one HTML document.
std::string ReportHtml(const scenario::v1::Report& report);

namespace report {

// "s<index+1>-<slug of name>": the id of scenario `index`'s section in the
// page, and the base name of its diagram file.
std::string ScenarioAnchor(int index, const std::string& name);

}  // namespace report
}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_REPORT_HTML_H_

// The scenario report: a terminal summary, out/report.json and a
// self-contained out/report.html (inline CSS and SVG, no network, opens
// offline) with, per scenario, a sequence diagram of the traced messages, step
// timings and the knowledge-audit table.
//
// Pure functions of a scenario.v1.Report; thread-safe.
#ifndef SCT_SCENARIOS_REPORT_REPORT_H_
#define SCT_SCENARIOS_REPORT_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// Lines for the terminal: per scenario PASS/FAIL, duration and, when failed,
// the first failing step and why; a closing "N passed, M failed" line.
// `color` adds ANSI colours.
std::string TerminalSummary(const scenario::v1::Report& report, bool color);

// The sequence diagram of one scenario as a standalone <svg> element: one
// lifeline per actor (result.actors order), an arrow per trace event labelled
// with the method and status, fault and adversary markers shaded, step ids in
// the margin. All text XML-escaped.
std::string SequenceDiagramSvg(const scenario::v1::ScenarioResult& result);

// The whole report as one HTML document.
std::string ReportHtml(const scenario::v1::Report& report);

// Writes `out_dir`/report.json (proto3 JSON) and `out_dir`/report.html,
// creating the directory, plus one standalone SVG per scenario in
// `out_dir`/diagrams/ (for slides). INTERNAL "io_error" naming the path on
// failure; INVALID_ARGUMENT "invalid_field" when `out_dir` is empty.
// See docs/report.md.
absl::Status WriteReport(const scenario::v1::Report& report,
                         const std::string& out_dir);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_REPORT_H_

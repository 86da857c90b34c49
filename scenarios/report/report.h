// The scenario report: a terminal summary, out/report.json and a
// self-contained out/report.html (inline CSS and SVG, no network, opens
// offline) with, per scenario, a sequence diagram of the traced messages, step
// timings and the knowledge-audit table.
//
// This header is the report's entry point. Each output has its own unit,
// included here: TerminalSummary (terminal_summary.h), SequenceDiagramSvg
// (sequence_diagram_svg.h, drawing the layout of diagram_layout.h) and
// ReportHtml (report_html.h). WriteReport, declared here, writes them all to
// a directory.
//
// Pure functions of a scenario.v1.Report (WriteReport aside, which writes
// files); thread-safe.
#ifndef SCT_SCENARIOS_REPORT_REPORT_H_
#define SCT_SCENARIOS_REPORT_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/report/report_html.h"           // IWYU pragma: export
#include "scenarios/report/sequence_diagram_svg.h"  // IWYU pragma: export
#include "scenarios/report/terminal_summary.h"      // IWYU pragma: export

namespace sct::scenarios {

// Writes `out_dir`/report.json (proto3 JSON) and `out_dir`/report.html,
// creating the directory, plus one standalone SVG per scenario in
// `out_dir`/diagrams/ (for slides). Each file is written to a temporary name
// and renamed into place. INTERNAL "io_error" naming the path on failure;
// INVALID_ARGUMENT "invalid_field" when `out_dir` is empty.
// See docs/report.md.
absl::Status WriteReport(const scenario::v1::Report& report, const std::string& out_dir);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_REPORT_H_

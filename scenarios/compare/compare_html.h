// The comparison as one self-contained HTML page (DIR/compare.html): inline
// CSS and SVG, no scripts, nothing fetched, opens offline. The matrix is a
// table, rows scenarios and columns variants, each cell coloured by outcome
// (passed green, failed red, not applicable grey) with its share -> use
// latency, its knowledge-audit differences against the first column
// (highlighted) and a link to the run's own report.html; above it a chart of
// the outcomes and median latency per variant, and the findings
// (findings.h). The terminal form is in compare_summary.h.
//
// Pure functions; thread-safe. All text from the result is escaped.
#ifndef SCT_SCENARIOS_COMPARE_COMPARE_HTML_H_
#define SCT_SCENARIOS_COMPARE_COMPARE_HTML_H_

#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::compare {

// The whole page.
std::string CompareHtml(const scenario::v1::CompareResult& result);

// The chart alone (an SVG element): per variant a bar of its cells by
// outcome and its median share -> use latency over the cells that passed.
std::string VariantChartSvg(const scenario::v1::CompareResult& result);

}  // namespace sct::scenarios::compare

#endif  // SCT_SCENARIOS_COMPARE_COMPARE_HTML_H_

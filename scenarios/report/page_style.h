// The look shared by the project's HTML reports (the scenario report and the
// experiment report): one style sheet and the page head that inlines it, so
// every report opens offline and looks the same.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_REPORT_PAGE_STYLE_H_
#define SCT_SCENARIOS_REPORT_PAGE_STYLE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sct::scenarios::report {

// The shared style sheet (CSS text, no imports or fonts to fetch).
absl::string_view ReportCss();

// "<!DOCTYPE html>…<body>\n": the head of a self-contained page titled
// `title` (escaped here), with ReportCss() and then `extra_css` (trusted CSS
// text of the caller) inlined.
std::string HtmlPageHead(absl::string_view title, absl::string_view extra_css = "");

}  // namespace sct::scenarios::report

#endif  // SCT_SCENARIOS_REPORT_PAGE_STYLE_H_

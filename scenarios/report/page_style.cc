#include "scenarios/report/page_style.h"

#include "absl/strings/str_cat.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::report {
namespace {

constexpr char kReportCss[] = R"css(
:root { --ok:#15803d; --bad:#b91c1c; --warn:#a16207; --muted:#6b7280; --line:#e5e7eb; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color:#111827; margin:0 auto;
       max-width: 1400px; padding: 24px 32px; line-height:1.4; font-size:14px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0; }
h3 { font-size: 15px; margin: 20px 0 6px; color:#374151; }
.meta { color: var(--muted); margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: #f9fafb; font-size: 12px; text-transform: uppercase; letter-spacing: .03em;
     color: #374151; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.badge { display:inline-block; padding: 1px 8px; border-radius: 10px; font-weight: bold;
         font-size: 12px; color: #fff; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--bad); }
.badge.na { background: var(--warn); }
.na-box { border-left: 4px solid var(--warn); background:#fefce8; padding: 8px 12px;
          margin: 8px 0; }
.relay-under-test { margin: 4px 0 12px; }
.pass-t { color: var(--ok); font-weight: bold; } .fail-t { color: var(--bad); font-weight: bold; }
.skip-t { color: var(--muted); } .warn-t { color: var(--warn); font-weight: bold; }
tr.failed td { background: #fef2f2; }
.failure { border-left: 4px solid var(--bad); background:#fef2f2; padding: 8px 12px;
           margin: 8px 0; }
.desc { white-space: pre-wrap; margin: 6px 0; }
section.scenario { border-top: 2px solid #111827; margin-top: 32px; padding-top: 16px; }
.head { display:flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 4px;
           background: #fff; }
.diagram svg { display: block; }
.details { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12px; }
.env td:first-child { color: var(--muted); white-space: nowrap; }
.totals { font-size: 16px; margin: 8px 0 16px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section.scenario { break-before: page; }
  .diagram { overflow: visible; border: none; }
  .diagram svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
}
)css";

}  // namespace

absl::string_view ReportCss() { return kReportCss; }

std::string HtmlPageHead(absl::string_view title, absl::string_view extra_css) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
      XmlEscape(title), "</title>\n<style>", kReportCss, extra_css, "</style>\n</head>\n<body>\n");
}

}  // namespace sct::scenarios::report

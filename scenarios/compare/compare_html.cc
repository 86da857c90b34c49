#include "scenarios/compare/compare_html.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "scenarios/compare/findings.h"
#include "scenarios/compare/matrix.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;
using report::ShortDuration;
using report::XmlEscape;

constexpr char kCss[] = R"css(
:root { --ok:#15803d; --bad:#b91c1c; --na:#9ca3af; --diff:#fde047; --line:#e5e7eb;
        --muted:#6b7280; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color:#111827; margin:0 auto;
       max-width: 1600px; padding: 24px 32px; line-height:1.35; font-size:13px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.totals { font-size: 15px; margin: 8px 0 12px; }
table.matrix { border-collapse: separate; border-spacing: 3px; table-layout: fixed; width: 100%; }
table.matrix col.first { width: 270px; }
table.matrix th { font-size: 12px; text-align: left; vertical-align: bottom; padding: 4px 6px;
                  color:#374151; overflow-wrap: anywhere; }
table.matrix th .name { font-family: Menlo, Consolas, monospace; font-weight: normal;
                        color: var(--muted); }
table.matrix th.base { border-bottom: 3px solid #111827; }
table.matrix td { vertical-align: top; padding: 4px 6px; border-radius: 4px; font-size: 12px;
                  overflow-wrap: anywhere; }
table.matrix td.scenario { background: #f9fafb; font-weight: bold; }
td.pass { background: #dcfce7; } td.fail { background: #fee2e2; }
td.na { background: #f3f4f6; color: var(--muted); }
td .o { font-weight: bold; } td.pass .o { color: var(--ok); } td.fail .o { color: var(--bad); }
td .lat { font-variant-numeric: tabular-nums; }
td .diff { display: block; background: var(--diff); color: #111827; padding: 0 3px;
           margin-top: 2px; border-radius: 2px; font-family: Menlo, Consolas, monospace;
           font-size: 11px; }
td .why { display: block; font-size: 11px; }
td a { font-size: 11px; color: #1d4ed8; }
td.has-diff { outline: 2px solid #ca8a04; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 8px; border-radius: 4px; }
.findings li { margin: 2px 0; }
.chart { margin: 8px 0 16px; }
.env td { padding: 1px 8px; } .env td:first-child { color: var(--muted); }
)css";

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::string CellClass(const sv1::CompareCell& c) {
  std::string cls = c.outcome() == sv1::COMPARE_PASSED   ? "pass"
                    : c.outcome() == sv1::COMPARE_FAILED ? "fail"
                                                         : "na";
  if (!c.audit_differences().empty()) absl::StrAppend(&cls, " has-diff");
  return cls;
}

std::string CellHtml(const sv1::CompareCell& c) {
  std::string h = absl::StrCat("<td class=\"", CellClass(c), "\"><span class=\"o\">",
                               XmlEscape(OutcomeWord(c.outcome())), "</span>");
  if (c.has_flow_latency()) {
    absl::StrAppend(&h, " <span class=\"lat\" title=\"", XmlEscape(c.flow_span()), "\">",
                    XmlEscape(ShortDuration(c.flow_latency())), "</span>");
  }
  if (c.outcome() == sv1::COMPARE_NOT_APPLICABLE) {
    const std::string why = absl::StrJoin(c.not_applicable_reasons(), "; ");
    absl::StrAppend(&h, "<span class=\"why\" title=\"", XmlEscape(why), "\">",
                    XmlEscape(report::Truncate(why, 90)), "</span>");
  }
  if (c.outcome() == sv1::COMPARE_FAILED) {
    absl::StrAppend(&h, "<span class=\"why\" title=\"", XmlEscape(c.first_failure()), "\">",
                    XmlEscape(report::Truncate(c.first_failure(), 80)), "</span>");
  }
  for (const sv1::AuditDifference& d : c.audit_differences()) {
    absl::StrAppend(&h, "<span class=\"diff\">", XmlEscape(d.text()), "</span>");
  }
  for (const sv1::VariantStep& s : c.variant_steps()) {
    absl::StrAppend(&h, "<span class=\"why\">step ", XmlEscape(s.step_id()), ": ",
                    XmlEscape(s.expected()), "</span>");
  }
  if (!c.report().empty()) {
    absl::StrAppend(&h, " <a href=\"", XmlEscape(c.report()), "\">report</a>");
  }
  return absl::StrCat(h, "</td>");
}

std::string MatrixHtml(const sv1::CompareResult& r) {
  std::string h = "<table class=\"matrix\"><col class=\"first\"><tr><th>scenario \\ variant</th>";
  for (int i = 0; i < r.variants_size(); ++i) {
    const sv1::Variant& v = r.variants(i);
    absl::StrAppend(&h, "<th", i == 0 ? " class=\"base\"" : "", " title=\"", XmlEscape(v.summary()),
                    "\">", XmlEscape(v.title()), "<br><span class=\"name\">", XmlEscape(v.name()),
                    i == 0 ? " (baseline)" : "", "</span></th>");
  }
  absl::StrAppend(&h, "</tr>\n");
  for (const sv1::CompareRow& row : r.rows()) {
    absl::StrAppend(&h, "<tr><td class=\"scenario\" title=\"", XmlEscape(row.description()), "\">",
                    XmlEscape(row.scenario()), "</td>");
    for (const sv1::CompareCell& c : row.cells()) absl::StrAppend(&h, CellHtml(c));
    absl::StrAppend(&h, "</tr>\n");
  }
  return absl::StrCat(h, "</table>\n");
}

// Per variant: cells by outcome, and the median latency of passed cells.
struct Column {
  int passed = 0, failed = 0, na = 0;
  std::vector<absl::Duration> latencies;
};

std::vector<Column> Columns(const sv1::CompareResult& r) {
  std::vector<Column> cols(r.variants_size());
  for (const sv1::CompareRow& row : r.rows()) {
    for (int i = 0; i < row.cells_size() && i < r.variants_size(); ++i) {
      const sv1::CompareCell& c = row.cells(i);
      cols[i].passed += c.outcome() == sv1::COMPARE_PASSED;
      cols[i].failed += c.outcome() == sv1::COMPARE_FAILED;
      cols[i].na += c.outcome() == sv1::COMPARE_NOT_APPLICABLE;
      if (c.outcome() == sv1::COMPARE_PASSED && c.has_flow_latency()) {
        cols[i].latencies.push_back(ToDuration(c.flow_latency()));
      }
    }
  }
  return cols;
}

absl::Duration Median(std::vector<absl::Duration> v) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Rect(double x, double y, double w, double h, const char* fill) {
  return absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                         x, y, std::max(0.0, w), h, fill);
}

std::string Text(double x, double y, const std::string& s, const char* anchor = "start") {
  return absl::StrFormat(
      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"11\" "
      "font-family=\"Helvetica, Arial, sans-serif\">%s</text>",
      x, y, anchor, XmlEscape(s));
}

}  // namespace

std::string VariantChartSvg(const sv1::CompareResult& r) {
  const std::vector<Column> cols = Columns(r);
  const double label_w = 150, bar_w = 240, gap = 40, lat_w = 240, row_h = 20;
  const double width = label_w + bar_w + gap + lat_w + 80;
  const double height = 30 + row_h * cols.size() + 10;
  absl::Duration max_lat = absl::ZeroDuration();
  for (const Column& c : cols) max_lat = std::max(max_lat, Median(c.latencies));
  std::string s = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"outcomes and median latency per "
      "variant\">",
      width, height, width, height);
  absl::StrAppend(&s, Text(label_w, 14, "cells: passed / failed / not applicable"),
                  Text(label_w + bar_w + gap, 14, "median share -> use latency (passed cells)"));
  const int rows = std::max(1, r.rows_size());
  for (size_t i = 0; i < cols.size(); ++i) {
    const Column& c = cols[i];
    const double y = 24 + row_h * i;
    absl::StrAppend(&s, Text(label_w - 6, y + 12, r.variants(i).name(), "end"));
    double x = label_w;
    const std::pair<int, const char*> parts[] = {
        {c.passed, "#16a34a"}, {c.failed, "#dc2626"}, {c.na, "#d1d5db"}};
    for (const auto& [n, fill] : parts) {
      const double w = bar_w * n / rows;
      absl::StrAppend(&s, Rect(x, y, w, row_h - 6, fill));
      x += w;
    }
    absl::StrAppend(
        &s, Text(label_w + bar_w + 4, y + 12, absl::StrCat(c.passed, "/", c.failed, "/", c.na)));
    const double lx = label_w + bar_w + gap;
    if (c.latencies.empty()) {
      absl::StrAppend(&s, Text(lx, y + 12, "-"));
      continue;
    }
    const absl::Duration m = Median(c.latencies);
    const double w = max_lat > absl::ZeroDuration() ? lat_w * absl::FDivDuration(m, max_lat) : 0;
    absl::StrAppend(&s, Rect(lx, y, w, row_h - 6, "#2563eb"),
                    Text(lx + w + 4, y + 12, ShortDuration(m)));
  }
  return absl::StrCat(s, "</svg>");
}

std::string CompareHtml(const sv1::CompareResult& r) {
  std::string h = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">"
      "<title>SCT Lab: architecture variants side by side</title><style>",
      kCss, "</style></head><body>\n<h1>Architecture variants side by side</h1>\n");
  absl::StrAppend(&h, "<p class=\"meta\">", r.rows_size(), " scenarios &times; ", r.variants_size(),
                  " variants, ", XmlEscape(report::FormatUtcTime(r.started_at())), ", ",
                  XmlEscape(ShortDuration(r.duration())),
                  ". Each cell is one run on a fresh topology; differences are against the "
                  "first column.</p>\n");
  absl::StrAppend(&h, "<p class=\"totals\"><b>", r.passed(), "</b> passed, <b>", r.failed(),
                  "</b> failed, <b>", r.not_applicable(), "</b> not applicable</p>\n");
  absl::StrAppend(&h, "<div class=\"chart\">", VariantChartSvg(r), "</div>\n");
  absl::StrAppend(&h,
                  "<p class=\"legend\"><span style=\"background:#dcfce7\">passed</span>"
                  "<span style=\"background:#fee2e2\">failed</span>"
                  "<span style=\"background:#f3f4f6\">not applicable</span>"
                  "<span style=\"background:#fde047\">relay: +ITEM learned only here, "
                  "-ITEM only in the baseline</span> latency: share &rarr; use</p>\n");
  absl::StrAppend(&h, MatrixHtml(r));
  absl::StrAppend(&h, "<h2>Findings</h2><ul class=\"findings\">\n");
  for (const std::string& f : Findings(r)) absl::StrAppend(&h, "<li>", XmlEscape(f), "</li>\n");
  absl::StrAppend(&h, "</ul>\n<h2>Variants</h2><table class=\"env\">\n");
  for (const sv1::Variant& v : r.variants()) {
    absl::StrAppend(&h, "<tr><td>", XmlEscape(v.name()), "</td><td>", XmlEscape(v.summary()),
                    " <span class=\"meta\">", XmlEscape(v.doc()), "</span></td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n<h2>Environment</h2><table class=\"env\">\n");
  std::map<std::string, std::string> env(r.environment().begin(), r.environment().end());
  for (const auto& [k, v] : env) {
    absl::StrAppend(&h, "<tr><td>", XmlEscape(k), "</td><td>", XmlEscape(v), "</td></tr>\n");
  }
  return absl::StrCat(h, "</table>\n</body></html>\n");
}

}  // namespace sct::scenarios::compare

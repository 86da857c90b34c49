#include "scenarios/experiment/report/experiment_html.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/experiment/report/chart_data.h"
#include "scenarios/experiment/report/svg_chart.h"
#include "scenarios/report/page_style.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::experiment {
namespace {

using report::ShortDuration;
using report::XmlEscape;
using scenario::v1::ExperimentResult;
using scenario::v1::Measure;
using scenario::v1::PointResult;

constexpr char kExtraCss[] = R"css(
.question { font-size: 16px; font-weight: bold; margin: 8px 0 4px; }
section.experiment { border-top: 2px solid #111827; margin-top: 32px; padding-top: 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0; }
.charts .diagram { flex: 0 0 auto; }
.ci { color: var(--muted); font-size: 12px; }
@media print { section.experiment { break-before: page; } }
)css";

// How many errored runs a section lists.
constexpr int kMaxErrorsShown = 10;

std::string Pct(double f) { return absl::StrFormat("%.1f%%", 100 * f); }

std::string Num(double v) { return absl::StrFormat("%.4g", v); }

std::string Anchor(const std::string& dir) { return absl::StrCat("e-", dir); }

// The point's parameter labels as table cells.
std::string PointCells(const ExperimentResult& r, const PointResult& point) {
  std::string out;
  for (int i = 0; i < r.parameters_size(); ++i) {
    const std::string label = i < point.labels_size() && !point.labels(i).empty()
                                  ? point.labels(i)
                              : i < point.values_size() ? point.values(i)
                                                        : "";
    absl::StrAppend(&out, "<td>", XmlEscape(label), "</td>");
  }
  return out;
}

std::string ParameterHeads(const ExperimentResult& r) {
  std::string out;
  for (const auto& p : r.parameters()) {
    absl::StrAppend(&out, "<th>", XmlEscape(p.parameter().name()), "</th>");
  }
  return out;
}

void AppendParameters(std::string& out, const ExperimentResult& r) {
  if (r.parameters_size() == 0) return;
  absl::StrAppend(&out,
                  "<h3>Parameters</h3>\n<table class=\"parameters\"><thead><tr><th>Name</th>"
                  "<th>Path</th><th>Values</th><th>Relaunch</th></tr></thead><tbody>\n");
  for (const auto& info : r.parameters()) {
    const auto& p = info.parameter();
    std::vector<std::string> paths = {p.path()};
    paths.insert(paths.end(), p.also_paths().begin(), p.also_paths().end());
    std::vector<std::string> values;
    for (int k = 0; k < p.values_size(); ++k) {
      const bool labelled = k < p.labels_size() && !p.labels(k).empty();
      // The empty value clears the field: show that it is there.
      const std::string value = absl::StrCat(
          "<code>", p.values(k).empty() ? "(unset)" : XmlEscape(p.values(k)), "</code>");
      values.push_back(labelled ? absl::StrCat(XmlEscape(p.labels(k)), " ", value) : value);
    }
    std::vector<std::string> escaped_paths;
    for (const auto& path : paths) escaped_paths.push_back(XmlEscape(path));
    absl::StrAppend(&out, "<tr><td>", XmlEscape(p.name()), "</td><td><code>",
                    absl::StrJoin(escaped_paths, "<br>"), "</code></td><td>",
                    absl::StrJoin(values, ", "), "</td><td>",
                    info.forces_relaunch()
                        ? "<span class=\"warn-t\">relaunches the ecosystem per value</span>"
                        : "reuses the launched ecosystem",
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
}

void AppendCharts(std::string& out, const ExperimentResult& r) {
  if (r.charts_size() == 0) return;
  absl::StrAppend(&out, "<h3>Charts</h3>\n<div class=\"charts\">\n");
  for (const auto& chart : r.charts()) {
    const auto spec = ChartSpecFor(r, chart);
    if (!spec.ok()) {
      absl::StrAppend(&out, "<div class=\"na-box chart-error\">Chart not drawn: ",
                      XmlEscape(spec.status().message()), "</div>\n");
      continue;
    }
    absl::StrAppend(&out, "<div class=\"diagram\">",
                    chart.kind() == scenario::v1::BAR ? BarChartSvg(*spec) : LineChartSvg(*spec),
                    "</div>\n");
  }
  absl::StrAppend(&out, "</div>\n");
}

void AppendOutcomeTable(std::string& out, const ExperimentResult& r, const Measure& m) {
  const std::vector<std::string> categories = MeasureCategories(m);
  absl::StrAppend(&out, "<table class=\"measure\"><thead><tr>", ParameterHeads(r),
                  "<th class=\"num\">Runs</th><th class=\"num\">Errored</th>");
  for (const auto& c : categories) absl::StrAppend(&out, "<th class=\"num\">", XmlEscape(c), "</th>");
  absl::StrAppend(&out, "</tr></thead><tbody>\n");
  for (const PointResult& point : r.points()) {
    absl::StrAppend(&out, "<tr>", PointCells(r, point), "<td class=\"num\">", point.runs(),
                    "</td><td class=\"num\">", point.errored(), "</td>");
    for (const auto& category : categories) {
      std::string cell = "\u2014";
      for (const auto& o : point.outcomes()) {
        if (o.measure() != m.name()) continue;
        for (const auto& c : o.categories()) {
          if (c.category() != category || c.trials() == 0) continue;
          cell = absl::StrCat(Pct(c.estimate()), " <span class=\"ci\">[", Pct(c.ci_low()),
                              "\u2013", Pct(c.ci_high()), "] ", c.count(), "/", c.trials(),
                              "</span>");
        }
      }
      absl::StrAppend(&out, "<td class=\"num\">", cell, "</td>");
    }
    absl::StrAppend(&out, "</tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
}

void AppendSampleTable(std::string& out, const ExperimentResult& r, const Measure& m) {
  absl::StrAppend(&out, "<table class=\"measure\"><thead><tr>", ParameterHeads(r),
                  "<th class=\"num\">n</th><th class=\"num\">Mean [95 % CI]</th>"
                  "<th class=\"num\">Stddev</th><th class=\"num\">Min</th><th class=\"num\">p50</th>"
                  "<th class=\"num\">p90</th><th class=\"num\">p95</th><th class=\"num\">p99</th>"
                  "<th class=\"num\">Max</th></tr></thead><tbody>\n");
  for (const PointResult& point : r.points()) {
    absl::StrAppend(&out, "<tr>", PointCells(r, point));
    const scenario::v1::SampleSummary* s = nullptr;
    for (const auto& candidate : point.samples()) {
      if (candidate.measure() == m.name()) s = &candidate;
    }
    if (s == nullptr || s->n() == 0) {
      absl::StrAppend(&out, "<td class=\"num\">0</td><td class=\"num\" colspan=\"8\">"
                            "no values</td></tr>\n");
      continue;
    }
    absl::StrAppend(&out, "<td class=\"num\">", s->n(), "</td><td class=\"num\">", Num(s->mean()),
                    " <span class=\"ci\">[", Num(s->mean_ci_low()), "\u2013",
                    Num(s->mean_ci_high()), "]</span></td>");
    for (double v : {s->stddev(), s->min(), s->p50(), s->p90(), s->p95(), s->p99(), s->max()}) {
      absl::StrAppend(&out, "<td class=\"num\">", Num(v), "</td>");
    }
    absl::StrAppend(&out, "</tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
}

std::string MeasureKind(const Measure& m) {
  if (m.has_outcome()) return "outcome: frequency of each category [95 % Wilson interval] count/runs";
  if (m.has_learned()) {
    return "learned: whether the actor learned the item [95 % Wilson interval] count/runs";
  }
  if (m.has_latency()) return "latency, ms";
  if (m.has_count()) return "count per run";
  return "no kind";
}

void AppendMeasures(std::string& out, const ExperimentResult& r) {
  for (const Measure& m : r.measures()) {
    absl::StrAppend(&out, "<h3>", XmlEscape(m.name()), " <span class=\"details\">(",
                    XmlEscape(MeasureKind(m)), ")</span></h3>\n");
    if (m.has_outcome() || m.has_learned()) AppendOutcomeTable(out, r, m);
    if (m.has_latency() || m.has_count()) AppendSampleTable(out, r, m);
  }
}

void AppendErrors(std::string& out, const ExperimentResult& r) {
  std::vector<const scenario::v1::RunRecord*> errored;
  for (const auto& run : r.runs()) {
    if (run.errored()) errored.push_back(&run);
  }
  if (errored.empty()) return;
  absl::StrAppend(&out, "<h3>Errored runs</h3>\n<table class=\"errors\"><thead><tr>",
                  ParameterHeads(r), "<th class=\"num\">Repetition</th><th class=\"num\">Seed</th>"
                  "<th>Error</th></tr></thead><tbody>\n");
  for (size_t i = 0; i < errored.size() && i < kMaxErrorsShown; ++i) {
    const auto& run = *errored[i];
    const PointResult empty;
    const PointResult& point =
        run.point() < static_cast<uint32_t>(r.points_size()) ? r.points(run.point()) : empty;
    absl::StrAppend(&out, "<tr>", PointCells(r, point), "<td class=\"num\">", run.repetition(),
                    "</td><td class=\"num\">", run.seed(), "</td><td>", XmlEscape(run.error()),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  if (errored.size() > kMaxErrorsShown) {
    absl::StrAppend(&out, "<p class=\"note\">", errored.size() - kMaxErrorsShown,
                    " more in runs.csv.</p>\n");
  }
}

uint32_t Errored(const ExperimentResult& r) {
  uint32_t n = 0;
  for (const auto& p : r.points()) n += p.errored();
  return n;
}

uint32_t Runs(const ExperimentResult& r) {
  uint32_t n = 0;
  for (const auto& p : r.points()) n += p.runs();
  return n;
}

void AppendSection(std::string& out, const ExperimentResult& r, const std::string& dir) {
  absl::StrAppend(&out, "<section class=\"experiment\" id=\"", XmlEscape(Anchor(dir)),
                  "\">\n<div class=\"head\"><h2>", XmlEscape(r.name()), "</h2></div>\n");
  if (!r.question().empty()) {
    absl::StrAppend(&out, "<p class=\"question\">", XmlEscape(r.question()), "</p>\n");
  }
  if (!r.description().empty()) {
    absl::StrAppend(&out, "<p class=\"desc\">", XmlEscape(r.description()), "</p>\n");
  }
  std::vector<std::string> meta;
  if (!r.file().empty()) meta.push_back(absl::StrCat("<code>", XmlEscape(r.file()), "</code>"));
  if (r.has_started_at()) meta.push_back(XmlEscape(report::FormatUtcTime(r.started_at())));
  meta.push_back(absl::StrCat(r.points_size(), r.points_size() == 1 ? " point" : " points",
                              " \u00d7 ", r.repetitions(),
                              r.repetitions() == 1 ? " repetition = " : " repetitions = ",
                              Runs(r), Runs(r) == 1 ? " run, " : " runs, ", Errored(r),
                              " errored"));
  if (r.has_duration()) meta.push_back(absl::StrCat("took ", XmlEscape(ShortDuration(r.duration()))));
  meta.push_back(absl::StrCat(r.launches(), r.launches() == 1 ? " launch" : " launches"));
  absl::StrAppend(&out, "<p class=\"meta\">", absl::StrJoin(meta, " \u00b7 "), "</p>\n");
  absl::StrAppend(&out, "<p class=\"details\">Data: <a href=\"", XmlEscape(dir),
                  "/result.json\">result.json</a>, <a href=\"", XmlEscape(dir),
                  "/runs.csv\">runs.csv</a>, <a href=\"", XmlEscape(dir),
                  "/points.csv\">points.csv</a></p>\n");
  if (!r.error().empty()) {
    absl::StrAppend(&out, "<div class=\"failure\">The experiment stopped: ", XmlEscape(r.error()),
                    "</div>\n");
  }
  AppendParameters(out, r);
  AppendCharts(out, r);
  AppendMeasures(out, r);
  AppendErrors(out, r);
  absl::StrAppend(&out, "</section>\n");
}

void AppendSummary(std::string& out, const std::vector<ExperimentResult>& rs,
                   const std::vector<std::string>& dirs) {
  absl::StrAppend(&out,
                  "<h3>Summary</h3>\n<table class=\"summary\"><thead><tr><th>#</th>"
                  "<th>Experiment</th><th>Question</th><th class=\"num\">Points</th>"
                  "<th class=\"num\">Runs</th><th class=\"num\">Errored</th>"
                  "<th class=\"num\">Duration</th><th class=\"num\">Launches</th></tr></thead>"
                  "<tbody>\n");
  for (size_t i = 0; i < rs.size(); ++i) {
    const ExperimentResult& r = rs[i];
    absl::StrAppend(&out, "<tr", r.error().empty() ? "" : " class=\"failed\"", "><td>", i + 1,
                    "</td><td><a href=\"#", XmlEscape(Anchor(dirs[i])), "\">", XmlEscape(r.name()),
                    "</a></td><td>", XmlEscape(r.question()), "</td><td class=\"num\">",
                    r.points_size(), "</td><td class=\"num\">", Runs(r), "</td><td class=\"num\">",
                    Errored(r), "</td><td class=\"num\">",
                    r.has_duration() ? XmlEscape(ShortDuration(r.duration())) : "",
                    "</td><td class=\"num\">", r.launches(), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
}

}  // namespace

std::vector<std::string> ExperimentDirs(const std::vector<ExperimentResult>& rs) {
  std::vector<std::string> dirs;
  std::set<std::string> taken;
  for (size_t i = 0; i < rs.size(); ++i) {
    std::string slug;
    for (char c : rs[i].name()) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || (c == '.' && !slug.empty());
      if (keep) {
        slug += c;
      } else if (!slug.empty() && slug.back() != '-') {
        slug += '-';
      }
      if (slug.size() >= 64) break;
    }
    while (!slug.empty() && (slug.back() == '-' || slug.back() == '.')) slug.pop_back();
    if (slug.empty()) slug = absl::StrCat("experiment-", i + 1);
    std::string dir = slug;
    for (int n = 2; taken.count(dir) > 0; ++n) dir = absl::StrCat(slug, "-", n);
    taken.insert(dir);
    dirs.push_back(dir);
  }
  return dirs;
}

std::string ExperimentReportHtml(const std::vector<ExperimentResult>& rs) {
  const std::vector<std::string> dirs = ExperimentDirs(rs);
  std::string out = report::HtmlPageHead("SCT Lab experiment report", kExtraCss);
  absl::StrAppend(&out, "<h1>SCT Lab experiment report</h1>\n<p class=\"meta\">", rs.size(),
                  rs.size() == 1 ? " experiment" : " experiments",
                  ". Frequencies with 95 % Wilson score intervals; latencies and counts with "
                  "the 95 % t interval of the mean and percentiles.</p>\n");
  AppendSummary(out, rs, dirs);
  for (size_t i = 0; i < rs.size(); ++i) AppendSection(out, rs[i], dirs[i]);
  absl::StrAppend(&out,
                  "<p class=\"note\">Generated by SCT Lab. Data per experiment: result.json "
                  "(scenario.v1.ExperimentResult), runs.csv, points.csv.</p>\n</body>\n</html>\n");
  return out;
}

}  // namespace sct::scenarios::experiment

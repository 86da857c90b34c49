#include "scenarios/experiment/report/terminal_table.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::experiment {
namespace {

using report::CodePoints;
using report::TerminalSafe;
using scenario::v1::ExperimentResult;
using scenario::v1::Measure;
using scenario::v1::PointResult;

// The category a measure's column shows: the first chart's, else the first.
std::string HeadlineCategory(const ExperimentResult& r, const Measure& m) {
  const std::vector<std::string> categories = MeasureCategories(m);
  for (const auto& chart : r.charts()) {
    if (chart.measure() == m.name() && !chart.category().empty() &&
        std::find(categories.begin(), categories.end(), chart.category()) != categories.end()) {
      return chart.category();
    }
  }
  return categories.empty() ? "" : categories.front();
}

std::string Cell(const PointResult& p, const Measure& m, const std::string& category) {
  for (const auto& o : p.outcomes()) {
    if (o.measure() != m.name()) continue;
    for (const auto& c : o.categories()) {
      if (c.category() != category) continue;
      if (c.trials() == 0) return "no runs";
      return absl::StrFormat("%.1f%% [%.1f-%.1f%%] %u/%u", 100 * c.estimate(), 100 * c.ci_low(),
                             100 * c.ci_high(), c.count(), c.trials());
    }
  }
  for (const auto& s : p.samples()) {
    if (s.measure() != m.name()) continue;
    if (s.n() == 0) return "no values";
    return absl::StrFormat("%.4g%s [%.4g-%.4g] n=%u", s.mean(), s.unit() == "ms" ? " ms" : "",
                           s.mean_ci_low(), s.mean_ci_high(), s.n());
  }
  return "-";
}

std::string Pad(const std::string& s, int width) {
  return s + std::string(std::max(0, width - CodePoints(s)), ' ');
}

}  // namespace

std::string ExperimentTerminalTable(const ExperimentResult& r) {
  uint32_t runs = 0, errored = 0;
  for (const auto& p : r.points()) runs += p.runs(), errored += p.errored();
  std::string out = absl::StrCat(TerminalSafe(r.name()), ": ", runs, " runs (", errored,
                                 " errored) at ", r.points_size(), " points");
  if (r.has_duration()) absl::StrAppend(&out, ", ", report::ShortDuration(r.duration()));
  absl::StrAppend(&out, ", ", r.launches(), r.launches() == 1 ? " launch\n" : " launches\n");
  if (!r.error().empty()) absl::StrAppend(&out, "  stopped: ", TerminalSafe(r.error()), "\n");

  std::vector<std::vector<std::string>> rows(1);
  for (const auto& p : r.parameters()) rows[0].push_back(TerminalSafe(p.parameter().name()));
  std::vector<std::string> categories;
  for (const Measure& m : r.measures()) {
    categories.push_back(HeadlineCategory(r, m));
    rows[0].push_back(TerminalSafe(categories.back().empty()
                                       ? absl::StrCat(m.name(), " mean")
                                       : absl::StrCat(m.name(), "=", categories.back())));
  }
  for (const PointResult& p : r.points()) {
    std::vector<std::string> row;
    for (int i = 0; i < r.parameters_size(); ++i) {
      row.push_back(TerminalSafe(i < p.labels_size() && !p.labels(i).empty() ? p.labels(i)
                                 : i < p.values_size()                       ? p.values(i)
                                                                             : ""));
    }
    for (int k = 0; k < r.measures_size(); ++k) row.push_back(Cell(p, r.measures(k), categories[k]));
    rows.push_back(std::move(row));
  }
  std::vector<int> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], CodePoints(row[c]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) absl::StrAppend(&line, "  ", Pad(row[c], widths[c]));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace sct::scenarios::experiment

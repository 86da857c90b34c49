#include "scenarios/experiment/report/chart_data.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "scenarios/experiment/report/aggregate.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::Chart;
using scenario::v1::ExperimentResult;
using scenario::v1::Measure;
using scenario::v1::Parameter;
using scenario::v1::PointResult;

constexpr const char* kStatistics[] = {"mean", "p50", "p90", "p95", "p99"};

absl::Status Bad(const Chart& chart, const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("chart \"", chart.title(), "\": ", field, ": ", problem));
}

// Index of the parameter named `name`, or -1.
int ParameterIndex(const ExperimentResult& r, const std::string& name) {
  for (int i = 0; i < r.parameters_size(); ++i) {
    if (r.parameters(i).parameter().name() == name) return i;
  }
  return -1;
}

std::string ValueLabel(const Parameter& p, int k) {
  return k < p.labels_size() && !p.labels(k).empty() ? p.labels(k) : p.values(k);
}

std::string PointLabel(const PointResult& point, int param) {
  if (param < 0) return "";
  if (param < point.labels_size() && !point.labels(param).empty()) return point.labels(param);
  if (param < point.values_size()) return point.values(param);
  return "";
}

// The numeric x of each value: all numbers, or all durations (in ms, and
// the axis says so); nullopt if neither.
std::optional<std::vector<double>> NumericValues(const Parameter& p, bool& durations) {
  std::vector<double> numbers, millis;
  for (const std::string& v : p.values()) {
    double d;
    absl::Duration t;
    if (absl::SimpleAtod(v, &d)) numbers.push_back(d);
    if (absl::ParseDuration(v, &t)) millis.push_back(absl::ToDoubleMilliseconds(t));
  }
  durations = false;
  if (numbers.size() == static_cast<size_t>(p.values_size())) return numbers;
  if (millis.size() == static_cast<size_t>(p.values_size())) {
    durations = true;
    return millis;
  }
  return std::nullopt;
}

// The y value of `point` for the chart, or nullopt when the point has none.
std::optional<ChartValue> PointValue(const PointResult& point, const Measure& m,
                                     const std::string& category, const std::string& statistic) {
  for (const auto& o : point.outcomes()) {
    if (o.measure() != m.name()) continue;
    for (const auto& c : o.categories()) {
      if (c.category() == category && c.trials() > 0) {
        return ChartValue{c.estimate(), c.ci_low(), c.ci_high()};
      }
    }
  }
  for (const auto& s : point.samples()) {
    if (s.measure() != m.name() || s.n() == 0) continue;
    if (statistic == "mean") return ChartValue{s.mean(), s.mean_ci_low(), s.mean_ci_high()};
    const double v = statistic == "p90"   ? s.p90()
                     : statistic == "p95" ? s.p95()
                     : statistic == "p99" ? s.p99()
                                          : s.p50();
    return ChartValue{v, std::nullopt, std::nullopt};
  }
  return std::nullopt;
}

// The series name of `point`: the series parameter's label, then those of
// the other swept parameters (not x) with more than one value.
std::string SeriesName(const ExperimentResult& r, const PointResult& point, int x, int series) {
  std::vector<int> params;
  if (series >= 0) params.push_back(series);
  for (int i = 0; i < r.parameters_size(); ++i) {
    if (i != x && i != series && r.parameters(i).parameter().values_size() > 1) {
      params.push_back(i);
    }
  }
  std::vector<std::string> parts;
  for (int i : params) {
    const Parameter& p = r.parameters(i).parameter();
    const std::string label = PointLabel(point, i);
    parts.push_back(i == series && p.labels_size() > 0 ? label
                                                       : absl::StrCat(p.name(), "=", label));
  }
  return absl::StrJoin(parts, ", ");
}

struct Axes {
  const Measure* measure = nullptr;
  int x = -1;
  int series = -1;
  std::string category;
  std::string statistic;
};

absl::StatusOr<Axes> Resolve(const ExperimentResult& r, const Chart& chart) {
  Axes a;
  for (const Measure& m : r.measures()) {
    if (m.name() == chart.measure()) a.measure = &m;
  }
  if (a.measure == nullptr) {
    return Bad(chart, "measure", absl::StrCat("no measure named \"", chart.measure(), "\""));
  }
  a.x = chart.x().empty() ? (r.parameters_size() > 0 ? 0 : -1) : ParameterIndex(r, chart.x());
  if (!chart.x().empty() && a.x < 0) {
    return Bad(chart, "x", absl::StrCat("no parameter named \"", chart.x(), "\""));
  }
  if (!chart.series().empty()) {
    a.series = ParameterIndex(r, chart.series());
    if (a.series < 0) {
      return Bad(chart, "series", absl::StrCat("no parameter named \"", chart.series(), "\""));
    }
    if (a.series == a.x) return Bad(chart, "series", "the same parameter as x");
  }
  const std::vector<std::string> categories = MeasureCategories(*a.measure);
  if (!categories.empty()) {
    a.category = chart.category().empty() ? categories.front() : chart.category();
    if (std::find(categories.begin(), categories.end(), a.category) == categories.end()) {
      return Bad(chart, "category",
                 absl::StrCat("measure \"", a.measure->name(), "\" has no category \"",
                              a.category, "\""));
    }
  } else if (!a.measure->has_latency() && !a.measure->has_count()) {
    return Bad(chart, "measure", "the measure has no kind");
  }
  a.statistic = chart.statistic().empty() ? "p50" : chart.statistic();
  if (categories.empty() &&
      std::find(std::begin(kStatistics), std::end(kStatistics), a.statistic) ==
          std::end(kStatistics)) {
    return Bad(chart, "statistic",
               absl::StrCat("\"", a.statistic, "\" is not mean, p50, p90, p95 or p99"));
  }
  return a;
}

std::string YLabel(const Chart& chart, const Axes& a) {
  if (!chart.y_label().empty()) return chart.y_label();
  // The measure is in the title (or is the title); the axis is short enough
  // to fit beside the plot.
  if (!a.category.empty()) return absl::StrCat(a.category, " (% of runs)");
  if (a.measure->has_count()) return absl::StrCat(a.measure->name(), " per run, ", a.statistic);
  return absl::StrCat(a.measure->name(), ", ", a.statistic, " (ms)");
}

}  // namespace

absl::StatusOr<ChartSpec> ChartSpecFor(const ExperimentResult& r, const Chart& chart) {
  auto resolved = Resolve(r, chart);
  if (!resolved.ok()) return resolved.status();
  const Axes& a = *resolved;
  ChartSpec spec;
  spec.title = chart.title().empty() ? a.measure->name() : chart.title();
  spec.y_label = YLabel(chart, a);
  spec.percent = !a.category.empty();
  std::vector<std::string> x_keys;  // the x parameter's value of each position
  if (a.x >= 0) {
    const Parameter& p = r.parameters(a.x).parameter();
    spec.x_label = p.name();
    for (int k = 0; k < p.values_size(); ++k) {
      x_keys.push_back(p.values(k));
      spec.x_labels.push_back(ValueLabel(p, k));
    }
    bool durations = false;
    if (auto numeric = NumericValues(p, durations)) spec.x_values = *numeric;
    if (durations) absl::StrAppend(&spec.x_label, " (ms)");
  } else {
    x_keys.push_back("");
    spec.x_labels.push_back("all runs");
  }
  std::map<std::string, size_t> series_index;
  for (const PointResult& point : r.points()) {
    const std::string key = a.x >= 0 && a.x < point.values_size() ? point.values(a.x) : "";
    auto at = std::find(x_keys.begin(), x_keys.end(), key);
    if (at == x_keys.end()) {  // a value the file does not list: its own position
      x_keys.push_back(key);
      spec.x_labels.push_back(PointLabel(point, a.x));
      spec.x_values.clear();
      at = x_keys.end() - 1;
    }
    const std::string name = SeriesName(r, point, a.x, a.series);
    auto [it, inserted] = series_index.emplace(name, spec.series.size());
    if (inserted) spec.series.push_back(ChartSeries{name, {}});
    ChartSeries& series = spec.series[it->second];
    series.values.resize(x_keys.size());
    series.values[at - x_keys.begin()] = PointValue(point, *a.measure, a.category, a.statistic);
  }
  for (ChartSeries& s : spec.series) s.values.resize(x_keys.size());
  return spec;
}

}  // namespace sct::scenarios::experiment

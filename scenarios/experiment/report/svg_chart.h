// The experiment report's charts as plain SVG text: a line chart (one line
// per series over a numeric x, or over categories evenly spaced) and a
// grouped bar chart, both with error bars, a legend and axes with "nice"
// tick values (docs/experiments.md, "Charts").
//
// The SVG has no scripts, no external fonts or images, and every label is
// XML-escaped, so it can be inlined in the HTML report or opened alone. Text
// is at least 14 px at the default 640×400, readable on a slide; series use
// the Okabe-Ito palette (colour-blind safe) and, in line charts, different
// marker shapes too.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_SVG_CHART_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

namespace sct::scenarios::experiment {

// One value of a series at one x position.
struct ChartValue {
  double y = 0;
  // The error bar [low, high], when there is one.
  std::optional<double> low;
  std::optional<double> high;
};

// One line (or one bar of each group).
struct ChartSeries {
  std::string name;
  // One per x position; nullopt where the series has no value.
  std::vector<std::optional<ChartValue>> values;
};

// What a chart shows.
struct ChartSpec {
  std::string title;
  std::string x_label;
  std::string y_label;
  // One label per x position (categories, bar groups, point titles).
  std::vector<std::string> x_labels;
  // Numeric x of each position (same length as x_labels), for a line chart
  // over a numeric axis; empty: the positions are categories, evenly spaced.
  // Bar charts always use categories.
  std::vector<double> x_values;
  std::vector<ChartSeries> series;
  // The y values are fractions in [0, 1]; the axis is 0–100 %.
  bool percent = false;
  int width = 640;
  int height = 400;
};

// The chart as one <svg> element.
std::string LineChartSvg(const ChartSpec& spec);
std::string BarChartSvg(const ChartSpec& spec);

// Tick values covering [lo, hi] with a step of 1, 2, 2.5 or 5 times a power
// of ten, at most `max_ticks` of them (≥ 2); the first tick ≤ lo and the last
// ≥ hi. lo == hi gets a range around it.
std::vector<double> NiceTicks(double lo, double hi, int max_ticks = 6);

// A tick label: `v` with as many decimals as `step` needs ("0.25", "200").
std::string FormatTick(double v, double step);

// An axis's tick label: FormatTick, in thousands ("250k") when the step is
// at least 10 000 and in millions ("12.5M") when it is at least 1 000 000.
std::string FormatAxisTick(double v, double step);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_SVG_CHART_H_

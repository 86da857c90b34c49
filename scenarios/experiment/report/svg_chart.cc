#include "scenarios/experiment/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::experiment {
namespace {

using report::Truncate;
using report::XmlEscape;

// Okabe & Ito, "Color Universal Design": distinguishable with every common
// colour-vision deficiency. Yellow is left out (too light on white).
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000"};
constexpr int kTickFont = 14;
constexpr int kLabelFont = 15;
constexpr int kTitleFont = 18;
// Space between a numeric x axis's end ticks and the plot's edges.
constexpr double kInset = 14;
// Average glyph width of the sans-serif font at 14 px, for fitting labels.
constexpr double kCharWidth = 7.8;

const char* Colour(size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// The plot area and the mapping of values to pixels.
struct Frame {
  double left = 0, top = 0, width = 0, height = 0;
  double y0 = 0, y1 = 1;
  std::vector<double> y_ticks;
  bool numeric_x = false;
  double x0 = 0, x1 = 1;
  std::vector<double> x_ticks;
  size_t positions = 0;
  double legend_x = 0;

  double Y(double v) const {
    const double t = (std::clamp(v, y0, y1) - y0) / (y1 - y0);
    return top + height * (1 - t);
  }
  // The centre of x position `i` (value `x` on a numeric axis).
  double X(size_t i, double x) const {
    // A numeric axis keeps its ends clear of the y axis and the legend.
    if (numeric_x) return left + kInset + (width - 2 * kInset) * (x - x0) / (x1 - x0);
    return left + width * (static_cast<double>(i) + 0.5) / static_cast<double>(positions);
  }
  double Slot() const { return width / static_cast<double>(std::max<size_t>(positions, 1)); }
};

// The y range the data needs: values and error bars; bars start at 0.
void YRange(const ChartSpec& spec, bool from_zero, double& lo, double& hi) {
  bool any = false;
  lo = 0;
  hi = 1;
  for (const ChartSeries& s : spec.series) {
    for (const auto& v : s.values) {
      if (!v) continue;
      for (double y : {v->y, v->low.value_or(v->y), v->high.value_or(v->y)}) {
        if (!std::isfinite(y)) continue;
        lo = any ? std::min(lo, y) : y;
        hi = any ? std::max(hi, y) : y;
        any = true;
      }
    }
  }
  if (from_zero || (any && lo > 0 && lo < 0.5 * hi)) lo = std::min(lo, 0.0);
}

size_t LongestName(const ChartSpec& spec) {
  size_t longest = 0;
  for (const ChartSeries& s : spec.series) {
    longest = std::max<size_t>(longest, report::CodePoints(s.name));
  }
  return longest;
}

Frame MakeFrame(const ChartSpec& spec, bool bars) {
  Frame f;
  f.positions = spec.x_labels.size();
  const bool legend = spec.series.size() > 1 || (spec.series.size() == 1 && !spec.series[0].name.empty());
  const double legend_w =
      legend ? std::min(200.0, 34 + kCharWidth * static_cast<double>(LongestName(spec))) : 0;
  f.left = 78;
  f.top = 46;
  f.width = std::max(100.0, spec.width - f.left - 20 - legend_w);
  f.height = std::max(80.0, spec.height - f.top - 66.0);
  f.legend_x = f.left + f.width + 14;
  if (spec.percent) {
    f.y_ticks = NiceTicks(0, 1);
  } else {
    double lo, hi;
    YRange(spec, bars, lo, hi);
    f.y_ticks = NiceTicks(lo, hi);
  }
  f.y0 = f.y_ticks.front();
  f.y1 = f.y_ticks.back();
  f.numeric_x = !bars && spec.x_values.size() == spec.x_labels.size() && spec.x_values.size() > 1;
  if (f.numeric_x) {
    const auto [mn, mx] = std::minmax_element(spec.x_values.begin(), spec.x_values.end());
    f.numeric_x = *mx > *mn;
    if (f.numeric_x) {
      f.x_ticks = NiceTicks(*mn, *mx, std::max(2, static_cast<int>(f.width / 90)));
      f.x0 = f.x_ticks.front();
      f.x1 = f.x_ticks.back();
    }
  }
  return f;
}

std::string YTickLabel(const ChartSpec& spec, double v, double step) {
  if (spec.percent) return FormatTick(v * 100, step * 100) + "%";
  return FormatAxisTick(v, step);
}

void AppendHeader(std::string& out, const ChartSpec& spec, const char* kind) {
  absl::StrAppend(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ", kind,
                  "\" width=\"", spec.width, "\" height=\"", spec.height, "\" viewBox=\"0 0 ",
                  spec.width, " ", spec.height,
                  "\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\">\n");
  absl::StrAppend(&out, "<title>", XmlEscape(spec.title), "</title>\n");
  absl::StrAppend(&out, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
  absl::StrAppend(&out, "<text class=\"title\" x=\"", spec.width / 2, "\" y=\"26\" font-size=\"",
                  kTitleFont, "\" font-weight=\"bold\" text-anchor=\"middle\">",
                  XmlEscape(Truncate(spec.title, static_cast<int>(spec.width / 10.5))),
                  "</text>\n");
}

void AppendYAxis(std::string& out, const ChartSpec& spec, const Frame& f) {
  const double step = f.y_ticks.size() > 1 ? f.y_ticks[1] - f.y_ticks[0] : 1;
  for (double t : f.y_ticks) {
    const double y = f.Y(t);
    absl::StrAppend(&out, "<line class=\"grid\" x1=\"", Num(f.left), "\" x2=\"",
                    Num(f.left + f.width), "\" y1=\"", Num(y), "\" y2=\"", Num(y),
                    "\" stroke=\"#e5e7eb\"/>\n");
    absl::StrAppend(&out, "<text class=\"ytick\" x=\"", Num(f.left - 8), "\" y=\"", Num(y + 5),
                    "\" font-size=\"", kTickFont, "\" text-anchor=\"end\">",
                    XmlEscape(YTickLabel(spec, t, step)), "</text>\n");
  }
  const double cy = f.top + f.height / 2;
  absl::StrAppend(&out, "<text class=\"ylabel\" x=\"18\" y=\"", Num(cy), "\" font-size=\"",
                  kLabelFont, "\" text-anchor=\"middle\" transform=\"rotate(-90 18 ", Num(cy),
                  ")\">", XmlEscape(Truncate(spec.y_label, static_cast<int>(f.height / 8.5))),
                  "</text>\n");
}

void AppendXTick(std::string& out, double x, double y, const std::string& label) {
  absl::StrAppend(&out, "<text class=\"xtick\" x=\"", Num(x), "\" y=\"", Num(y),
                  "\" font-size=\"", kTickFont, "\" text-anchor=\"middle\">", XmlEscape(label),
                  "</text>\n");
}

void AppendXAxis(std::string& out, const ChartSpec& spec, const Frame& f) {
  const double base = f.top + f.height;
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", Num(f.left), "\" x2=\"",
                  Num(f.left + f.width), "\" y1=\"", Num(base), "\" y2=\"", Num(base),
                  "\" stroke=\"#111827\"/>\n");
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", Num(f.left), "\" x2=\"", Num(f.left),
                  "\" y1=\"", Num(f.top), "\" y2=\"", Num(base), "\" stroke=\"#111827\"/>\n");
  if (f.numeric_x) {
    const double step = f.x_ticks.size() > 1 ? f.x_ticks[1] - f.x_ticks[0] : 1;
    for (double t : f.x_ticks) AppendXTick(out, f.X(0, t), base + 20, FormatAxisTick(t, step));
  } else {
    const int max_chars = std::max(3, static_cast<int>(f.Slot() / kCharWidth));
    for (size_t i = 0; i < spec.x_labels.size(); ++i) {
      AppendXTick(out, f.X(i, 0), base + 20, Truncate(spec.x_labels[i], max_chars));
    }
  }
  absl::StrAppend(&out, "<text class=\"xlabel\" x=\"", Num(f.left + f.width / 2), "\" y=\"",
                  Num(base + 48), "\" font-size=\"", kLabelFont, "\" text-anchor=\"middle\">",
                  XmlEscape(Truncate(spec.x_label, static_cast<int>(f.width / 8.5))),
                  "</text>\n");
}

// A marker of shape `s % 4` (circle, square, diamond, triangle).
void AppendMarker(std::string& out, size_t s, double x, double y, const char* colour,
                  const std::string& tooltip) {
  const std::string title = absl::StrCat("<title>", XmlEscape(tooltip), "</title>");
  switch (s % 4) {
    case 0:
      absl::StrAppend(&out, "<circle class=\"marker\" cx=\"", Num(x), "\" cy=\"", Num(y),
                      "\" r=\"4.5\" fill=\"", colour, "\">", title, "</circle>\n");
      return;
    case 1:
      absl::StrAppend(&out, "<rect class=\"marker\" x=\"", Num(x - 4), "\" y=\"", Num(y - 4),
                      "\" width=\"8\" height=\"8\" fill=\"", colour, "\">", title, "</rect>\n");
      return;
    default: {
      const std::string d =
          s % 4 == 2 ? absl::StrCat("M", Num(x), " ", Num(y - 5.5), "L", Num(x + 5.5), " ", Num(y),
                                    "L", Num(x), " ", Num(y + 5.5), "L", Num(x - 5.5), " ", Num(y),
                                    "Z")
                     : absl::StrCat("M", Num(x), " ", Num(y - 5.5), "L", Num(x + 5.5), " ",
                                    Num(y + 4.5), "L", Num(x - 5.5), " ", Num(y + 4.5), "Z");
      absl::StrAppend(&out, "<path class=\"marker\" d=\"", d, "\" fill=\"", colour, "\">", title,
                      "</path>\n");
    }
  }
}

void AppendErrorBar(std::string& out, const Frame& f, double x, const ChartValue& v,
                    const char* colour) {
  if (!v.low || !v.high) return;
  const double lo = f.Y(*v.low), hi = f.Y(*v.high);
  absl::StrAppend(&out, "<path class=\"err\" d=\"M", Num(x), " ", Num(lo), "V", Num(hi), "M",
                  Num(x - 4), " ", Num(lo), "H", Num(x + 4), "M", Num(x - 4), " ", Num(hi), "H",
                  Num(x + 4), "\" stroke=\"", colour, "\" stroke-width=\"1.5\" fill=\"none\"/>\n");
}

std::string Tooltip(const ChartSpec& spec, const ChartSeries& s, size_t i, const ChartValue& v) {
  const double step = spec.percent ? 0.001 : 0.01;
  std::string t = absl::StrCat(s.name.empty() ? "" : s.name + ", ",
                               i < spec.x_labels.size() ? spec.x_labels[i] : "", ": ",
                               YTickLabel(spec, v.y, step));
  if (v.low && v.high) {
    absl::StrAppend(&t, " [", YTickLabel(spec, *v.low, step), ", ",
                    YTickLabel(spec, *v.high, step), "]");
  }
  return t;
}

void AppendLegend(std::string& out, const ChartSpec& spec, const Frame& f, bool bars) {
  if (f.legend_x >= spec.width - 10) return;
  if (spec.series.size() < 2 && (spec.series.empty() || spec.series[0].name.empty())) return;
  const int max_chars = std::max(4, static_cast<int>((spec.width - f.legend_x - 30) / kCharWidth));
  // As many entries as fit beside the plot; the rest are counted.
  const size_t rows = static_cast<size_t>(std::max(1.0, std::floor((f.height + 30) / 24)));
  const size_t shown = spec.series.size() <= rows ? spec.series.size() : rows - 1;
  absl::StrAppend(&out, "<g class=\"legend\">\n");
  for (size_t s = 0; s < shown; ++s) {
    const double y = f.top + 8 + 24 * static_cast<double>(s);
    if (bars) {
      absl::StrAppend(&out, "<rect x=\"", Num(f.legend_x), "\" y=\"", Num(y - 7),
                      "\" width=\"16\" height=\"14\" fill=\"", Colour(s), "\"/>\n");
    } else {
      absl::StrAppend(&out, "<line x1=\"", Num(f.legend_x), "\" x2=\"", Num(f.legend_x + 18),
                      "\" y1=\"", Num(y), "\" y2=\"", Num(y), "\" stroke=\"", Colour(s),
                      "\" stroke-width=\"2.5\"/>\n");
      AppendMarker(out, s, f.legend_x + 9, y, Colour(s), spec.series[s].name);
    }
    absl::StrAppend(&out, "<text class=\"legend-label\" x=\"", Num(f.legend_x + 24), "\" y=\"",
                    Num(y + 5), "\" font-size=\"", kTickFont, "\">",
                    XmlEscape(Truncate(spec.series[s].name, max_chars)), "</text>\n");
  }
  if (shown < spec.series.size()) {
    absl::StrAppend(&out, "<text class=\"legend-more\" x=\"", Num(f.legend_x), "\" y=\"",
                    Num(f.top + 13 + 24 * static_cast<double>(shown)), "\" font-size=\"",
                    kTickFont, "\" fill=\"#6b7280\">+", spec.series.size() - shown,
                    " more series</text>\n");
  }
  absl::StrAppend(&out, "</g>\n");
}

void AppendNoData(std::string& out, const ChartSpec& spec, const Frame& f) {
  bool any = false;
  for (const ChartSeries& s : spec.series) {
    for (const auto& v : s.values) any = any || v.has_value();
  }
  if (any) return;
  absl::StrAppend(&out, "<text class=\"nodata\" x=\"", Num(f.left + f.width / 2), "\" y=\"",
                  Num(f.top + f.height / 2), "\" font-size=\"", kLabelFont,
                  "\" text-anchor=\"middle\" fill=\"#6b7280\">no data</text>\n");
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= lo == 0 ? 0 : pad;
    hi += pad;
  }
  max_ticks = std::max(max_ticks, 2);
  const double raw = (hi - lo) / (max_ticks - 1);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double candidate = m * magnitude;
    const double first = std::floor(lo / candidate + 1e-9) * candidate;
    const double last = std::ceil(hi / candidate - 1e-9) * candidate;
    if (std::llround((last - first) / candidate) + 1 <= max_ticks) {
      step = candidate;
      break;
    }
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  const long long count = std::llround((std::ceil(hi / step - 1e-9) * step - first) / step) + 1;
  std::vector<double> ticks;
  for (long long i = 0; i < count; ++i) {
    const double t = first + static_cast<double>(i) * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string FormatAxisTick(double v, double step) {
  // Large steps in thousands or millions, so labels fit the margin.
  if (std::fabs(step) >= 1e6) return FormatTick(v / 1e6, step / 1e6) + "M";
  if (std::fabs(step) >= 1e4) return FormatTick(v / 1e3, step / 1e3) + "k";
  return FormatTick(v, step);
}

std::string FormatTick(double v, double step) {
  int decimals = 0;
  if (step > 0 && std::isfinite(step)) {
    while (decimals < 6 &&
           std::fabs(step * std::pow(10, decimals) - std::round(step * std::pow(10, decimals))) >
               1e-6 * std::pow(10, decimals)) {
      ++decimals;
    }
  }
  std::string s = absl::StrFormat("%.*f", decimals, v);
  if (s == "-0" || s.find_first_not_of("-0.") == std::string::npos) s = s.substr(s[0] == '-');
  return s;
}

std::string LineChartSvg(const ChartSpec& spec) {
  const Frame f = MakeFrame(spec, /*bars=*/false);
  std::string out;
  AppendHeader(out, spec, "line");
  AppendYAxis(out, spec, f);
  AppendXAxis(out, spec, f);
  const size_t n = spec.series.size();
  for (size_t s = 0; s < n; ++s) {
    const ChartSeries& series = spec.series[s];
    // Series side by side by a few pixels, so their error bars do not hide
    // each other.
    const double dodge = (static_cast<double>(s) - (static_cast<double>(n) - 1) / 2) *
                         std::min(6.0, f.Slot() / (2.0 * static_cast<double>(n)));
    std::string points, marks;
    for (size_t i = 0; i < series.values.size() && i < spec.x_labels.size(); ++i) {
      if (!series.values[i]) continue;
      const ChartValue& v = *series.values[i];
      const double x = f.X(i, f.numeric_x ? spec.x_values[i] : 0) + dodge;
      absl::StrAppend(&points, points.empty() ? "" : " ", Num(x), ",", Num(f.Y(v.y)));
      AppendErrorBar(marks, f, x, v, Colour(s));
      AppendMarker(marks, s, x, f.Y(v.y), Colour(s), Tooltip(spec, series, i, v));
    }
    absl::StrAppend(&out, "<g class=\"series\">\n<polyline class=\"line\" points=\"", points,
                    "\" fill=\"none\" stroke=\"", Colour(s), "\" stroke-width=\"2.5\"/>\n", marks,
                    "</g>\n");
  }
  AppendNoData(out, spec, f);
  AppendLegend(out, spec, f, /*bars=*/false);
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

std::string BarChartSvg(const ChartSpec& spec) {
  const Frame f = MakeFrame(spec, /*bars=*/true);
  std::string out;
  AppendHeader(out, spec, "bar");
  AppendYAxis(out, spec, f);
  const size_t n = std::max<size_t>(spec.series.size(), 1);
  const double bar_w = f.Slot() * 0.8 / static_cast<double>(n);
  for (size_t s = 0; s < spec.series.size(); ++s) {
    const ChartSeries& series = spec.series[s];
    absl::StrAppend(&out, "<g class=\"series\">\n");
    for (size_t i = 0; i < series.values.size() && i < spec.x_labels.size(); ++i) {
      if (!series.values[i]) continue;
      const ChartValue& v = *series.values[i];
      const double x = f.X(i, 0) - f.Slot() * 0.4 + bar_w * static_cast<double>(s);
      const double base = f.Y(std::clamp(0.0, f.y0, f.y1));
      const double top = f.Y(v.y);
      absl::StrAppend(&out, "<rect class=\"bar\" x=\"", Num(x + 1), "\" y=\"",
                      Num(std::min(top, base)), "\" width=\"", Num(std::max(1.0, bar_w - 2)),
                      "\" height=\"", Num(std::fabs(base - top)), "\" fill=\"", Colour(s),
                      "\"><title>", XmlEscape(Tooltip(spec, series, i, v)), "</title></rect>\n");
      AppendErrorBar(out, f, x + bar_w / 2, v, "#111827");
    }
    absl::StrAppend(&out, "</g>\n");
  }
  AppendXAxis(out, spec, f);
  AppendNoData(out, spec, f);
  AppendLegend(out, spec, f, /*bars=*/true);
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

}  // namespace sct::scenarios::experiment

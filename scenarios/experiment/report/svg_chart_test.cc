#include "scenarios/experiment/report/svg_chart.h"

#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios::experiment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

ChartValue V(double y, double lo, double hi) { return ChartValue{y, lo, hi}; }

// Two series over three delays; "PIN" has no value at the middle one and its
// last value has no interval.
ChartSpec TwoSeries() {
  ChartSpec spec;
  spec.title = "Interceptor win rate by SMS delay";
  spec.x_label = "SMS delay (ms)";
  spec.y_label = "attacker wins";
  spec.x_labels = {"0ms", "200ms", "1s"};
  spec.x_values = {0, 200, 1000};
  spec.percent = true;
  spec.series = {
      {"no PIN", {V(0.9, 0.7, 0.97), V(0.5, 0.3, 0.7), V(0.1, 0.03, 0.3)}},
      {"PIN", {V(0, 0, 0.16), std::nullopt, ChartValue{0.05, std::nullopt, std::nullopt}}},
  };
  return spec;
}

TEST(LineChartSvgTest, OnePolylinePerSeriesAndOneErrorBarPerInterval) {
  const std::string svg = LineChartSvg(TwoSeries());
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_EQ(Count(svg, "class=\"err\""), 4);
  // Markers: 5 values plus one per legend entry.
  EXPECT_EQ(Count(svg, "class=\"marker\""), 5 + 2);
  EXPECT_EQ(Count(svg, "class=\"legend-label\""), 2);
  // The second series' polyline has two points (the gap is skipped).
  const std::regex polyline("<polyline class=\"line\" points=\"([^\"]*)\"");
  std::vector<int> points;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline);
       it != std::sregex_iterator(); ++it) {
    points.push_back(Count((*it)[1].str(), ",") );
  }
  EXPECT_THAT(points, ElementsAre(3, 2));
}

TEST(LineChartSvgTest, PercentAxisAndNumericXTicks) {
  const std::string svg = LineChartSvg(TwoSeries());
  EXPECT_THAT(svg, HasSubstr(">0%</text>"));
  EXPECT_THAT(svg, HasSubstr(">100%</text>"));
  // Numeric x: nice ticks, not the labels of the values.
  EXPECT_THAT(svg, HasSubstr("class=\"xtick\""));
  EXPECT_THAT(svg, HasSubstr(">1000</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">200ms</text>")));
  // Tooltips carry the interval.
  EXPECT_THAT(svg, HasSubstr("no PIN, 200ms: 50.0% [30.0%, 70.0%]"));
}

TEST(LineChartSvgTest, CategoricalXShowsLabels) {
  ChartSpec spec = TwoSeries();
  spec.x_values.clear();
  const std::string svg = LineChartSvg(spec);
  EXPECT_THAT(svg, HasSubstr(">200ms</text>"));
  EXPECT_THAT(svg, HasSubstr(">1s</text>"));
}

TEST(LineChartSvgTest, LabelsAreEscapedAndNothingActive) {
  ChartSpec spec = TwoSeries();
  const std::string evil = "<script>alert(1)</script>&\"'";
  spec.title = evil;
  spec.x_label = evil;
  spec.y_label = evil;
  spec.x_labels[1] = evil;
  spec.x_values.clear();
  spec.series[0].name = evil;
  const std::string svg = LineChartSvg(spec);
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("&\"'")));
  EXPECT_THAT(svg, Not(HasSubstr("href")));
  EXPECT_THAT(svg, Not(HasSubstr("@import")));
}

TEST(LineChartSvgTest, TextIsReadableOnASlide) {
  const std::string svg = LineChartSvg(TwoSeries());
  EXPECT_THAT(svg, HasSubstr("width=\"640\" height=\"400\""));
  const std::regex size("font-size=\"([0-9]+)\"");
  int texts = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), size);
       it != std::sregex_iterator(); ++it) {
    EXPECT_GE(std::stoi((*it)[1].str()), 14);
    ++texts;
  }
  EXPECT_EQ(texts, Count(svg, "<text"));
}

TEST(LineChartSvgTest, LegendCountsWhatDoesNotFit) {
  ChartSpec spec = TwoSeries();
  spec.series.clear();
  for (int i = 0; i < 40; ++i) {
    spec.series.push_back({"series " + std::to_string(i), {V(0.5, 0.4, 0.6), std::nullopt,
                                                           std::nullopt}});
  }
  const std::string svg = LineChartSvg(spec);
  EXPECT_EQ(Count(svg, "<polyline"), 40);
  const int shown = Count(svg, "class=\"legend-label\"");
  EXPECT_GT(shown, 5);
  EXPECT_LT(shown, 40);
  EXPECT_THAT(svg, HasSubstr(">+" + std::to_string(40 - shown) + " more series</text>"));
}

TEST(LineChartSvgTest, NoValuesSaysNoData) {
  ChartSpec spec;
  spec.title = "empty";
  spec.x_labels = {"a"};
  spec.series = {{"s", {std::nullopt}}};
  const std::string svg = LineChartSvg(spec);
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_THAT(BarChartSvg(spec), HasSubstr(">no data</text>"));
}

TEST(BarChartSvgTest, OneBarPerValueAndOneErrorBarPerInterval) {
  const std::string svg = BarChartSvg(TwoSeries());
  EXPECT_EQ(Count(svg, "class=\"bar\""), 5);
  EXPECT_EQ(Count(svg, "class=\"err\""), 4);
  EXPECT_EQ(Count(svg, "<polyline"), 0);
  // Bars are over categories even when x values are numeric.
  EXPECT_THAT(svg, HasSubstr(">200ms</text>"));
}

TEST(BarChartSvgTest, SingleUnnamedSeriesHasNoLegend) {
  ChartSpec spec;
  spec.title = "Polls";
  spec.x_labels = {"push", "no push"};
  spec.series = {{"", {V(3, 2, 4), V(40, 35, 45)}}};
  const std::string svg = BarChartSvg(spec);
  EXPECT_THAT(svg, Not(HasSubstr("class=\"legend\"")));
  EXPECT_THAT(svg, HasSubstr(">0</text>"));   // bars start at zero
  EXPECT_THAT(svg, HasSubstr(">50</text>"));  // and the axis covers the error bar
}

TEST(NiceTicksTest, StepsAreOneTwoTwoAndAHalfOrFive) {
  EXPECT_THAT(NiceTicks(0, 1), ElementsAre(0, 0.2, 0.4, 0.6000000000000001, 0.8, 1));
  EXPECT_THAT(NiceTicks(3, 97), ElementsAre(0, 20, 40, 60, 80, 100));
  EXPECT_THAT(NiceTicks(-3, 7), ElementsAre(-5, -2.5, 0, 2.5, 5, 7.5));
  EXPECT_THAT(NiceTicks(0, 1000, 3), ElementsAre(0, 500, 1000));
  EXPECT_THAT(NiceTicks(5, 5), ElementsAre(4.5, 4.75, 5, 5.25, 5.5));
}

TEST(NiceTicksTest, CoversTheRange) {
  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
           {0.013, 0.47}, {12, 13.5}, {-120, -3}, {1e-4, 3e-4}, {0, 123456}}) {
    const std::vector<double> t = NiceTicks(lo, hi);
    SCOPED_TRACE(testing::Message() << lo << ".." << hi);
    ASSERT_GE(t.size(), 2u);
    EXPECT_LE(t.size(), 6u);
    EXPECT_LE(t.front(), lo);
    EXPECT_GE(t.back(), hi);
  }
}

TEST(FormatTickTest, LargeStepsInThousandsAndMillions) {
  EXPECT_EQ(FormatAxisTick(5000, 1000), "5000");
  EXPECT_EQ(FormatAxisTick(250000, 50000), "250k");
  EXPECT_EQ(FormatAxisTick(25000, 25000), "25k");
  EXPECT_EQ(FormatAxisTick(12500000, 2500000), "12.5M");
  EXPECT_EQ(FormatAxisTick(0, 20000000), "0M");
}

TEST(FormatTickTest, DecimalsFollowTheStep) {
  EXPECT_EQ(FormatTick(0.25, 0.25), "0.25");
  EXPECT_EQ(FormatTick(200, 50), "200");
  EXPECT_EQ(FormatTick(2.5, 2.5), "2.5");
  EXPECT_EQ(FormatTick(-0.0, 0.1), "0.0");
  EXPECT_EQ(FormatTick(1e-4, 1e-4), "0.0001");
}

}  // namespace
}  // namespace sct::scenarios::experiment

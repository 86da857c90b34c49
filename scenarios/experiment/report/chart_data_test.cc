#include "scenarios/experiment/report/chart_data.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::Chart;
using scenario::v1::ExperimentResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> SeriesNames(const ChartSpec& spec) {
  std::vector<std::string> names;
  for (const auto& s : spec.series) names.push_back(s.name);
  return names;
}

TEST(ChartSpecForTest, FrequencyByDurationPerLabelledSeries) {
  const ExperimentResult r = SampleInterceptionExperiment();
  const auto spec = ChartSpecFor(r, r.charts(0));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->title, "Interceptor win rate by SMS delay");
  EXPECT_EQ(spec->y_label, "Eve gets the key");
  Chart unlabelled = r.charts(0);
  unlabelled.clear_y_label();
  EXPECT_EQ(ChartSpecFor(r, unlabelled)->y_label, "attacker (% of runs)");
  EXPECT_EQ(spec->x_label, "SMS delay (ms)");
  EXPECT_TRUE(spec->percent);
  EXPECT_THAT(spec->x_labels, ElementsAre("0ms", "200ms", "500ms", "1s"));
  EXPECT_THAT(spec->x_values, ElementsAre(0, 200, 500, 1000));
  EXPECT_THAT(SeriesNames(*spec), ElementsAre("no PIN", "PIN"));
  // Point 2 is (200ms, no PIN); "attacker" is the measure's second category.
  const auto& attacker = r.points(2).outcomes(0).categories(1);
  ASSERT_EQ(attacker.category(), "attacker");
  const auto& v = spec->series[0].values[1];
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->y, attacker.estimate());
  EXPECT_EQ(v->low, attacker.ci_low());
  EXPECT_EQ(v->high, attacker.ci_high());
}

TEST(ChartSpecForTest, MeanHasIntervalPercentileHasNoneAndEmptyPointIsAbsent) {
  const ExperimentResult r = SampleInterceptionExperiment();
  const auto mean = ChartSpecFor(r, r.charts(1));
  ASSERT_TRUE(mean.ok()) << mean.status();
  EXPECT_FALSE(mean->percent);
  EXPECT_EQ(mean->y_label, "share-latency, mean (ms)");
  const auto& first = mean->series[0].values[0];
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->y, r.points(0).samples(0).mean());
  EXPECT_EQ(first->high, r.points(0).samples(0).mean_ci_high());
  // At 1s without a PIN Bob never got the key: no latency was taken.
  ASSERT_EQ(r.points(6).samples(0).n(), 0u);
  EXPECT_FALSE(mean->series[0].values[3].has_value());

  Chart p90 = r.charts(1);
  p90.set_statistic("p90");
  const auto spec = ChartSpecFor(r, p90);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->series[0].values[0]->y, r.points(0).samples(0).p90());
  EXPECT_FALSE(spec->series[0].values[0]->low.has_value());
}

TEST(ChartSpecForTest, DefaultsAndCategoricalX) {
  const ExperimentResult r = SamplePollingExperiment();
  Chart chart;
  chart.set_measure("delivery");
  const auto spec = ChartSpecFor(r, chart);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->title, "delivery");
  EXPECT_EQ(spec->x_label, "push");                          // the only parameter
  EXPECT_THAT(spec->x_labels, ElementsAre("push", "no push"));  // labels, not true/false
  EXPECT_TRUE(spec->x_values.empty());
  EXPECT_THAT(SeriesNames(*spec), ElementsAre(""));
  EXPECT_EQ(spec->series[0].values[1]->y, r.points(1).samples(1).p50());  // p50 by default
  EXPECT_EQ(spec->y_label, "delivery, p50 (ms)");
  chart.set_measure("polls");
  EXPECT_EQ(ChartSpecFor(r, chart)->y_label, "polls per run, p50");
}

TEST(ChartSpecForTest, NoParametersIsOnePosition) {
  ExperimentResult r;
  r.add_measures()->set_name("who");
  r.mutable_measures(0)->mutable_outcome()->add_categories()->set_name("bob");
  r.add_points()->set_runs(2);
  r.add_runs()->mutable_categories()->insert({"who", "bob"});
  r.add_runs();
  Aggregate(r);
  Chart chart;
  chart.set_measure("who");
  const auto spec = ChartSpecFor(r, chart);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->x_labels, ElementsAre("all runs"));
  EXPECT_DOUBLE_EQ(spec->series[0].values[0]->y, 0.5);  // first category by default
}

TEST(ChartSpecForTest, OtherSweptParametersSplitTheSeries) {
  ExperimentResult r = SampleInterceptionExperiment();
  auto* extra = r.add_parameters()->mutable_parameter();
  extra->set_name("readers");
  extra->add_values("1");
  extra->add_values("2");
  for (int i = 0; i < r.points_size(); ++i) {
    r.mutable_points(i)->add_values(i % 2 == 0 ? "1" : "2");
  }
  const auto spec = ChartSpecFor(r, r.charts(0));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(SeriesNames(*spec), ElementsAre("no PIN, readers=1", "PIN, readers=2"));
}

TEST(ChartSpecForTest, UnknownNamesAreErrorsNamingTheField) {
  const ExperimentResult r = SampleInterceptionExperiment();
  struct Case {
    const char* field;
    Chart chart;
  };
  std::vector<Case> cases;
  cases.push_back({"measure: no measure named \"who-got-the-kye\"", r.charts(2)});
  Chart c = r.charts(0);
  c.set_x("delay");
  cases.push_back({"x: no parameter named \"delay\"", c});
  c = r.charts(0);
  c.set_series("pin");
  cases.push_back({"series: no parameter named \"pin\"", c});
  c = r.charts(0);
  c.set_series("SMS delay");
  cases.push_back({"series: the same parameter as x", c});
  c = r.charts(0);
  c.set_category("eve");
  cases.push_back({"category: measure \"who-got-the-key\" has no category \"eve\"", c});
  c = r.charts(1);
  c.set_statistic("median");
  cases.push_back({"statistic: \"median\" is not mean, p50, p90, p95 or p99", c});
  for (const Case& k : cases) {
    SCOPED_TRACE(k.field);
    const auto spec = ChartSpecFor(r, k.chart);
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(spec.status().message(), HasSubstr(k.field));
    EXPECT_THAT(spec.status().message(), HasSubstr(k.chart.title()));
  }
}

}  // namespace
}  // namespace sct::scenarios::experiment

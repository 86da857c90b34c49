#include "scenarios/experiment/report/aggregate.h"

#include <cmath>
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;

ExperimentResult Parse(const std::string& text) {
  ExperimentResult r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &r)) << text;
  return r;
}

// Two points; measures: an outcome with two categories and a custom
// otherwise, a learned measure, a latency and a count.
constexpr char kBase[] = R"pb(
  name: "x"
  measures {
    name: "who"
    outcome {
      categories { name: "receiver" }
      categories { name: "attacker" }
      otherwise: "nobody"
    }
  }
  measures { name: "eve-learned" learned { actor: "eve" } }
  measures { name: "lat" latency { from_step: "share" } }
  measures { name: "polls" count { attempts_of_step: "read" } }
  points { values: "0ms" runs: 4 errored: 1 }
  points { values: "200ms" runs: 2 }
  runs { point: 0 categories { key: "who" value: "receiver" } categories { key: "eve-learned" value: "no" }
         values { key: "lat" value: 10 } values { key: "polls" value: 1 } }
  runs { point: 0 categories { key: "who" value: "attacker" } categories { key: "eve-learned" value: "yes" }
         values { key: "lat" value: 30 } }
  runs { point: 0 categories { key: "who" value: "receiver" } categories { key: "eve-learned" value: "no" }
         values { key: "lat" value: 20 } values { key: "polls" value: 3 } }
  runs { point: 0 errored: true categories { key: "who" value: "attacker" } values { key: "lat" value: 1000 } }
  runs { point: 1 categories { key: "who" value: "nobody" } }
  runs { point: 1 }
  runs { point: 7 categories { key: "who" value: "receiver" } }
)pb";

TEST(AggregateTest, FrequenciesCountNonErroredRunsOnly) {
  ExperimentResult r = Parse(kBase);
  Aggregate(r);
  ASSERT_EQ(r.points_size(), 2);
  const auto& p0 = r.points(0);
  ASSERT_EQ(p0.outcomes_size(), 2);
  const auto& who = p0.outcomes(0);
  EXPECT_EQ(who.measure(), "who");
  ASSERT_EQ(who.categories_size(), 3);
  EXPECT_EQ(who.categories(0).category(), "receiver");
  EXPECT_EQ(who.categories(0).count(), 2u);
  EXPECT_EQ(who.categories(0).trials(), 3u);
  EXPECT_DOUBLE_EQ(who.categories(0).estimate(), 2.0 / 3);
  EXPECT_EQ(who.categories(1).category(), "attacker");
  EXPECT_EQ(who.categories(1).count(), 1u);  // the errored attacker run is not counted
  EXPECT_EQ(who.categories(2).category(), "nobody");
  EXPECT_EQ(who.categories(2).count(), 0u);
  EXPECT_EQ(who.categories(2).ci_low(), 0.0);
  EXPECT_NEAR(who.categories(2).ci_high(), 0.5615, 1e-4);  // Wilson 0/3

  const auto& learned = p0.outcomes(1);
  EXPECT_EQ(learned.measure(), "eve-learned");
  ASSERT_EQ(learned.categories_size(), 2);
  EXPECT_EQ(learned.categories(0).category(), "yes");
  EXPECT_EQ(learned.categories(0).count(), 1u);
  EXPECT_EQ(learned.categories(1).category(), "no");
  EXPECT_EQ(learned.categories(1).count(), 2u);
}

TEST(AggregateTest, RunWithoutCategoryCountsInTrialsOnly) {
  ExperimentResult r = Parse(kBase);
  Aggregate(r);
  const auto& who = r.points(1).outcomes(0);
  EXPECT_EQ(who.categories(2).category(), "nobody");
  EXPECT_EQ(who.categories(2).count(), 1u);
  EXPECT_EQ(who.categories(2).trials(), 2u);
  EXPECT_EQ(who.categories(0).count() + who.categories(1).count(), 0u);
}

TEST(AggregateTest, SamplesSummarizePresentValues) {
  ExperimentResult r = Parse(kBase);
  Aggregate(r);
  const auto& p0 = r.points(0);
  ASSERT_EQ(p0.samples_size(), 2);
  const auto& lat = p0.samples(0);
  EXPECT_EQ(lat.measure(), "lat");
  EXPECT_EQ(lat.unit(), "ms");
  EXPECT_EQ(lat.n(), 3u);  // not the errored run's 1000
  EXPECT_DOUBLE_EQ(lat.mean(), 20.0);
  EXPECT_DOUBLE_EQ(lat.stddev(), 10.0);
  EXPECT_DOUBLE_EQ(lat.p50(), 20.0);
  EXPECT_DOUBLE_EQ(lat.max(), 30.0);
  EXPECT_NEAR(lat.mean_ci_high(), 20 + 4.302652730 * 10 / std::sqrt(3.0), 1e-6);
  const auto& polls = p0.samples(1);
  EXPECT_EQ(polls.unit(), "count");
  EXPECT_EQ(polls.n(), 2u);  // one run did not take it
  EXPECT_DOUBLE_EQ(polls.mean(), 2.0);
  // Point 1 took no latency at all: n 0, not a crash.
  EXPECT_EQ(r.points(1).samples(0).n(), 0u);
}

TEST(AggregateTest, ReplacesPreviousAggregatesAndKeepsRunnerCounts) {
  ExperimentResult r = Parse(kBase);
  Aggregate(r);
  Aggregate(r);
  EXPECT_EQ(r.points(0).outcomes_size(), 2);
  EXPECT_EQ(r.points(0).samples_size(), 2);
  EXPECT_EQ(r.points(0).runs(), 4u);
  EXPECT_EQ(r.points(0).errored(), 1u);
}

TEST(MeasureCategoriesTest, OtherwiseDefaultsAndIsNotRepeated) {
  ExperimentResult r = Parse(R"pb(
    measures { name: "a" outcome { categories { name: "x" } } }
    measures { name: "b" outcome { categories { name: "x" } categories { name: "other" } } }
    measures { name: "c" latency {} }
  )pb");
  EXPECT_EQ(MeasureCategories(r.measures(0)), (std::vector<std::string>{"x", "other"}));
  EXPECT_EQ(MeasureCategories(r.measures(1)), (std::vector<std::string>{"x", "other"}));
  EXPECT_TRUE(MeasureCategories(r.measures(2)).empty());
}

}  // namespace
}  // namespace sct::scenarios::experiment

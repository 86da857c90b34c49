#include "scenarios/experiment/report/stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace sct::scenarios::experiment {
namespace {

struct WilsonVector {
  const char* id;
  uint64_t successes;
  uint64_t trials;
  double low;
  double high;
};

// Published 95 % Wilson score intervals, to 4 decimals: Newcombe, "Two-sided
// confidence intervals for the single proportion", Statistics in Medicine
// 17 (1998), Table II (method 3), and the textbook cases at 0, n/2 and n.
const WilsonVector kWilson[] = {
    {"81/263", 81, 263, 0.2553, 0.3662}, {"15/148", 15, 148, 0.0624, 0.1605},
    {"0/20", 0, 20, 0.0, 0.1611},        {"1/29", 1, 29, 0.0061, 0.1718},
    {"0/10", 0, 10, 0.0, 0.2775},        {"5/10", 5, 10, 0.2366, 0.7634},
    {"10/10", 10, 10, 0.7225, 1.0},
};

TEST(WilsonIntervalTest, MatchesPublishedValues) {
  for (const WilsonVector& v : kWilson) {
    SCOPED_TRACE(v.id);
    const Proportion p = WilsonInterval(v.successes, v.trials);
    EXPECT_DOUBLE_EQ(p.estimate, static_cast<double>(v.successes) / v.trials);
    EXPECT_NEAR(p.low, v.low, 5e-5);
    EXPECT_NEAR(p.high, v.high, 5e-5);
  }
}

TEST(WilsonIntervalTest, EndsAreExactAtZeroAndAll) {
  EXPECT_EQ(WilsonInterval(0, 7).low, 0.0);
  EXPECT_EQ(WilsonInterval(7, 7).high, 1.0);
  EXPECT_GT(WilsonInterval(0, 7).high, 0.0);  // never a zero-width interval
  EXPECT_LT(WilsonInterval(7, 7).low, 1.0);
}

TEST(WilsonIntervalTest, NoTrialsMeansNothingIsKnown) {
  const Proportion p = WilsonInterval(0, 0);
  EXPECT_EQ(p.estimate, 0.0);
  EXPECT_EQ(p.low, 0.0);
  EXPECT_EQ(p.high, 1.0);
}

TEST(WilsonIntervalTest, WiderZWidensTheInterval) {
  const Proportion p95 = WilsonInterval(30, 100);
  const Proportion p99 = WilsonInterval(30, 100, 2.5758293035489);
  EXPECT_LT(p99.low, p95.low);
  EXPECT_GT(p99.high, p95.high);
}

struct PercentileVector {
  std::vector<double> values;
  double p;
  double expected;  // numpy.percentile(values, p)
};

TEST(PercentileTest, MatchesNumpyLinear) {
  const PercentileVector vectors[] = {
      {{1, 2, 3, 4}, 50, 2.5},
      {{1, 2, 3, 4}, 90, 3.7},
      {{15, 20, 35, 40, 50}, 40, 29.0},
      {{10, 7, 4, 3, 2, 1}, 25, 2.25},  // unsorted input
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 9.91},
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95, 9.55},
      {{3, 1, 2}, 0, 1},
      {{3, 1, 2}, 100, 3},
      {{5}, 90, 5},
  };
  for (const PercentileVector& v : vectors) {
    SCOPED_TRACE(testing::Message() << "p" << v.p << " of " << v.values.size() << " values");
    EXPECT_NEAR(Percentile(v.values, v.p), v.expected, 1e-12);
  }
}

TEST(PercentileTest, EmptyAndOutOfRange) {
  EXPECT_EQ(Percentile({}, 50), 0.0);
  EXPECT_EQ(Percentile({1, 2}, -5), 1.0);
  EXPECT_EQ(Percentile({1, 2}, 250), 2.0);
}

TEST(StudentT975Test, TableAndExpansion) {
  // scipy.stats.t.ppf(0.975, df)
  EXPECT_NEAR(StudentT975(1), 12.706204736, 1e-8);
  EXPECT_NEAR(StudentT975(7), 2.364624252, 1e-8);
  EXPECT_NEAR(StudentT975(30), 2.042272456, 1e-8);
  EXPECT_NEAR(StudentT975(31), 2.039513446, 1e-6);
  EXPECT_NEAR(StudentT975(60), 2.000297822, 1e-6);
  EXPECT_NEAR(StudentT975(120), 1.979930405, 1e-6);
  EXPECT_NEAR(StudentT975(1000000), kZ95, 1e-5);
  EXPECT_EQ(StudentT975(0), StudentT975(1));
}

TEST(SummarizeTest, KnownSample) {
  // mean 5, sample variance 32/7; t(7) = 2.364624252.
  const Summary s = Summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.stddev, 2.138089935, 1e-9);
  EXPECT_NEAR(s.mean_ci_low, 5 - 1.7874879, 1e-6);
  EXPECT_NEAR(s.mean_ci_high, 5 + 1.7874879, 1e-6);
  EXPECT_EQ(s.min, 2.0);
  EXPECT_EQ(s.max, 9.0);
  EXPECT_NEAR(s.p50, 4.5, 1e-12);
  EXPECT_NEAR(s.p90, 7.6, 1e-12);   // rank 6.3
  EXPECT_NEAR(s.p95, 8.3, 1e-12);   // rank 6.65
  EXPECT_NEAR(s.p99, 8.86, 1e-12);  // rank 6.93
}

TEST(SummarizeTest, OneValueHasNoSpread) {
  const Summary s = Summarize({42});
  EXPECT_EQ(s.n, 1u);
  EXPECT_EQ(s.mean, 42.0);
  EXPECT_EQ(s.stddev, 0.0);
  EXPECT_EQ(s.mean_ci_low, 42.0);
  EXPECT_EQ(s.mean_ci_high, 42.0);
  EXPECT_EQ(s.p99, 42.0);
}

TEST(SummarizeTest, EmptyIsAllZero) {
  const Summary s = Summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_EQ(s.mean, 0.0);
  EXPECT_EQ(s.max, 0.0);
}

}  // namespace
}  // namespace sct::scenarios::experiment

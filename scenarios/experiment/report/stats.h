// The statistics of an experiment's report: Wilson score intervals for
// frequencies, percentiles and a summary of a sample with the t interval of
// its mean (docs/experiments.md, "Statistics").
//
// Pure functions; thread-safe. No function fails: empty inputs give the
// documented conventions below instead of errors.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_STATS_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_STATS_H_

#include <cstdint>
#include <vector>

namespace sct::scenarios::experiment {

// The standard normal quantile of 0.975: a two-sided 95 % interval.
inline constexpr double kZ95 = 1.959963984540054;

// A proportion with its interval, all in [0, 1].
struct Proportion {
  double estimate = 0;
  double low = 0;
  double high = 1;
};

// successes / trials with its Wilson score interval at `z` (default 95 %).
// The Wilson interval stays inside [0, 1] and keeps a useful width at 0 and
// at `trials` successes, where the normal ("Wald") interval collapses to a
// point. trials == 0: {0, 0, 1} (nothing is known). successes > trials is
// clamped to trials.
Proportion WilsonInterval(uint64_t successes, uint64_t trials, double z = kZ95);

// The p-th percentile (p in [0, 100], clamped) of `values`, by linear
// interpolation between the closest ranks: rank p/100 * (n - 1) of the
// sorted values, numpy's default ("linear"). Empty: 0.
double Percentile(std::vector<double> values, double p);

// The two-sided 95 % critical value of Student's t distribution with
// `degrees_of_freedom` (≥ 1; 0 is treated as 1): an exact table up to 30,
// then a Cornish-Fisher expansion (error < 1e-6).
double StudentT975(uint32_t degrees_of_freedom);

// A sample's summary.
struct Summary {
  uint32_t n = 0;
  double mean = 0;
  // Sample standard deviation (divides by n - 1); 0 for n < 2.
  double stddev = 0;
  // 95 % t interval of the mean: mean ± t(n-1) * stddev / sqrt(n). For
  // n = 1 both ends are the mean (no spread is known).
  double mean_ci_low = 0;
  double mean_ci_high = 0;
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
};

// Summary of `values`; empty: all zero.
Summary Summarize(const std::vector<double>& values);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_STATS_H_

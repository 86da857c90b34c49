// Order statistics of latency samples for the flow benchmark
// (scenarios/bench/flow_bench.cc): exact nearest-rank percentiles over every
// sample, no histogram buckets.
//
// Thread-safety: free functions on values; no shared state.
#ifndef SCT_SCENARIOS_BENCH_FLOW_STATS_H_
#define SCT_SCENARIOS_BENCH_FLOW_STATS_H_

#include <cstddef>
#include <vector>

namespace sct::bench {

// Summary of a set of samples (any unit; the benchmark uses milliseconds).
// Every field is 0 when `count` is 0.
struct Summary {
  size_t count = 0;
  double min = 0;
  double median = 0;  // nearest-rank p50
  double p90 = 0;
  double p99 = 0;
  double max = 0;
  double mean = 0;
};

// Nearest-rank percentile: the smallest sample such that at least `p`
// percent of the samples are <= it (p in (0, 100]; p <= 0 gives the minimum,
// p > 100 the maximum). 0 for no samples. `samples` need not be sorted.
double Percentile(std::vector<double> samples, double p);

// Summarises `samples` (not necessarily sorted).
Summary Summarize(const std::vector<double>& samples);

// Median of the element-wise ratios numerators[i] / denominators[i], over the
// indices where both exist and the denominator is > 0 (0 if none).
double MedianRatio(const std::vector<double>& numerators,
                   const std::vector<double>& denominators);

}  // namespace sct::bench

#endif  // SCT_SCENARIOS_BENCH_FLOW_STATS_H_

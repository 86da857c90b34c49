#include "scenarios/bench/flow_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sct::bench {

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  if (p <= 0) return samples.front();
  if (p >= 100) return samples.back();
  // Rank (1-based) = ceil(p/100 * n), computed with a small tolerance so
  // that e.g. 50% of 10 samples is rank 5, not 6 from rounding error.
  const double exact = p / 100.0 * static_cast<double>(samples.size());
  size_t rank = static_cast<size_t>(std::ceil(exact - 1e-9));
  if (rank < 1) rank = 1;
  if (rank > samples.size()) rank = samples.size();
  return samples[rank - 1];
}

Summary Summarize(const std::vector<double>& samples) {
  Summary s;
  if (samples.empty()) return s;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  s.count = sorted.size();
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = Percentile(sorted, 50);
  s.p90 = Percentile(sorted, 90);
  s.p99 = Percentile(sorted, 99);
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) /
           static_cast<double>(sorted.size());
  return s;
}

double MedianRatio(const std::vector<double>& numerators,
                   const std::vector<double>& denominators) {
  std::vector<double> ratios;
  const size_t n = std::min(numerators.size(), denominators.size());
  for (size_t i = 0; i < n; ++i) {
    if (denominators[i] > 0) ratios.push_back(numerators[i] / denominators[i]);
  }
  return Percentile(ratios, 50);
}

}  // namespace sct::bench

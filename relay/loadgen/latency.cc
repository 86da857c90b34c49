#include "relay/loadgen/latency.h"

#include <algorithm>
#include <cmath>

namespace sct::relay::loadgen {

void LatencySamples::Merge(const LatencySamples& other) {
  samples_ns_.insert(samples_ns_.end(), other.samples_ns_.begin(), other.samples_ns_.end());
}

LatencySummary LatencySamples::Summarize() const {
  LatencySummary s;
  if (samples_ns_.empty()) return s;
  std::vector<int64_t> sorted = samples_ns_;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  // Nearest rank: the smallest sample with at least p% of samples <= it.
  auto rank = [&](double p) {
    size_t r = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
    if (r < 1) r = 1;
    if (r > n) r = n;
    return static_cast<double>(sorted[r - 1]) / 1000.0;
  };
  long double sum = 0;
  for (int64_t v : sorted) sum += v;
  s.count = static_cast<int64_t>(n);
  s.mean_us = static_cast<double>(sum / n) / 1000.0;
  s.p50_us = rank(50);
  s.p90_us = rank(90);
  s.p99_us = rank(99);
  s.max_us = static_cast<double>(sorted.back()) / 1000.0;
  return s;
}

}  // namespace sct::relay::loadgen

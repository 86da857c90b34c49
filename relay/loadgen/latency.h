// Latency samples of one operation, kept exactly (every sample), for the load
// generator's percentiles.
//
// A run of a few seconds at a few thousand RPCs/s is well under a million
// samples (8 bytes each), so keeping all of them is cheaper and more honest
// than a bucketed histogram: p50/p99 are exact order statistics.
//
// Not thread-safe: each client thread owns its own LatencySamples and the
// runner merges them after the threads have joined.
#ifndef SCT_RELAY_LOADGEN_LATENCY_H_
#define SCT_RELAY_LOADGEN_LATENCY_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace sct::relay::loadgen {

struct LatencySummary {
  int64_t count = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

class LatencySamples {
 public:
  void Add(absl::Duration d) { samples_ns_.push_back(absl::ToInt64Nanoseconds(d)); }
  void Merge(const LatencySamples& other);
  int64_t count() const { return static_cast<int64_t>(samples_ns_.size()); }
  void Reserve(size_t n) { samples_ns_.reserve(n); }

  // Nearest-rank percentiles over all samples; all zero when empty.
  LatencySummary Summarize() const;

 private:
  std::vector<int64_t> samples_ns_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_LATENCY_H_

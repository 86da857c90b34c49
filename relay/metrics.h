// Request metrics of the relay and their Prometheus text rendering.
//
// The adapters (relay_http, relay_grpc) record one observation per request:
// which operation, which transport, the status it answered and how long it
// took. The /metrics page renders these plus the service's own counters
// (RelayStats) and the live-mailbox gauge. Thread-safe; no errors.
#ifndef SCT_RELAY_METRICS_H_
#define SCT_RELAY_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "relay/mailbox_service.h"

namespace sct::relay {

// Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
inline constexpr std::array<double, 12> kLatencyBucketsSeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
    0.01,   0.025,   0.05,   0.1,   0.5,    2.5};

class RelayMetrics {
 public:
  RelayMetrics() = default;
  RelayMetrics(const RelayMetrics&) = delete;
  RelayMetrics& operator=(const RelayMetrics&) = delete;

  // One finished request. `transport` is "http" or "grpc"; `operation` one of
  // the six operation names in snake_case (e.g. "create_mailbox") or "other";
  // `status` the answered status as text ("200", "404", "NOT_FOUND", ...).
  void RecordRequest(absl::string_view transport, absl::string_view operation,
                     absl::string_view status, absl::Duration latency);

  // The Prometheus text exposition (format 0.0.4) of everything recorded plus
  // `stats` and `live_mailboxes` (negative: the gauge is omitted because the
  // store could not count).
  std::string Render(const RelayStats& stats, int64_t live_mailboxes) const;

  // Requests recorded for (transport, operation, status); for tests.
  int64_t RequestCount(absl::string_view transport, absl::string_view operation,
                       absl::string_view status) const;

 private:
  struct Histogram {
    std::array<int64_t, kLatencyBucketsSeconds.size()> buckets{};  // not cumulative
    int64_t count = 0;
    double sum_seconds = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> requests_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Histogram> latency_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_METRICS_H_

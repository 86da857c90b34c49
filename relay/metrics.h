// Request metrics of the relay and their Prometheus text rendering.
//
// The adapters (relay_http, relay_grpc) record one observation per request:
// which operation, which transport, the status it answered and how long it
// took. The /metrics page renders these plus the service's own counters
// (RelayStats) and the live-mailbox gauge. Thread-safe; no errors.
#ifndef SCT_RELAY_METRICS_H_
#define SCT_RELAY_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <utility>

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

  // The counters of one (transport, operation) pair whose statuses are gRPC
  // codes: the gRPC face takes one per operation when it is built and
  // records every call on it with a few relaxed atomic additions (no lock,
  // no lookup). Render and RequestCount show its figures exactly as if they
  // had been recorded with RecordRequest(transport, operation,
  // StatusCodeToString(code), latency).
  class CodeSeries {
   public:
    // `code` is a gRPC / absl status code (0..16; others count as UNKNOWN).
    void Record(int code, absl::Duration latency);

    // Made by RelayMetrics::Series only.
    CodeSeries(std::string transport, std::string operation)
        : transport_(std::move(transport)), operation_(std::move(operation)) {}

   private:
    friend class RelayMetrics;
    static constexpr int kCodes = 17;
    const std::string transport_;
    const std::string operation_;
    std::array<std::atomic<int64_t>, kCodes> by_code_{};
    std::array<std::atomic<int64_t>, kLatencyBucketsSeconds.size()> buckets_{};  // not cumulative
    std::atomic<int64_t> count_{0};
    std::atomic<int64_t> sum_nanos_{0};
  };
  // The series of (transport, operation), made on first use; it lives as
  // long as this object.
  CodeSeries* Series(absl::string_view transport, absl::string_view operation);

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
  // Transparent comparators: lookups with string_views allocate nothing;
  // only the first request of a kind inserts a key.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t, std::less<>> requests_
      ABSL_GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string>, Histogram, std::less<>> latency_
      ABSL_GUARDED_BY(mu_);
  // Stable addresses (a deque only appends).
  std::deque<CodeSeries> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_METRICS_H_

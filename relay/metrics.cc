#include "relay/metrics.h"

#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sct::relay {
namespace {

// Label values are fixed identifiers chosen by the relay, but escape anyway
// so the exposition stays well-formed whatever is passed.
std::string LabelEscape(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Counter(std::string& out, absl::string_view name, absl::string_view help,
             int64_t value) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " counter\n", name,
                  " ", value, "\n");
}

size_t BucketOf(double seconds) {
  size_t bucket = 0;
  while (bucket < kLatencyBucketsSeconds.size() && seconds > kLatencyBucketsSeconds[bucket]) {
    ++bucket;
  }
  return bucket;
}

}  // namespace

void RelayMetrics::CodeSeries::Record(int code, absl::Duration latency) {
  if (code < 0 || code >= kCodes) code = static_cast<int>(absl::StatusCode::kUnknown);
  const size_t bucket = BucketOf(absl::ToDoubleSeconds(latency));
  by_code_[code].fetch_add(1, std::memory_order_relaxed);
  if (bucket < buckets_.size()) buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(absl::ToInt64Nanoseconds(latency), std::memory_order_relaxed);
}

RelayMetrics::CodeSeries* RelayMetrics::Series(absl::string_view transport,
                                               absl::string_view operation) {
  absl::MutexLock lock(&mu_);
  for (CodeSeries& s : series_) {
    if (s.transport_ == transport && s.operation_ == operation) return &s;
  }
  // The deque's element is built in place (atomics cannot move).
  series_.emplace_back(std::string(transport), std::string(operation));
  return &series_.back();
}

void RelayMetrics::RecordRequest(absl::string_view transport, absl::string_view operation,
                                 absl::string_view status, absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  const size_t bucket = BucketOf(seconds);
  const std::string_view t(transport.data(), transport.size());
  const std::string_view o(operation.data(), operation.size());
  const std::string_view st(status.data(), status.size());
  absl::MutexLock lock(&mu_);
  auto r = requests_.find(std::make_tuple(t, o, st));
  if (r == requests_.end()) {
    r = requests_.emplace(std::make_tuple(std::string(t), std::string(o), std::string(st)), 0)
            .first;
  }
  ++r->second;
  auto h = latency_.find(std::make_tuple(t, o));
  if (h == latency_.end()) {
    h = latency_.emplace(std::make_tuple(std::string(t), std::string(o)), Histogram()).first;
  }
  if (bucket < kLatencyBucketsSeconds.size()) ++h->second.buckets[bucket];
  ++h->second.count;
  h->second.sum_seconds += seconds;
}

int64_t RelayMetrics::RequestCount(absl::string_view transport, absl::string_view operation,
                                   absl::string_view status) const {
  absl::MutexLock lock(&mu_);
  auto it = requests_.find(
      std::make_tuple(std::string(transport), std::string(operation), std::string(status)));
  int64_t n = it == requests_.end() ? 0 : it->second;
  for (const CodeSeries& s : series_) {
    if (s.transport_ != transport || s.operation_ != operation) continue;
    for (int code = 0; code < CodeSeries::kCodes; ++code) {
      if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == status) {
        n += s.by_code_[code].load(std::memory_order_relaxed);
      }
    }
  }
  return n;
}

std::string RelayMetrics::Render(const RelayStats& stats, int64_t live_mailboxes) const {
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    // The series' figures merged into copies of the maps, so the page lists
    // every (transport, operation, status) once, in the same order.
    std::map<std::tuple<std::string, std::string, std::string>, int64_t, std::less<>> requests =
        requests_;
    std::map<std::tuple<std::string, std::string>, Histogram, std::less<>> latency = latency_;
    for (const CodeSeries& s : series_) {
      if (s.count_.load(std::memory_order_relaxed) == 0) continue;
      for (int code = 0; code < CodeSeries::kCodes; ++code) {
        const int64_t n = s.by_code_[code].load(std::memory_order_relaxed);
        if (n == 0) continue;
        requests[std::make_tuple(s.transport_, s.operation_,
                                 absl::StatusCodeToString(static_cast<absl::StatusCode>(code)))] +=
            n;
      }
      Histogram& h = latency[std::make_tuple(s.transport_, s.operation_)];
      for (size_t i = 0; i < h.buckets.size(); ++i) {
        h.buckets[i] += s.buckets_[i].load(std::memory_order_relaxed);
      }
      h.count += s.count_.load(std::memory_order_relaxed);
      h.sum_seconds += static_cast<double>(s.sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
    }
    absl::StrAppend(&out,
                    "# HELP relay_requests_total Requests answered, by transport, "
                    "operation and status.\n# TYPE relay_requests_total counter\n");
    for (const auto& [key, value] : requests) {
      absl::StrAppend(&out, "relay_requests_total{transport=\"",
                      LabelEscape(std::get<0>(key)), "\",operation=\"",
                      LabelEscape(std::get<1>(key)), "\",status=\"",
                      LabelEscape(std::get<2>(key)), "\"} ", value, "\n");
    }
    absl::StrAppend(&out,
                    "# HELP relay_request_duration_seconds Request latency, by transport "
                    "and operation.\n# TYPE relay_request_duration_seconds histogram\n");
    for (const auto& [key, h] : latency) {
      const std::string labels =
          absl::StrCat("transport=\"", LabelEscape(std::get<0>(key)), "\",operation=\"",
                       LabelEscape(std::get<1>(key)), "\"");
      int64_t cumulative = 0;
      for (size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
        cumulative += h.buckets[i];
        absl::StrAppend(&out, "relay_request_duration_seconds_bucket{", labels, ",le=\"",
                        absl::StrFormat("%g", kLatencyBucketsSeconds[i]), "\"} ",
                        cumulative, "\n");
      }
      absl::StrAppend(&out, "relay_request_duration_seconds_bucket{", labels,
                      ",le=\"+Inf\"} ", h.count, "\n");
      absl::StrAppend(&out, "relay_request_duration_seconds_sum{", labels, "} ",
                      absl::StrFormat("%.9f", h.sum_seconds), "\n");
      absl::StrAppend(&out, "relay_request_duration_seconds_count{", labels, "} ", h.count,
                      "\n");
    }
  }
  if (live_mailboxes >= 0) {
    absl::StrAppend(&out,
                    "# HELP relay_mailboxes_live Mailboxes stored and not yet swept.\n"
                    "# TYPE relay_mailboxes_live gauge\nrelay_mailboxes_live ",
                    live_mailboxes, "\n");
  }
  Counter(out, "relay_mailboxes_created_total", "Mailboxes created.",
          stats.mailboxes_created);
  Counter(out, "relay_mailboxes_deleted_total", "Mailboxes deleted by a party.",
          stats.mailboxes_deleted);
  Counter(out, "relay_mailboxes_swept_total", "Expired mailboxes removed by the sweeper.",
          stats.mailboxes_swept);
  Counter(out, "relay_bind_conflicts_total", "Readers that lost the binding race.",
          stats.bind_conflicts);
  Counter(out, "relay_push_sent_total", "Push notifications delivered.", stats.push_sent);
  Counter(out, "relay_push_failed_total", "Push notifications that failed.",
          stats.push_failed);
  Counter(out, "relay_rate_limited_total", "Requests refused by a rate limit.",
          stats.rate_limited);
  return out;
}

}  // namespace sct::relay

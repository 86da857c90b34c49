#include "relay/metrics.h"

#include <string>

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

}  // namespace

void RelayMetrics::RecordRequest(absl::string_view transport, absl::string_view operation,
                                 absl::string_view status, absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++requests_[std::make_tuple(std::string(transport), std::string(operation),
                              std::string(status))];
  Histogram& h = latency_[std::make_pair(std::string(transport), std::string(operation))];
  for (size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
    if (seconds <= kLatencyBucketsSeconds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum_seconds += seconds;
}

int64_t RelayMetrics::RequestCount(absl::string_view transport, absl::string_view operation,
                                   absl::string_view status) const {
  absl::MutexLock lock(&mu_);
  auto it = requests_.find(
      std::make_tuple(std::string(transport), std::string(operation), std::string(status)));
  return it == requests_.end() ? 0 : it->second;
}

std::string RelayMetrics::Render(const RelayStats& stats, int64_t live_mailboxes) const {
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    absl::StrAppend(&out,
                    "# HELP relay_requests_total Requests answered, by transport, "
                    "operation and status.\n# TYPE relay_requests_total counter\n");
    for (const auto& [key, value] : requests_) {
      absl::StrAppend(&out, "relay_requests_total{transport=\"",
                      LabelEscape(std::get<0>(key)), "\",operation=\"",
                      LabelEscape(std::get<1>(key)), "\",status=\"",
                      LabelEscape(std::get<2>(key)), "\"} ", value, "\n");
    }
    absl::StrAppend(&out,
                    "# HELP relay_request_duration_seconds Request latency, by transport "
                    "and operation.\n# TYPE relay_request_duration_seconds histogram\n");
    for (const auto& [key, h] : latency_) {
      const std::string labels =
          absl::StrCat("transport=\"", LabelEscape(key.first), "\",operation=\"",
                       LabelEscape(key.second), "\"");
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

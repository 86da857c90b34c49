#include "sim/recorder.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "crypto/hmac.h"

namespace sct::sim {
namespace {

constexpr size_t kAuditKeySize = 32;

}  // namespace

Recorder::Recorder(std::string observer, const Clock* clock, RecorderOptions options)
    : observer_(std::move(observer)), clock_(clock), options_(options) {}

absl::StatusOr<std::string> Recorder::Fingerprint(absl::string_view key,
                                                  absl::string_view value) {
  absl::StatusOr<std::string> mac = crypto::HmacSha256(key, value);
  if (!mac.ok()) return mac.status();
  return absl::BytesToHexString(*mac);
}

absl::Status Recorder::SetAuditKey(absl::string_view key) {
  if (key.size() != kAuditKeySize) {
    return InvalidField("key", "must be exactly 32 bytes, got " + std::to_string(key.size()));
  }
  absl::MutexLock lock(&mu_);
  key_ = std::string(key);
  return absl::OkStatus();
}

bool Recorder::has_audit_key() const {
  absl::MutexLock lock(&mu_);
  return !key_.empty();
}

void Recorder::ResetAudit() {
  absl::MutexLock lock(&mu_);
  events_.clear();
  observations_.clear();
  co_observations_.clear();
  dropped_events_ = 0;
  dropped_observations_ = 0;
}

size_t Recorder::event_count() const {
  absl::MutexLock lock(&mu_);
  return events_.size();
}

uint64_t Recorder::RecordEvent(::common::v1::TraceEvent event) {
  absl::MutexLock lock(&mu_);
  const uint64_t seq = next_seq_++;
  event.set_seq(seq);
  events_.push_back(std::move(event));
  while (events_.size() > options_.max_events) {
    events_.pop_front();
    ++dropped_events_;
  }
  return seq;
}

void Recorder::Observe(::common::v1::KnowledgeItem item, absl::string_view value,
                       absl::string_view where, std::set<std::string>* together) {
  if (value.empty()) return;
  std::string key;
  {
    absl::MutexLock lock(&mu_);
    if (key_.empty()) return;
    key = key_;
  }
  absl::StatusOr<std::string> fingerprint = Fingerprint(key, value);
  if (!fingerprint.ok()) return;  // OpenSSL failure: nothing sensible to record
  const absl::Time now = clock_->Now();
  if (together != nullptr) together->insert(*fingerprint);
  absl::MutexLock lock(&mu_);
  Key k{static_cast<int>(item), *std::move(fingerprint), std::string(where)};
  auto it = observations_.find(k);
  if (it == observations_.end()) {
    if (observations_.size() >= options_.max_observations) {
      ++dropped_observations_;
      return;
    }
    it = observations_.emplace(std::move(k), Seen{now, 0}).first;
  }
  ++it->second.count;
}

void Recorder::ObserveTogether(const std::set<std::string>& fingerprints,
                               absl::string_view where) {
  if (fingerprints.size() < 2) return;
  absl::MutexLock lock(&mu_);
  if (key_.empty()) return;
  auto k = std::make_pair(std::string(where), fingerprints);
  auto it = co_observations_.find(k);
  if (it == co_observations_.end()) {
    if (co_observations_.size() >= options_.max_co_observations) {
      ++dropped_observations_;
      return;
    }
    it = co_observations_.emplace(std::move(k), 0).first;
  }
  ++it->second;
}

std::vector<::common::v1::CoObservation> Recorder::CoObservations() const {
  absl::MutexLock lock(&mu_);
  std::vector<::common::v1::CoObservation> out;
  out.reserve(co_observations_.size());
  for (const auto& [k, count] : co_observations_) {
    ::common::v1::CoObservation o;
    o.set_observer(observer_);
    o.set_where(k.first);
    for (const std::string& fp : k.second) o.add_fingerprints(fp);
    o.set_count(count);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<::common::v1::TraceEvent> Recorder::Trace(uint64_t after_seq) const {
  absl::MutexLock lock(&mu_);
  std::vector<::common::v1::TraceEvent> out;
  for (const auto& event : events_) {
    if (event.seq() > after_seq) out.push_back(event);
  }
  return out;
}

std::vector<::common::v1::Observation> Recorder::Observations() const {
  absl::MutexLock lock(&mu_);
  std::vector<::common::v1::Observation> out;
  out.reserve(observations_.size());
  for (const auto& [k, seen] : observations_) {
    ::common::v1::Observation o;
    o.set_observer(observer_);
    o.set_item(static_cast<::common::v1::KnowledgeItem>(std::get<0>(k)));
    o.set_fingerprint(std::get<1>(k));
    o.set_where(std::get<2>(k));
    ToProto(seen.first_seen, o.mutable_first_seen());
    o.set_count(seen.count);
    out.push_back(std::move(o));
  }
  return out;
}

uint64_t Recorder::dropped_events() const {
  absl::MutexLock lock(&mu_);
  return dropped_events_;
}

uint64_t Recorder::dropped_observations() const {
  absl::MutexLock lock(&mu_);
  return dropped_observations_;
}

}  // namespace sct::sim

#include "relay/shared_limits.h"

#include <utility>

namespace sct::relay {

absl::StatusOr<bool> LocalDeleteLog::Contains(absl::string_view mailbox_id,
                                              absl::string_view request_key) {
  absl::MutexLock lock(&mu_);
  return entries_.contains(Entry(mailbox_id, request_key));
}

absl::Status LocalDeleteLog::Remember(absl::string_view mailbox_id,
                                      absl::string_view request_key) {
  absl::MutexLock lock(&mu_);
  Entry entry(mailbox_id, request_key);
  if (!entries_.insert(entry).second) return absl::OkStatus();
  order_.push_back(std::move(entry));
  if (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return absl::OkStatus();
}

absl::StatusOr<LimitedInsertResult> ComposedRelaySteps::LimitedInsert(
    absl::string_view client, const Mailbox& mailbox, absl::string_view create_key) {
  absl::StatusOr<bool> allowed = creates_->TryAcquire(client);
  if (!allowed.ok()) return allowed.status();
  LimitedInsertResult result;
  if (!*allowed) {
    result.limited = true;
    return result;
  }
  absl::StatusOr<InsertResult> inserted = store_->Insert(mailbox, create_key);
  if (!inserted.ok()) return inserted.status();
  result.insert = *std::move(inserted);
  return result;
}

absl::StatusOr<LimitedGetResult> ComposedRelaySteps::LimitedGet(absl::string_view client,
                                                                absl::string_view id,
                                                                absl::Time now) {
  absl::StatusOr<bool> exhausted = failed_lookups_->Exhausted(client);
  if (!exhausted.ok()) return exhausted.status();
  LimitedGetResult result;
  if (*exhausted) {
    result.outcome = LimitedGetResult::Outcome::kLimited;
    return result;
  }
  absl::StatusOr<Mailbox> m = store_->Get(id, now);
  if (absl::IsNotFound(m.status())) return result;  // kNotFound
  if (!m.ok()) return m.status();
  result.outcome = LimitedGetResult::Outcome::kFound;
  result.mailbox = *std::move(m);
  return result;
}

absl::Status ComposedRelaySteps::DeleteAndLog(absl::string_view id, int64_t expected_version,
                                              absl::string_view request_key) {
  absl::Status s = store_->Delete(id, expected_version);
  if (s.ok() && !request_key.empty()) (void)deletes_->Remember(id, request_key);
  return s;
}

}  // namespace sct::relay

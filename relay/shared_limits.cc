#include "relay/shared_limits.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sct::relay {

namespace {

// A mailbox id never contains NUL (ids are validated UUIDs), so the pair is
// recovered unambiguously.
std::string DeleteKey(absl::string_view mailbox_id, absl::string_view request_key) {
  return absl::StrCat(mailbox_id, absl::string_view("\0", 1), request_key);
}

}  // namespace

absl::Time LocalDeleteLog::Now() const {
  return clock_ != nullptr ? clock_->Now() : absl::InfinitePast();
}

void LocalDeleteLog::PruneLocked(absl::Time now) {
  const bool aged = retention_ > absl::ZeroDuration();
  while (!order_.empty() &&
         (order_.size() > capacity_ || (aged && now - order_.front().at > retention_))) {
    entries_.erase(order_.front().key);
    order_.pop_front();
  }
}

absl::StatusOr<bool> LocalDeleteLog::Contains(absl::string_view mailbox_id,
                                              absl::string_view request_key) {
  const absl::Time now = Now();
  absl::MutexLock lock(&mu_);
  PruneLocked(now);
  return entries_.contains(DeleteKey(mailbox_id, request_key));
}

absl::Status LocalDeleteLog::Remember(absl::string_view mailbox_id,
                                      absl::string_view request_key) {
  const absl::Time now = Now();
  absl::MutexLock lock(&mu_);
  std::string key = DeleteKey(mailbox_id, request_key);
  if (!entries_.contains(key)) {
    order_.push_back(Entry{std::move(key), now});
    entries_.insert(order_.back().key);
  }
  PruneLocked(now);
  return absl::OkStatus();
}

size_t LocalDeleteLog::size() {
  const absl::Time now = Now();
  absl::MutexLock lock(&mu_);
  PruneLocked(now);
  return order_.size();
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

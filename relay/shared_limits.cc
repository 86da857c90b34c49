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

}  // namespace sct::relay

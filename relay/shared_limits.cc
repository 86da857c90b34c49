#include "relay/shared_limits.h"

#include <utility>

namespace sct::relay {

absl::StatusOr<bool> LocalDeleteLog::Contains(absl::string_view /*mailbox_id*/,
                                              absl::string_view request_key) {
  absl::MutexLock lock(&mu_);
  return keys_.contains(request_key);
}

absl::Status LocalDeleteLog::Remember(absl::string_view /*mailbox_id*/,
                                      absl::string_view request_key) {
  absl::MutexLock lock(&mu_);
  std::string key(request_key);
  if (!keys_.insert(key).second) return absl::OkStatus();
  order_.push_back(std::move(key));
  if (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return absl::OkStatus();
}

}  // namespace sct::relay

#include "relay/derived/memory_derived_store.h"

#include "relay/derived/store_errors.h"

namespace sct::relay::derived {

absl::Status MemoryDerivedStore::Put(const std::string& location, const DerivedMessage& message,
                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = messages_.find(location);
  if (it != messages_.end() && it->second.expires_at > now) return LocationOccupied();
  messages_[location] = message;
  return absl::OkStatus();
}

absl::StatusOr<DerivedMessage> MemoryDerivedStore::Get(const std::string& location,
                                                       absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = messages_.find(location);
  if (it == messages_.end() || it->second.expires_at <= now) return MessageNotFound();
  return it->second;
}

absl::Status MemoryDerivedStore::Delete(const std::string& location, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = messages_.find(location);
  if (it == messages_.end()) return MessageNotFound();
  const bool expired = it->second.expires_at <= now;
  messages_.erase(it);
  return expired ? MessageNotFound() : absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryDerivedStore::SweepExpired(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->second.expires_at <= now) {
      it = messages_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

absl::StatusOr<int64_t> MemoryDerivedStore::Count() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(messages_.size());
}

}  // namespace sct::relay::derived

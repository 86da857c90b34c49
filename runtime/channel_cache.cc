#include "runtime/channel_cache.h"

#include <utility>

namespace sct {
namespace {

// A channel worth keeping: idle, connecting or connected. One whose last
// attempt failed would fail calls fast until its backoff ends.
bool Usable(grpc::Channel& channel) {
  const grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/false);
  return state != GRPC_CHANNEL_TRANSIENT_FAILURE && state != GRPC_CHANNEL_SHUTDOWN;
}

}  // namespace

ChannelCache::ChannelCache(Factory make, size_t max_targets)
    : make_(std::move(make)), max_targets_(max_targets == 0 ? 1 : max_targets) {}

std::shared_ptr<grpc::Channel> ChannelCache::Get(const std::string& target) {
  absl::MutexLock lock(&mu_);
  ++clock_;
  auto it = kept_.find(target);
  if (it != kept_.end() && Usable(*it->second.channel)) {
    it->second.last_use = clock_;
    return it->second.channel;
  }
  if (it != kept_.end()) kept_.erase(it);
  std::shared_ptr<grpc::Channel> fresh = make_(target);
  if (fresh == nullptr) return nullptr;
  ++made_;
  if (kept_.size() >= max_targets_) {
    auto oldest = kept_.begin();
    for (auto k = kept_.begin(); k != kept_.end(); ++k) {
      if (k->second.last_use < oldest->second.last_use) oldest = k;
    }
    kept_.erase(oldest);
  }
  kept_[target] = Kept{fresh, clock_};
  return fresh;
}

uint64_t ChannelCache::made() const {
  absl::MutexLock lock(&mu_);
  return made_;
}

}  // namespace sct

#include "relay/rate_limiter.h"

#include <algorithm>

namespace sct::relay {

RateLimiter::RateLimiter(const Clock* clock, int64_t limit, absl::Duration window)
    : clock_(clock),
      limit_(limit),
      window_(window > absl::ZeroDuration() ? window : absl::Seconds(1)) {}

RateLimiter::Window& RateLimiter::LiveWindow(absl::string_view key, absl::Time now) {
  auto [it, inserted] = windows_.try_emplace(key);
  Window& w = it->second;
  if (inserted || now >= w.start + window_ || now < w.start) {
    // A new window (also when the clock went backwards, so a key can never
    // be locked out for longer than one window).
    w.start = now;
    w.count = 0;
  }
  return w;
}

void RateLimiter::MaybePrune(absl::Time now) {
  if (now < next_prune_) return;
  next_prune_ = now + window_;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now >= it->second.start + window_) {
      windows_.erase(it++);
    } else {
      ++it;
    }
  }
}

void RateLimiter::ForgetUndoneFuture() {
  const absl::Time set_back = clock_->LastSetBackTo();
  if (set_back == seen_set_back_) return;
  seen_set_back_ = set_back;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.start > set_back) {
      windows_.erase(it++);
    } else {
      ++it;
    }
  }
  next_prune_ = std::min(next_prune_, set_back + window_);
}

bool RateLimiter::TryAcquire(absl::string_view key) {
  if (limit_ <= 0) return true;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ForgetUndoneFuture();
  MaybePrune(now);
  Window& w = LiveWindow(key, now);
  if (w.count >= limit_) return false;
  ++w.count;
  return true;
}

void RateLimiter::Record(absl::string_view key) {
  if (limit_ <= 0) return;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ForgetUndoneFuture();
  MaybePrune(now);
  ++LiveWindow(key, now).count;
}

bool RateLimiter::Exhausted(absl::string_view key) {
  if (limit_ <= 0) return false;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ForgetUndoneFuture();
  auto it = windows_.find(key);
  if (it == windows_.end()) return false;
  const Window& w = it->second;
  if (now >= w.start + window_ || now < w.start) return false;
  return w.count >= limit_;
}

absl::Duration RateLimiter::RetryAfter(absl::string_view key) {
  if (limit_ <= 0) return absl::ZeroDuration();
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  ForgetUndoneFuture();
  auto it = windows_.find(key);
  if (it == windows_.end()) return absl::ZeroDuration();
  const Window& w = it->second;
  if (w.count < limit_ || now < w.start) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), w.start + window_ - now);
}

size_t RateLimiter::TrackedKeys() {
  absl::MutexLock lock(&mu_);
  return windows_.size();
}

}  // namespace sct::relay

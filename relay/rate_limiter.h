// Per-key event budgets over a fixed window, for the relay's abuse limits
// (mailboxes created per client address, failed lookups per client address).
//
// Each key gets its own window, which starts at the key's first event after
// the previous window ended and lasts `window`; within it at most `limit`
// events are accepted. Time comes from the injected Clock, so tests move a
// FakeClock instead of sleeping. Keys whose window has passed are forgotten
// (pruned at most once per window), so memory stays proportional to the keys
// active in the last window. When the clock has been set back
// (Clock::LastSetBackTo, the sim clocks between an experiment's runs), the
// windows that began after the instant it went back to are dropped: they were
// counted in a future the clock undid, and would otherwise be found again
// when the next run advances to the same instant.
//
// Thread-safe. The clock is not owned and must outlive the limiter. A limit
// <= 0 disables the limiter: every event is accepted and nothing is tracked.
#ifndef SCT_RELAY_RATE_LIMITER_H_
#define SCT_RELAY_RATE_LIMITER_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace sct::relay {

class RateLimiter {
 public:
  RateLimiter(const Clock* clock, int64_t limit, absl::Duration window);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Counts one event for `key` and returns true if the key's budget for the
  // current window allows it; returns false (counting nothing) otherwise.
  bool TryAcquire(absl::string_view key);

  // Counts one event for `key` regardless of the budget (e.g. a failed lookup
  // that has already happened).
  void Record(absl::string_view key);

  // True if `key` has spent its whole budget in its current window.
  bool Exhausted(absl::string_view key);

  // How long until `key`'s budget is available again: zero if it is not
  // exhausted, otherwise the rest of its current window. Never negative.
  absl::Duration RetryAfter(absl::string_view key);

  // Keys currently tracked (for tests and metrics).
  size_t TrackedKeys();

  int64_t limit() const { return limit_; }
  absl::Duration window() const { return window_; }

 private:
  struct Window {
    absl::Time start;
    int64_t count = 0;
  };
  // The key's live window at `now` (a fresh one if the old window passed).
  Window& LiveWindow(absl::string_view key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybePrune(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the windows that began after the clock's latest set-back, once per
  // set-back.
  void ForgetUndoneFuture() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const int64_t limit_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
  absl::Time next_prune_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time seen_set_back_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RATE_LIMITER_H_

// The relay's per-client abuse limits and its memory of recent deletes,
// behind interfaces, so that a relay running as several replicas on one
// shared store (--store=redis) can share them, while a single relay
// (--store=memory/sqlite) keeps them in process memory exactly as before.
//
// EventLimiter: a per-key event budget per window (see rate_limiter.h for the
// window semantics of the in-memory one). DeleteLog: which (mailbox, claim ‖
// request id) deletes were performed, so a repeated delete answers "repeated"
// rather than 404.
//
// Errors: the in-memory implementations never fail. Shared implementations
// return UNAVAILABLE "store_unavailable" when their backend is unreachable;
// MailboxService turns that into 503 for checks that gate a request and
// ignores it for bookkeeping of a request that already failed.
// Thread-safe. Nothing here owns the Clock.
#ifndef SCT_RELAY_SHARED_LIMITS_H_
#define SCT_RELAY_SHARED_LIMITS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "relay/rate_limiter.h"

namespace sct::relay {

class EventLimiter {
 public:
  virtual ~EventLimiter() = default;
  // Counts one event for `key` if the budget of its current window allows it
  // and returns true; returns false (counting nothing) otherwise.
  virtual absl::StatusOr<bool> TryAcquire(absl::string_view key) = 0;
  // Counts one event regardless of the budget.
  virtual absl::Status Record(absl::string_view key) = 0;
  // True if `key` has spent its whole budget in its current window.
  virtual absl::StatusOr<bool> Exhausted(absl::string_view key) = 0;
  // How long until `key`'s budget is back: zero if not exhausted (or unknown
  // because the backend is unreachable). Never negative.
  virtual absl::Duration RetryAfter(absl::string_view key) = 0;
};

// EventLimiter over the in-process RateLimiter.
class LocalEventLimiter : public EventLimiter {
 public:
  LocalEventLimiter(const Clock* clock, int64_t limit, absl::Duration window)
      : limiter_(clock, limit, window) {}
  absl::StatusOr<bool> TryAcquire(absl::string_view key) override {
    return limiter_.TryAcquire(key);
  }
  absl::Status Record(absl::string_view key) override {
    limiter_.Record(key);
    return absl::OkStatus();
  }
  absl::StatusOr<bool> Exhausted(absl::string_view key) override {
    return limiter_.Exhausted(key);
  }
  absl::Duration RetryAfter(absl::string_view key) override {
    return limiter_.RetryAfter(key);
  }

 private:
  RateLimiter limiter_;
};

class DeleteLog {
 public:
  virtual ~DeleteLog() = default;
  // True if Remember(mailbox_id, request_key) was called (and not forgotten).
  virtual absl::StatusOr<bool> Contains(absl::string_view mailbox_id,
                                        absl::string_view request_key) = 0;
  virtual absl::Status Remember(absl::string_view mailbox_id,
                                absl::string_view request_key) = 0;
};

// The last `capacity` (mailbox id, request key) pairs in process memory.
// Keyed by the mailbox too, as RedisDeleteLog is: a request key that deleted
// one mailbox says nothing about any other id (otherwise a used claim and
// request id would answer "repeated" for every id guessed).
class LocalDeleteLog : public DeleteLog {
 public:
  explicit LocalDeleteLog(size_t capacity = 1 << 16) : capacity_(capacity) {}
  absl::StatusOr<bool> Contains(absl::string_view mailbox_id,
                                absl::string_view request_key) override;
  absl::Status Remember(absl::string_view mailbox_id, absl::string_view request_key) override;

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  using Entry = std::pair<std::string, std::string>;  // (mailbox id, request key)
  absl::flat_hash_set<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<Entry> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SHARED_LIMITS_H_

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
#include "relay/mailbox.h"
#include "relay/mailbox_store.h"
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

// (mailbox id, request key) pairs in process memory: each for `retention`
// of the clock after its delete (0: until the capacity pushes it out), and
// the last `capacity` at most (oldest forgotten first). After that a repeat
// of that delete answers 404 like any unknown id (docs/relay.md "Limits the
// drafts leave open"): a device repeats a delete whose answer it lost within
// seconds, and the mailbox the entry speaks of is gone for good.
// Keyed by the mailbox too, as RedisDeleteLog is: a request key that deleted
// one mailbox says nothing about any other id (otherwise a used claim and
// request id would answer "repeated" for every id guessed).
class LocalDeleteLog : public DeleteLog {
 public:
  static constexpr size_t kDefaultCapacity = 1 << 16;
  static constexpr absl::Duration kDefaultRetention = absl::Minutes(10);
  // `clock` (not owned) may be null only when `retention` is 0.
  explicit LocalDeleteLog(const Clock* clock = nullptr, size_t capacity = kDefaultCapacity,
                          absl::Duration retention = absl::ZeroDuration())
      : clock_(clock), capacity_(capacity), retention_(retention) {}
  absl::StatusOr<bool> Contains(absl::string_view mailbox_id,
                                absl::string_view request_key) override;
  absl::Status Remember(absl::string_view mailbox_id, absl::string_view request_key) override;
  // Entries held now (after forgetting the old ones).
  size_t size();

 private:
  // Forgets entries past the retention and beyond the capacity.
  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time Now() const;

  const Clock* const clock_;
  const size_t capacity_;
  const absl::Duration retention_;
  absl::Mutex mu_;
  // One copy of each key: "mailbox id NUL request key", in remember order;
  // the set views the deque's strings (a deque's push_back and pop_front
  // leave the other elements where they are).
  struct Entry {
    std::string key;
    absl::Time at;
  };
  std::deque<Entry> order_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<absl::string_view> entries_ ABSL_GUARDED_BY(mu_);
};

// What LimitedInsert did.
struct LimitedInsertResult {
  bool limited = false;  // over the creates budget: nothing counted or stored
  InsertResult insert;   // otherwise what MailboxStore::Insert answered
};

// What LimitedGet found.
struct LimitedGetResult {
  enum class Outcome { kFound, kNotFound, kLimited };
  Outcome outcome = Outcome::kNotFound;
  Mailbox mailbox;  // kFound only
};

// The steps of a relay operation that touch the mailbox store and the shared
// state above together. MailboxService runs every such step through this
// interface: ComposedRelaySteps runs them one after the other (memory,
// sqlite; a Redis Cluster), a backend that can do a step in one round trip
// implements it itself (RedisRelaySteps on a single Redis). Which one a
// service uses is chosen in one place: SharedRelayState::steps (null: the
// composition). Every implementation has the composition's semantics:
class RelaySteps {
 public:
  virtual ~RelaySteps() = default;
  // creates.TryAcquire(client) and, if it allowed the event, store.Insert(
  // mailbox, create_key): limited = true when over budget (nothing stored);
  // else the insert's result (ALREADY_EXISTS: the id is taken, the create
  // stays counted). Errors of either.
  virtual absl::StatusOr<LimitedInsertResult> LimitedInsert(absl::string_view client,
                                                            const Mailbox& mailbox,
                                                            absl::string_view create_key) = 0;
  // failed_lookups.Exhausted(client) (kLimited) and, if not, store.Get(id,
  // now) (kFound / kNotFound). Counts nothing: the caller records a failed
  // lookup. Errors of either (NOT_FOUND is kNotFound, not an error).
  virtual absl::StatusOr<LimitedGetResult> LimitedGet(absl::string_view client,
                                                      absl::string_view id, absl::Time now) = 0;
  // store.Delete(id, expected_version) and, once it succeeded and
  // request_key is not empty, deletes.Remember(id, request_key). The
  // delete's status; failing to remember does not fail it (a later repeat
  // then answers 404).
  virtual absl::Status DeleteAndLog(absl::string_view id, int64_t expected_version,
                                    absl::string_view request_key) = 0;
};

// RelaySteps as the plain sequence of the parts' own calls. Not owned.
class ComposedRelaySteps : public RelaySteps {
 public:
  ComposedRelaySteps(MailboxStore* store, EventLimiter* creates, EventLimiter* failed_lookups,
                     DeleteLog* deletes)
      : store_(store), creates_(creates), failed_lookups_(failed_lookups), deletes_(deletes) {}
  absl::StatusOr<LimitedInsertResult> LimitedInsert(absl::string_view client,
                                                    const Mailbox& mailbox,
                                                    absl::string_view create_key) override;
  absl::StatusOr<LimitedGetResult> LimitedGet(absl::string_view client, absl::string_view id,
                                              absl::Time now) override;
  absl::Status DeleteAndLog(absl::string_view id, int64_t expected_version,
                            absl::string_view request_key) override;

 private:
  MailboxStore* const store_;
  EventLimiter* const creates_;
  EventLimiter* const failed_lookups_;
  DeleteLog* const deletes_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SHARED_LIMITS_H_

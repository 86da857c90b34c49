// The relay's shared per-client limits and recent-delete memory on Redis, so
// every replica of a --store=redis relay sees the same budgets (an address
// cannot multiply its budget by spreading requests over replicas) and
// recognises a repeated delete performed by another replica.
//
// RedisEventLimiter: a fixed window per key, anchored at the key's first
// event like the in-memory RateLimiter: one Lua script reads the window's
// start and counts the event with one BITFIELD (the counter is two int64s:
// window start ms, count), takes the count back if over budget, and starts a
// new window with one SET; so check-and-count is atomic across replicas. Exhausted and RetryAfter only
// read, so they are one GET each (no script). Windows run on the relay's
// injected Clock, whose now each call passes to the script (so a simulated
// clock moved past the window ends it), never on Redis's TIME: replicas that
// share a Redis must therefore have synchronised clocks, as they already must
// for mailbox expiry (RedisMailboxStore checks expires_at at the relay's now).
// A window that starts in this replica's future (its clock lags another's)
// still counts, so a lagging replica cannot reset a budget. The key's PX is
// the rest of the window plus one window, set when the window starts: Redis
// only collects counters whose window is long over; it never ends a window
// itself. Key: <prefix>rw:<name>:{<client key>}.
//
// RedisDeleteLog: the entry is the deleted mailbox's tombstone, kept under
// the mailbox's own key (<prefix>{<mailbox-id>}:m) for the log's TTL: the
// delete script writes it in place of the record with the same one SET
// (RedisMailboxStore::DeleteAndLog, also on a cluster), so a delete and its
// log entry are both done or neither and cost no extra command. A tombstone
// (RedisDeleteTombstone) has the record's 42-byte header with expires_at 0,
// so every reader that is not looking for it (Get, the CAS, the create-key
// check, also of older relays) sees an expired mailbox; then 'D', its TTL in
// ms, ':' and the request key. Contains also finds the separate entries older
// relays wrote (<prefix>{<mailbox-id>}:del:<request key>, LogKey) in the same
// MGET. Remember alone (a tombstone SET NX) is what composed steps use.
//
// Errors: UNAVAILABLE "store_unavailable" when Redis is unreachable or times
// out; INTERNAL "store_error" on an unexpected reply. Thread-safe; the client
// is not owned and must outlive these objects.
#ifndef SCT_RELAY_REDIS_REDIS_LIMITS_H_
#define SCT_RELAY_REDIS_REDIS_LIMITS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "relay/redis/redis_client.h"
#include "relay/shared_limits.h"

namespace sct::relay {

// The window logic of RedisEventLimiter's script as a Lua function, so that
// other scripts (RedisMailboxStore's insert) can check and count an event in
// the same atomic step: `sct_gate(counter key, limit, window ms, now ms,
// acquire)` returns (true, 0) when it counted the event, (false, ms left in
// the window) when `acquire` and the budget is spent (nothing written).
extern const char kRedisLimiterGateLua[];

// What a script needs to run sct_gate for one key of one limiter.
struct RedisLimiterGate {
  std::string counter_key;
  int64_t limit = 0;
  int64_t window_ms = 1;
  int64_t now_ms = 0;
};

class RedisEventLimiter : public EventLimiter {
 public:
  // `name` tells limiters apart ("creates", "failed_lookups"). A limit <= 0
  // disables the limiter (every event accepted, nothing stored). The client
  // and the clock are not owned and must outlive the limiter.
  RedisEventLimiter(RedisClient* client, const Clock* clock, std::string name, int64_t limit,
                    absl::Duration window, std::string key_prefix = "sct:");

  absl::StatusOr<bool> TryAcquire(absl::string_view key) override;
  absl::Status Record(absl::string_view key) override;
  absl::StatusOr<bool> Exhausted(absl::string_view key) override;
  absl::Duration RetryAfter(absl::string_view key) override;

  std::string CounterKey(absl::string_view key) const;
  // The gate for `key` at the clock's now; nullopt when the limiter is
  // disabled (limit <= 0: every event accepted, nothing stored).
  std::optional<RedisLimiterGate> Gate(absl::string_view key) const;
  // Milliseconds until the budget is back (0: not exhausted) given the
  // counter's value as GET answers it (nullopt: no counter), at now_ms.
  int64_t ExhaustedForValue(const std::optional<std::string>& value, int64_t now_ms) const;
  // True when the limiter is disabled (limit <= 0).
  bool disabled() const { return limit_ <= 0; }

 private:
  // Runs the script in `mode` ("acquire", "record"): {flag, pttl ms}.
  absl::StatusOr<std::pair<bool, int64_t>> Run(absl::string_view key, const char* mode);
  // Milliseconds until `key`'s budget is back (0: not exhausted), by one GET.
  absl::StatusOr<int64_t> ExhaustedFor(absl::string_view key);

  RedisClient* const client_;
  const Clock* const clock_;
  const std::string name_;
  const int64_t limit_;
  const absl::Duration window_;
  const std::string prefix_;
};

// The key of a mailbox (RedisMailboxStore::MailboxKey) and of its tombstone.
std::string RedisMailboxKey(absl::string_view prefix, absl::string_view mailbox_id);
// The tombstone of a mailbox deleted at `version` by `request_key`, kept
// `ttl_ms`; and whether `value` is a tombstone naming `request_key`.
std::string RedisDeleteTombstone(int64_t version, absl::string_view request_key, int64_t ttl_ms);
bool RedisTombstoneNames(absl::string_view value, absl::string_view request_key);

class RedisDeleteLog : public DeleteLog {
 public:
  RedisDeleteLog(RedisClient* client, absl::Duration ttl, std::string key_prefix = "sct:");

  absl::StatusOr<bool> Contains(absl::string_view mailbox_id,
                                absl::string_view request_key) override;
  absl::Status Remember(absl::string_view mailbox_id, absl::string_view request_key) override;

  // The separate entry of older relays (read by Contains, never written).
  std::string LogKey(absl::string_view mailbox_id, absl::string_view request_key) const;
  // How long an entry is kept, in ms (for scripts that write the entry).
  int64_t ttl_ms() const;

 private:
  RedisClient* const client_;
  const absl::Duration ttl_;
  const std::string prefix_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_LIMITS_H_

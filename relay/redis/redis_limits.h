// The relay's shared per-client limits and recent-delete memory on Redis, so
// every replica of a --store=redis relay sees the same budgets (an address
// cannot multiply its budget by spreading requests over replicas) and
// recognises a repeated delete performed by another replica.
//
// RedisEventLimiter: a fixed window per key, anchored at the key's first
// event like the in-memory RateLimiter: one Lua script reads the counter and,
// if the budget allows, INCRs it and sets PEXPIRE=window on the first event;
// so check-and-count is atomic across replicas. Windows run on Redis's clock
// (shared by all replicas), not on the relay's injected Clock.
// Key: <prefix>rl:<name>:{<client key>}.
//
// RedisDeleteLog: SET <prefix>{<mailbox-id>}:del:<request key> PX <ttl>; the
// hash tag puts it in the mailbox's slot. Written after the delete succeeded
// (a separate command): if Redis fails in between, a later repeat of that
// delete answers 404 instead of "repeated".
//
// Errors: UNAVAILABLE "store_unavailable" when Redis is unreachable or times
// out; INTERNAL "store_error" on an unexpected reply. Thread-safe; the client
// is not owned and must outlive these objects.
#ifndef SCT_RELAY_REDIS_REDIS_LIMITS_H_
#define SCT_RELAY_REDIS_REDIS_LIMITS_H_

#include <cstdint>
#include <string>

#include "relay/redis/redis_client.h"
#include "relay/shared_limits.h"

namespace sct::relay {

class RedisEventLimiter : public EventLimiter {
 public:
  // `name` tells limiters apart ("creates", "failed_lookups"). A limit <= 0
  // disables the limiter (every event accepted, nothing stored).
  RedisEventLimiter(RedisClient* client, std::string name, int64_t limit,
                    absl::Duration window, std::string key_prefix = "sct:");

  absl::StatusOr<bool> TryAcquire(absl::string_view key) override;
  absl::Status Record(absl::string_view key) override;
  absl::StatusOr<bool> Exhausted(absl::string_view key) override;
  absl::Duration RetryAfter(absl::string_view key) override;

  std::string CounterKey(absl::string_view key) const;

 private:
  // Runs the script in `mode` ("acquire", "record", "check"): {flag, pttl ms}.
  absl::StatusOr<std::pair<bool, int64_t>> Run(absl::string_view key, const char* mode);

  RedisClient* const client_;
  const std::string name_;
  const int64_t limit_;
  const absl::Duration window_;
  const std::string prefix_;
};

class RedisDeleteLog : public DeleteLog {
 public:
  RedisDeleteLog(RedisClient* client, absl::Duration ttl, std::string key_prefix = "sct:");

  absl::StatusOr<bool> Contains(absl::string_view mailbox_id,
                                absl::string_view request_key) override;
  absl::Status Remember(absl::string_view mailbox_id, absl::string_view request_key) override;

  std::string LogKey(absl::string_view mailbox_id, absl::string_view request_key) const;

 private:
  RedisClient* const client_;
  const absl::Duration ttl_;
  const std::string prefix_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_LIMITS_H_

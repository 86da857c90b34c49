// RelaySteps on Redis: each step of a relay operation that touches the store
// and the shared limits together is one Redis operation on a single Redis
// (docs/relay_redis.md, "One Redis operation per relay operation"):
//   LimitedInsert  one script: the creates limiter's check-and-count, then
//                  the store's insert script (create key, SET NX, index)
//   LimitedGet     one MGET of the failed-lookups counter and the mailbox;
//                  the relay parses both
//   DeleteAndLog   one script: the store's delete and the delete log entry
// In a Redis Cluster the limiter counters live in their own slots, so
// LimitedInsert and LimitedGet run as composed steps (ComposedRelaySteps);
// DeleteAndLog stays one script (the log entry shares the mailbox's slot).
// Semantics are those of ComposedRelaySteps over the same store, limiters
// and delete log (shared_limits.h); what differs is only the round trips.
//
// Thread-safe; nothing is owned; all must outlive this object and use the
// same key prefix.
#ifndef SCT_RELAY_REDIS_REDIS_STEPS_H_
#define SCT_RELAY_REDIS_REDIS_STEPS_H_

#include <cstdint>

#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_store.h"
#include "relay/shared_limits.h"

namespace sct::relay {

class RedisRelaySteps : public RelaySteps {
 public:
  RedisRelaySteps(RedisMailboxStore* store, RedisEventLimiter* creates,
                  RedisEventLimiter* failed_lookups, RedisDeleteLog* deletes);

  absl::StatusOr<LimitedInsertResult> LimitedInsert(absl::string_view client,
                                                    const Mailbox& mailbox,
                                                    absl::string_view create_key) override;
  absl::StatusOr<LimitedGetResult> LimitedGet(absl::string_view client, absl::string_view id,
                                              absl::Time now) override;
  absl::Status DeleteAndLog(absl::string_view id, int64_t expected_version,
                            absl::string_view request_key) override;

 private:
  RedisMailboxStore* const store_;
  RedisEventLimiter* const creates_;
  RedisEventLimiter* const failed_lookups_;
  RedisDeleteLog* const deletes_;
  ComposedRelaySteps composed_;  // cluster
  const bool single_node_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_STEPS_H_

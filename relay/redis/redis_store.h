// MailboxStore on Redis (standalone or Redis Cluster) over RedisClient, for
// relays that run as several replicas sharing one store (--store=redis).
//
// Key layout (prefix defaults to "sct:"; docs/relay_redis.md has the long form):
//   <prefix>{<mailbox-id>}:m   hash {v: version, e: expires_at, d: the record}
//   <prefix>c:<create-key>     string: id of the mailbox the create key made
//   <prefix>{idx<N>}:expiry    sorted set (16 shards): id scored by expires_at
// The hash tag {<mailbox-id>} puts everything one mailbox owns in one cluster
// slot; every script below touches exactly one key, so it runs atomically on
// the one node owning that slot.
//
// Atomicity: CompareAndSwap, the insert-if-absent of a mailbox, Delete and the
// create-key claim are Lua scripts (EVALSHA), not MULTI/WATCH: a script is one
// round trip and runs atomically on the node, so contention costs no retries
// inside the store; WATCH would need a connection pinned for the whole
// read-modify-write (and, in a cluster, on the right node) and a retry loop
// that storms under contention. The version check makes binding, request-id
// idempotency (Mailbox::applied_requests) and the rights checks done by
// MailboxService atomic across replicas exactly as with the other stores.
//
// Create keys live in their own slot, so Insert is: (1) index ZADD NX,
// (2) insert the mailbox if its id is free, (3) claim the create key with a
// compare-and-set script; if the key already names a live mailbox, (2) is
// undone and InsertResult::Repeated(<that id>) returned. A create key is only
// ever set to a mailbox that already exists, so "names a mailbox that is gone"
// safely means deleted or expired, and the claim CAS makes racing repeats agree.
//
// Expiry: each key gets PEXPIRE = (expires_at - now) + grace, so Redis removes
// expired mailboxes and create keys by itself (no sweep is needed to free
// memory). Logical expiry is still checked against the stored expires_at at
// the caller's `now` (exact to the nanosecond), so a fake clock in tests and
// clock skew between relay and Redis cannot make a mailbox outlive expires_at.
// Relative PEXPIRE rather than PEXPIREAT is deliberate: it does not depend on
// Redis's wall clock agreeing with the relay's.
//
// SweepExpired/Count: the expiry index exists so that Count and SweepExpired
// keep the interface's semantics (the conformance suite checks them): Count
// is the number of index entries (including expired-but-unswept ones, as the
// interface allows) and SweepExpired removes due index entries oldest first,
// deleting the mailbox if Redis has not already. Index upkeep is a separate
// command from the mailbox script (different slot), so a crash between them
// can leave Count off by one until the entry's expiry; mailboxes themselves
// are never affected.
//
// Errors: those of MailboxStore; UNAVAILABLE "store_unavailable" when Redis
// is unreachable or times out; INTERNAL "store_error" for unexpected Redis
// replies; DATA_LOSS for a record that does not decode. Thread-safe; the
// client is not owned and must outlive the store.
#ifndef SCT_RELAY_REDIS_REDIS_STORE_H_
#define SCT_RELAY_REDIS_REDIS_STORE_H_

#include <cstdint>
#include <string>

#include "relay/mailbox_store.h"
#include "relay/redis/redis_client.h"

namespace sct::relay {

struct RedisStoreOptions {
  // Prepended to every key; lets several relays (or tests) share one Redis.
  std::string key_prefix = "sct:";
  // Added to every PEXPIRE so Redis never drops a key before its logical
  // expiry because of clock differences.
  absl::Duration expiry_grace = absl::Seconds(5);
};

class RedisMailboxStore : public MailboxStore {
 public:
  static constexpr int kIndexShards = 16;

  RedisMailboxStore(RedisClient* client, RedisStoreOptions options = {});

  absl::StatusOr<InsertResult> Insert(const Mailbox& mailbox,
                                      absl::string_view create_key) override;
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override;
  absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                              absl::Time now) override;
  absl::Status Delete(absl::string_view id, int64_t expected_version) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override;
  absl::StatusOr<int64_t> Count() override;

  // Key names (exposed for tests and docs).
  std::string MailboxKey(absl::string_view id) const;
  std::string CreateKey(absl::string_view create_key) const;
  std::string IndexKey(absl::string_view id) const;
  std::string IndexShardKey(int shard) const;

 private:
  RedisClient* const client_;
  const RedisStoreOptions options_;
};

// The record encoding (exposed for tests): every field, length-prefixed.
std::string EncodeMailbox(const Mailbox& m);
absl::StatusOr<Mailbox> DecodeMailbox(absl::string_view data);

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_STORE_H_

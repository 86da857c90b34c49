// MailboxStore on Redis (standalone or Redis Cluster) over RedisClient, for
// relays that run as several replicas sharing one store (--store=redis).
//
// Key layout (prefix defaults to "sct:"; docs/relay_redis.md has the long form):
//   <prefix>{<mailbox-id>}:m   string: a fixed header (format, version,
//                              expires_at) and the record (EncodeMailbox)
//   <prefix>{j<N>}             hash, N < kCreateKeyBuckets: field = 16 bytes
//                              of SHA-256(create key), value = expiry second
//                              (10 digits) ‖ '#' 16-byte UUID (or '=' text
//                              id) of the mailbox it made; no TTL
//   <prefix>{idx<N>}:counts    hash (16 shards): field = expiry minute (Unix
//                              minutes), value = the count changes for it
//                              relays have sent to this shard (summed over
//                              the shards; may be negative)
// One string per mailbox (not a hash) and create keys packed into small
// hashes (Redis keeps a hash of <= 128 short fields as one listpack) keep the
// per-mailbox overhead beside the record small (figures: docs/BENCHMARKS.md).
//
// Atomicity and round trips: every operation is one Lua script (EVALSHA)
// that does its checks and writes atomically on the node; Get is one GET.
// On a single Redis the insert script also checks and sets the create key.
// In a Redis Cluster a script may touch only one slot, so there the create
// key (in its own slot) is a separate command: Insert is (1) SET NX of the
// mailbox, (2) a compare-and-set script on the create key's entry; if the
// entry names a mailbox still live, (1) is undone and
// InsertResult::Repeated returned. The counts are not in the scripts: the
// store keeps its changes per expiry minute and sends them in batches
// (RedisStoreOptions::count_flush_interval, FlushCounts).
// A create key is only ever set to a mailbox that already exists, so "names
// a mailbox that is gone" safely means deleted or expired, and the claim CAS
// makes racing repeats agree. Scripts rather than MULTI/WATCH: one round trip,
// no pinned connection, no retry storm under contention. The version check
// makes binding, request-id idempotency (Mailbox::applied_requests) and the
// rights checks done by MailboxService atomic across replicas exactly as with
// the other stores. Commands inside the scripts are kept few: the
// CAS is one SET XX KEEPTTL GET whose answer is checked (put back, in the
// same script, when the check fails), a logged delete one SET XX GET that
// leaves the mailbox's tombstone (the delete log's entry, redis_limits.h) in
// its key, and the insert claims the create key with one HSETNX.
// InsertGated, GetWith and DeleteAndLog are the forms that
// RedisRelaySteps (redis_steps.h) uses to fold the limiters and the delete
// log into the same round trip.
//
// Expiry: the mailbox key gets PEXPIRE = (expires_at - now) + grace, so Redis
// removes expired mailboxes by itself (no sweep is needed to free memory); a
// create-key bucket has no TTL (no PTTL/PEXPIRE per insert): one insert in 16
// drops the bucket's entries whose mailbox has expired (by the expiry
// recorded at create: a CompareAndSwap that moves expires_at later does not
// move it, and MailboxService never does), and so does every SweepExpired
// for the next buckets in turn (RedisStoreOptions::buckets_cleaned_per_sweep);
// Redis deletes a bucket with its last entry. Logical expiry
// is still checked against the stored expires_at at the caller's `now`
// (exact to the nanosecond), so a fake clock in tests and clock skew between
// relay and Redis cannot make a mailbox outlive expires_at. Relative PEXPIRE
// rather than PEXPIREAT is deliberate: it does not depend on Redis's wall
// clock agreeing with the relay's.
//
// SweepExpired/Count (docs/relay_redis.md, "Expiry, sweep and Count"): no
// per-mailbox index. The shards count mailboxes by expiry minute (the whole
// minute at or after expires_at). Count sums the counts (exact for this
// store's own inserts and deletes, which it sends first; other replicas'
// once they have sent theirs, within count_flush_interval while they serve
// and by their next sweep when idle; a killed relay's unsent changes are
// lost until their minute is swept; includes expired mailboxes until their
// minute is swept).
// SweepExpired takes the minutes that are over, oldest first, each whole and
// atomically (two sweeping replicas count it once), and returns the
// mailboxes they held; it deletes no record (Redis expires them; reads never
// answer an expired one); it also cleans a slice of the create-key buckets.
// Mailboxes are never affected by the counts.
//
// Errors: those of MailboxStore; UNAVAILABLE "store_unavailable" when Redis
// is unreachable or times out; INTERNAL "store_error" for unexpected Redis
// replies; DATA_LOSS for a record that does not decode. Thread-safe; the
// client is not owned and must outlive the store.
#ifndef SCT_RELAY_REDIS_REDIS_STORE_H_
#define SCT_RELAY_REDIS_REDIS_STORE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "relay/mailbox_codec.h"  // EncodeMailbox: the stored value
#include "relay/mailbox_store.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"

namespace sct::relay {

struct RedisStoreOptions {
  // Prepended to every key; lets several relays (or tests) share one Redis.
  std::string key_prefix = "sct:";
  // Added to every PEXPIRE so Redis never drops a key before its logical
  // expiry because of clock differences.
  absl::Duration expiry_grace = absl::Seconds(5);
  // The store keeps the changes to the counts by expiry minute (Count) in
  // memory and sends them at most once per this interval, with the first
  // operation after it, and always before Count and SweepExpired, on
  // FlushCounts and when the store is destroyed. Zero: after every
  // operation.
  absl::Duration count_flush_interval = absl::Seconds(1);
  // Create-key buckets each SweepExpired cleans of entries whose mailbox is
  // dead, taken in turn (buckets have no TTL).
  int buckets_cleaned_per_sweep = 64;
};

class RedisMailboxStore : public MailboxStore {
 public:
  static constexpr int kIndexShards = 16;
  // Hashes the create keys are spread over: ~61 entries each at a million
  // live mailboxes, under Redis's 128-entry limit for the compact encoding.
  static constexpr int kCreateKeyBuckets = 16384;

  RedisMailboxStore(RedisClient* client, RedisStoreOptions options = {});
  // Sends the count changes not yet sent (FlushCounts), errors ignored.
  ~RedisMailboxStore() override;

  absl::StatusOr<InsertResult> Insert(const Mailbox& mailbox,
                                      absl::string_view create_key) override;
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override;
  absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                              absl::Time now) override;
  absl::Status Delete(absl::string_view id, int64_t expected_version) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override;
  absl::StatusOr<int64_t> Count() override;

  // The one-round-trip forms RedisRelaySteps uses (redis_steps.h); single
  // Redis only (FAILED_PRECONDITION on a cluster, where the limiter's key
  // has another slot).
  struct GatedInsert {
    bool limited = false;  // over the gate's budget: nothing counted or stored
    InsertResult insert;
  };
  // The limiter `gate` checks and counts the create, then Insert, in one
  // script. Errors as Insert.
  absl::StatusOr<GatedInsert> InsertGated(const Mailbox& mailbox, absl::string_view create_key,
                                          const RedisLimiterGate& gate);
  struct GetWithResult {
    std::optional<std::string> other;  // `other_key`'s value (a string key)
    absl::StatusOr<Mailbox> mailbox;   // Get's answer (NOT_FOUND included)
  };
  // One MGET of `other_key` and the mailbox: what Get(id, now) answers, and
  // the other key's value. Only transport and reply errors fail the call.
  absl::StatusOr<GetWithResult> GetWith(absl::string_view other_key, absl::string_view id,
                                        absl::Time now);
  // Delete, and (request_key not empty) leave the mailbox's tombstone naming
  // `request_key` for log_ttl_ms (RedisDeleteLog's entry) in its place, in
  // the same script and the same SET. Also on a cluster.
  absl::Status DeleteAndLog(absl::string_view id, int64_t expected_version,
                            absl::string_view request_key, int64_t log_ttl_ms);

  // Sends the count changes this store has kept (one HINCRBY per expiry
  // minute with a non-zero change, into one count shard, the next in turn);
  // what fails to send is kept for the next flush.
  absl::Status FlushCounts();

  // True on a Redis Cluster.
  bool cluster() const { return !single_node_; }

  // Key names (exposed for tests and docs).
  std::string MailboxKey(absl::string_view id) const;
  // The hash holding `create_key`'s entry.
  std::string CreateKey(absl::string_view create_key) const;
  std::string IndexKey(absl::string_view id) const;
  std::string IndexShardKey(int shard) const;

 private:
  // (bucket key, field) of a create key.
  std::pair<std::string, std::string> CreateKeyEntry(absl::string_view create_key) const;
  // What both Insert paths write: key names and the script arguments.
  struct InsertPlan {
    std::string key, ttl, created, clean;
    std::pair<std::string, std::string> entry;  // CreateKeyEntry, if a create key
    std::string entry_value;                    // expires_at ‖ id
  };
  absl::StatusOr<InsertPlan> PlanInsert(const Mailbox& mailbox,
                                        absl::string_view create_key) const;
  // Insert's two paths: one script on a single Redis (gated by a limiter if
  // `gate` is not null); single-slot steps on a cluster.
  absl::StatusOr<GatedInsert> InsertOnOneNode(const Mailbox& mailbox,
                                              absl::string_view create_key,
                                              const InsertPlan& plan,
                                              const RedisLimiterGate* gate);
  absl::StatusOr<InsertResult> InsertInCluster(const Mailbox& mailbox,
                                               absl::string_view create_key,
                                               const InsertPlan& plan);

  // Keeps `delta` for the count of `expires_at`'s expiry minute, then
  // flushes if the interval is over.
  void AddCount(absl::Time expires_at, int64_t delta);
  void MaybeFlushCounts();

  RedisClient* const client_;
  const RedisStoreOptions options_;
  // Standalone Redis: scripts may touch several keys (limiter, create key).
  const bool single_node_;

  absl::Mutex counts_mu_;
  // Expiry minute -> change not yet sent.
  absl::flat_hash_map<int64_t, int64_t> count_deltas_ ABSL_GUARDED_BY(counts_mu_);
  absl::Time last_flush_ ABSL_GUARDED_BY(counts_mu_);
  std::atomic<uint32_t> flush_shard_;
  // The next create-key bucket SweepExpired cleans.
  std::atomic<uint32_t> bucket_cursor_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_STORE_H_

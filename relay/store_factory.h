// The relay's mailbox store as its flags choose it: memory, sqlite or redis
// (docs/relay.md, "Flags"), with what a store needs beside itself (for
// redis: the client, and the per-client limits and delete log shared by
// every replica).
//
// Errors: ValidateStoreConfig answers INVALID_ARGUMENT with the message the
// binary prints for a bad flag ("--store: ..."). RelayStore::Open answers
// the store's own error when the sqlite file cannot be opened
// (FAILED_PRECONDITION) and UNAVAILABLE "--redis: cannot reach Redis at ..."
// when Redis cannot be reached at start-up (or refuses the AUTH), and the
// file's error "--redis_password_file: ..." when the password file cannot be
// read (FAILED_PRECONDITION or INTERNAL; never its contents).
//
// Thread-safety: a RelayStore is made and closed on one thread; the stores
// and limiters it hands out are thread-safe.
#ifndef SCT_RELAY_STORE_FACTORY_H_
#define SCT_RELAY_STORE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "relay/mailbox_service.h"
#include "relay/mailbox_store.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_steps.h"
#include "relay/relay_limits.h"

namespace sct::relay {

struct StoreConfig {
  std::string kind = "sqlite";  // memory, sqlite or redis (--store)
  std::string sqlite_path = "relay.db";
  // --redis, --redis_pool_size, --redis_timeout (connect and command).
  RedisClientOptions redis;
  // Relays sharing a prefix share mailboxes and rate limits.
  std::string redis_key_prefix = "sct:";
  // --redis_user (goes to redis.user) and --redis_password_file: a file whose
  // first line is the password, read by Open (a file, not a flag value, so
  // the password shows in no process listing).
  std::string redis_password_file;
};

// Checks the flag values of `config` (the redis ones only with --store=redis,
// where --redis is required).
absl::Status ValidateStoreConfig(const StoreConfig& config);

// An open mailbox store and what it depends on. Owns all of it.
class RelayStore {
 public:
  // Opens the store `config` names (which ValidateStoreConfig accepted).
  // `limits` sizes the shared limiters of a redis store, whose windows run
  // on `clock` (not owned; must outlive the store).
  static absl::StatusOr<std::unique_ptr<RelayStore>> Open(const StoreConfig& config,
                                                          const RelayLimits& limits,
                                                          const Clock* clock);
  ~RelayStore();  // Close()

  MailboxStore* store() const { return store_.get(); }
  // The limiters and delete log shared across replicas, and the steps that
  // run each relay operation in one Redis operation (redis); all null (the
  // service's in-memory defaults and composed steps) for memory and sqlite.
  SharedRelayState shared() const;
  // The store part of the binary's start-up line: "store=sqlite
  // sqlite_path=relay.db", or for redis the nodes, cluster or standalone,
  // the pool size and the timeout.
  std::string Describe() const;
  // Closes the store, then the Redis connections. Idempotent.
  void Close();

 private:
  explicit RelayStore(StoreConfig config) : config_(std::move(config)) {}

  const StoreConfig config_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<MailboxStore> store_;
  std::unique_ptr<RedisEventLimiter> redis_creates_;
  std::unique_ptr<RedisEventLimiter> redis_lookups_;
  std::unique_ptr<RedisDeleteLog> redis_deletes_;
  std::unique_ptr<RedisRelaySteps> redis_steps_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_STORE_FACTORY_H_

// A small Redis client over hiredis for the relay's Redis store: a pool of
// connections with connect/command timeouts and reconnect, speaking to one
// Redis or to a Redis Cluster (slot map from CLUSTER SLOTS, following MOVED and
// ASK redirections).
//
// Every command names its routing key; in cluster mode all keys one command
// touches must hash to the same slot (use a hash tag: "sct:{<mailbox-id>}:...").
//
// Errors: UNAVAILABLE with reason "store_unavailable" when no connection to
// the node owning the key can be made or a command times out (the caller turns
// it into 503 + Retry-After); INTERNAL "store_error" for Redis error replies
// other than redirections and NOSCRIPT.
//
// Authentication: with RedisClientOptions::password every connection is
// authenticated (AUTH, an ACL user when `user` is set) before its first
// command, so reconnects and newly discovered cluster nodes are too.
//
// Pooling and reconnect: up to `pool_size` connections per node, made on
// demand (redisConnectWithTimeout, then redisSetTimeout for commands); a
// caller waits at most `command_timeout` for a free one. A broken connection
// is dropped; if a *reused* pooled connection fails with an I/O error (Redis
// restarted or closed it while idle) the command is sent once more on a fresh
// connection. Such a resend can apply a write twice only if Redis executed it
// and then dropped the connection before answering; the relay's writes are
// idempotent under that (version checks, request ids). Timeouts are never
// resent.
//
// Cluster: the slot map comes from CLUSTER SLOTS; MOVED records the new
// owner, refreshes the map and retries; ASK sends ASKING + the command to the
// named node; an unreachable node triggers one map refresh (failover). At
// most 8 redirections per call. CLUSTERDOWN / TRYAGAIN / LOADING are
// UNAVAILABLE "store_unavailable".
//
// Thread-safe: any number of threads may call Command/Eval concurrently; each
// call borrows one pooled connection.
#ifndef SCT_RELAY_REDIS_REDIS_CLIENT_H_
#define SCT_RELAY_REDIS_REDIS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::relay {

// A Redis reply, copied out of hiredis.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString, kStatus, kError
  std::vector<RedisReply> elements;  // kArray
};

struct RedisClientOptions {
  // "host:port" seeds; one address of a cluster is enough to discover it.
  std::vector<std::string> addresses;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  // Connections kept per node.
  int pool_size = 8;
  // When `password` is set, every new connection (to every node of a
  // cluster) first sends AUTH [user] password; an empty `user` is Redis's
  // "default" user. A refused AUTH is UNAVAILABLE "store_unavailable" quoting
  // Redis's answer; the password itself appears in no message.
  std::string user;
  std::string password;
};

class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // Runs `argv` (e.g. {"SET", key, value, "PX", "1000"}) on the node owning
  // `routing_key`.
  virtual absl::StatusOr<RedisReply> Command(
      absl::string_view routing_key, const std::vector<std::string>& argv) = 0;

  // Runs a Lua script by EVALSHA, loading it on NOSCRIPT. All `keys` must
  // share a slot; keys[0] routes.
  virtual absl::StatusOr<RedisReply> Eval(const std::string& script,
                                          const std::vector<std::string>& keys,
                                          const std::vector<std::string>& args) = 0;

  // True when connected to a Redis Cluster.
  virtual bool cluster() const = 0;
};

// Connects (discovering cluster mode). UNAVAILABLE "store_unavailable" if no
// seed answers PING; INVALID_ARGUMENT "invalid_field" (field "redis") for a
// malformed address.
absl::StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(
    const RedisClientOptions& options);

// The cluster hash slot of `key` (CRC16 of the hash tag or key, mod 16384).
int RedisKeySlot(absl::string_view key);

// CRC16-CCITT (XMODEM) as the Redis Cluster spec defines it
// (RedisCrc16("123456789") == 0x31C3).
uint16_t RedisCrc16(absl::string_view data);

}  // namespace sct::relay

#endif  // SCT_RELAY_REDIS_REDIS_CLIENT_H_

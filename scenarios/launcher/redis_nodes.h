// The Redis the launcher starts for a relay with `store: REDIS` and no
// `redis_address` (scenario.v1.RedisSpec): the redis.conf and ACL file of
// each node, the free loopback ports they listen on, the readiness probe
// (PING, and cluster_state:ok for a formed cluster) and cluster formation
// (CLUSTER ADDSLOTSRANGE + CLUSTER MEET). ServiceSet runs the processes;
// LaunchedEcosystem puts the pieces together (launched_ecosystem.cc).
//
// Security: with authentication (the default) the ACL file holds two users,
// each with the SHA-256 of a fresh random password (never the password
// itself): "relay", allowed only the commands relay/redis runs on keys under
// the relay's key prefix, and "default" (everything; the launcher's own
// connection). A connection that has not authenticated can run nothing. The
// default user is kept (with a password) rather than switched off because
// Redis 7.0 replays its append-only file as that user and silently drops the
// MULTI/EXEC blocks (scripted writes) it may not run. The relay's
// password is in a 0600 file that the relay reads (--redis_password_file);
// the admin password stays in the launcher's memory. No message carries a
// password.
//
// Errors: UNAVAILABLE when a node cannot be reached or answers an error (the
// message quotes Redis's answer); DEADLINE_EXCEEDED when a cluster is not
// healthy in time; INTERNAL for file and socket failures.
// Thread-safety: the functions keep no state (one connection per call).
#ifndef SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_
#define SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::scenarios {

// The ACL user the relay logs in as.
inline constexpr char kRedisRelayUser[] = "relay";
// The launcher's own ACL user (cluster set-up, readiness checks).
inline constexpr char kRedisAdminUser[] = "default";

// Login of the launcher's connections: empty password = the default user.
struct RedisLogin {
  std::string user;
  std::string password;
};

// One node's redis.conf.
struct RedisNodeConfig {
  int port = 0;
  std::string dir;       // working directory: AOF, nodes.conf
  std::string log_file;  // where redis logs (the service's stderr file)
  bool cluster = false;  // cluster-enabled, nodes.conf in `dir`
  std::string acl_file;  // "" = no ACL file (the default user, no password)
};

// The text of redis.conf: loopback only, `appendonly yes`, `appendfsync
// always` (every write the relay acknowledged is on disk), no RDB snapshots.
std::string RedisConfText(const RedisNodeConfig& config);

// The ACL rules (after "user relay on #<hash>") of the relay's user: keys
// under `key_prefix` only, no pub/sub channels, and only these commands:
// PING, INFO, CLUSTER SLOTS, ASKING, EVAL/EVALSHA and what the relay runs
// directly or from its scripts (GET SET DEL EXISTS INCR INCRBY PEXPIRE PTTL
// HGET HMGET HSET ZADD ZREM ZCARD ZRANGEBYSCORE).
std::string RelayAclRules(absl::string_view key_prefix);

// The ACL file: the admin "default" (`admin_password`) and the relay's user
// (`relay_password`, RelayAclRules), passwords as SHA-256.
std::string RedisAclFileText(absl::string_view relay_password, absl::string_view admin_password,
                             absl::string_view key_prefix);

// A fresh random password (32 hex characters of RAND_bytes).
absl::StatusOr<std::string> NewRedisPassword();

// A loopback port that was free a moment ago; for a cluster node its bus
// port (port + 10000) was free too. The caller retries the start on a clash.
absl::StatusOr<int> FreeRedisPort(bool cluster);

// Runs one command on `address` ("127.0.0.1:PORT") as `login` and returns
// the reply as text (integers in decimal, array elements joined by '\n').
// An error reply is UNAVAILABLE quoting it.
absl::StatusOr<std::string> RedisAdminCommand(const std::string& address, const RedisLogin& login,
                                              const std::vector<std::string>& argv);

// One readiness probe of a node: PING answers PONG and, when
// `cluster_formed`, CLUSTER INFO says cluster_state:ok.
absl::Status ProbeRedis(const std::string& address, const RedisLogin& login, bool cluster_formed);

// Forms a cluster of fresh nodes: the 16384 slots in contiguous ranges
// (ADDSLOTSRANGE), every node met by the first, then waits until every node
// reports cluster_state:ok and knows all the others (before `deadline`).
// Nodes that already hold every slot (a reused work directory) are only
// waited for.
absl::Status FormRedisCluster(const std::vector<std::string>& addresses, const RedisLogin& login,
                              absl::Time deadline);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_

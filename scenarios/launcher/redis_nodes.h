// The Redis the launcher starts for a relay with `store: REDIS` and no
// `redis_address` (scenario.v1.RedisSpec): the ACL file of each node and its
// passwords. redis.conf, free ports, the readiness probe and cluster
// formation are runtime/redis_node.h; ServiceSet runs the processes;
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
// Errors: NewRedisPassword returns INTERNAL when the random source fails.
// Thread-safety: the functions keep no state.
#ifndef SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_
#define SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/redis_node.h"

namespace sct::scenarios {

// The ACL user the relay logs in as.
inline constexpr char kRedisRelayUser[] = "relay";
// The launcher's own ACL user (cluster set-up, readiness checks).
inline constexpr char kRedisAdminUser[] = "default";

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

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_REDIS_NODES_H_

#include "scenarios/launcher/redis_nodes.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace sct::scenarios {
std::string RelayAclRules(absl::string_view key_prefix) {
  static constexpr const char* kCommands[] = {
      "ping",    "info",    "cluster|slots", "asking", "eval",  "evalsha", "get",
      "mget",    "getrange", "set",          "del",    "exists", "incr",   "incrby",
      "pexpire", "pttl",    "hget",          "hmget",  "hset",  "hgetall", "hdel",
      "hincrby", "hvals",   "hsetnx",        "bitfield"};
  std::string rules = absl::StrCat("resetkeys ~", key_prefix, "* resetchannels -@all");
  for (const char* c : kCommands) absl::StrAppend(&rules, " +", c);
  return rules;
}

std::string RedisAclFileText(absl::string_view relay_password, absl::string_view admin_password,
                             absl::string_view key_prefix) {
  // The admin is the "default" user, with a password: Redis 7.0 replays the
  // append-only file as "default" and silently skips every MULTI/EXEC block
  // (how a Lua script's writes are logged) that "default" may not run, so a
  // disabled default user loses every scripted write across a restart.
  return absl::StrCat("user ", kRedisAdminUser, " on #", crypto::Sha256Hex(admin_password),
                      " ~* &* +@all\n", "user ", kRedisRelayUser, " on #",
                      crypto::Sha256Hex(relay_password), " ", RelayAclRules(key_prefix), "\n");
}

absl::StatusOr<std::string> NewRedisPassword() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(16));
  return absl::BytesToHexString(bytes);
}

}  // namespace sct::scenarios

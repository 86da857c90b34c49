#include "relay/store_factory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "relay/memory_mailbox_store.h"
#include "relay/redis/redis_store.h"
#include "relay/sqlite_mailbox_store.h"
#include "runtime/files.h"

namespace sct::relay {
namespace {

absl::Status BadFlag(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_flag", message);
}

absl::Status ValidateRedisFlags(const StoreConfig& config) {
  if (config.redis.addresses.empty()) return BadFlag("--redis: required with --store=redis");
  for (const std::string& address : config.redis.addresses) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(address, "--redis");
    if (!parsed.ok()) return BadFlag(parsed.status().message());
  }
  if (config.redis.pool_size < 1 || config.redis.pool_size > 1024) {
    return BadFlag("--redis_pool_size: must be between 1 and 1024");
  }
  if (config.redis.command_timeout <= absl::ZeroDuration()) {
    return BadFlag("--redis_timeout: must be positive");
  }
  if (!config.redis.user.empty() && config.redis_password_file.empty()) {
    return BadFlag("--redis_user: needs --redis_password_file");
  }
  return absl::OkStatus();
}

// The first line of --redis_password_file (without its line end).
absl::StatusOr<std::string> ReadRedisPassword(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadWholeFile(path);
  if (!contents.ok()) {
    return absl::Status(contents.status().code(),
                        absl::StrCat("--redis_password_file: ", contents.status().message()));
  }
  std::string password = contents->substr(0, contents->find_first_of("\r\n"));
  if (password.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "invalid_flag",
                     absl::StrCat("--redis_password_file: ", path, ": empty first line"));
  }
  return password;
}

}  // namespace

absl::Status ValidateStoreConfig(const StoreConfig& config) {
  if (config.kind != "memory" && config.kind != "sqlite" && config.kind != "redis") {
    return BadFlag(
        absl::StrCat("--store: must be memory, sqlite or redis, not \"", config.kind, "\""));
  }
  if (config.kind == "redis") return ValidateRedisFlags(config);
  if (!config.redis.addresses.empty()) return BadFlag("--redis: only with --store=redis");
  if (!config.redis.user.empty()) return BadFlag("--redis_user: only with --store=redis");
  if (!config.redis_password_file.empty()) {
    return BadFlag("--redis_password_file: only with --store=redis");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RelayStore>> RelayStore::Open(const StoreConfig& config,
                                                             const RelayLimits& limits,
                                                             const Clock* clock) {
  std::unique_ptr<RelayStore> opened(new RelayStore(config));
  if (config.kind == "memory") {
    opened->store_ = std::make_unique<MemoryMailboxStore>();
    return opened;
  }
  if (config.kind == "sqlite") {
    absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> sqlite =
        SqliteMailboxStore::Open(config.sqlite_path);
    if (!sqlite.ok()) return sqlite.status();
    opened->store_ = std::move(*sqlite);
    return opened;
  }
  // Fail fast: a relay that cannot reach Redis at start-up exits so that the
  // orchestrator restarts it; once running, an outage answers 503.
  RedisClientOptions redis_options = config.redis;
  if (!config.redis_password_file.empty()) {
    absl::StatusOr<std::string> password = ReadRedisPassword(config.redis_password_file);
    if (!password.ok()) return password.status();
    redis_options.password = *std::move(password);
  }
  absl::StatusOr<std::unique_ptr<RedisClient>> connected = ConnectRedis(redis_options);
  if (!connected.ok()) {
    return MakeError(
        absl::StatusCode::kUnavailable, "store_unavailable",
        absl::StrCat("--redis: cannot reach Redis at ", absl::StrJoin(config.redis.addresses, ","),
                     ": ", connected.status().message()));
  }
  opened->redis_ = std::move(*connected);
  RedisClient* redis = opened->redis_.get();
  const std::string& prefix = config.redis_key_prefix;
  RedisStoreOptions store_options;
  store_options.key_prefix = prefix;
  auto redis_store = std::make_unique<RedisMailboxStore>(redis, store_options);
  opened->redis_creates_ = std::make_unique<RedisEventLimiter>(
      redis, clock, "creates", limits.creates_per_window, limits.rate_window, prefix);
  opened->redis_lookups_ = std::make_unique<RedisEventLimiter>(
      redis, clock, "failed_lookups", limits.failed_lookups_per_window, limits.rate_window, prefix);
  opened->redis_deletes_ = std::make_unique<RedisDeleteLog>(redis, limits.max_ttl, prefix);
  opened->redis_steps_ = std::make_unique<RedisRelaySteps>(
      redis_store.get(), opened->redis_creates_.get(), opened->redis_lookups_.get(),
      opened->redis_deletes_.get());
  opened->store_ = std::move(redis_store);
  return opened;
}

RelayStore::~RelayStore() { Close(); }

SharedRelayState RelayStore::shared() const {
  return SharedRelayState{redis_creates_.get(), redis_lookups_.get(), redis_deletes_.get(),
                          redis_steps_.get()};
}

std::string RelayStore::Describe() const {
  std::string line = absl::StrCat("store=", config_.kind);
  if (config_.kind == "sqlite") absl::StrAppend(&line, " sqlite_path=", config_.sqlite_path);
  if (config_.kind == "redis" && redis_ != nullptr) {
    absl::StrAppend(&line, " redis=", absl::StrJoin(config_.redis.addresses, ","),
                    redis_->cluster() ? " (cluster)" : " (standalone)",
                    " redis_pool_size=", config_.redis.pool_size,
                    " redis_timeout=", absl::FormatDuration(config_.redis.command_timeout));
  }
  return line;
}

void RelayStore::Close() {
  redis_steps_.reset();
  store_.reset();
  redis_creates_.reset();
  redis_lookups_.reset();
  redis_deletes_.reset();
  redis_.reset();
}

}  // namespace sct::relay

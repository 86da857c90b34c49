#include "relay/store_factory.h"

#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string TempPath(const std::string& name) {
  const char* dir = getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid());
}

StoreConfig Redis(std::vector<std::string> addresses) {
  StoreConfig config;
  config.kind = "redis";
  config.redis.addresses = std::move(addresses);
  return config;
}

TEST(StoreFactoryTest, EveryFlagRuleHasItsMessage) {
  struct Case {
    std::string name;
    StoreConfig config;
    std::string message;
  };
  StoreConfig unknown;
  unknown.kind = "postgres";
  StoreConfig redis_without_store;
  redis_without_store.kind = "memory";
  redis_without_store.redis.addresses = {"127.0.0.1:6379"};
  StoreConfig pool = Redis({"127.0.0.1:6379"});
  pool.redis.pool_size = 0;
  StoreConfig timeout = Redis({"127.0.0.1:6379"});
  timeout.redis.command_timeout = absl::ZeroDuration();
  StoreConfig user_without_password = Redis({"127.0.0.1:6379"});
  user_without_password.redis.user = "relay";
  StoreConfig password_without_store;
  password_without_store.redis_password_file = "/tmp/pw";
  const std::vector<Case> cases = {
      {"unknown_store", unknown, "--store: must be memory, sqlite or redis, not \"postgres\""},
      {"redis_required", Redis({}), "--redis: required with --store=redis"},
      {"redis_bad_address", Redis({"no-port"}), "--redis"},
      {"redis_without_store", redis_without_store, "--redis: only with --store=redis"},
      {"pool_size", pool, "--redis_pool_size: must be between 1 and 1024"},
      {"timeout", timeout, "--redis_timeout: must be positive"},
      {"user_without_password", user_without_password, "--redis_user: needs --redis_password_file"},
      {"password_without_store", password_without_store,
       "--redis_password_file: only with --store=redis"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status s = ValidateStoreConfig(c.config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), StartsWith(c.message));
  }
  EXPECT_TRUE(ValidateStoreConfig(StoreConfig()).ok());
  EXPECT_TRUE(ValidateStoreConfig(Redis({"127.0.0.1:6379", "[::1]:7000"})).ok());
}

TEST(StoreFactoryTest, MemoryStoreHasInMemoryLimits) {
  StoreConfig config;
  config.kind = "memory";
  auto store = RelayStore::Open(config, RelayLimits(), &RealClock::Get());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_NE((*store)->store(), nullptr);
  EXPECT_EQ(*(*store)->store()->Count(), 0);
  const SharedRelayState shared = (*store)->shared();
  EXPECT_EQ(shared.creates, nullptr);
  EXPECT_EQ(shared.failed_lookups, nullptr);
  EXPECT_EQ(shared.deletes, nullptr);
  EXPECT_EQ((*store)->Describe(), "store=memory");
  (*store)->Close();
  EXPECT_EQ((*store)->store(), nullptr);
  (*store)->Close();  // idempotent
}

TEST(StoreFactoryTest, SqliteStoreOpensTheNamedFile) {
  StoreConfig config;
  config.sqlite_path = TempPath("factory.db");
  auto store = RelayStore::Open(config, RelayLimits(), &RealClock::Get());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "store=sqlite sqlite_path=" + config.sqlite_path);
  EXPECT_EQ(access(config.sqlite_path.c_str(), F_OK), 0);
}

TEST(StoreFactoryTest, SqliteFileThatCannotBeOpenedNamesIt) {
  StoreConfig config;
  config.sqlite_path = "/nonexistent-dir-for-sct-test/relay.db";
  auto store = RelayStore::Open(config, RelayLimits(), &RealClock::Get());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(config.sqlite_path));
}

TEST(StoreFactoryTest, UnreachableRedisFailsAtStart) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  StoreConfig config = Redis({"127.0.0.1:1"});
  config.redis.connect_timeout = absl::Milliseconds(500);
  config.redis.command_timeout = absl::Milliseconds(500);
  auto store = RelayStore::Open(config, RelayLimits(), &RealClock::Get());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(store.status().message()),
              StartsWith("--redis: cannot reach Redis at 127.0.0.1:1: "));
}

TEST(StoreFactoryTest, PasswordFileThatCannotBeReadFailsAtStartNamingTheFlag) {
  StoreConfig config = Redis({"127.0.0.1:1"});
  config.redis.user = "relay";
  config.redis_password_file = TempPath("no-such-password-file");
  auto store = RelayStore::Open(config, RelayLimits(), &RealClock::Get());
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), StartsWith("--redis_password_file: "));
}

}  // namespace
}  // namespace sct::relay

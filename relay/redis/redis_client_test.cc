#include "relay/redis/redis_client.h"

#include <signal.h>

#include <map>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "relay/redis/testing/redis_server.h"

namespace sct::relay {
namespace {

using testing::RedisCluster;
using testing::RedisServer;

TEST(RedisKeySlotTest, SpecExampleCrc16) {
  // Redis Cluster specification: CRC16 of "123456789" is 0x31C3.
  EXPECT_EQ(RedisCrc16("123456789"), 0x31C3);
  EXPECT_EQ(RedisKeySlot("123456789"), 0x31C3 % 16384);
  EXPECT_EQ(RedisCrc16(""), 0);
}

TEST(RedisKeySlotTest, HashTags) {
  EXPECT_EQ(RedisKeySlot("{user1000}.following"), RedisKeySlot("user1000"));
  EXPECT_EQ(RedisKeySlot("{user1000}.followers"), RedisKeySlot("{user1000}.following"));
  // Only the first {...}; an empty tag means the whole key is hashed.
  EXPECT_EQ(RedisKeySlot("foo{bar}{zap}"), RedisKeySlot("bar"));
  EXPECT_EQ(RedisKeySlot("foo{}{bar}"), RedisCrc16("foo{}{bar}") % 16384);
  EXPECT_EQ(RedisKeySlot("foo{{bar}}zap"), RedisKeySlot("{bar"));
  EXPECT_EQ(RedisKeySlot("sct:{abc}:m"), RedisKeySlot("sct:{abc}:c:x"));
}

TEST(RedisClientTest, RejectsMalformedAddress) {
  RedisClientOptions options;
  options.addresses = {"no-port-here"};
  auto c = ConnectRedis(options);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(c.status()), "invalid_field");
}

TEST(RedisClientTest, UnreachableIsStoreUnavailable) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string address = (*redis)->address();
  ASSERT_TRUE((*redis)->Stop().ok());  // the port is now closed
  RedisClientOptions options;
  options.addresses = {address};
  auto c = ConnectRedis(options);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(c.status()), "store_unavailable");
}

TEST(RedisClientTest, CommandsEvalAndNoscriptFallback) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_FALSE((*client)->cluster());
  ASSERT_TRUE((*client)->Command("k", {"SET", "k", std::string("a\0b", 3)}).ok());
  auto got = (*client)->Command("k", {"GET", "k"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->type, RedisReply::Type::kString);
  EXPECT_EQ(got->str, std::string("a\0b", 3));
  EXPECT_EQ((*client)->Command("nope", {"GET", "nope"})->type, RedisReply::Type::kNil);

  const std::string script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
  auto r = (*client)->Eval(script, {"n"}, {"5"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 5);
  // The server forgets its scripts: EVALSHA answers NOSCRIPT, EVAL recovers.
  ASSERT_EQ(*(*redis)->Command({"SCRIPT", "FLUSH"}), "OK");
  r = (*client)->Eval(script, {"n"}, {"2"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 7);

  // A Redis error reply is INTERNAL store_error.
  auto bad = (*client)->Command("k", {"INCR", "k"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(bad.status()), "store_error");
}

// A server whose only enabled user is "relay" with password "s3cret-pw".
absl::StatusOr<std::unique_ptr<RedisServer>> StartWithAclUser() {
  testing::RedisServerOptions o;
  o.extra_config = {"user relay on >s3cret-pw ~* &* +@all"};
  auto redis = RedisServer::Start(o);
  if (!redis.ok()) return redis.status();
  // The harness talks as "default"; switch it off last.
  auto off = (*redis)->Command({"ACL", "SETUSER", "default", "off"});
  if (!off.ok()) return off.status();
  return redis;
}

TEST(RedisClientAuthTest, AclUserAuthenticatesEveryConnection) {
  auto redis = StartWithAclUser();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  options.user = "relay";
  options.password = "s3cret-pw";
  options.pool_size = 2;
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Command("k", {"SET", "k", "v"}).ok());
  EXPECT_EQ((*client)->Command("k", {"GET", "k"})->str, "v");
  // After a restart the pooled connections are re-made: each must AUTH again.
  ASSERT_TRUE((*redis)->Kill().ok());
  ASSERT_TRUE((*redis)->Restart().ok());
  auto got = (*client)->Command("k2", {"SET", "k2", "w"});
  EXPECT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->type, RedisReply::Type::kStatus) << got->str;
}

TEST(RedisClientAuthTest, MissingOrWrongPasswordFailsAtConnectWithoutLeakingIt) {
  auto redis = StartWithAclUser();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  // No password: PING answers NOAUTH; the client must not call that healthy.
  auto none = ConnectRedis(options);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnavailable) << none.status();
  EXPECT_NE(none.status().message().find("NOAUTH"), std::string::npos) << none.status();
  options.user = "relay";
  options.password = "wrong-password-xyz";
  auto wrong = ConnectRedis(options);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(wrong.status()), "store_unavailable");
  EXPECT_NE(wrong.status().message().find("AUTH refused as user \"relay\""), std::string::npos)
      << wrong.status();
  EXPECT_EQ(wrong.status().message().find("wrong-password-xyz"), std::string::npos);
}

TEST(RedisClientTest, ReconnectsAfterRedisRestart) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  options.pool_size = 2;
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Command("k", {"SET", "k", "1"}).ok());

  ASSERT_TRUE((*redis)->Kill().ok());
  auto down = (*client)->Command("k", {"GET", "k"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(down.status()), "store_unavailable");

  ASSERT_TRUE((*redis)->Restart().ok());
  // Pooled connections are stale; the client reconnects by itself.
  for (int i = 0; i < 4; ++i) {
    auto up = (*client)->Command("k", {"SET", "k", "2"});
    EXPECT_TRUE(up.ok()) << up.status();
  }
}

TEST(RedisClientTest, StaleIdleConnectionsAreReplacedTransparently) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Command("k", {"SET", "k", "1"}).ok());
  // Redis drops every client connection; the next command must still work.
  ASSERT_TRUE((*redis)->Command({"CLIENT", "KILL", "TYPE", "normal"}).ok());
  auto r = (*client)->Command("k", {"GET", "k"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "1");
}

TEST(RedisClientTest, CommandTimeoutIsStoreUnavailable) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClientOptions options;
  options.addresses = {(*redis)->address()};
  options.command_timeout = absl::Milliseconds(200);
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  // A frozen server accepts bytes but never answers.
  ASSERT_EQ(kill((*redis)->pid(), SIGSTOP), 0);
  auto r = (*client)->Command("k", {"GET", "k"});
  ASSERT_EQ(kill((*redis)->pid(), SIGCONT), 0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), "store_unavailable");
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status();
  // Back to normal afterwards.
  auto ok = (*client)->Command("k", {"PING"});
  EXPECT_TRUE(ok.ok()) << ok.status();
}

class RedisClusterClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = RedisCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    RedisClientOptions options;
    options.addresses = {cluster_->addresses()[0]};  // one seed is enough
    auto client = ConnectRedis(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  // The node (by index) that owns `key` according to the server itself.
  int OwnerOf(const std::string& key) {
    for (int i = 0; i < cluster_->size(); ++i) {
      auto owner = cluster_->node(i).Command({"GET", key});
      // A non-owner answers MOVED (an error) to GET.
      if (owner.ok()) return i;
    }
    return -1;
  }

  std::string NodeId(int i) { return *cluster_->node(i).Command({"CLUSTER", "MYID"}); }

  std::unique_ptr<RedisCluster> cluster_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClusterClientTest, KeysOverAllNodesAreWrittenAndRead) {
  EXPECT_TRUE(client_->cluster());
  std::set<int> owners;
  for (int i = 0; i < 60; ++i) {
    const std::string key = absl::StrCat("key-", i);
    ASSERT_TRUE(client_->Command(key, {"SET", key, absl::StrCat("v", i)}).ok()) << key;
  }
  for (int i = 0; i < 60; ++i) {
    const std::string key = absl::StrCat("key-", i);
    auto r = client_->Command(key, {"GET", key});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->str, absl::StrCat("v", i));
    owners.insert(OwnerOf(key));
  }
  EXPECT_EQ(owners.size(), 3u);  // the keys really are spread over the masters
  // A script over two keys with one hash tag runs on their common node.
  auto r = client_->Eval("redis.call('SET', KEYS[2], ARGV[1]); return redis.call('GET', KEYS[1])",
                         {"{t}:a", "{t}:b"}, {"x"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->type, RedisReply::Type::kNil);
}

TEST_F(RedisClusterClientTest, AclUserIsAuthenticatedOnEveryNode) {
  for (int i = 0; i < cluster_->size(); ++i) {
    ASSERT_TRUE(cluster_->node(i)
                    .Command({"ACL", "SETUSER", "relay", "on", ">pw-cluster", "~*", "+@all"})
                    .ok());
    ASSERT_TRUE(cluster_->node(i).Command({"ACL", "SETUSER", "default", "off"}).ok());
  }
  RedisClientOptions options;
  options.addresses = {cluster_->addresses()[1]};
  options.user = "relay";
  options.password = "pw-cluster";
  auto client = ConnectRedis(options);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->cluster());
  // 60 keys land on all three masters: every node's connections authenticated.
  for (int i = 0; i < 60; ++i) {
    const std::string key = absl::StrCat("auth-key-", i);
    auto r = (*client)->Command(key, {"SET", key, "v"});
    ASSERT_TRUE(r.ok()) << key << ": " << r.status();
    ASSERT_EQ(r->type, RedisReply::Type::kStatus) << key << ": " << r->str;
  }
  options.password.clear();
  EXPECT_FALSE(ConnectRedis(options).ok());
}

TEST_F(RedisClusterClientTest, FollowsAskDuringMigrationThenMovedAfterIt) {
  const std::string key = "migrating-key";
  const std::string other = "{migrating-key}:not-yet-moved";
  ASSERT_TRUE(client_->Command(key, {"SET", key, "moved-value"}).ok());
  ASSERT_TRUE(client_->Command(other, {"SET", other, "stays"}).ok());
  const int from = OwnerOf(key);
  ASSERT_GE(from, 0);
  const int to = (from + 1) % 3;
  const std::string slot = std::to_string(RedisKeySlot(key));
  ASSERT_TRUE(
      cluster_->node(to).Command({"CLUSTER", "SETSLOT", slot, "IMPORTING", NodeId(from)}).ok());
  ASSERT_TRUE(
      cluster_->node(from).Command({"CLUSTER", "SETSLOT", slot, "MIGRATING", NodeId(to)}).ok());
  auto migrate = cluster_->node(from).Command(
      {"MIGRATE", "127.0.0.1", std::to_string(cluster_->node(to).port()), key, "0", "5000"});
  ASSERT_TRUE(migrate.ok()) << migrate.status();

  // The old owner answers ASK for the moved key: the client must follow it.
  auto asked = cluster_->node(from).Command({"GET", key});
  ASSERT_FALSE(asked.ok());
  EXPECT_EQ(asked.status().message().substr(0, 3), "ASK");
  auto r = client_->Command(key, {"GET", key});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "moved-value");
  r = client_->Command(other, {"GET", other});  // still on the old owner
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "stays");

  // Finish: move the other key, hand the slot to `to` everywhere.
  ASSERT_TRUE(cluster_->node(from)
                  .Command({"MIGRATE", "127.0.0.1", std::to_string(cluster_->node(to).port()),
                            other, "0", "5000"})
                  .ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cluster_->node(i).Command({"CLUSTER", "SETSLOT", slot, "NODE", NodeId(to)}).ok());
  }
  auto moved = cluster_->node(from).Command({"GET", key});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().message().substr(0, 5), "MOVED");
  // The client's map still says `from`: it must follow MOVED and update.
  r = client_->Command(key, {"GET", key});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "moved-value");
  ASSERT_TRUE(client_->Command(other, {"SET", other, "written-after-move"}).ok());
  EXPECT_EQ(*cluster_->node(to).Command({"GET", other}), "written-after-move");
}

TEST_F(RedisClusterClientTest, NodeDownIsStoreUnavailableForItsSlotsOnly) {
  // Find keys owned by node 0 and by another node.
  std::string on0, elsewhere;
  for (int i = 0; on0.empty() || elsewhere.empty(); ++i) {
    const std::string key = absl::StrCat("probe-", i);
    ASSERT_TRUE(client_->Command(key, {"SET", key, "x"}).ok());
    (OwnerOf(key) == 0 ? on0 : elsewhere) = key;
  }
  ASSERT_TRUE(cluster_->node(0).Kill().ok());
  auto r = client_->Command(on0, {"GET", on0});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), "store_unavailable");
  ASSERT_TRUE(cluster_->node(0).Restart().ok());
  ASSERT_TRUE(cluster_->WaitHealthy().ok());
  r = client_->Command(on0, {"SET", on0, "y"});
  EXPECT_TRUE(r.ok()) << r.status();
  (void)elsewhere;
}

}  // namespace
}  // namespace sct::relay

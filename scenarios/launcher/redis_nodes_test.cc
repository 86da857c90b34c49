// redis_nodes: the ACL text, and real redis-server processes configured by
// it: the relay's ACL user may run what the relay runs and nothing else, a
// connection that has not logged in runs nothing, and three nodes with the
// ACL form a cluster whose slot map the relay's user may read.
#include "scenarios/launcher/redis_nodes.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/child_process.h"
#include "runtime/redis_node.h"

namespace sct::scenarios {
namespace {

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

TEST(RedisNodesTest, AclFileHoldsHashesNotPasswords) {
  const std::string acl = RedisAclFileText("relay-pw-123", "admin-pw-456", "sct:");
  EXPECT_FALSE(absl::StrContains(acl, "relay-pw-123"));
  EXPECT_FALSE(absl::StrContains(acl, "admin-pw-456"));
  EXPECT_TRUE(absl::StartsWith(acl, "user default on #"));
  EXPECT_TRUE(absl::StrContains(acl, "user relay on #"));
  EXPECT_TRUE(absl::StrContains(acl, "~sct:* resetchannels -@all +ping"));
  EXPECT_FALSE(absl::StrContains(acl, "nopass"));
  auto a = NewRedisPassword();
  auto b = NewRedisPassword();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

// A redis-server with the launcher's redis.conf and ACL file.
RedisNodeProcess StartNode(const std::string& name, bool cluster, const std::string& acl_file,
                           const RedisLogin& admin) {
  RedisNodeConfig c;
  c.dir = absl::StrCat(TmpDir(), "/", name);
  mkdir(c.dir.c_str(), 0700);
  c.log_file = c.dir + "/log";
  c.cluster = cluster;
  c.acl_file = acl_file;
  auto port = FreeRedisPort(cluster);
  EXPECT_TRUE(port.ok()) << port.status();
  c.port = *port;
  absl::StatusOr<RedisNodeProcess> node =
      StartRedisNode(kRedisServerBinary, name, c, admin, absl::Now() + absl::Seconds(20));
  EXPECT_TRUE(node.ok()) << node.status();
  return node.ok() ? *std::move(node) : RedisNodeProcess{};
}

TEST(RedisNodesTest, RelayUserRunsOnlyTheRelaysCommandsOnItsKeys) {
  const std::string acl_file = TmpDir() + "/users.acl";
  std::ofstream(acl_file) << RedisAclFileText("relay-pw", "admin-pw", "sct:");
  const RedisLogin admin{kRedisAdminUser, "admin-pw"};
  RedisNodeProcess node = StartNode("acl", false, acl_file, admin);
  ASSERT_NE(node.process, nullptr);
  const RedisLogin relay{kRedisRelayUser, "relay-pw"};
  EXPECT_TRUE(RedisCommand(node.address, relay, {"SET", "sct:k", "v"}).ok());
  EXPECT_EQ(*RedisCommand(node.address, relay, {"GET", "sct:k"}), "v");
  auto script = RedisCommand(
      node.address, relay,
      {"EVAL", "redis.call('HSET', KEYS[1], 'v', 1); return redis.call('PEXPIRE', KEYS[1], 999)",
       "1", "sct:{x}:m"});
  EXPECT_TRUE(script.ok()) << script.status();
  EXPECT_TRUE(RedisCommand(node.address, relay, {"INFO", "cluster"}).ok());
  // Refused: other keys, and commands the relay never runs.
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"SET", "other:k", "v"},
                                             {"FLUSHALL"},
                                             {"KEYS", "*"},
                                             {"CONFIG", "GET", "dir"},
                                             {"ACL", "LIST"},
                                             {"SHUTDOWN"}}) {
    auto r = RedisCommand(node.address, relay, argv);
    EXPECT_FALSE(r.ok()) << argv[0] << " was allowed";
    if (!r.ok()) {
      EXPECT_TRUE(absl::StrContains(r.status().message(), "NOPERM")) << r.status();
    }
  }
  // No password, or a wrong one: nothing.
  EXPECT_TRUE(
      absl::StrContains(RedisCommand(node.address, {}, {"PING"}).status().message(), "NOAUTH"));
  auto wrong = RedisCommand(node.address, {kRedisRelayUser, "nope"}, {"PING"});
  EXPECT_FALSE(wrong.ok());
  EXPECT_FALSE(absl::StrContains(wrong.status().message(), "nope"));
  EXPECT_TRUE(RedisCommand(node.address, admin, {"CONFIG", "GET", "dir"}).ok());
}

TEST(RedisNodesTest, ThreeNodesFormACluster) {
  const std::string acl_file = TmpDir() + "/cluster.acl";
  std::ofstream(acl_file) << RedisAclFileText("relay-pw", "admin-pw", "sct:");
  const RedisLogin admin{kRedisAdminUser, "admin-pw"};
  std::vector<RedisNodeProcess> nodes;
  std::vector<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(StartNode(absl::StrCat("cluster-", i), true, acl_file, admin));
    addresses.push_back(nodes.back().address);
  }
  absl::Status formed = FormRedisCluster(addresses, admin, absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(formed.ok()) << formed;
  for (const std::string& a : addresses) EXPECT_TRUE(ProbeRedis(a, admin, true).ok()) << a;
  // The relay's user may read the slot map (how its client finds the nodes).
  auto slots = RedisCommand(addresses[2], {kRedisRelayUser, "relay-pw"}, {"CLUSTER", "SLOTS"});
  EXPECT_TRUE(slots.ok()) << slots.status();
  // Forming again (a reused work directory) only waits.
  EXPECT_TRUE(FormRedisCluster(addresses, admin, absl::Now() + absl::Seconds(30)).ok());
}

}  // namespace
}  // namespace sct::scenarios

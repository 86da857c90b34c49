// redis_node: the redis.conf text, and a real redis-server configured by it:
// one-shot commands, error replies kept apart from connection failures, the
// readiness probe, and three nodes forming a cluster.
#include "runtime/redis_node.h"

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

namespace sct {
namespace {

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

TEST(RedisConfTextTest, DurableLoopbackWithClusterAclAndExtraLines) {
  RedisNodeConfig c;
  c.port = 6390;
  c.dir = "/w/data/redis";
  c.log_file = "/w/logs/redis.stderr";
  c.acl_file = "/w/data/redis-users.acl";
  c.extra_lines = {"protected-mode no"};
  const std::string conf = RedisConfText(c);
  for (const char* line :
       {"bind 127.0.0.1\n", "port 6390\n", "dir /w/data/redis\n", "appendonly yes\n",
        "appendfsync always\n", "save \"\"\n", "aclfile /w/data/redis-users.acl\n",
        "logfile \"/w/logs/redis.stderr\"\n", "protected-mode no\n"}) {
    EXPECT_TRUE(absl::StrContains(conf, line)) << line << " missing in\n" << conf;
  }
  EXPECT_FALSE(absl::StrContains(conf, "cluster-enabled"));
  c.cluster = true;
  c.acl_file.clear();
  c.appendonly = false;
  c.appendfsync = "everysec";
  const std::string cluster = RedisConfText(c);
  for (const char* line :
       {"cluster-enabled yes\n", "cluster-config-file /w/data/redis/nodes.conf\n",
        "appendonly no\n", "appendfsync everysec\n"}) {
    EXPECT_TRUE(absl::StrContains(cluster, line)) << line << " missing in\n" << cluster;
  }
  EXPECT_FALSE(absl::StrContains(cluster, "aclfile"));
}

TEST(FreeRedisPortTest, ClusterPortLeavesRoomForTheBusPort) {
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<int> port = FreeRedisPort(/*cluster=*/true);
    ASSERT_TRUE(port.ok()) << port.status();
    EXPECT_GT(*port, 0);
    EXPECT_LE(*port + 10000, 65535);
  }
}

// A redis-server on a free port, started by StartRedisNode.
RedisNodeProcess StartNode(const std::string& name, bool cluster) {
  RedisNodeConfig c;
  c.dir = absl::StrCat(TmpDir(), "/", name);
  mkdir(c.dir.c_str(), 0700);
  c.log_file = c.dir + "/log";
  c.cluster = cluster;
  absl::StatusOr<int> port = FreeRedisPort(cluster);
  EXPECT_TRUE(port.ok()) << port.status();
  c.port = *port;
  absl::StatusOr<RedisNodeProcess> node =
      StartRedisNode(kRedisServerBinary, name, c, {}, absl::Now() + absl::Seconds(20));
  EXPECT_TRUE(node.ok()) << node.status();
  return node.ok() ? *std::move(node) : RedisNodeProcess{};
}

TEST(RedisCommandTest, RepliesErrorRepliesAndUnreachableNodes) {
  RedisNodeProcess node = StartNode("single", false);
  ASSERT_NE(node.process, nullptr);
  EXPECT_EQ(*RedisCommand(node.address, {}, {"SET", "k", std::string("a\0b", 3)}), "OK");
  EXPECT_EQ(*RedisCommand(node.address, {}, {"GET", "k"}), std::string("a\0b", 3));
  EXPECT_EQ(*RedisCommand(node.address, {}, {"GET", "missing"}), "");
  EXPECT_EQ(*RedisCommand(node.address, {}, {"RPUSH", "l", "x", "y"}), "2");
  EXPECT_EQ(*RedisCommand(node.address, {}, {"LRANGE", "l", "0", "-1"}), "x\ny");

  // An error reply is a reply, not a failed connection.
  absl::StatusOr<RedisTextReply> wrong = RunRedisCommand(node.address, {}, {"INCR", "k"});
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_TRUE(wrong->error);
  EXPECT_TRUE(absl::StartsWith(wrong->text, "ERR")) << wrong->text;
  absl::StatusOr<std::string> as_status = RedisCommand(node.address, {}, {"INCR", "k"});
  EXPECT_EQ(as_status.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(as_status.status().message(), "INCR: ERR")) << as_status.status();

  // A login that fails is the reply; the password is never quoted.
  absl::StatusOr<std::string> bad_login =
      RedisCommand(node.address, {"nobody", "secret-pw"}, {"PING"});
  EXPECT_FALSE(bad_login.ok());
  EXPECT_FALSE(absl::StrContains(bad_login.status().message(), "secret-pw"));

  node.process->Kill();
  absl::StatusOr<RedisTextReply> down = RunRedisCommand(node.address, {}, {"PING"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(down.status().message(), node.address)) << down.status();
  EXPECT_FALSE(ProbeRedis(node.address, {}, false).ok());
}

TEST(StartRedisNodeTest, ANodeThatCannotStartIsUnavailableWithItsLog) {
  RedisNodeConfig c;
  c.dir = absl::StrCat(TmpDir(), "/bad-conf");
  mkdir(c.dir.c_str(), 0700);
  c.log_file = c.dir + "/log";
  absl::StatusOr<int> port = FreeRedisPort(false);
  ASSERT_TRUE(port.ok()) << port.status();
  c.port = *port;
  c.extra_lines = {"no-such-directive yes"};
  absl::StatusOr<RedisNodeProcess> node =
      StartRedisNode(kRedisServerBinary, "bad", c, {}, absl::Now() + absl::Seconds(20));
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(node.status().message(), "exited during start-up"))
      << node.status();
  // The conf is private: it may name an ACL file.
  struct stat st;
  ASSERT_EQ(stat((c.dir + "/redis.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(FormRedisClusterTest, ThreeNodesFormACluster) {
  std::vector<RedisNodeProcess> nodes;
  std::vector<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(StartNode(absl::StrCat("cluster-", i), true));
    addresses.push_back(nodes.back().address);
  }
  absl::Status formed = FormRedisCluster(addresses, {}, absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(formed.ok()) << formed;
  for (const std::string& a : addresses) EXPECT_TRUE(ProbeRedis(a, {}, true).ok()) << a;
  // Forming again (a reused work directory) only waits.
  EXPECT_TRUE(FormRedisCluster(addresses, {}, absl::Now() + absl::Seconds(30)).ok());
  // Waiting for a fourth node that never joins runs out of time.
  EXPECT_EQ(WaitRedisClusterHealthy(addresses, 4, {}, absl::Now() + absl::Milliseconds(200)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace sct

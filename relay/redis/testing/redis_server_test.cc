#include "relay/redis/testing/redis_server.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace sct::relay::testing {
namespace {

TEST(RedisServerTest, StartsAnswersAndStopsRestartsOnSamePort) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisServer& s = **redis;
  EXPECT_GT(s.port(), 0);
  ASSERT_EQ(*s.Command({"SET", "k", "v"}), "OK");
  EXPECT_EQ(*s.Command({"GET", "k"}), "v");
  const int port = s.port();
  ASSERT_TRUE(s.Stop().ok());
  EXPECT_FALSE(s.running());
  EXPECT_FALSE(s.Command({"PING"}).ok());
  ASSERT_TRUE(s.Restart().ok());
  EXPECT_EQ(s.port(), port);
  EXPECT_EQ(*s.Command({"PING"}), "PONG");
}

TEST(RedisServerTest, AofAlwaysSurvivesSigkill) {
  RedisServerOptions options;
  options.appendonly = true;
  options.appendfsync = "always";
  auto redis = RedisServer::Start(options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  ASSERT_EQ(*(*redis)->Command({"SET", "durable", "yes"}), "OK");
  ASSERT_TRUE((*redis)->Kill().ok());
  ASSERT_TRUE((*redis)->Restart().ok());
  EXPECT_EQ(*(*redis)->Command({"GET", "durable"}), "yes");
}

TEST(RedisClusterTest, ThreeMastersCoverAllSlots) {
  auto cluster = RedisCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ((*cluster)->addresses().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    auto info = (*cluster)->node(i).Command({"CLUSTER", "INFO"});
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(absl::StrContains(*info, "cluster_state:ok"));
    EXPECT_TRUE(absl::StrContains(*info, "cluster_slots_assigned:16384"));
  }
}

}  // namespace
}  // namespace sct::relay::testing

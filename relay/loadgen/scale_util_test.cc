#include "relay/loadgen/scale_util.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sct::relay::loadgen {
namespace {

std::string TmpDir() {
  const char* d = getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

TEST(ScaleUtilTest, RssOfThisProcessGrowsWithTouchedMemory) {
  auto before = ProcessRssBytes(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_GT(*before, 0);
  std::vector<char> block(64 << 20, 1);  // 64 MiB, every page written
  auto after = ProcessRssBytes(getpid());
  ASSERT_TRUE(after.ok());
  EXPECT_GT(*after - *before, 32 << 20);
  EXPECT_EQ(block[12345], 1);
}

TEST(ScaleUtilTest, RssOfMissingProcessIsNotFound) {
  auto r = ProcessRssBytes(0x7ffffff0);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

TEST(ScaleUtilTest, SqliteFilesBytesCountsCompanions) {
  const std::string p = TmpDir() + "/x.sqlite";
  EXPECT_EQ(SqliteFilesBytes(p), 0);
  std::ofstream(p) << std::string(100, 'a');
  std::ofstream(p + "-wal") << std::string(20, 'b');
  EXPECT_EQ(SqliteFilesBytes(p), 120);
}

TEST(ScaleUtilTest, FreeLoopbackPort) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
}

TEST(ScaleUtilTest, RedisStatsAndBenchmarkAgainstARealServer) {
  auto redis = StartRedisServer("/usr/bin/redis-server", TmpDir(), "redis-test");
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto before = QueryRedis({redis->address});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_GT(before->used_memory, 0);
  EXPECT_EQ(before->keys, 0);
  auto rps = RunRedisBenchmark("/usr/bin/redis-benchmark",
                               {"-h", "127.0.0.1", "-p", redis->address.substr(10), "-c", "2",
                                "-n", "200", "-d", "100", "-t", "set,get"});
  ASSERT_TRUE(rps.ok()) << rps.status();
  EXPECT_GT((*rps)["SET"], 0);
  EXPECT_GT((*rps)["GET"], 0);
  auto after = QueryRedis({redis->address});
  ASSERT_TRUE(after.ok());
  std::map<std::string, int64_t> delta = CallsDelta(*before, *after);
  EXPECT_EQ(delta["set"], 200);
  EXPECT_EQ(delta["get"], 200);
  EXPECT_EQ(after->keys, 1);  // without -r every SET writes key:__rand_int__ literally
  // Two nodes' figures add up.
  auto twice = QueryRedis({redis->address, redis->address});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->keys, 2 * after->keys);
}

TEST(ScaleUtilTest, RedisDownIsUnavailable) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  auto r = QueryRedis({"127.0.0.1:" + std::to_string(*port)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sct::relay::loadgen

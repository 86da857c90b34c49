// RedisMailboxStore: the shared conformance suite against one real
// redis-server and against a local 3-master Redis Cluster, plus what only the
// Redis backend promises (slot layout, Redis-side expiry, durability across a
// SIGKILL with appendfsync always, 503-style errors when Redis is down).
#include "relay/redis/redis_store.h"

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "relay/mailbox_store_conformance.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/testing/redis_server.h"

namespace sct::relay {
namespace {

using testing::RedisCluster;
using testing::RedisServer;
using testing::RedisServerOptions;

// One redis-server and one cluster for the whole binary; each store gets its
// own key prefix, so every test starts from an empty store.
class RedisEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto server = RedisServer::Start({});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto cluster = RedisCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  void TearDown() override {
    single_client_.reset();
    cluster_client_.reset();
    server_.reset();   // kills the process
    cluster_.reset();
  }

  static RedisClient* Single() { return Get(false); }
  static RedisClient* Cluster() { return Get(true); }

  static std::string FreshPrefix() {
    static std::atomic<int> n{0};
    return absl::StrCat("t", n.fetch_add(1), ":");
  }

 private:
  static RedisClient* Get(bool cluster) {
    std::unique_ptr<RedisClient>& client = cluster ? cluster_client_ : single_client_;
    if (client == nullptr) {
      RedisClientOptions options;
      options.addresses =
          cluster ? cluster_->addresses() : std::vector<std::string>{server_->address()};
      auto c = ConnectRedis(options);
      if (!c.ok()) return nullptr;
      client = std::move(*c);
    }
    return client.get();
  }

  static std::unique_ptr<RedisServer> server_;
  static std::unique_ptr<RedisCluster> cluster_;
  static std::unique_ptr<RedisClient> single_client_;
  static std::unique_ptr<RedisClient> cluster_client_;
};
std::unique_ptr<RedisServer> RedisEnvironment::server_;
std::unique_ptr<RedisCluster> RedisEnvironment::cluster_;
std::unique_ptr<RedisClient> RedisEnvironment::single_client_;
std::unique_ptr<RedisClient> RedisEnvironment::cluster_client_;

const ::testing::Environment* const kEnv =
    ::testing::AddGlobalTestEnvironment(new RedisEnvironment);

absl::StatusOr<std::unique_ptr<MailboxStore>> MakeStore(RedisClient* client) {
  if (client == nullptr) return absl::UnavailableError("no redis client");
  RedisStoreOptions options;
  options.key_prefix = RedisEnvironment::FreshPrefix();
  return std::make_unique<RedisMailboxStore>(client, options);
}

// The delete log a relay on Redis shares across its replicas.
std::unique_ptr<DeleteLog> MakeDeleteLog(RedisClient* client) {
  return std::make_unique<RedisDeleteLog>(client, absl::Hours(1),
                                          RedisEnvironment::FreshPrefix());
}

INSTANTIATE_TEST_SUITE_P(
    Redis, MailboxStoreConformanceTest,
    ::testing::Values(
        MailboxStoreFactory{"redis_single", [] { return MakeStore(RedisEnvironment::Single()); },
                            [] { return MakeDeleteLog(RedisEnvironment::Single()); }},
        MailboxStoreFactory{"redis_cluster", [] { return MakeStore(RedisEnvironment::Cluster()); },
                            [] { return MakeDeleteLog(RedisEnvironment::Cluster()); }}),
    [](const ::testing::TestParamInfo<MailboxStoreFactory>& info) { return info.param.name; });

std::string Id(int n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

TEST(RedisStoreEncodingTest, RoundTripsAndRejectsGarbage) {
  const absl::Time now = absl::FromUnixNanos(1735689600123456789);
  Mailbox m = MakeTestMailbox(Id(1), now, now + absl::Hours(1));
  m.receiver_token = NotificationToken{"t:y", std::string("\0:1", 3)};
  auto back = DecodeMailbox(EncodeMailbox(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EncodeMailbox(*back), EncodeMailbox(m));
  EXPECT_EQ(back->created_at, now);
  std::string enc = EncodeMailbox(m);
  EXPECT_EQ(DecodeMailbox(enc.substr(0, enc.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeMailbox(enc + "x").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeMailbox("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(RedisStoreLayoutTest, OneMailboxsKeysShareASlotAndShardsSpread) {
  RedisClient* client = RedisEnvironment::Single();
  ASSERT_NE(client, nullptr);
  RedisMailboxStore store(client);
  EXPECT_EQ(store.MailboxKey(Id(7)), absl::StrCat("sct:{", Id(7), "}:m"));
  EXPECT_EQ(RedisKeySlot(store.MailboxKey(Id(7))), RedisKeySlot(Id(7)));
  std::set<int> slots;
  for (int s = 0; s < RedisMailboxStore::kIndexShards; ++s) {
    slots.insert(RedisKeySlot(store.IndexShardKey(s)));
  }
  EXPECT_GT(slots.size(), 8u);
}

TEST(RedisStoreTest, RedisExpiresTheKeysItself) {
  RedisClient* client = RedisEnvironment::Cluster();
  ASSERT_NE(client, nullptr);
  RedisStoreOptions options;
  options.key_prefix = RedisEnvironment::FreshPrefix();
  options.expiry_grace = absl::Seconds(5);
  RedisMailboxStore store(client, options);
  const absl::Time now = absl::Now();
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(1), now, now + absl::Minutes(10)), "ck").ok());
  for (const std::string& key : {store.MailboxKey(Id(1)), store.CreateKey("ck")}) {
    auto pttl = client->Command(key, {"PTTL", key});
    ASSERT_TRUE(pttl.ok()) << pttl.status();
    // Expiry set by Redis: about ten minutes plus the grace, never "no TTL" (-1).
    EXPECT_GT(pttl->integer, absl::ToInt64Milliseconds(absl::Minutes(10)) - 60000) << key;
    EXPECT_LE(pttl->integer, absl::ToInt64Milliseconds(absl::Minutes(10) + absl::Seconds(5)))
        << key;
  }
}

TEST(RedisStoreTest, ConcurrentRepeatsOfOneCreateKeyAgreeOnOneMailbox) {
  RedisClient* client = RedisEnvironment::Cluster();
  ASSERT_NE(client, nullptr);
  auto store = MakeStore(client);
  ASSERT_TRUE(store.ok());
  const absl::Time now = absl::FromUnixSeconds(1735689600);
  constexpr int kThreads = 16;
  std::vector<std::thread> threads;
  std::vector<std::string> answer(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<InsertResult> r =
          (*store)->Insert(MakeTestMailbox(Id(100 + i), now, now + absl::Hours(1)), "same");
      if (!r.ok()) {
        answer[i] = r.status().ToString();
      } else {
        answer[i] = r->created ? Id(100 + i) : r->existing_id;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(answer[i], answer[0]) << i;
  EXPECT_EQ(*(*store)->Count(), 1);
}

TEST(RedisStoreDurabilityTest, AcknowledgedInsertSurvivesSigkillWithAppendfsyncAlways) {
  RedisServerOptions options;
  options.appendonly = true;
  options.appendfsync = "always";
  options.name = "redis-aof";
  auto server = RedisServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  RedisClientOptions client_options;
  client_options.addresses = {(*server)->address()};
  auto client = ConnectRedis(client_options);
  ASSERT_TRUE(client.ok()) << client.status();
  RedisMailboxStore store(client->get());
  const absl::Time now = absl::Now();
  Mailbox m = MakeTestMailbox(Id(1), now, now + absl::Hours(1));
  ASSERT_TRUE(store.Insert(m, "create-key").ok());
  Mailbox next = m;
  next.receiver_claim = "bound";
  next.version = 2;
  ASSERT_TRUE(store.CompareAndSwap(next, 1, now).ok());

  ASSERT_TRUE((*server)->Kill().ok());  // SIGKILL: no clean shutdown
  EXPECT_EQ(store.Get(Id(1), now).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(store.Get(Id(1), now).status()), "store_unavailable");
  EXPECT_EQ(
      ReasonOf(store.Insert(MakeTestMailbox(Id(2), now, now + absl::Hours(1)), "x").status()),
      "store_unavailable");

  ASSERT_TRUE((*server)->Restart().ok());  // same port, same dir: replays the AOF
  auto got = store.Get(Id(1), now);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->receiver_claim, "bound");
  EXPECT_EQ(got->version, 2);
  auto repeat = store.Insert(MakeTestMailbox(Id(3), now, now + absl::Hours(1)), "create-key");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, Id(1));
}

}  // namespace
}  // namespace sct::relay

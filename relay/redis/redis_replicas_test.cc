// Several relay replicas on one Redis (a local 3-master cluster): the shared
// limiters and delete log on their own, then whole MailboxService replicas
// showing that binding, request-id idempotency, rights and the rate limits
// hold across replicas, and that an unreachable Redis means 503.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_store.h"
#include "relay/redis/testing/redis_server.h"

namespace sct::relay {
namespace {

using testing::RedisCluster;
using testing::RedisServer;
using testing::RedisServerOptions;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto cluster = RedisCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  void TearDown() override { cluster_.reset(); }
  static std::vector<std::string> Addresses() { return cluster_->addresses(); }
  static std::string FreshPrefix() {
    static std::atomic<int> n{0};
    return absl::StrCat("r", n.fetch_add(1), ":");
  }

 private:
  static std::unique_ptr<RedisCluster> cluster_;
};
std::unique_ptr<RedisCluster> ClusterEnvironment::cluster_;
const ::testing::Environment* const kEnv =
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

std::unique_ptr<RedisClient> Connect(std::vector<std::string> addresses) {
  RedisClientOptions options;
  options.addresses = std::move(addresses);
  options.command_timeout = absl::Seconds(2);
  auto c = ConnectRedis(options);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(RedisEventLimiterTest, BudgetIsSharedBetweenInstances) {
  auto a_client = Connect(ClusterEnvironment::Addresses());
  auto b_client = Connect(ClusterEnvironment::Addresses());
  ASSERT_TRUE(a_client && b_client);
  const std::string prefix = ClusterEnvironment::FreshPrefix();
  FakeClock clock;
  RedisEventLimiter a(a_client.get(), &clock, "creates", 3, absl::Minutes(1), prefix);
  RedisEventLimiter b(b_client.get(), &clock, "creates", 3, absl::Minutes(1), prefix);
  EXPECT_TRUE(*a.TryAcquire("198.51.100.7"));
  EXPECT_TRUE(*b.TryAcquire("198.51.100.7"));
  EXPECT_FALSE(*a.Exhausted("198.51.100.7"));
  EXPECT_EQ(a.RetryAfter("198.51.100.7"), absl::ZeroDuration());
  EXPECT_TRUE(*a.TryAcquire("198.51.100.7"));
  EXPECT_FALSE(*b.TryAcquire("198.51.100.7"));
  EXPECT_TRUE(*a.Exhausted("198.51.100.7"));
  EXPECT_EQ(b.RetryAfter("198.51.100.7"), absl::Minutes(1));
  clock.Advance(absl::Seconds(45));
  EXPECT_EQ(b.RetryAfter("198.51.100.7"), absl::Seconds(15));
  // Other keys and other limiter names are separate budgets.
  EXPECT_TRUE(*b.TryAcquire("198.51.100.8"));
  RedisEventLimiter other(a_client.get(), &clock, "failed_lookups", 3, absl::Minutes(1), prefix);
  EXPECT_FALSE(*other.Exhausted("198.51.100.7"));
  // Record counts past the budget; the window is set once, on the first event.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(other.Record("x").ok());
  EXPECT_TRUE(*other.Exhausted("x"));
  // Redis collects the counter one window after its window ends.
  const std::string key = other.CounterKey("x");
  auto pttl = a_client->Command(key, {"PTTL", key});
  ASSERT_TRUE(pttl.ok());
  EXPECT_GT(pttl->integer, 60000);
  EXPECT_LE(pttl->integer, 120000);
}

// The window runs on the relay's clock, not Redis's: moving the relay's
// (simulated) clock past the window ends it at once, and a replica whose
// clock lags the one that opened the window still counts in it.
TEST(RedisEventLimiterTest, WindowRunsOnTheRelaysClock) {
  auto client = Connect(ClusterEnvironment::Addresses());
  ASSERT_TRUE(client);
  const std::string prefix = ClusterEnvironment::FreshPrefix();
  FakeClock clock;
  RedisEventLimiter limiter(client.get(), &clock, "failed_lookups", 2, absl::Minutes(1), prefix);
  ASSERT_TRUE(limiter.Record("203.0.113.9").ok());
  ASSERT_TRUE(limiter.Record("203.0.113.9").ok());
  EXPECT_TRUE(*limiter.Exhausted("203.0.113.9"));
  EXPECT_FALSE(*limiter.TryAcquire("203.0.113.9"));

  FakeClock lagging(clock.Now() - absl::Seconds(5));
  RedisEventLimiter behind(client.get(), &lagging, "failed_lookups", 2, absl::Minutes(1), prefix);
  EXPECT_TRUE(*behind.Exhausted("203.0.113.9"));
  EXPECT_FALSE(*behind.TryAcquire("203.0.113.9"));
  EXPECT_EQ(behind.RetryAfter("203.0.113.9"), absl::Minutes(1));  // at most one window

  clock.Advance(absl::Seconds(59));
  EXPECT_TRUE(*limiter.Exhausted("203.0.113.9"));
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(*limiter.Exhausted("203.0.113.9"));
  EXPECT_EQ(limiter.RetryAfter("203.0.113.9"), absl::ZeroDuration());
  EXPECT_TRUE(*limiter.TryAcquire("203.0.113.9"));  // a new window, from now
  EXPECT_TRUE(*limiter.TryAcquire("203.0.113.9"));
  EXPECT_FALSE(*limiter.TryAcquire("203.0.113.9"));
  EXPECT_EQ(limiter.RetryAfter("203.0.113.9"), absl::Minutes(1));
}

// A counter left by an older relay (a bare INCR count) starts a new window
// instead of failing the request.
TEST(RedisEventLimiterTest, ACounterOfAnotherFormatStartsAWindow) {
  auto client = Connect(ClusterEnvironment::Addresses());
  ASSERT_TRUE(client);
  const std::string prefix = ClusterEnvironment::FreshPrefix();
  FakeClock clock;
  RedisEventLimiter limiter(client.get(), &clock, "creates", 1, absl::Minutes(1), prefix);
  const std::string key = limiter.CounterKey("k");
  ASSERT_TRUE(client->Command(key, {"SET", key, "7"}).ok());
  EXPECT_FALSE(*limiter.Exhausted("k"));
  EXPECT_TRUE(*limiter.TryAcquire("k"));
  EXPECT_FALSE(*limiter.TryAcquire("k"));
}

TEST(RedisDeleteLogTest, SharedAndScopedToTheMailbox) {
  auto a_client = Connect(ClusterEnvironment::Addresses());
  auto b_client = Connect(ClusterEnvironment::Addresses());
  ASSERT_TRUE(a_client && b_client);
  const std::string prefix = ClusterEnvironment::FreshPrefix();
  RedisDeleteLog a(a_client.get(), absl::Hours(1), prefix);
  RedisDeleteLog b(b_client.get(), absl::Hours(1), prefix);
  EXPECT_FALSE(*b.Contains("id-1", "k"));
  ASSERT_TRUE(a.Remember("id-1", "k").ok());
  EXPECT_TRUE(*b.Contains("id-1", "k"));
  EXPECT_FALSE(*b.Contains("id-2", "k"));
  EXPECT_EQ(RedisKeySlot(a.LogKey("id-1", "k")),
            RedisKeySlot(RedisMailboxStore(a_client.get()).MailboxKey("id-1")));
}

// One relay replica: its own Redis connections, store, limiters, delete log
// and service; replicas share only Redis.
struct Replica {
  Replica(const std::vector<std::string>& addresses, const std::string& prefix,
          const Clock* clock, RelayLimits limits) {
    client = Connect(addresses);
    RedisStoreOptions store_options;
    store_options.key_prefix = prefix;
    store = std::make_unique<RedisMailboxStore>(client.get(), store_options);
    creates = std::make_unique<RedisEventLimiter>(client.get(), clock, "creates",
                                                  limits.creates_per_window,
                                                  limits.rate_window, prefix);
    lookups = std::make_unique<RedisEventLimiter>(client.get(), clock, "failed_lookups",
                                                  limits.failed_lookups_per_window,
                                                  limits.rate_window, prefix);
    deletes = std::make_unique<RedisDeleteLog>(client.get(), limits.max_ttl, prefix);
    service = std::make_unique<MailboxService>(
        store.get(), clock, nullptr, "https://relay.example", limits,
        SharedRelayState{creates.get(), lookups.get(), deletes.get()});
  }
  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisMailboxStore> store;
  std::unique_ptr<RedisEventLimiter> creates, lookups;
  std::unique_ptr<RedisDeleteLog> deletes;
  std::unique_ptr<MailboxService> service;
};

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(RelayLimits()); }
  void Build(RelayLimits limits) {
    const std::string prefix = ClusterEnvironment::FreshPrefix();
    a_ = std::make_unique<Replica>(ClusterEnvironment::Addresses(), prefix, &clock_, limits);
    b_ = std::make_unique<Replica>(ClusterEnvironment::Addresses(), prefix, &clock_, limits);
    ASSERT_TRUE(a_->client && b_->client);
  }
  CreateMailboxRequest CreateReq(const std::string& request_id, const std::string& rights) {
    CreateMailboxRequest req;
    req.device_claim = sender_;
    req.request_id = request_id;
    req.payload = Payload{kAeadAes128Gcm, std::string(64, 'p')};
    if (!rights.empty()) req.access_rights = rights;  // "" leaves the default
    return req;
  }
  std::string Create(const std::string& rights = "RD") {
    auto r = a_->service->CreateMailbox(ctx_, CreateReq(NewUuidV4(), rights));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->mailbox_id : "";
  }

  FakeClock clock_;
  std::unique_ptr<Replica> a_, b_;
  CallContext ctx_{"203.0.113.9"};
  const std::string sender_ = NewUuidV4();
};

TEST_F(ReplicasTest, RepeatedCreateOnAnotherReplicaAnswersTheSameMailbox) {
  const std::string request_id = NewUuidV4();
  auto first = a_->service->CreateMailbox(ctx_, CreateReq(request_id, "RD"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = b_->service->CreateMailbox(ctx_, CreateReq(request_id, "RD"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(again->mailbox_id, first->mailbox_id);
  EXPECT_EQ(*a_->store->Count(), 1);
}

TEST_F(ReplicasTest, ConcurrentBindingAcrossReplicasHasExactlyOneWinner) {
  const std::string id = Create();
  constexpr int kReaders = 12;
  std::atomic<int> winners{0}, mismatched{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      Replica& r = i % 2 == 0 ? *a_ : *b_;
      auto got = r.service->ReadSecureContent(
          ctx_, ReadSecureContentRequest{id, NewUuidV4(), NewUuidV4(), std::nullopt});
      if (got.ok()) ++winners;
      if (ReasonOf(got.status()) == "claim_mismatch") ++mismatched;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(mismatched.load(), kReaders - 1);
}

TEST_F(ReplicasTest, RequestIdAndRightsHoldAcrossReplicas) {
  const std::string id = Create("RD");  // no W
  const std::string receiver = NewUuidV4();
  const std::string read_id = NewUuidV4();
  ASSERT_TRUE(a_->service
                  ->ReadSecureContent(ctx_, {id, receiver, read_id, std::nullopt})
                  .ok());
  // The same binding read, repeated on the other replica, is recognised.
  auto repeat = b_->service->ReadSecureContent(ctx_, {id, receiver, read_id, std::nullopt});
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_TRUE(repeat->repeated);
  // Rights come from the shared record on either replica.
  auto update = b_->service->UpdateMailbox(
      ctx_, {id, sender_, NewUuidV4(), Payload{kAeadAes128Gcm, std::string(64, 'q')},
             std::nullopt});
  EXPECT_EQ(ReasonOf(update.status()), "access_denied");
  // A delete done by one replica, repeated on the other: "repeated", not 404.
  const std::string delete_id = NewUuidV4();
  auto del = a_->service->DeleteMailbox(ctx_, {id, sender_, delete_id});
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_FALSE(del->repeated);
  auto again = b_->service->DeleteMailbox(ctx_, {id, sender_, delete_id});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
}

TEST_F(ReplicasTest, RateLimitsAreSharedAcrossReplicas) {
  RelayLimits limits;
  limits.creates_per_window = 3;
  limits.failed_lookups_per_window = 4;
  Build(limits);
  ASSERT_TRUE(a_->service->CreateMailbox(ctx_, CreateReq(NewUuidV4(), "")).ok());
  ASSERT_TRUE(b_->service->CreateMailbox(ctx_, CreateReq(NewUuidV4(), "")).ok());
  ASSERT_TRUE(a_->service->CreateMailbox(ctx_, CreateReq(NewUuidV4(), "")).ok());
  auto over = b_->service->CreateMailbox(ctx_, CreateReq(NewUuidV4(), ""));
  EXPECT_EQ(ReasonOf(over.status()), "rate_limited");
  EXPECT_GT(b_->service->RetryAfter(ctx_), absl::ZeroDuration());

  for (int i = 0; i < 4; ++i) {
    Replica& r = i % 2 == 0 ? *a_ : *b_;
    EXPECT_EQ(ReasonOf(r.service->ReadDisplayInformation(ctx_, NewUuidV4()).status()),
              "mailbox_not_found");
  }
  auto limited = a_->service->ReadDisplayInformation(ctx_, NewUuidV4());
  EXPECT_EQ(ReasonOf(limited.status()), "rate_limited");
  EXPECT_EQ(ToHttpStatus(limited.status()), 429);
  // Another address is not affected.
  CallContext other{"203.0.113.10"};
  EXPECT_EQ(ReasonOf(b_->service->ReadDisplayInformation(other, NewUuidV4()).status()),
            "mailbox_not_found");
}

TEST(RedisDownTest, ServiceAnswersStoreUnavailableAndRecovers) {
  RedisServerOptions options;
  options.appendonly = true;
  options.appendfsync = "always";
  auto server = RedisServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  FakeClock clock;
  Replica replica(std::vector<std::string>{(*server)->address()}, "sct:", &clock,
                  RelayLimits());
  ASSERT_NE(replica.client, nullptr);
  CreateMailboxRequest req;
  req.device_claim = NewUuidV4();
  req.request_id = NewUuidV4();
  req.payload = Payload{kAeadAes128Gcm, std::string(64, 'p')};
  auto created = replica.service->CreateMailbox({"192.0.2.5"}, req);
  ASSERT_TRUE(created.ok()) << created.status();

  ASSERT_TRUE((*server)->Kill().ok());
  CreateMailboxRequest req2 = req;
  req2.request_id = NewUuidV4();
  auto down = replica.service->CreateMailbox({"192.0.2.5"}, req2);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(down.status()), "store_unavailable");
  EXPECT_EQ(ToHttpStatus(down.status()), 503);
  auto read_down = replica.service->ReadDisplayInformation({"192.0.2.5"}, created->mailbox_id);
  EXPECT_EQ(ReasonOf(read_down.status()), "store_unavailable");

  ASSERT_TRUE((*server)->Restart().ok());
  // What was acknowledged before the crash is there; new writes work again.
  auto read = replica.service->ReadDisplayInformation({"192.0.2.5"}, created->mailbox_id);
  EXPECT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(replica.service->CreateMailbox({"192.0.2.5"}, req2).ok());
}

}  // namespace
}  // namespace sct::relay

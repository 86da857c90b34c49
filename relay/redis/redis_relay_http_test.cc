// Two relay HTTP front ends (replicas) on one Redis with appendfsync always:
// a mailbox created through one is read through the other; while Redis is
// down both answer 503 store_unavailable with Retry-After; after Redis
// restarts on its data directory everything acknowledged is there.
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service.h"
#include "relay/metrics.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_steps.h"
#include "relay/redis/redis_store.h"
#include "relay/redis/testing/redis_server.h"
#include "relay/relay_http.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

struct HttpReplica {
  explicit HttpReplica(const std::string& address) {
    RedisClientOptions options;
    options.addresses = {address};
    options.command_timeout = absl::Seconds(1);
    auto c = ConnectRedis(options);
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return;
    client = std::move(*c);
    store = std::make_unique<RedisMailboxStore>(client.get());
    RelayLimits limits;
    creates = std::make_unique<RedisEventLimiter>(client.get(), &RealClock::Get(), "creates",
                                                  limits.creates_per_window, limits.rate_window);
    lookups = std::make_unique<RedisEventLimiter>(
        client.get(), &RealClock::Get(), "failed_lookups", limits.failed_lookups_per_window,
        limits.rate_window);
    deletes = std::make_unique<RedisDeleteLog>(client.get(), limits.max_ttl);
    steps = std::make_unique<RedisRelaySteps>(store.get(), creates.get(), lookups.get(),
                                              deletes.get());
    service = std::make_unique<MailboxService>(
        store.get(), &RealClock::Get(), nullptr, "https://relay.example", limits,
        SharedRelayState{creates.get(), lookups.get(), deletes.get(), steps.get()});
    auto http = RelayHttpServer::Start(service.get(), &metrics, RelayHttpOptions{});
    EXPECT_TRUE(http.ok()) << http.status();
    if (http.ok()) server = std::move(*http);
  }
  ~HttpReplica() {
    if (server) server->Stop();
  }
  int port() const { return server->port(); }

  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisMailboxStore> store;
  std::unique_ptr<RedisEventLimiter> creates, lookups;
  std::unique_ptr<RedisDeleteLog> deletes;
  std::unique_ptr<RedisRelaySteps> steps;
  RelayMetrics metrics;
  std::unique_ptr<MailboxService> service;
  std::unique_ptr<RelayHttpServer> server;
};

TEST(RedisRelayHttpTest, ReplicasShareMailboxesAndAnswer503WhileRedisIsDown) {
  testing::RedisServerOptions options;
  options.appendonly = true;
  options.appendfsync = "always";
  auto redis = testing::RedisServer::Start(options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  HttpReplica a((*redis)->address()), b((*redis)->address());
  ASSERT_TRUE(a.server && b.server);
  testing::Client ca(a.port()), cb(b.port());

  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  testing::Answer created = ca.Create(sender, testing::CreateBody());
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = testing::IdFromUrl(created.json["urlLink"]);
  testing::Answer read = cb.Read(id, receiver);
  ASSERT_EQ(read.status, 200) << read.body;

  ASSERT_TRUE((*redis)->Kill().ok());
  for (testing::Client* c : {&ca, &cb}) {
    testing::Answer down = c->Read(id, receiver);
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_EQ(down.error_code(), "store_unavailable");
    EXPECT_EQ(down.header("Retry-After"), "1");
    testing::Answer create_down = c->Create(sender, testing::CreateBody());
    EXPECT_EQ(create_down.status, 503) << create_down.body;
    EXPECT_EQ(create_down.header("Retry-After"), "1");
  }

  ASSERT_TRUE((*redis)->Restart().ok());
  // The binding acknowledged before the crash survived: the receiver reads,
  // another claim is refused.
  EXPECT_EQ(ca.Read(id, receiver).status, 200);
  EXPECT_EQ(cb.Read(id, NewUuidV4()).status, 401);
}

}  // namespace
}  // namespace sct::relay

// Several relay replicas on one Redis (a local 3-master cluster, and a single
// Redis where RedisRelaySteps runs each relay step as one Redis operation):
// the shared limiters and delete log on their own, then whole MailboxService
// replicas showing that binding, request-id idempotency, rights and the rate
// limits hold across replicas, that an unreachable Redis means 503, and how
// many Redis round trips and commands one relay cycle costs.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service.h"
#include "relay/redis/redis_client.h"
#include "relay/redis/redis_limits.h"
#include "relay/redis/redis_steps.h"
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
    auto single = RedisServer::Start(RedisServerOptions{});
    ASSERT_TRUE(single.ok()) << single.status();
    single_ = std::move(*single);
  }
  void TearDown() override {
    cluster_.reset();
    single_.reset();
  }
  static std::vector<std::string> Addresses() { return cluster_->addresses(); }
  static std::vector<std::string> SingleAddress() { return {single_->address()}; }
  static RedisCluster& Cluster() { return *cluster_; }
  static const RedisServer& Single() { return *single_; }
  static std::string FreshPrefix() {
    static std::atomic<int> n{0};
    return absl::StrCat("r", n.fetch_add(1), ":");
  }

 private:
  static std::unique_ptr<RedisCluster> cluster_;
  static std::unique_ptr<RedisServer> single_;
};
std::unique_ptr<RedisCluster> ClusterEnvironment::cluster_;
std::unique_ptr<RedisServer> ClusterEnvironment::single_;
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
  // The counter: window start and count, two int64s (one BITFIELD per event).
  EXPECT_EQ(a_client->Command(key, {"STRLEN", key})->integer, 16);
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
    steps = std::make_unique<RedisRelaySteps>(store.get(), creates.get(), lookups.get(),
                                              deletes.get());
    service = std::make_unique<MailboxService>(
        store.get(), clock, nullptr, "https://relay.example", limits,
        SharedRelayState{creates.get(), lookups.get(), deletes.get(), steps.get()});
  }
  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisMailboxStore> store;
  std::unique_ptr<RedisEventLimiter> creates, lookups;
  std::unique_ptr<RedisDeleteLog> deletes;
  std::unique_ptr<RedisRelaySteps> steps;
  std::unique_ptr<MailboxService> service;
};

// Parameter: true = a single Redis (each relay step one Redis operation),
// false = the cluster (composed steps).
class ReplicasTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Build(RelayLimits()); }
  void Build(RelayLimits limits) {
    const std::string prefix = ClusterEnvironment::FreshPrefix();
    const std::vector<std::string> addresses =
        GetParam() ? ClusterEnvironment::SingleAddress() : ClusterEnvironment::Addresses();
    a_ = std::make_unique<Replica>(addresses, prefix, &clock_, limits);
    b_ = std::make_unique<Replica>(addresses, prefix, &clock_, limits);
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

TEST_P(ReplicasTest, RepeatedCreateOnAnotherReplicaAnswersTheSameMailbox) {
  const std::string request_id = NewUuidV4();
  auto first = a_->service->CreateMailbox(ctx_, CreateReq(request_id, "RD"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = b_->service->CreateMailbox(ctx_, CreateReq(request_id, "RD"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated);
  EXPECT_EQ(again->mailbox_id, first->mailbox_id);
  EXPECT_EQ(*a_->store->Count(), 1);
}

TEST_P(ReplicasTest, ConcurrentBindingAcrossReplicasHasExactlyOneWinner) {
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

TEST_P(ReplicasTest, RequestIdAndRightsHoldAcrossReplicas) {
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
  // The log is keyed by the mailbox: the same request on another id is a
  // failed lookup, not a repeat.
  EXPECT_EQ(ReasonOf(b_->service->DeleteMailbox(ctx_, {NewUuidV4(), sender_, delete_id})
                         .status()),
            "mailbox_not_found");
}

TEST_P(ReplicasTest, RateLimitsAreSharedAcrossReplicas) {
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

  // Successful lookups do not count against the failed-lookups budget.
  auto created = a_->service->CreateMailbox(CallContext{"203.0.113.77"}, CreateReq(NewUuidV4(), ""));
  ASSERT_TRUE(created.ok()) << created.status();
  for (int i = 0; i < 6; ++i) {
    Replica& r = i % 2 == 0 ? *a_ : *b_;
    EXPECT_TRUE(r.service->ReadDisplayInformation(ctx_, created->mailbox_id).ok());
  }
  // A malformed id counts as a failed lookup too.
  EXPECT_EQ(ReasonOf(a_->service->ReadDisplayInformation(ctx_, "not-a-uuid").status()),
            "invalid_field");
  for (int i = 0; i < 3; ++i) {
    Replica& r = i % 2 == 0 ? *a_ : *b_;
    EXPECT_EQ(ReasonOf(r.service->ReadDisplayInformation(ctx_, NewUuidV4()).status()),
              "mailbox_not_found");
  }
  // Exhausted: every lookup is limited, also of a mailbox that exists, of a
  // malformed id, and a delete.
  EXPECT_EQ(ReasonOf(b_->service->ReadDisplayInformation(ctx_, created->mailbox_id).status()),
            "rate_limited");
  EXPECT_EQ(ReasonOf(b_->service->ReadDisplayInformation(ctx_, "not-a-uuid").status()),
            "rate_limited");
  EXPECT_EQ(
      ReasonOf(a_->service->DeleteMailbox(ctx_, {created->mailbox_id, sender_, NewUuidV4()})
                   .status()),
      "rate_limited");
  auto limited = a_->service->ReadDisplayInformation(ctx_, NewUuidV4());
  EXPECT_EQ(ReasonOf(limited.status()), "rate_limited");
  EXPECT_EQ(ToHttpStatus(limited.status()), 429);
  // Another address is not affected.
  CallContext other{"203.0.113.10"};
  EXPECT_EQ(ReasonOf(b_->service->ReadDisplayInformation(other, NewUuidV4()).status()),
            "mailbox_not_found");
}

INSTANTIATE_TEST_SUITE_P(SingleAndCluster, ReplicasTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "single" : "cluster";
                         });

// A RedisClient that counts the round trips (Command and Eval calls) it
// passes on.
class CountingClient : public RedisClient {
 public:
  explicit CountingClient(RedisClient* inner) : inner_(inner) {}
  absl::StatusOr<RedisReply> Command(absl::string_view routing_key,
                                     const std::vector<std::string>& argv) override {
    ++round_trips;
    return inner_->Command(routing_key, argv);
  }
  absl::StatusOr<RedisReply> Eval(const std::string& script,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) override {
    ++round_trips;
    return inner_->Eval(script, keys, args);
  }
  bool cluster() const override { return inner_->cluster(); }
  std::atomic<int> round_trips{0};

 private:
  RedisClient* inner_;
};

// Every command a Redis ran (those inside scripts included), by name, from
// its INFO commandstats text, without the INFO commands themselves and
// without failed calls. A node that has not seen a script yet answers
// EVALSHA with NOSCRIPT (a failed call) and the client sends EVAL: that EVAL
// is counted as the EVALSHA it stands for (a cluster's nodes each load every
// script once; which node holds a cycle's mailbox is random).
void AddCommandStats(absl::string_view info, std::map<std::string, int64_t>* calls) {
  auto field = [](absl::string_view line, absl::string_view name) -> int64_t {
    const size_t at = line.find(name);
    if (at == absl::string_view::npos) return 0;
    const size_t from = at + name.size();
    int64_t n = 0;
    return absl::SimpleAtoi(line.substr(from, line.find(',', from) - from), &n) ? n : 0;
  };
  for (absl::string_view line : absl::StrSplit(info, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "cmdstat_") || absl::StartsWith(line, "info:")) continue;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    if (name == "eval") name = "evalsha";
    (*calls)[name] += field(line, "calls=") - field(line, "failed_calls=");
  }
}

// The same, added up over a single Redis or every node of the cluster.
std::map<std::string, int64_t> RedisCommandsRun(bool cluster) {
  std::map<std::string, int64_t> calls;
  std::vector<const RedisServer*> servers;
  if (cluster) {
    for (int i = 0; i < ClusterEnvironment::Cluster().size(); ++i) {
      servers.push_back(&ClusterEnvironment::Cluster().node(i));
    }
  } else {
    servers.push_back(&ClusterEnvironment::Single());
  }
  for (const RedisServer* server : servers) {
    absl::StatusOr<std::string> info = server->Command({"INFO", "commandstats"});
    EXPECT_TRUE(info.ok()) << info.status();
    if (info.ok()) AddCommandStats(*info, &calls);
  }
  return calls;
}

// Redis round trips and commands Redis ran (by name) of each
// step of the load generator's cycle (relay/loadgen/cycle_client.h): create,
// the receiver's binding read, the receiver's update, the sender's read of
// the reply, the sender's delete; the relay's limiters on, steps chosen as
// RelayStore does (RedisRelaySteps).
struct Step {
  int round_trips;
  int64_t commands;                          // all of them
  std::map<std::string, int64_t> by_name;    // those with calls, by name
};
std::vector<Step> MeasureCycle(const std::vector<std::string>& addresses) {
  FakeClock clock;
  auto direct = Connect(addresses);
  EXPECT_NE(direct, nullptr);
  if (direct == nullptr) return {};
  CountingClient counting(direct.get());
  const std::string prefix = ClusterEnvironment::FreshPrefix();
  const RelayLimits limits;  // both limiters on
  RedisStoreOptions store_options;
  store_options.key_prefix = prefix;
  // The count changes of a cycle are sent with the store's next flush (one
  // HINCRBY per expiry minute per second and relay, whatever the cycles):
  // none inside the measured steps.
  store_options.count_flush_interval = absl::InfiniteDuration();
  RedisMailboxStore store(&counting, store_options);
  RedisEventLimiter creates(&counting, &clock, "creates", limits.creates_per_window,
                            limits.rate_window, prefix);
  RedisEventLimiter lookups(&counting, &clock, "failed_lookups",
                            limits.failed_lookups_per_window, limits.rate_window, prefix);
  RedisDeleteLog deletes(&counting, limits.max_ttl, prefix);
  RedisRelaySteps steps(&store, &creates, &lookups, &deletes);
  MailboxService service(&store, &clock, nullptr, "https://relay.example", limits,
                         SharedRelayState{&creates, &lookups, &deletes, &steps});
  const CallContext ctx{"198.51.100.4"};
  const Payload payload{kAeadAes128Gcm, std::string(1024, 'p')};

  // On a cluster, added up over its nodes.
  auto commands_run = [&]() { return RedisCommandsRun(direct->cluster()); };
  auto cycle = [&](std::vector<Step>* steps_out) {
    const std::string sender = NewUuidV4(), receiver = NewUuidV4();
    auto measure = [&](auto op) {
      const int trips = counting.round_trips.load();
      const std::map<std::string, int64_t> before = commands_run();
      op();
      Step step{counting.round_trips.load() - trips, 0, {}};
      for (const auto& [name, calls] : commands_run()) {
        auto it = before.find(name);
        const int64_t n = calls - (it == before.end() ? 0 : it->second);
        if (n == 0) continue;
        step.by_name[name] = n;
        step.commands += n;
      }
      steps_out->push_back(std::move(step));
    };
    std::string id;
    measure([&] {
      CreateMailboxRequest req;
      req.device_claim = sender;
      req.request_id = NewUuidV4();
      req.payload = payload;
      req.access_rights = "RWD";
      auto r = service.CreateMailbox(ctx, req);
      ASSERT_TRUE(r.ok()) << r.status();
      id = r->mailbox_id;
    });
    measure([&] {
      auto r = service.ReadSecureContent(ctx, {id, receiver, NewUuidV4(), std::nullopt});
      ASSERT_TRUE(r.ok()) << r.status();
    });
    measure([&] {
      auto r = service.UpdateMailbox(ctx, {id, receiver, NewUuidV4(), payload, std::nullopt});
      ASSERT_TRUE(r.ok()) << r.status();
    });
    measure([&] {
      auto r = service.ReadSecureContent(ctx, {id, sender, NewUuidV4(), std::nullopt});
      ASSERT_TRUE(r.ok()) << r.status();
    });
    measure([&] {
      auto r = service.DeleteMailbox(ctx, {id, sender, NewUuidV4()});
      ASSERT_TRUE(r.ok()) << r.status();
    });
  };
  std::vector<Step> warm;
  cycle(&warm);  // loads the scripts (a first EVALSHA answers NOSCRIPT)
  std::vector<Step> measured;
  cycle(&measured);
  return measured;
}

// On a single Redis each relay operation is one Redis round trip, plus the
// CAS (or delete) for those that change a mailbox the relay read first:
// 1 + 2 + 2 + 1 + 2 = 8 (it was 14 with the limiters and the delete log as
// separate commands).
TEST(RelayCycleTest, OneRedisOperationPerRelayStepOnASingleRedis) {
  const std::vector<Step> measured = MeasureCycle(ClusterEnvironment::SingleAddress());
  ASSERT_EQ(measured.size(), 5u);
  const std::vector<int> want_trips = {1, 2, 2, 1, 2};
  int trips = 0;
  int64_t commands = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    EXPECT_EQ(measured[i].round_trips, want_trips[i]) << "step " << i;
    trips += measured[i].round_trips;
    commands += measured[i].commands;
  }
  EXPECT_EQ(trips, 8);
  // Commands Redis runs, inside scripts included (INFO commandstats: EVALSHA
  // counts as one, and so does every redis.call of its script), by name:
  // create 4 (EVALSHA; the limiter's BITFIELD; HSETNX of the create key's
  // entry; SET NX), + HGETALL (and HDELs of dead entries, none here) on one
  // create in 16; read+bind and update 1 MGET + 2 (EVALSHA, SET XX KEEPTTL
  // GET: the CAS); the sender's read 1 MGET; delete 1 MGET + 2 (EVALSHA, SET
  // XX GET of the tombstone that is the delete log's entry). 4 + 3 + 3 + 1 +
  // 3 = 14 (docs/relay_redis.md: the promise each one keeps). Not counted
  // here: the count changes, sent by each relay once per second (one HINCRBY
  // per expiry minute), the sweep's bucket cleaning, and the limiter's SET on
  // a window's first event (the warm-up cycle opened the window). Any
  // command added to a step, or one traded for another, fails this; the
  // scripts before made 6-9/3/3/1/4 (>= 17).
  using Calls = std::map<std::string, int64_t>;
  Calls create = measured[0].by_name;
  const int64_t cleaned = create["hgetall"];
  EXPECT_LE(cleaned, 1);
  create.erase("hgetall");
  EXPECT_EQ(create, (Calls{{"bitfield", 1}, {"evalsha", 1}, {"hsetnx", 1}, {"set", 1}}));
  const Calls cas = {{"evalsha", 1}, {"mget", 1}, {"set", 1}};
  EXPECT_EQ(measured[1].by_name, cas) << "read+bind";
  EXPECT_EQ(measured[2].by_name, cas) << "update";
  EXPECT_EQ(measured[3].by_name, (Calls{{"mget", 1}})) << "the sender's read";
  EXPECT_EQ(measured[4].by_name, cas) << "delete";
  EXPECT_EQ(commands - cleaned, 14);
}

// In a cluster the limiter counters have their own slots: a create is the
// limiter's script, SET NX and the create-key claim (3); a lookup is the
// counter's GET and the mailbox's GET; the delete script writes the delete
// log too (same slot); the counts go with the store's flushes: 3 + 3 + 3 +
// 2 + 3 = 14 (it was 16 with a HINCRBY per create and delete).
TEST(RelayCycleTest, ComposedStepsInACluster) {
  const std::vector<Step> measured = MeasureCycle(ClusterEnvironment::Addresses());
  ASSERT_EQ(measured.size(), 5u);
  const std::vector<int> want_trips = {3, 3, 3, 2, 3};
  for (size_t i = 0; i < measured.size(); ++i) {
    EXPECT_EQ(measured[i].round_trips, want_trips[i]) << "step " << i;
  }
  // Commands, added up over the nodes: create 6 (the limiter's EVALSHA and
  // BITFIELD; SET NX of the mailbox; the create-key claim's EVALSHA, HGET
  // and HSET), + HGETALL on one create in 16; a lookup's first read 2 GETs
  // (counter, mailbox); the CAS and the logged delete EVALSHA + SET. 6 + 4 +
  // 4 + 2 + 4 = 20.
  using Calls = std::map<std::string, int64_t>;
  Calls create = measured[0].by_name;
  const int64_t cleaned = create["hgetall"];
  EXPECT_LE(cleaned, 1);
  create.erase("hgetall");
  EXPECT_EQ(create, (Calls{{"bitfield", 1}, {"evalsha", 2}, {"hget", 1}, {"hset", 1}, {"set", 1}}));
  const Calls cas = {{"evalsha", 1}, {"get", 2}, {"set", 1}};
  EXPECT_EQ(measured[1].by_name, cas) << "read+bind";
  EXPECT_EQ(measured[2].by_name, cas) << "update";
  EXPECT_EQ(measured[3].by_name, (Calls{{"get", 2}})) << "the sender's read";
  EXPECT_EQ(measured[4].by_name, cas) << "delete";
  int64_t commands = 0;
  for (const Step& step : measured) commands += step.commands;
  EXPECT_EQ(commands - cleaned, 20);
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

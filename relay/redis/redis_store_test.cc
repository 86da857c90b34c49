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
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
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
                            [] { return MakeDeleteLog(RedisEnvironment::Single()); },
                            /*sweep_leaves_records=*/true},
        MailboxStoreFactory{"redis_cluster", [] { return MakeStore(RedisEnvironment::Cluster()); },
                            [] { return MakeDeleteLog(RedisEnvironment::Cluster()); },
                            /*sweep_leaves_records=*/true}),
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
  // Expiry set by Redis: about ten minutes plus the grace, never "no TTL" (-1).
  const std::string key = store.MailboxKey(Id(1));
  auto pttl = client->Command(key, {"PTTL", key});
  ASSERT_TRUE(pttl.ok()) << pttl.status();
  EXPECT_GT(pttl->integer, absl::ToInt64Milliseconds(absl::Minutes(10)) - 60000);
  EXPECT_LE(pttl->integer, absl::ToInt64Milliseconds(absl::Minutes(10) + absl::Seconds(5)));
  // The create key's bucket has none (no PTTL/PEXPIRE per insert): inserts
  // and sweeps drop its dead entries (RedisStoreLayoutTest below).
  const std::string bucket = store.CreateKey("ck");
  pttl = client->Command(bucket, {"PTTL", bucket});
  ASSERT_TRUE(pttl.ok()) << pttl.status();
  EXPECT_EQ(pttl->integer, -1);
}

// Buckets without a TTL do not outlive their entries: every SweepExpired
// cleans a slice of the buckets (here all of them), and a bucket whose last
// entry is dropped is gone; a live entry stays and still answers repeats.
TEST(RedisStoreLayoutTest, SweepsDropDeadCreateKeyEntriesOfIdleBuckets) {
  RedisClient* client = RedisEnvironment::Single();
  ASSERT_NE(client, nullptr);
  RedisStoreOptions options;
  options.key_prefix = RedisEnvironment::FreshPrefix();
  options.buckets_cleaned_per_sweep = RedisMailboxStore::kCreateKeyBuckets;
  RedisMailboxStore store(client, options);
  const absl::Time t0 = absl::FromUnixSeconds(1735689600);
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(1), t0, t0 + absl::Minutes(1)), "short").ok());
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(2), t0, t0 + absl::Hours(1)), "long").ok());
  const std::string short_bucket = store.CreateKey("short"), long_bucket = store.CreateKey("long");
  ASSERT_NE(short_bucket, long_bucket);
  auto exists = [&](const std::string& key) {
    return client->Command(key, {"EXISTS", key})->integer;
  };
  ASSERT_TRUE(store.SweepExpired(t0 + absl::Seconds(30), 100).ok());
  EXPECT_EQ(exists(short_bucket), 1);  // not dead yet
  ASSERT_TRUE(store.SweepExpired(t0 + absl::Minutes(2), 100).ok());
  EXPECT_EQ(exists(short_bucket), 0);
  EXPECT_EQ(exists(long_bucket), 1);
  auto repeat = store.Insert(MakeTestMailbox(Id(3), t0, t0 + absl::Hours(1)), "long");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->existing_id, Id(2));
}

// The compact layout: one string per mailbox, create keys packed
// into small hashes kept in Redis's listpack encoding.
TEST(RedisStoreLayoutTest, AMailboxIsOneStringAndCreateKeysArePackedIntoSmallHashes) {
  RedisClient* client = RedisEnvironment::Single();
  ASSERT_NE(client, nullptr);
  RedisStoreOptions options;
  options.key_prefix = RedisEnvironment::FreshPrefix();
  RedisMailboxStore store(client, options);
  const absl::Time now = absl::Now();
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(1), now, now + absl::Hours(1)), "ck").ok());
  auto type = client->Command(store.MailboxKey(Id(1)), {"TYPE", store.MailboxKey(Id(1))});
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->str, "string");
  const std::string bucket = store.CreateKey("ck");
  auto encoding = client->Command(bucket, {"OBJECT", "ENCODING", bucket});
  ASSERT_TRUE(encoding.ok()) << encoding.status();
  EXPECT_EQ(encoding->str, "listpack");
  auto fields = client->Command(bucket, {"HLEN", bucket});
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(fields->integer, 1);
  // The entry: the expiry second (10 digits), '#', the UUID as 16 bytes.
  auto entry = client->Command(bucket, {"HVALS", bucket});
  ASSERT_TRUE(entry.ok()) << entry.status();
  ASSERT_EQ(entry->elements.size(), 1u);
  EXPECT_EQ(entry->elements[0].str.size(), 27u);
  EXPECT_EQ(entry->elements[0].str.substr(0, 11),
            absl::StrCat(absl::ToUnixSeconds(now + absl::Hours(1)) + 1, "#"));
  // An id that is not a lower-case UUID is kept as text, and still found.
  ASSERT_TRUE(store.Insert(MakeTestMailbox("Not-A-UUID", now, now + absl::Hours(1)), "ck2").ok());
  auto repeat = store.Insert(MakeTestMailbox(Id(3), now, now + absl::Hours(1)), "ck2");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->existing_id, "Not-A-UUID");
  auto again = store.Insert(MakeTestMailbox(Id(4), now, now + absl::Hours(1)), "ck");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->existing_id, Id(1));
  // Nothing else of the mailbox's: the mailbox, its bucket, the count shard
  // (a hash of expiry minutes, shared with every mailbox of that shard).
  auto keys = client->Command("", {"KEYS", absl::StrCat(options.key_prefix, "*")});
  ASSERT_TRUE(keys.ok()) << keys.status();
  // (two mailboxes now: theirs, and the count shard and bucket of each)
  EXPECT_LE(keys->elements.size(), 6u);
  EXPECT_GE(keys->elements.size(), 4u);
}

// Count and SweepExpired on Redis (docs/relay_redis.md, "Expiry, sweep and
// Count"): no per-mailbox index; each of 16 shards counts mailboxes by their
// expiry minute, so 1,000 mailboxes expiring within one minute are one hash
// field, Count is exact for inserts and deletes, and a sweep takes a minute
// whole once it is over (oldest first, each counted once by two sweepers).
TEST(RedisStoreCountTest, MailboxesAreCountedByExpiryMinuteWithoutAnIndexEntryEach) {
  for (RedisClient* client : {RedisEnvironment::Single(), RedisEnvironment::Cluster()}) {
    ASSERT_NE(client, nullptr);
    RedisStoreOptions options;
    options.key_prefix = RedisEnvironment::FreshPrefix();
    RedisMailboxStore store(client, options), other_replica(client, options);
    const absl::Time t0 = absl::FromUnixSeconds(1735689600);  // a whole minute
    constexpr int kPerMinute = 200;
    // 200 mailboxes expiring in (t0 + 1 min, t0 + 2 min], 200 in the next.
    for (int i = 0; i < 2 * kPerMinute; ++i) {
      const absl::Time expiry = t0 + absl::Minutes(1 + i / kPerMinute) +
                                absl::Milliseconds(1 + (i % kPerMinute) * 250);
      ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(i), t0, expiry), "").ok());
    }
    EXPECT_EQ(*store.Count(), 2 * kPerMinute);
    int64_t fields = 0;
    for (int shard = 0; shard < RedisMailboxStore::kIndexShards; ++shard) {
      auto n = client->Command(store.IndexShardKey(shard), {"HLEN", store.IndexShardKey(shard)});
      ASSERT_TRUE(n.ok()) << n.status();
      fields += n->integer;
    }
    EXPECT_LE(fields, 2 * RedisMailboxStore::kIndexShards);  // not one per mailbox
    ASSERT_TRUE(store.Delete(Id(0), 1).ok());
    EXPECT_EQ(*store.Count(), 2 * kPerMinute - 1);
    // The first minute is not over at its first mailbox's expiry: nothing
    // is taken; at its end it is taken whole, and only once.
    EXPECT_EQ(*store.SweepExpired(t0 + absl::Minutes(1) + absl::Milliseconds(1), 1000), 0);
    EXPECT_EQ(*store.SweepExpired(t0 + absl::Minutes(2), 1000), kPerMinute - 1);
    EXPECT_EQ(*other_replica.SweepExpired(t0 + absl::Minutes(2), 1000), 0);
    EXPECT_EQ(*store.Count(), kPerMinute);
    EXPECT_EQ(*other_replica.SweepExpired(t0 + absl::Minutes(3), 1000), kPerMinute);
    EXPECT_EQ(*store.Count(), 0);
  }
}

// Commands Redis has run of one name (INFO commandstats), 0 if none.
int64_t CommandCalls(RedisClient* client, absl::string_view name) {
  auto info = client->Command("", {"INFO", "commandstats"});
  if (!info.ok()) return -1;
  const std::string prefix = absl::StrCat("cmdstat_", name, ":calls=");
  for (absl::string_view line : absl::StrSplit(info->str, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    int64_t n = 0;
    line.remove_prefix(prefix.size());
    if (absl::SimpleAtoi(line.substr(0, line.find(',')), &n)) return n;
  }
  return 0;
}

// The count changes are kept by each store (replica) and sent in batches,
// one HINCRBY per expiry minute per flush, not one per insert and delete:
// Count and SweepExpired send the store's own first, a destroyed store sends
// what it kept, and once sent every replica counts them. A create counted in
// one shard and its delete in another add up to nothing (also when swept).
TEST(RedisStoreCountTest, CountChangesAreSentInBatchesAndEveryReplicaSeesThemOnceSent) {
  for (RedisClient* client : {RedisEnvironment::Single(), RedisEnvironment::Cluster()}) {
    ASSERT_NE(client, nullptr);
    RedisStoreOptions options;
    options.key_prefix = RedisEnvironment::FreshPrefix();
    options.count_flush_interval = absl::InfiniteDuration();
    RedisMailboxStore a(client, options), b(client, options), reader(client, options);
    const absl::Time t0 = absl::FromUnixSeconds(1735689600);
    const absl::Time expiry = t0 + absl::Seconds(90);  // all in one minute
    const int64_t hincrby_before = client->cluster() ? 0 : CommandCalls(client, "hincrby");
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(a.Insert(MakeTestMailbox(Id(i), t0, expiry), absl::StrCat("ck", i)).ok());
    }
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.Delete(Id(i), 1).ok());
    ASSERT_TRUE(a.FlushCounts().ok());
    ASSERT_TRUE(b.FlushCounts().ok());
    if (!client->cluster()) {
      // 60 changes, two flushes of one minute each.
      EXPECT_EQ(CommandCalls(client, "hincrby") - hincrby_before, 2);
    }
    EXPECT_EQ(*reader.Count(), 40);
    {
      RedisMailboxStore gone(client, options);
      for (int i = 50; i < 55; ++i) {
        ASSERT_TRUE(gone.Insert(MakeTestMailbox(Id(i), t0, expiry), "").ok());
      }
    }
    EXPECT_EQ(*reader.Count(), 45);
    // A create and its delete flushed by different replicas cancel out.
    ASSERT_TRUE(a.Insert(MakeTestMailbox(Id(60), t0, expiry), "").ok());
    ASSERT_TRUE(b.Delete(Id(60), 1).ok());
    ASSERT_TRUE(b.FlushCounts().ok());
    ASSERT_TRUE(a.FlushCounts().ok());
    EXPECT_EQ(*reader.Count(), 45);
    EXPECT_EQ(*reader.SweepExpired(t0 + absl::Minutes(2), 1000), 45);
    EXPECT_EQ(*reader.Count(), 0);
  }
}

// Create-key entries of expired mailboxes are dropped by later inserts into
// the same bucket (one insert in 16 cleans its bucket), so buckets do not
// grow without bound under steady load.
TEST(RedisStoreLayoutTest, LaterInsertsDropDeadCreateKeyEntriesOfTheirBucket) {
  for (RedisClient* client : {RedisEnvironment::Single(), RedisEnvironment::Cluster()}) {
    ASSERT_NE(client, nullptr);
    RedisStoreOptions options;
    options.key_prefix = RedisEnvironment::FreshPrefix();
    RedisMailboxStore store(client, options);
    // Create keys that share one bucket.
    const std::string bucket = store.CreateKey("k0");
    std::vector<std::string> same = {"k0"};
    for (int i = 1; same.size() < 18; ++i) {
      std::string k = absl::StrCat("k", i);
      if (store.CreateKey(k) == bucket) same.push_back(k);
    }
    const absl::Time t0 = absl::FromUnixSeconds(1735689600);
    ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(1), t0, t0 + absl::Minutes(1)), same[0]).ok());
    // 17 inserts after the first mailbox expired: at least one cleans.
    const absl::Time t1 = t0 + absl::Minutes(2);
    for (size_t i = 1; i < same.size(); ++i) {
      auto r = store.Insert(MakeTestMailbox(Id(100 + i), t1, t1 + absl::Hours(1)), same[i]);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_TRUE(r->created);
    }
    auto fields = client->Command(bucket, {"HLEN", bucket});
    ASSERT_TRUE(fields.ok()) << fields.status();
    EXPECT_EQ(fields->integer, static_cast<int64_t>(same.size()) - 1) << client->cluster();
    // The live ones still answer as repeats.
    auto repeat = store.Insert(MakeTestMailbox(Id(999), t1, t1 + absl::Hours(1)), same[5]);
    ASSERT_TRUE(repeat.ok()) << repeat.status();
    EXPECT_FALSE(repeat->created);
    EXPECT_EQ(repeat->existing_id, Id(105));
  }
}

// Redis work per store operation on one Redis: one script or one
// GET per operation, counted by Redis itself.
TEST(RedisStoreTest, EachOperationIsOneRoundTripOnASingleRedis) {
  RedisClient* client = RedisEnvironment::Single();
  ASSERT_NE(client, nullptr);
  RedisStoreOptions options;
  options.key_prefix = RedisEnvironment::FreshPrefix();
  options.count_flush_interval = absl::InfiniteDuration();  // counts: their own test
  RedisMailboxStore store(client, options);
  auto calls = [&]() -> std::pair<int64_t, int64_t> {  // (all commands, scripts)
    auto info = client->Command("", {"INFO", "commandstats"});
    EXPECT_TRUE(info.ok());
    int64_t all = 0, scripts = 0;
    for (absl::string_view line : absl::StrSplit(info.ok() ? info->str : "", '\n')) {
      if (!absl::StartsWith(line, "cmdstat_") || absl::StartsWith(line, "cmdstat_info:")) continue;
      const size_t at = line.find("calls=");
      int64_t n = 0;
      if (at == absl::string_view::npos ||
          !absl::SimpleAtoi(line.substr(at + 6, line.find(',', at) - at - 6), &n)) {
        continue;
      }
      all += n;
      if (absl::StartsWith(line, "cmdstat_evalsha:")) scripts += n;
    }
    return {all, scripts};
  };
  const absl::Time now = absl::Now();
  Mailbox m = MakeTestMailbox(Id(1), now, now + absl::Hours(1));
  // Warm the script cache (a first EVALSHA answers NOSCRIPT and runs EVAL).
  ASSERT_TRUE(store.Insert(MakeTestMailbox(Id(2), now, now + absl::Hours(1)), "warm").ok());
  Mailbox warm = *store.Get(Id(2), now);
  warm.version = 2;
  ASSERT_TRUE(store.CompareAndSwap(warm, 1, now).ok());
  ASSERT_TRUE(store.Delete(Id(2), 2).ok());

  auto before = calls();
  ASSERT_TRUE(store.Insert(m, "ck").ok());
  auto after_insert = calls();
  ASSERT_TRUE(store.Get(Id(1), now).ok());
  auto after_get = calls();
  Mailbox next = m;
  next.receiver_claim = "bound";
  next.version = 2;
  ASSERT_TRUE(store.CompareAndSwap(next, 1, now).ok());
  auto after_cas = calls();
  ASSERT_TRUE(store.Delete(Id(1), 2).ok());
  auto after_delete = calls();
  // (commands counted include the INFO before each snapshot's own; those are
  // skipped above.) Scripts: one each for insert, CAS and delete; Get none.
  EXPECT_EQ(after_insert.second - before.second, 1);
  EXPECT_EQ(after_get.second - after_insert.second, 0);
  EXPECT_EQ(after_get.first - after_insert.first, 1);  // one GET
  EXPECT_EQ(after_cas.second - after_get.second, 1);
  EXPECT_EQ(after_delete.second - after_cas.second, 1);
  // Inside the scripts: insert HSETNX (the create key's entry) + SET NX
  // (+HGETALL when cleaning); CAS one SET XX GET; delete GETRANGE + DEL. The
  // counts go with the store's flushes (RedisStoreCountTest), the bucket has
  // no TTL to keep. (A count HINCRBY in the scripts and a PTTL of the bucket
  // made it <= 7 / 2 / 4.)
  EXPECT_LE(after_insert.first - before.first, 4);
  EXPECT_EQ(after_cas.first - after_get.first, 2);
  EXPECT_EQ(after_delete.first - after_cas.first, 3);
}

// The CAS and the logged delete write with one SET XX GET and check the value
// it answers: when the check fails, the value is put back as it was (record
// and TTL), so a lost race changes nothing.
TEST(RedisStoreTest, AFailedCompareAndSwapOrDeletePutsTheValueBack) {
  for (RedisClient* client : {RedisEnvironment::Single(), RedisEnvironment::Cluster()}) {
    ASSERT_NE(client, nullptr);
    RedisStoreOptions options;
    options.key_prefix = RedisEnvironment::FreshPrefix();
    RedisMailboxStore store(client, options);
    const absl::Time now = absl::Now();
    const Mailbox m = MakeTestMailbox(Id(1), now, now + absl::Hours(2));
    ASSERT_TRUE(store.Insert(m, "ck").ok());
    const std::string key = store.MailboxKey(Id(1));
    auto raw = [&]() { return client->Command(key, {"GET", key})->str; };
    auto pttl = [&]() { return client->Command(key, {"PTTL", key})->integer; };
    const std::string stored = raw();
    Mailbox next = m;
    next.receiver_claim = "bound";
    next.version = 3;
    next.expires_at = now + absl::Minutes(1);
    EXPECT_EQ(store.CompareAndSwap(next, 2, now).code(), absl::StatusCode::kAborted);
    EXPECT_EQ(raw(), stored);
    // The TTL is the record's still (2 h + 5 s grace), not the new one's.
    EXPECT_GT(pttl(), absl::ToInt64Milliseconds(absl::Hours(2) - absl::Minutes(1)));
    EXPECT_LE(pttl(), absl::ToInt64Milliseconds(absl::Hours(2) + absl::Seconds(5)));
    // Expired at the caller's now: not found, and left as it was.
    next.version = 2;
    EXPECT_EQ(store.CompareAndSwap(next, 1, now + absl::Hours(3)).code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(raw(), stored);
    EXPECT_GT(pttl(), absl::ToInt64Milliseconds(absl::Hours(2) - absl::Minutes(1)));
    EXPECT_EQ(store.DeleteAndLog(Id(1), 7, "req", 600000).code(), absl::StatusCode::kAborted);
    EXPECT_EQ(raw(), stored);
    EXPECT_GT(pttl(), absl::ToInt64Milliseconds(absl::Minutes(9)));
    // An absent mailbox is not created by either.
    Mailbox absent = MakeTestMailbox(Id(2), now, now + absl::Hours(1));
    absent.version = 2;
    EXPECT_EQ(store.CompareAndSwap(absent, 1, now).code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(store.DeleteAndLog(Id(2), 1, "req", 600000).code(), absl::StatusCode::kNotFound);
    const std::string absent_key = store.MailboxKey(Id(2));
    EXPECT_EQ(client->Command(absent_key, {"EXISTS", absent_key})->integer, 0);
    // The right version still wins.
    ASSERT_TRUE(store.CompareAndSwap(next, 1, now).ok());
    EXPECT_EQ(store.Get(Id(1), now)->receiver_claim, "bound");
  }
}

// A logged delete leaves the mailbox's tombstone in its key (the delete log's
// entry: no other key, no other command): it reads as gone to every
// operation, is not counted, keeps the log's TTL when a CAS or delete races
// it, and names the request that deleted.
TEST(RedisStoreTest, ALoggedDeleteLeavesATombstoneThatReadsAsGone) {
  for (RedisClient* client : {RedisEnvironment::Single(), RedisEnvironment::Cluster()}) {
    ASSERT_NE(client, nullptr);
    RedisStoreOptions options;
    options.key_prefix = RedisEnvironment::FreshPrefix();
    RedisMailboxStore store(client, options);
    RedisDeleteLog log(client, absl::Minutes(10), options.key_prefix);
    const absl::Time now = absl::Now();
    const Mailbox m = MakeTestMailbox(Id(1), now, now + absl::Hours(1));
    ASSERT_TRUE(store.Insert(m, "ck").ok());
    EXPECT_EQ(*store.Count(), 1);
    ASSERT_TRUE(store.DeleteAndLog(Id(1), 1, "sender-req", log.ttl_ms()).ok());
    EXPECT_EQ(*store.Count(), 0);
    EXPECT_EQ(store.Get(Id(1), now).status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(*log.Contains(Id(1), "sender-req"));
    EXPECT_FALSE(*log.Contains(Id(1), "other-req"));
    EXPECT_FALSE(*log.Contains(Id(2), "sender-req"));
    const std::string key = store.MailboxKey(Id(1));
    auto pttl = [&]() { return client->Command(key, {"PTTL", key})->integer; };
    EXPECT_GT(pttl(), absl::ToInt64Milliseconds(absl::Minutes(9)));
    // Racing a CAS or another delete of the same version: not found, the
    // tombstone and its TTL stay, nothing is counted twice.
    Mailbox next = m;
    next.version = 2;
    EXPECT_EQ(store.CompareAndSwap(next, 1, now).code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(store.DeleteAndLog(Id(1), 1, "late-req", log.ttl_ms()).code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store.Delete(Id(1), 1).code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(*log.Contains(Id(1), "sender-req"));
    EXPECT_FALSE(*log.Contains(Id(1), "late-req"));
    EXPECT_GT(pttl(), absl::ToInt64Milliseconds(absl::Minutes(9)));
    EXPECT_EQ(*store.Count(), 0);
    // A repeated create of the deleted mailbox's create key makes a new one.
    auto again = store.Insert(MakeTestMailbox(Id(3), now, now + absl::Hours(1)), "ck");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->existing_id.empty());
    // The only key the delete left: the tombstone (no separate log entry).
    auto keys = client->Command(key, {"EXISTS", log.LogKey(Id(1), "sender-req")});
    EXPECT_EQ(keys->integer, 0);
  }
}

// Entries of the separate delete log older relays wrote are still found.
TEST(RedisStoreTest, TheDeleteLogFindsEntriesOfOlderRelays) {
  RedisClient* client = RedisEnvironment::Single();
  ASSERT_NE(client, nullptr);
  RedisDeleteLog log(client, absl::Minutes(10), RedisEnvironment::FreshPrefix());
  const std::string old_entry = log.LogKey(Id(5), "req");
  ASSERT_TRUE(client->Command(old_entry, {"SET", old_entry, "1", "PX", "60000"}).ok());
  EXPECT_TRUE(*log.Contains(Id(5), "req"));
  EXPECT_FALSE(*log.Contains(Id(5), "other"));
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

// MailboxService: the per-address rate limits and the binding race (exactly
// one of many racing readers binds, on every store).
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service_test_fixture.h"
#include "relay/sqlite_mailbox_store.h"

namespace sct::relay {
namespace {

// ------------------------------------------------------------- rate limits

TEST_F(MailboxServiceTest, CreateRateLimitTripsAndResetsAfterTheWindow) {
  RelayLimits limits;
  limits.creates_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  Rebuild(limits);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(service_->CreateMailbox(ctx_, CreateReq(sender_)).ok());
  clock_.Advance(absl::Seconds(20));
  auto r = service_->CreateMailbox(ctx_, CreateReq(sender_));
  ExpectError(r.status(), absl::StatusCode::kResourceExhausted, "rate_limited");
  EXPECT_EQ(service_->RetryAfter(ctx_), absl::Seconds(40));
  EXPECT_EQ(service_->stats().rate_limited, 1);
  // Another address is unaffected.
  CallContext other{"198.51.100.7"};
  EXPECT_TRUE(service_->CreateMailbox(other, CreateReq(sender_)).ok());
  EXPECT_EQ(service_->RetryAfter(other), absl::ZeroDuration());
  clock_.Advance(absl::Seconds(40));
  EXPECT_EQ(service_->RetryAfter(ctx_), absl::ZeroDuration());
  EXPECT_TRUE(service_->CreateMailbox(ctx_, CreateReq(sender_)).ok());
}

TEST_F(MailboxServiceTest, FailedLookupsLockTheAddressOutUntilTheWindowPasses) {
  RelayLimits limits;
  limits.failed_lookups_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  Rebuild(limits);
  const std::string id = Create();
  CallContext guesser{"203.0.113.9"};
  ExpectError(service_->ReadDisplayInformation(guesser, Uuid()).status(),
              absl::StatusCode::kNotFound, "mailbox_not_found");
  ExpectError(Read(Uuid(), receiver_, Uuid(), &guesser).status(), absl::StatusCode::kNotFound,
              "mailbox_not_found");
  // A malformed id counts too.
  ExpectError(service_->ReadDisplayInformation(guesser, "guess").status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  clock_.Advance(absl::Seconds(15));
  // Now every lookup from that address is refused, even of a real mailbox.
  ExpectError(service_->ReadDisplayInformation(guesser, id).status(),
              absl::StatusCode::kResourceExhausted, "rate_limited");
  ExpectError(Read(id, receiver_, Uuid(), &guesser).status(), absl::StatusCode::kResourceExhausted,
              "rate_limited");
  EXPECT_EQ(service_->RetryAfter(guesser), absl::Seconds(45));
  EXPECT_TRUE(Stored(id).receiver_claim.empty());
  // Other addresses are unaffected.
  EXPECT_TRUE(service_->ReadDisplayInformation(ctx_, id).ok());
  clock_.Advance(absl::Seconds(45));
  EXPECT_EQ(service_->RetryAfter(guesser), absl::ZeroDuration());
  EXPECT_TRUE(service_->ReadDisplayInformation(guesser, id).ok());
}

TEST_F(MailboxServiceTest, SuccessfulLookupsDoNotCountTowardsTheLimit) {
  RelayLimits limits;
  limits.failed_lookups_per_window = 2;
  Rebuild(limits);
  const std::string id = Create();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(service_->ReadDisplayInformation(ctx_, id).ok());
}

// ------------------------------------------------------------ store errors

// A store whose every call fails with a message naming an internal path.
class BrokenStore : public MailboxStore {
 public:
  static absl::Status Broken() {
    return absl::UnavailableError("sqlite /srv/secret-dir/relay.db: disk I/O error");
  }
  absl::StatusOr<InsertResult> Insert(const Mailbox&, absl::string_view) override {
    return Broken();
  }
  absl::StatusOr<Mailbox> Get(absl::string_view, absl::Time) override { return Broken(); }
  absl::Status CompareAndSwap(const Mailbox&, int64_t, absl::Time) override { return Broken(); }
  absl::Status Delete(absl::string_view, int64_t) override { return Broken(); }
  absl::StatusOr<int64_t> SweepExpired(absl::Time, int64_t) override { return Broken(); }
  absl::StatusOr<int64_t> Count() override { return Broken(); }
};

TEST_F(MailboxServiceTest, StoreErrorsKeepInternalDetailsOutOfTheAnswer) {
  BrokenStore broken;
  MailboxService service(&broken, &clock_, &push_, kBaseUrl, RelayLimits());
  const std::vector<absl::Status> answers = {
      service.CreateMailbox(ctx_, CreateReq(sender_)).status(),
      service.ReadDisplayInformation(ctx_, Uuid()).status(),
      service.DeleteMailbox(ctx_, DeleteMailboxRequest{Uuid(), sender_, Uuid()}).status(),
  };
  for (const absl::Status& s : answers) {
    ExpectError(s, absl::StatusCode::kUnavailable, "store_unavailable");
    EXPECT_FALSE(absl::StrContains(s.message(), "secret-dir")) << s;
    EXPECT_FALSE(absl::StrContains(s.message(), "sqlite")) << s;
  }
}

// ------------------------------------------------------------ binding race

// Delegates to a real store, but holds the first `n` Gets until all `n` have
// read: every racing reader then holds the same unbound version, so only the
// store's CompareAndSwap can decide the race (without the barrier the first
// thread usually finishes before the others start, and the test could not
// catch a CAS that ignores the version).
class GetBarrierStore : public MailboxStore {
 public:
  GetBarrierStore(MailboxStore* base, int n) : base_(base), n_(n) {}
  absl::StatusOr<InsertResult> Insert(const Mailbox& m, absl::string_view key) override {
    return base_->Insert(m, key);
  }
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override {
    auto result = base_->Get(id, now);
    absl::MutexLock lock(&mu_);
    if (arrived_ < n_) {
      ++arrived_;
      mu_.Await(absl::Condition(
          +[](GetBarrierStore* self) { return self->arrived_ >= self->n_; }, this));
    }
    return result;
  }
  absl::Status CompareAndSwap(const Mailbox& m, int64_t v, absl::Time now) override {
    return base_->CompareAndSwap(m, v, now);
  }
  absl::Status Delete(absl::string_view id, int64_t v) override { return base_->Delete(id, v); }
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override {
    return base_->SweepExpired(now, limit);
  }
  absl::StatusOr<int64_t> Count() override { return base_->Count(); }

 private:
  MailboxStore* const base_;
  const int n_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

class BindingRaceTest : public testing::TestWithParam<std::string> {};

TEST_P(BindingRaceTest, ExactlyOneOfManyRacingReadersBinds) {
  FakeClock clock;
  std::unique_ptr<MailboxStore> store;
  if (GetParam() == "memory") {
    store = std::make_unique<MemoryMailboxStore>();
  } else {
    const char* dir = getenv("TEST_TMPDIR");
    auto s = SqliteMailboxStore::Open(
        absl::StrCat(dir != nullptr ? dir : "/tmp", "/race-", getpid(), ".db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store = std::move(s).value();
  }
  constexpr int kReaders = 32;
  GetBarrierStore barrier(store.get(), kReaders);
  FakePushNotifier push;
  MailboxService service(&barrier, &clock, &push, kBaseUrl, RelayLimits());
  const CallContext ctx{"127.0.0.1"};
  CreateMailboxRequest create;
  create.device_claim = Uuid();
  create.request_id = Uuid();
  create.payload = MakePayload();
  auto created = service.CreateMailbox(ctx, create);
  ASSERT_TRUE(created.ok()) << created.status();

  std::vector<std::string> claims;
  for (int i = 0; i < kReaders; ++i) claims.push_back(Uuid());
  std::vector<absl::Status> results(kReaders);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] =
          service
              .ReadSecureContent(ctx, ReadSecureContentRequest{created->mailbox_id, claims[i],
                                                               Uuid(), std::nullopt})
              .status();
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  int winners = 0;
  std::string winner;
  for (int i = 0; i < kReaders; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner = claims[i];
    } else {
      ExpectError(results[i], absl::StatusCode::kUnauthenticated, "claim_mismatch");
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(service.stats().bind_conflicts, kReaders - 1);
  auto stored = store->Get(created->mailbox_id, clock.Now());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->receiver_claim, winner);
  EXPECT_EQ(stored->version, 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, BindingRaceTest, testing::Values("memory", "sqlite"));

}  // namespace
}  // namespace sct::relay

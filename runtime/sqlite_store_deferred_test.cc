// SqliteStore inside a DeferredDurability scope (runtime/deferred_durability.h):
// a write returns at its COMMIT, and its answer waits for the sync.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "runtime/deferred_durability.h"
#include "runtime/sqlite_store.h"
#include "runtime/sqlite_store_test_kv.h"

namespace sct {
namespace {

using sqlite_store_test::CountRows;
using sqlite_store_test::ExpectEveryWriteAfterReopen;
using sqlite_store_test::Get;
using sqlite_store_test::OpenStore;
using sqlite_store_test::Put;
using sqlite_store_test::TempPath;

// A sync hook that, once armed, holds the first sync it sees on a thread
// other than `writer`'s until released, and notes a sync run on `writer`'s
// own thread (what a write that waits for its sync does) without holding it.
class SyncProbe {
 public:
  explicit SyncProbe(std::thread::id writer) : writer_(writer) {}
  std::function<absl::Status()> Hook() {
    return [this]() -> absl::Status {
      if (!armed_.load()) return absl::OkStatus();
      if (std::this_thread::get_id() == writer_) {
        on_writer_.store(true);
        return absl::OkStatus();
      }
      if (held_.exchange(true)) return absl::OkStatus();
      entered.Notify();
      release.WaitForNotification();
      return result;
    };
  }
  void Arm() { armed_.store(true); }
  bool synced_on_writer() const { return on_writer_.load(); }

  absl::Notification entered, release;
  absl::Status result;  // what the held sync answers (set before Arm)

 private:
  const std::thread::id writer_;
  std::atomic<bool> armed_{false}, on_writer_{false}, held_{false};
};

TEST(SqliteStoreDeferredTest, AWriteReturnsAtItsCommitAndIsAnsweredWhenItsSyncEnds) {
  SyncProbe probe(std::this_thread::get_id());
  SqliteStoreOptions options;
  options.sync_for_testing = probe.Hook();
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("deferred"), std::move(options));
  ASSERT_NE(store, nullptr);
  probe.Arm();
  DeferredDurability scope;
  ASSERT_TRUE(Put(*store, "a", "1").ok());
  // The writer's thread did not sync: a sync thread of the store does.
  ASSERT_FALSE(probe.synced_on_writer());
  EXPECT_TRUE(scope.pending());
  EXPECT_EQ(store->deferred_writes(), 1);
  probe.entered.WaitForNotification();
  // While the sync is held: the write is committed (reads see it), not
  // answered.
  EXPECT_EQ(Get(*store, "a"), "1");
  absl::Status answer = absl::UnknownError("not answered");
  absl::Notification answered;
  scope.Then([&](absl::Status s) {
    answer = std::move(s);
    answered.Notify();
  });
  EXPECT_FALSE(answered.HasBeenNotified());
  probe.release.Notify();
  answered.WaitForNotification();
  EXPECT_TRUE(answer.ok()) << answer;
}

TEST(SqliteStoreDeferredTest, AFailedSyncAnswersTheDeferredWriteWithItsError) {
  SyncProbe probe(std::this_thread::get_id());
  probe.result = absl::InternalError("disk gone");
  SqliteStoreOptions options;
  options.sync_for_testing = probe.Hook();
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("deferred-fail"), std::move(options));
  ASSERT_NE(store, nullptr);
  probe.Arm();
  absl::Status answer;
  absl::Notification answered;
  {
    DeferredDurability scope;
    ASSERT_TRUE(Put(*store, "a", "1").ok());  // committed
    ASSERT_FALSE(probe.synced_on_writer());
    scope.Then([&](absl::Status s) {
      answer = std::move(s);
      answered.Notify();
    });
  }
  probe.release.Notify();
  answered.WaitForNotification();
  EXPECT_EQ(answer.code(), absl::StatusCode::kUnavailable) << answer;
  // Sticky: later writes fail at once.
  DeferredDurability scope;
  EXPECT_EQ(Put(*store, "b", "2").code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(scope.pending());
  scope.Then([](absl::Status) {});
}

TEST(SqliteStoreDeferredTest, ConcurrentDeferredWritersAllAnsweredAllPresentAfterReopen) {
  const std::string path = TempPath("deferred-many");
  constexpr int kThreads = 16;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    absl::BlockingCounter answered(kThreads * kPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          DeferredDurability scope;
          if (!Put(*store, absl::StrCat(t, "/", i), absl::StrCat("v", t, "/", i)).ok()) {
            ++failures;
          }
          scope.Then([&](absl::Status s) {
            if (!s.ok()) ++failures;
            answered.DecrementCount();
          });
        }
      });
    }
    for (std::thread& t : threads) t.join();
    answered.Wait();
    EXPECT_EQ(store->deferred_writes(), kThreads * kPerThread);
  }
  EXPECT_EQ(failures.load(), 0);
  ExpectEveryWriteAfterReopen(path, kThreads, kPerThread);
}

TEST(SqliteStoreDeferredTest, WithoutASyncAWriteInAScopeRecordsNothing) {
  SqliteStoreOptions options;
  options.unsafe_no_fsync = true;
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("deferred-nosync"), std::move(options));
  ASSERT_NE(store, nullptr);
  DeferredDurability scope;
  ASSERT_TRUE(Put(*store, "a", "1").ok());
  EXPECT_FALSE(scope.pending());
  bool answered = false;
  scope.Then([&](absl::Status s) { answered = s.ok(); });
  EXPECT_TRUE(answered);  // inline
}

}  // namespace
}  // namespace sct

#include "runtime/sqlite_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "common/testing/acked_writes.h"
#include "gtest/gtest.h"
#include "runtime/sqlite_store_test_kv.h"

namespace sct {
namespace {

using sqlite_store_test::HeldSyncs;
using sqlite_store_test::TempPath;
using sqlite_store_test::OpenStore;
using sqlite_store_test::Put;
using sqlite_store_test::PutCounting;
using sqlite_store_test::Get;
using sqlite_store_test::CountRows;
using sqlite_store_test::ExpectEveryWriteAfterReopen;

TEST(SqliteStoreTest, ConcurrentWritersAllAcknowledgedAllPresentAfterReopen) {
  const std::string path = TempPath("concurrent");
  constexpr int kThreads = 32;
  constexpr int kPerThread = 20;
  std::atomic<int> failures{0};
  int64_t syncs = 0;
  int64_t commits = 0;
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    const int64_t commits_before = store->commits();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          if (!Put(*store, absl::StrCat(t, "/", i), absl::StrCat("v", t, "/", i)).ok()) {
            ++failures;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    syncs = store->syncs();
    commits = store->commits() - commits_before;
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(commits, kThreads * kPerThread);  // every write committed
  EXPECT_LE(syncs, commits + 1);              // (+1: the schema's)
  ExpectEveryWriteAfterReopen(path, kThreads, kPerThread);
}

// Writers that commit while the syncs run are acknowledged by one later
// sync, not one each: the first two syncs (kMaxSyncsInFlight) are held until
// every writer has committed, then exactly one more covers the rest.
TEST(SqliteStoreTest, WritersCommittingDuringSyncsShareTheNextOne) {
  static_assert(SqliteStore::kMaxSyncsInFlight == 2, "the test holds two syncs");
  constexpr int kWriters = 8;
  HeldSyncs syncs;
  SqliteStoreOptions options;
  options.sync_for_testing = syncs.Hook();
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("share"), std::move(options));
  ASSERT_NE(store, nullptr);
  syncs.Arm();
  std::thread first([&] { EXPECT_TRUE(Put(*store, "first", "1").ok()); });
  syncs.entered[0].WaitForNotification();
  std::atomic<int> ran{0};
  std::vector<std::thread> others;
  for (int i = 0; i < kWriters; ++i) {
    others.emplace_back(
        [&, i] { EXPECT_TRUE(PutCounting(*store, absl::StrCat("k", i), "v", &ran).ok()); });
  }
  // The first of them to commit starts the second sync; all of them run
  // (committed, or in the batch left open for the end of a sync) before the
  // two are released.
  syncs.entered[1].WaitForNotification();
  while (ran.load() < kWriters || store->queued_writers() > 0) std::this_thread::yield();
  syncs.ReleaseBoth();
  first.join();
  for (std::thread& t : others) t.join();
  // The two held syncs, plus one for every writer whose commit came after
  // the second sync began: one more at most (two when the writers all joined
  // the batch the second sync covers), never one per writer.
  EXPECT_GE(syncs.calls(), 2);
  EXPECT_LE(syncs.calls(), 3);
  EXPECT_EQ(CountRows(*store), kWriters + 1);
}

// A writer waiting for a sync sleeps once: the end of a sync that does not
// cover it does not wake it (before, every sync's end woke every waiter,
// and those still not covered went back to sleep: two or more sleeps each
// with two syncs in flight). The first sync is released alone while the
// second, which covers the writers that committed before it began, is held.
TEST(SqliteStoreTest, WaitingWritersSleepOnceWhileSyncsRun) {
  static_assert(SqliteStore::kMaxSyncsInFlight == 2, "the test holds two syncs");
  constexpr int kWriters = 8;
  HeldSyncs syncs;
  SqliteStoreOptions options;
  options.sync_for_testing = syncs.Hook();
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("sleep-once"), std::move(options));
  ASSERT_NE(store, nullptr);
  syncs.Arm();
  const int64_t waits_before = store->waits();
  std::thread first([&] { EXPECT_TRUE(Put(*store, "first", "1").ok()); });
  syncs.entered[0].WaitForNotification();
  std::atomic<int> ran{0};
  std::vector<std::thread> others;
  for (int i = 0; i < kWriters; ++i) {
    others.emplace_back(
        [&, i] { EXPECT_TRUE(PutCounting(*store, absl::StrCat("k", i), "v", &ran).ok()); });
  }
  // The first of them to commit runs the second sync; the other seven sleep.
  syncs.entered[1].WaitForNotification();
  while (ran.load() < kWriters || store->waits() < waits_before + kWriters - 1) {
    std::this_thread::yield();
  }
  syncs.release[0].Notify();
  first.join();
  syncs.release[1].Notify();
  for (std::thread& t : others) t.join();
  EXPECT_EQ(store->waits() - waits_before, kWriters - 1);
  EXPECT_LE(syncs.calls(), 3);
  EXPECT_EQ(CountRows(*store), kWriters + 1);
}

// A change that fails (a compare-and-swap that lost) may rest on a write
// whose sync is still running: its Write returns only after that sync, so a
// caller that reads again (through the read connection) and retries finds
// the state its change saw, durable. Before, it returned at once, and the
// relay's CAS loop spun on a version it could not read yet.
TEST(SqliteStoreTest, AFailedChangeReturnsOnlyOnceWhatItReadIsDurable) {
  absl::Notification sync_entered;
  absl::Notification release_sync;
  absl::Notification b_ran;
  std::atomic<bool> armed{false};
  absl::Mutex log_mu;
  std::vector<std::string> log;
  auto note = [&](const std::string& event) {
    absl::MutexLock lock(&log_mu);
    log.push_back(event);
  };
  SqliteStoreOptions options;
  options.sync_for_testing = [&]() -> absl::Status {
    if (armed.load() && !sync_entered.HasBeenNotified()) {
      sync_entered.Notify();
      release_sync.WaitForNotification();
      note("synced");
    }
    return absl::OkStatus();
  };
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("failed-waits"), std::move(options));
  ASSERT_NE(store, nullptr);
  armed.store(true);
  std::thread a([&] { EXPECT_TRUE(Put(*store, "v", "1").ok()); });
  sync_entered.WaitForNotification();  // A's write is committed; its sync is held
  std::thread b([&] {
    absl::Status s = store->Write([&](SqliteDb&) -> absl::StatusOr<SqliteCommit> {
      b_ran.Notify();
      return absl::AbortedError("the version moved");
    });
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
    note("b returned");
    EXPECT_EQ(Get(*store, "v"), "1");
  });
  b_ran.WaitForNotification();
  release_sync.Notify();
  a.join();
  b.join();
  absl::MutexLock lock(&log_mu);
  EXPECT_EQ(log, (std::vector<std::string>{"synced", "b returned"}));
}

TEST(SqliteStoreTest, AFailedSyncIsNotAcknowledgedAndStopsLaterWrites) {
  std::atomic<bool> fail{false};
  SqliteStoreOptions options;
  options.sync_for_testing = [&]() -> absl::Status {
    if (fail.load()) return absl::InternalError("injected I/O error");
    return absl::OkStatus();
  };
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("failsync"), std::move(options));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Put(*store, "a", "1").ok());
  fail.store(true);
  absl::Status s = Put(*store, "b", "2");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(ReasonOf(s), "store_unavailable");
  EXPECT_NE(s.message().find("injected I/O error"), absl::string_view::npos) << s;
  // Sticky: the kernel may have dropped the pages it could not write, so a
  // later sync proves nothing.
  fail.store(false);
  EXPECT_EQ(Put(*store, "c", "3").code(), absl::StatusCode::kUnavailable);
}

TEST(SqliteStoreTest, AFailedChangeIsRolledBackAndNotAcknowledged) {
  const std::string path = TempPath("failchange");
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Put(*store, "a", "1").ok());
    // The change writes one row and then fails: none of it stays.
    absl::Status s = store->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
      if (absl::Status e = db.Exec("INSERT INTO kv (k, v) VALUES ('half', 'x')"); !e.ok()) return e;
      return absl::AbortedError("changed my mind");
    });
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
    // A constraint violation from SQLite is an error too.
    EXPECT_FALSE(Put(*store, "a", "again").ok());
    // kRollback drops the writes and answers OK.
    EXPECT_TRUE(store
                    ->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
                      if (absl::Status e = db.Exec("INSERT INTO kv (k, v) VALUES ('dropped', 'x')");
                          !e.ok()) {
                        return e;
                      }
                      return SqliteCommit::kRollback;
                    })
                    .ok());
    // And the store is not left inside a transaction.
    EXPECT_TRUE(Put(*store, "b", "2").ok());
  }
  std::unique_ptr<SqliteStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountRows(*store), 2);
  EXPECT_EQ(Get(*store, "a"), "1");
  EXPECT_EQ(Get(*store, "half"), "");
  EXPECT_EQ(Get(*store, "dropped"), "");
}

TEST(SqliteStoreTest, AcknowledgedWritesSurviveKill9) {
  const std::string path = TempPath("kill9");
  { ASSERT_NE(OpenStore(path), nullptr); }  // schema first
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
    if (!store.ok()) _exit(2);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          const std::string key = absl::StrCat(t, "/", i);
          if (!Put(**store, key, "v").ok()) _exit(3);
          const std::string line = key + "\n";  // < PIPE_BUF: written atomically
          if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _exit(4);
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    _exit(0);
  }
  close(fds[1]);
  const std::vector<std::string> acked = sct::CollectAcksAndKill(child, fds[0], 500);
  ASSERT_FALSE(HasFailure());
  ASSERT_GE(acked.size(), 500u);
  std::unique_ptr<SqliteStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_GE(CountRows(*store), static_cast<int64_t>(acked.size()));
  for (const std::string& key : acked) EXPECT_EQ(Get(*store, key), "v") << key << " lost";
}

TEST(SqliteStoreTest, InMemoryStoreReadsItsOwnWrites) {
  std::unique_ptr<SqliteStore> store = OpenStore(":memory:");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(Put(*store, "a", "1").ok());
  EXPECT_EQ(Get(*store, "a"), "1");
  EXPECT_EQ(store->syncs(), 0);
}

// In memory there is one connection: reads (here with a transaction of their
// own, as the ledger's are) never land inside a writers' open batch.
TEST(SqliteStoreTest, InMemoryReadsNeverRunInsideAnOpenBatch) {
  std::unique_ptr<SqliteStore> store = OpenStore(":memory:");
  ASSERT_NE(store, nullptr);
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!Put(*store, absl::StrCat(t, "/", i), "v").ok()) ++failures;
      }
    });
  }
  std::thread reader([&] {
    while (writing.load()) {
      absl::Status s = store->Read([](SqliteDb& db) -> absl::Status {
        if (absl::Status b = db.Exec("BEGIN"); !b.ok()) return b;
        return db.Exec("COMMIT");
      });
      if (!s.ok()) ++failures;
    }
  });
  for (std::thread& t : threads) t.join();
  writing.store(false);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountRows(*store), 8 * 200);
}

// Writers that arrive together share a transaction; one whose change fails
// is rolled back alone, the others are all acknowledged and kept.
TEST(SqliteStoreTest, AFailedChangeInABatchLeavesTheOthers) {
  const std::string path = TempPath("batchfail");
  std::atomic<int> unexpected{0};
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          // Odd writers repeat key "dup": all but the first fail (PRIMARY KEY).
          const std::string key = t % 2 == 0 ? absl::StrCat(t, "/", i) : "dup";
          absl::Status s = Put(*store, key, "v");
          if (t % 2 == 0 && !s.ok()) ++unexpected;
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(unexpected.load(), 0);
  std::unique_ptr<SqliteStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountRows(*store), 8 * 20 + 1);
}

// Flat combining: changes queued while a writer combines run on that
// writer's thread, all in one transaction, and every writer is acknowledged
// and kept. The first writer's change holds its round until all the others
// are queued; it commits alone (a sync may start) and hands the combiner role
// to the first of them, which runs the rest. Before, each writer took the
// write lock and ran its change on its own thread.
TEST(SqliteStoreTest, QueuedChangesRunOnTheCombinersThreadInOneTransaction) {
  const std::string path = TempPath("combine");
  constexpr int kWriters = 16;
  absl::Mutex mu;
  std::vector<std::thread::id> ran_on;  // threads that ran the others' changes
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    const int64_t transactions_before = store->transactions();
    absl::Notification first_running;
    std::thread first([&] {
      absl::Status s = store->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
        first_running.Notify();
        while (store->queued_writers() < kWriters) std::this_thread::yield();
        if (absl::Status e = db.Exec("INSERT INTO kv (k, v) VALUES ('first', 'v')"); !e.ok()) {
          return e;
        }
        return SqliteCommit::kCommit;
      });
      EXPECT_TRUE(s.ok()) << s;
    });
    first_running.WaitForNotification();
    std::vector<std::thread> others;
    for (int i = 0; i < kWriters; ++i) {
      others.emplace_back([&, i] {
        absl::Status s = store->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
          {
            absl::MutexLock lock(&mu);
            ran_on.push_back(std::this_thread::get_id());
          }
          if (absl::Status e = db.Exec(absl::StrCat("INSERT INTO kv (k, v) VALUES ('k", i,
                                                    "', 'v')"));
              !e.ok()) {
            return e;
          }
          return SqliteCommit::kCommit;
        });
        EXPECT_TRUE(s.ok()) << s;
      });
    }
    first.join();
    for (std::thread& t : others) t.join();
    EXPECT_EQ(store->transactions() - transactions_before, 2);
  }
  absl::MutexLock lock(&mu);
  ASSERT_EQ(ran_on.size(), static_cast<size_t>(kWriters));
  for (const std::thread::id& id : ran_on) EXPECT_EQ(id, ran_on.front());
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), kWriters + 1);
}

// While kMaxSyncsInFlight syncs run, a commit could only wait for them: the
// combiner keeps its transaction open and runs the writes that arrive
// meanwhile in it, and when no one is queued leaves it open; the thread that
// ends a sync commits it. Here each change holds until the next writer is
// queued, so the combiner always finds one more: nothing is committed while
// the two syncs are held, then one transaction for all of them (committing
// each round, as when a sync may start, would make one each).
TEST(SqliteStoreTest, WritesArrivingWhileSyncsAreBusyShareATransactionTheSyncsEndCommits) {
  static_assert(SqliteStore::kMaxSyncsInFlight == 2, "the test holds two syncs");
  constexpr int kWriters = 6;
  HeldSyncs syncs;
  SqliteStoreOptions options;
  options.sync_for_testing = syncs.Hook();
  const std::string path = TempPath("lazy-commit");
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path, std::move(options));
    ASSERT_NE(store, nullptr);
    syncs.Arm();
    std::thread a([&] { EXPECT_TRUE(Put(*store, "a", "1").ok()); });
    syncs.entered[0].WaitForNotification();
    std::thread b([&] { EXPECT_TRUE(Put(*store, "b", "1").ok()); });
    syncs.entered[1].WaitForNotification();
    const int64_t transactions_before = store->transactions();
    const int64_t waits_before = store->waits();
    std::vector<std::unique_ptr<absl::Notification>> running;
    for (int i = 0; i < kWriters; ++i) running.push_back(std::make_unique<absl::Notification>());
    std::vector<std::thread> writers;
    for (int i = 0; i < kWriters; ++i) {
      if (i > 0) running[i - 1]->WaitForNotification();
      writers.emplace_back([&, i] {
        absl::Status s = store->Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
          running[i]->Notify();
          // Hold until the next writer is queued (the last holds for no one).
          while (i + 1 < kWriters && store->queued_writers() < 1) std::this_thread::yield();
          if (absl::Status e =
                  db.Exec(absl::StrCat("INSERT INTO kv (k, v) VALUES ('w", i, "', 'v')"));
              !e.ok()) {
            return e;
          }
          return SqliteCommit::kCommit;
        });
        EXPECT_TRUE(s.ok()) << s;
      });
    }
    // Every writer asleep (the combiner too, once its batch is left open).
    while (store->waits() < waits_before + kWriters) std::this_thread::yield();
    EXPECT_EQ(store->transactions() - transactions_before, 0);
    syncs.ReleaseBoth();
    a.join();
    b.join();
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(store->transactions() - transactions_before, 1);
    EXPECT_LE(syncs.calls(), 3);
  }
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), kWriters + 2);
}

// The commit hook sees every batch: true after its COMMIT, false when SQLite
// rolled it back, each time before the batch's writer has its answer.
TEST(SqliteStoreTest, TheCommitHookRunsBeforeTheWritersAreAnswered) {
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("hook"));
  ASSERT_NE(store, nullptr);
  std::vector<bool> calls;  // under the store's write lock, read after Write
  store->SetCommitHook([&calls](bool committed) { calls.push_back(committed); });
  ASSERT_TRUE(Put(*store, "a", "1").ok());
  EXPECT_EQ(calls, (std::vector<bool>{true}));
  // The change ends the transaction itself: SQLite has rolled the batch back.
  absl::Status s = store->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    if (absl::Status e = db.Exec("INSERT INTO kv (k, v) VALUES ('b', '2'); ROLLBACK"); !e.ok()) {
      return e;
    }
    return SqliteCommit::kCommit;
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(calls, (std::vector<bool>{true, false}));
  EXPECT_EQ(Get(*store, "b"), "");
  ASSERT_TRUE(Put(*store, "c", "3").ok());
  EXPECT_EQ(calls, (std::vector<bool>{true, false, true}));
}

// exclusive_owner: a second store on the same file (in this process or
// another: the lock is an flock on the WAL file) is refused while the first
// is open, and opens once it is closed.
TEST(SqliteStoreTest, AnExclusiveOwnerRefusesASecondStore) {
  const std::string path = TempPath("exclusive");
  SqliteStoreOptions exclusive;
  exclusive.exclusive_owner = true;
  {
    std::unique_ptr<SqliteStore> first = OpenStore(path, exclusive);
    ASSERT_NE(first, nullptr);
    absl::StatusOr<std::unique_ptr<SqliteStore>> second = SqliteStore::Open(path, exclusive);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(second.status()), "store_unavailable");
    EXPECT_NE(second.status().message().find(path), absl::string_view::npos) << second.status();
    EXPECT_NE(second.status().message().find("in use"), absl::string_view::npos)
        << second.status();
    // The refused open changed nothing for the owner.
    EXPECT_TRUE(Put(*first, "a", "1").ok());
    EXPECT_EQ(Get(*first, "a"), "1");
  }
  std::unique_ptr<SqliteStore> reopened = OpenStore(path, exclusive);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Get(*reopened, "a"), "1");
}

TEST(SqliteStoreTest, OpenErrorNamesThePath) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open("/nonexistent-dir-for-sct-test/x.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("/nonexistent-dir-for-sct-test/x.db"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace sct

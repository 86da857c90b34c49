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

namespace sct {
namespace {

std::string TempPath(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid(), "-", counter++,
                      ".db");
}

std::unique_ptr<SqliteStore> OpenStore(const std::string& path, SqliteStoreOptions options = {}) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, std::move(options));
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  absl::Status schema = (*store)->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    if (absl::Status s = db.Exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)");
        !s.ok()) {
      return s;
    }
    return SqliteCommit::kCommit;
  });
  EXPECT_TRUE(schema.ok()) << schema;
  return *std::move(store);
}

absl::Status Put(SqliteStore& store, const std::string& k, const std::string& v) {
  return store.Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    absl::StatusOr<SqliteStatement> put =
        SqliteStatement::Prepare(db, "INSERT INTO kv (k, v) VALUES (?1, ?2)");
    if (!put.ok()) return put.status();
    if (absl::Status s = put->BindText(1, k).BindText(2, v).Run(); !s.ok()) return s;
    return SqliteCommit::kCommit;
  });
}

// Put, counting the change as run (on whichever thread combines) in *ran.
absl::Status PutCounting(SqliteStore& store, const std::string& k, const std::string& v,
                         std::atomic<int>* ran) {
  return store.Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    ran->fetch_add(1);
    absl::StatusOr<SqliteStatement> put =
        SqliteStatement::Prepare(db, "INSERT INTO kv (k, v) VALUES (?1, ?2)");
    if (!put.ok()) return put.status();
    if (absl::Status s = put->BindText(1, k).BindText(2, v).Run(); !s.ok()) return s;
    return SqliteCommit::kCommit;
  });
}

// The value at `k` read through the store's read connection; "" if absent.
std::string Get(SqliteStore& store, const std::string& k) {
  std::string value;
  absl::Status s = store.Read([&](SqliteDb& db) -> absl::Status {
    absl::StatusOr<SqliteStatement> get = SqliteStatement::Prepare(db, "SELECT v FROM kv WHERE k = ?1");
    if (!get.ok()) return get.status();
    absl::StatusOr<bool> row = get->BindText(1, k).Step();
    if (!row.ok()) return row.status();
    if (*row) value = get->Text(0);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return value;
}

int64_t CountRows(SqliteStore& store) {
  int64_t n = -1;
  EXPECT_TRUE(store
                  .Read([&](SqliteDb& db) -> absl::Status {
                    absl::StatusOr<SqliteStatement> q =
                        SqliteStatement::Prepare(db, "SELECT COUNT(*) FROM kv");
                    if (!q.ok()) return q.status();
                    absl::StatusOr<bool> row = q->Step();
                    if (!row.ok()) return row.status();
                    n = q->Int(0);
                    return absl::OkStatus();
                  })
                  .ok());
  return n;
}

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
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      EXPECT_EQ(Get(*reopened, absl::StrCat(t, "/", i)), absl::StrCat("v", t, "/", i));
    }
  }
}

// Writers that commit while the syncs run are acknowledged by one later
// sync, not one each: the first two syncs (kMaxSyncsInFlight) are held until
// every writer has committed, then exactly one more covers the rest.
TEST(SqliteStoreTest, WritersCommittingDuringSyncsShareTheNextOne) {
  static_assert(SqliteStore::kMaxSyncsInFlight == 2, "the test holds two syncs");
  constexpr int kWriters = 8;
  absl::Notification first_sync_entered;
  absl::Notification second_sync_entered;
  absl::Notification release_syncs;
  std::atomic<int> sync_calls{0};
  SqliteStoreOptions options;
  std::atomic<bool> armed{false};
  options.sync_for_testing = [&]() -> absl::Status {
    if (!armed.load()) return absl::OkStatus();
    const int n = sync_calls.fetch_add(1);
    if (n < 2) {
      (n == 0 ? first_sync_entered : second_sync_entered).Notify();
      release_syncs.WaitForNotification();
    }
    return absl::OkStatus();
  };
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("share"), std::move(options));
  ASSERT_NE(store, nullptr);
  armed.store(true);
  std::thread first([&] { EXPECT_TRUE(Put(*store, "first", "1").ok()); });
  first_sync_entered.WaitForNotification();
  std::atomic<int> ran{0};
  std::vector<std::thread> others;
  for (int i = 0; i < kWriters; ++i) {
    others.emplace_back(
        [&, i] { EXPECT_TRUE(PutCounting(*store, absl::StrCat("k", i), "v", &ran).ok()); });
  }
  // The first of them to commit starts the second sync; all of them run
  // (committed, or in the batch left open for the end of a sync) before the
  // two are released.
  second_sync_entered.WaitForNotification();
  while (ran.load() < kWriters || store->queued_writers() > 0) std::this_thread::yield();
  release_syncs.Notify();
  first.join();
  for (std::thread& t : others) t.join();
  // The two held syncs, plus one for every writer whose commit came after
  // the second sync began: one more at most (two when the writers all joined
  // the batch the second sync covers), never one per writer.
  EXPECT_GE(sync_calls.load(), 2);
  EXPECT_LE(sync_calls.load(), 3);
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
  absl::Notification first_sync_entered;
  absl::Notification second_sync_entered;
  absl::Notification release_first;
  absl::Notification release_second;
  std::atomic<int> sync_calls{0};
  std::atomic<bool> armed{false};
  SqliteStoreOptions options;
  options.sync_for_testing = [&]() -> absl::Status {
    if (!armed.load()) return absl::OkStatus();
    const int n = sync_calls.fetch_add(1);
    if (n == 0) {
      first_sync_entered.Notify();
      release_first.WaitForNotification();
    } else if (n == 1) {
      second_sync_entered.Notify();
      release_second.WaitForNotification();
    }
    return absl::OkStatus();
  };
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("sleep-once"), std::move(options));
  ASSERT_NE(store, nullptr);
  armed.store(true);
  const int64_t waits_before = store->waits();
  std::thread first([&] { EXPECT_TRUE(Put(*store, "first", "1").ok()); });
  first_sync_entered.WaitForNotification();
  std::atomic<int> ran{0};
  std::vector<std::thread> others;
  for (int i = 0; i < kWriters; ++i) {
    others.emplace_back(
        [&, i] { EXPECT_TRUE(PutCounting(*store, absl::StrCat("k", i), "v", &ran).ok()); });
  }
  // The first of them to commit runs the second sync; the other seven sleep.
  second_sync_entered.WaitForNotification();
  while (ran.load() < kWriters || store->waits() < waits_before + kWriters - 1) {
    std::this_thread::yield();
  }
  release_first.Notify();
  first.join();
  release_second.Notify();
  for (std::thread& t : others) t.join();
  EXPECT_EQ(store->waits() - waits_before, kWriters - 1);
  EXPECT_LE(sync_calls.load(), 3);
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

TEST(SqliteStoreTest, WriteConnectionIsNormalAndDoesNotCheckpointOnCommit) {
  std::unique_ptr<SqliteStore> store = OpenStore(TempPath("pragmas"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
                    absl::StatusOr<SqliteStatement> sync =
                        SqliteStatement::Prepare(db, "PRAGMA synchronous");
                    if (!sync.ok()) return sync.status();
                    EXPECT_TRUE(*sync->Step());
                    EXPECT_EQ(sync->Int(0), 1);  // NORMAL: this class syncs the WAL
                    absl::StatusOr<SqliteStatement> auto_ckpt =
                        SqliteStatement::Prepare(db, "PRAGMA wal_autocheckpoint");
                    if (!auto_ckpt.ok()) return auto_ckpt.status();
                    EXPECT_TRUE(*auto_ckpt->Step());
                    EXPECT_EQ(auto_ckpt->Int(0), 0);
                    return SqliteCommit::kRollback;
                  })
                  .ok());
}

// Many writes: the checkpoint thread copies the WAL into the database file
// (the data stays readable, and survives reopen, across checkpoints). The
// sync is a no-op here: this is about checkpoints, not the disk.
TEST(SqliteStoreTest, CheckpointsOffTheWritePathKeepEveryWrite) {
  const std::string path = TempPath("checkpoint");
  const std::string big(3000, 'x');  // about one page per row
  constexpr int kRows = 2 * SqliteStore::kCheckpointFrames + 100;
  {
    SqliteStoreOptions options;
    options.sync_for_testing = [] { return absl::OkStatus(); };
    std::unique_ptr<SqliteStore> store = OpenStore(path, std::move(options));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kRows; ++i) ASSERT_TRUE(Put(*store, absl::StrCat(i), big).ok());
    // The WAL passed kCheckpointFrames, so the thread was woken; no commit
    // ran a checkpoint itself (wal_autocheckpoint=0).
    while (store->checkpoints() == 0) std::this_thread::yield();
    EXPECT_EQ(CountRows(*store), kRows);
  }
  std::unique_ptr<SqliteStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CountRows(*store), kRows);
  EXPECT_EQ(Get(*store, "0"), big);
  EXPECT_EQ(Get(*store, absl::StrCat(kRows - 1)), big);
}

// A child writes from several threads and reports each acknowledged write on
// a pipe; it is killed with SIGKILL mid-load. Every acknowledged write must be
// in the file when it is reopened.
// A RESTART checkpoint holds writers back at the store's write lock, between
// batches, not in SQLite's busy handler: before, a writer that began a batch
// during a RESTART slept there (1, 2, 5, 10, ... ms) while holding the write
// lock, and every other writer waited behind it.
TEST(SqliteStoreTest, RestartCheckpointsNeverPutAWriterToSleep) {
  SqliteStoreOptions options;
  options.checkpoint_frames_for_testing = 20;
  options.restart_frames_for_testing = 60;
  const std::string path = TempPath("restart");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  const std::string value(3000, 'x');  // most of a page each
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path, std::move(options));
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          if (!Put(*store, absl::StrCat(t, "/", i), value).ok()) ++failures;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GE(store->restarts(), 1);
    EXPECT_EQ(store->busy_waits(), 0);
  }
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), kThreads * kPerThread);
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// Commits overwrite zero-filled room the WAL file already has instead of
// appending to it (an append's fdatasync also writes the file's new size and
// block allocation); what they wrote reads back after reopening.
TEST(SqliteStoreTest, CommitsWriteIntoRoomTheWalFileAlreadyHas) {
  const std::string path = TempPath("wal-room");
  constexpr int kWrites = 50;
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Put(*store, "first", "1").ok());
    const int64_t frame = 24 + 4096;  // SQLite's default page size
    const int64_t size = FileSize(path + "-wal");
    EXPECT_GE(size, 32 + SqliteStore::kWalRoomFrames / 2 * frame);
    const int64_t extensions = store->wal_extensions();
    for (int i = 0; i < kWrites; ++i) {
      ASSERT_TRUE(Put(*store, absl::StrCat("k", i), std::string(500, 'v')).ok());
    }
    EXPECT_EQ(FileSize(path + "-wal"), size);
    EXPECT_EQ(store->wal_extensions(), extensions);
  }
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), kWrites + 1);
}

// A WAL that a RESTART checkpoint started again keeps its file: the next
// cycle's commits overwrite the room the first one zero-filled. Before, the
// file was cut back to 16 MiB (~4,000 frames) at every restart, so every
// cycle past that size truncated it and zero-filled it again (seen here as
// a file that shrinks).
TEST(SqliteStoreTest, AWalRestartKeepsTheRoomItsFileHas) {
  SqliteStoreOptions options;
  options.sync_for_testing = [] { return absl::OkStatus(); };
  options.checkpoint_frames_for_testing = 500;
  options.restart_frames_for_testing = 5000;  // past 16 MiB of frames
  const std::string path = TempPath("wal-keep");
  const std::string value(3000, 'x');  // most of a page each
  std::unique_ptr<SqliteStore> store = OpenStore(path, std::move(options));
  ASSERT_NE(store, nullptr);
  // A cycle ends when the WAL starts again from its beginning (its frame
  // count drops). A cycle may end early, whenever the checkpointer has caught
  // up with every frame (SQLite then restarts the WAL at the next write; how
  // often depends on the machine's load), so the measure starts after the
  // first cycle that reached the restart point: its WAL was past 16 MiB, the
  // size the old journal_size_limit cut it back to.
  int big_cycles = 0;
  int cycles_after = 0;
  int last_frames = 0;
  int peak_frames = 0;
  int64_t size_after_big_cycle = -1;
  int64_t smallest_size_after_big_cycle = -1;
  int64_t largest_size = 0;
  int64_t extensions = 0;
  int refills = 0;  // zeros written without growing the file past its largest
  int i = 0;
  for (; i < 200000 && cycles_after < 3; ++i) {
    ASSERT_TRUE(Put(*store, absl::StrCat(i), value).ok());
    if (big_cycles > 0 && store->wal_extensions() > extensions &&
        FileSize(path + "-wal") <= largest_size) {
      ++refills;
    }
    extensions = store->wal_extensions();
    largest_size = std::max(largest_size, FileSize(path + "-wal"));
    const int frames = store->wal_frames();
    if (frames < last_frames) {
      if (big_cycles > 0) ++cycles_after;
      if (big_cycles == 0 && peak_frames >= 5000) {
        big_cycles = 1;
        size_after_big_cycle = FileSize(path + "-wal");
      }
      peak_frames = 0;
    }
    peak_frames = std::max(peak_frames, frames);
    if (big_cycles > 0) {
      const int64_t size = FileSize(path + "-wal");
      if (smallest_size_after_big_cycle < 0 || size < smallest_size_after_big_cycle) {
        smallest_size_after_big_cycle = size;
      }
    }
    last_frames = frames;
  }
  ASSERT_EQ(big_cycles, 1) << "no WAL cycle reached the restart point in " << i << " writes";
  ASSERT_GE(cycles_after, 3);
  EXPECT_GT(size_after_big_cycle, 32 + int64_t{5000} * (24 + 4096));
  EXPECT_EQ(smallest_size_after_big_cycle, size_after_big_cycle);
  // Zeros are written only to grow the file past its largest size (a cycle
  // longer than any before), never to fill again room a restart kept.
  EXPECT_EQ(refills, 0);
  EXPECT_EQ(CountRows(*store), i);
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
  absl::Notification first_sync_entered;
  absl::Notification second_sync_entered;
  absl::Notification release_syncs;
  std::atomic<int> sync_calls{0};
  std::atomic<bool> armed{false};
  SqliteStoreOptions options;
  options.sync_for_testing = [&]() -> absl::Status {
    if (!armed.load()) return absl::OkStatus();
    const int n = sync_calls.fetch_add(1);
    if (n < 2) {
      (n == 0 ? first_sync_entered : second_sync_entered).Notify();
      release_syncs.WaitForNotification();
    }
    return absl::OkStatus();
  };
  const std::string path = TempPath("lazy-commit");
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path, std::move(options));
    ASSERT_NE(store, nullptr);
    armed.store(true);
    std::thread a([&] { EXPECT_TRUE(Put(*store, "a", "1").ok()); });
    first_sync_entered.WaitForNotification();
    std::thread b([&] { EXPECT_TRUE(Put(*store, "b", "1").ok()); });
    second_sync_entered.WaitForNotification();
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
    release_syncs.Notify();
    a.join();
    b.join();
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(store->transactions() - transactions_before, 1);
    EXPECT_LE(sync_calls.load(), 3);
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

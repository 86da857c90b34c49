// SqliteStore's WAL: the write connection never checkpoints on commit,
// checkpoints and restarts run off the write path, and the WAL file keeps the
// room it has across restarts (no zero-filling again).
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "runtime/sqlite_store.h"
#include "runtime/sqlite_store_test_kv.h"

namespace sct {
namespace {

using sqlite_store_test::TempPath;
using sqlite_store_test::OpenStore;
using sqlite_store_test::Put;
using sqlite_store_test::Get;
using sqlite_store_test::CountRows;
using sqlite_store_test::FileSize;

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

}  // namespace
}  // namespace sct

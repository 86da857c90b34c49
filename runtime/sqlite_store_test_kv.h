// Helpers for the SqliteStore tests (sqlite_store_test.cc,
// sqlite_store_wal_test.cc, sqlite_store_deferred_test.cc): a store with one
// key-value table, and writes, reads and counts on it. Test-only.
#ifndef SCT_RUNTIME_SQLITE_STORE_TEST_KV_H_
#define SCT_RUNTIME_SQLITE_STORE_TEST_KV_H_

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "runtime/sqlite.h"
#include "runtime/sqlite_store.h"

namespace sct::sqlite_store_test {

inline std::string TempPath(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid(), "-", counter++,
                      ".db");
}

inline std::unique_ptr<SqliteStore> OpenStore(const std::string& path, SqliteStoreOptions options = {}) {
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

inline absl::Status Put(SqliteStore& store, const std::string& k, const std::string& v) {
  return store.Write([&](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    absl::StatusOr<SqliteStatement> put =
        SqliteStatement::Prepare(db, "INSERT INTO kv (k, v) VALUES (?1, ?2)");
    if (!put.ok()) return put.status();
    if (absl::Status s = put->BindText(1, k).BindText(2, v).Run(); !s.ok()) return s;
    return SqliteCommit::kCommit;
  });
}

// Put, counting the change as run (on whichever thread combines) in *ran.
inline absl::Status PutCounting(SqliteStore& store, const std::string& k, const std::string& v,
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
inline std::string Get(SqliteStore& store, const std::string& k) {
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

inline int64_t CountRows(SqliteStore& store) {
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


// Reopens `path` and expects exactly the writes of `threads` writers of
// `per_thread` each: key "t/i" with value "vt/i", nothing else.
inline void ExpectEveryWriteAfterReopen(const std::string& path, int threads, int per_thread) {
  std::unique_ptr<SqliteStore> reopened = OpenStore(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountRows(*reopened), threads * per_thread);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) {
      EXPECT_EQ(Get(*reopened, absl::StrCat(t, "/", i)), absl::StrCat("v", t, "/", i));
    }
  }
}

inline int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// A sync hook that, once armed, holds the first two syncs
// (SqliteStore::kMaxSyncsInFlight) each until its own release; later syncs
// pass. Outlives the store it is given to.
class HeldSyncs {
 public:
  // For SqliteStoreOptions::sync_for_testing.
  std::function<absl::Status()> Hook() {
    return [this]() -> absl::Status {
      if (!armed_.load()) return absl::OkStatus();
      const int n = calls_.fetch_add(1);
      if (n < 2) {
        entered[n].Notify();
        release[n].WaitForNotification();
      }
      return absl::OkStatus();
    };
  }
  // Syncs before this (the schema's) pass without being counted.
  void Arm() { armed_.store(true); }
  void ReleaseBoth() {
    release[0].Notify();
    release[1].Notify();
  }
  int calls() const { return calls_.load(); }

  absl::Notification entered[2];
  absl::Notification release[2];

 private:
  std::atomic<bool> armed_{false};
  std::atomic<int> calls_{0};
};

}  // namespace sct::sqlite_store_test

#endif  // SCT_RUNTIME_SQLITE_STORE_TEST_KV_H_

#include "relay/sqlite_mailbox_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/strings/match.h"
#include "common/testing/acked_writes.h"
#include "gtest/gtest.h"
#include "relay/mailbox_store_conformance.h"

namespace sct::relay {
namespace {

// A fresh database path under $TEST_TMPDIR.
std::string TempDbPath() {
  static std::atomic<int> counter{0};
  const char* dir = getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/mailboxes-", getpid(), "-",
                      counter++, ".db");
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, MailboxStoreConformanceTest,
    testing::Values(MailboxStoreFactory{
        "sqlite",
        []() -> absl::StatusOr<std::unique_ptr<MailboxStore>> {
          auto store = SqliteMailboxStore::Open(TempDbPath());
          if (!store.ok()) return store.status();
          return std::unique_ptr<MailboxStore>(std::move(store).value());
        }}),
    [](const testing::TestParamInfo<MailboxStoreFactory>& info) { return info.param.name; });

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

TEST(SqliteMailboxStoreTest, EverythingSurvivesCloseAndReopen) {
  const std::string path = TempDbPath();
  Mailbox bound = MakeTestMailbox("00000000-0000-4000-8000-000000000001", kNow,
                                  kNow + absl::Hours(3));
  Mailbox unbound = MakeTestMailbox("00000000-0000-4000-8000-000000000002", kNow,
                                    kNow + absl::Minutes(7) + absl::Microseconds(123));
  unbound.sender_token.reset();
  {
    auto store = SqliteMailboxStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Insert(bound, "create-key-1").ok());
    ASSERT_TRUE((*store)->Insert(unbound, "create-key-2").ok());
    Mailbox next = bound;
    next.receiver_claim = "22222222-2222-4222-8222-222222222222";
    next.receiver_token = NotificationToken{"oem-b", "receiver-token"};
    next.applied_requests.push_back("bind-key");
    next.version = 2;
    ASSERT_TRUE((*store)->CompareAndSwap(next, 1, kNow).ok());
    bound = next;
  }  // closed
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->Count(), 2);

  auto got = (*store)->Get(bound.id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->receiver_claim, bound.receiver_claim);
  EXPECT_EQ(got->receiver_token, bound.receiver_token);
  EXPECT_EQ(got->sender_token, bound.sender_token);
  EXPECT_EQ(got->applied_requests, bound.applied_requests);
  EXPECT_EQ(got->payload, bound.payload);
  EXPECT_EQ(got->display, bound.display);
  EXPECT_EQ(got->expires_at, bound.expires_at);
  EXPECT_EQ(got->created_at, bound.created_at);
  EXPECT_EQ(got->version, 2);

  got = (*store)->Get(unbound.id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->expires_at, unbound.expires_at);  // to the microsecond
  EXPECT_FALSE(got->sender_token.has_value());
  EXPECT_TRUE(got->receiver_claim.empty());
  // Expiry still applies after reopen, at exactly the stored instant.
  EXPECT_EQ((*store)->Get(unbound.id, unbound.expires_at).status().code(),
            absl::StatusCode::kNotFound);
  // The create keys survived too.
  absl::StatusOr<InsertResult> repeat = (*store)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000003", kNow, kNow + absl::Hours(1)),
      "create-key-1");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, bound.id);
}

// Get answers from the cache of what the store wrote, and sees every
// committed write there: the insert, the compare-and-swap, the expiry to the
// microsecond, the delete. Before, every Get read the file.
TEST(SqliteMailboxStoreTest, GetsAnswerWhatTheStoreWroteFromItsCache) {
  auto store = SqliteMailboxStore::Open(TempDbPath());
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::Time expiry = kNow + absl::Hours(1) + absl::Microseconds(7);
  Mailbox m = MakeTestMailbox("00000000-0000-4000-8000-0000000000c1", kNow, expiry);
  ASSERT_TRUE((*store)->Insert(m, "key-c1").ok());
  absl::StatusOr<Mailbox> got = (*store)->Get(m.id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->payload, m.payload);
  Mailbox next = m;
  next.receiver_claim = "22222222-2222-4222-8222-222222222222";
  next.applied_requests.push_back("bind-key");
  next.version = 2;
  ASSERT_TRUE((*store)->CompareAndSwap(next, 1, kNow).ok());
  got = (*store)->Get(m.id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->receiver_claim, next.receiver_claim);
  EXPECT_EQ(got->applied_requests, next.applied_requests);
  EXPECT_EQ((*store)->Get(m.id, expiry - absl::Microseconds(1)).status().code(),
            absl::StatusCode::kOk);
  EXPECT_EQ((*store)->Get(m.id, expiry).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->cache_hits(), 4);
  EXPECT_EQ((*store)->file_reads(), 0);
  // A lost compare-and-swap changes nothing, in the cache either.
  EXPECT_EQ((*store)->CompareAndSwap(next, 1, kNow).code(), absl::StatusCode::kAborted);
  EXPECT_EQ((*store)->Get(m.id, kNow)->version, 2);
  ASSERT_TRUE((*store)->Delete(m.id, 2).ok());
  EXPECT_EQ((*store)->Get(m.id, kNow).status().code(), absl::StatusCode::kNotFound);
}

// The cache keeps the mailboxes written last, within its byte budget; the
// others are read from the file, unchanged.
TEST(SqliteMailboxStoreTest, MailboxesOutsideTheCacheAreReadFromTheFile) {
  auto store = SqliteMailboxStore::Open(TempDbPath(), {}, /*cache_bytes=*/8 * 1024);
  ASSERT_TRUE(store.ok()) << store.status();
  constexpr int kMailboxes = 20;
  for (int i = 0; i < kMailboxes; ++i) {
    Mailbox m = MakeTestMailbox(absl::StrFormat("00000000-0000-4000-8000-%012d", i), kNow,
                                kNow + absl::Hours(1));
    m.display.title = absl::StrCat("mailbox ", i);
    ASSERT_TRUE((*store)->Insert(m, "").ok());
  }
  for (int i = 0; i < kMailboxes; ++i) {
    absl::StatusOr<Mailbox> got =
        (*store)->Get(absl::StrFormat("00000000-0000-4000-8000-%012d", i), kNow);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->display.title, absl::StrCat("mailbox ", i));
  }
  EXPECT_GT((*store)->file_reads(), 0);
  EXPECT_GT((*store)->cache_hits(), 0);
  EXPECT_EQ((*store)->file_reads() + (*store)->cache_hits(), kMailboxes);
}

// The cache is right only if no one else writes the file: a second store on
// it (another relay, or a second open in this process) is refused while the
// first is open, naming the file; the first keeps working.
TEST(SqliteMailboxStoreTest, ASecondStoreOnTheSameFileIsRefused) {
  const std::string path = TempDbPath();
  auto first = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = SqliteMailboxStore::Open(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(second.status().message(), path)) << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "in use")) << second.status();
  Mailbox m = MakeTestMailbox("00000000-0000-4000-8000-0000000000c2", kNow, kNow + absl::Hours(1));
  EXPECT_TRUE((*first)->Insert(m, "").ok());
  EXPECT_TRUE((*first)->Get(m.id, kNow).ok());
}

TEST(SqliteMailboxStoreTest, ConcurrentWritesShareCommitsAndAllSurviveReopen) {
  const std::string path = TempDbPath();
  constexpr int kThreads = 64;
  constexpr int kPerThread = 8;
  std::atomic<int> failures{0};
  int64_t syncs = 0;
  absl::Time start, end;
  {
    auto store = SqliteMailboxStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<std::thread> threads;
    start = absl::Now();  // only to print the rate, never asserted on
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = absl::StrFormat("00000000-0000-4000-8000-%06d%06d", t, i);
          Mailbox m = MakeTestMailbox(id, kNow, kNow + absl::Hours(1));
          if (!(*store)->Insert(m, absl::StrCat("key-", id)).ok()) ++failures;
          Mailbox next = m;
          next.receiver_claim = absl::StrCat("receiver-", id);
          next.version = 2;
          if (!(*store)->CompareAndSwap(next, 1, kNow).ok()) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    end = absl::Now();
    syncs = (*store)->syncs();
    EXPECT_EQ(*(*store)->Count(), kThreads * kPerThread);
  }
  EXPECT_EQ(failures.load(), 0);
  const int writes = 2 * kThreads * kPerThread;
  std::cerr << writes << " writes acknowledged by " << syncs << " syncs, "
            << writes / absl::ToDoubleSeconds(end - start) << " writes/s\n";
  // Writers that commit while a sync runs share the next one.
  EXPECT_LT(syncs, writes);
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->Count(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = absl::StrFormat("00000000-0000-4000-8000-%06d%06d", t, i);
      auto got = (*store)->Get(id, kNow);
      ASSERT_TRUE(got.ok()) << id << ": " << got.status();
      EXPECT_EQ(got->version, 2);
      EXPECT_EQ(got->receiver_claim, absl::StrCat("receiver-", id));
    }
  }
}

// A child process writes from several threads and reports each acknowledged
// write on a pipe; it is killed with SIGKILL mid-load. Every write it
// acknowledged (insert + binding CAS) must be in the file when reopened.
TEST(SqliteMailboxStoreTest, AcknowledgedWritesSurviveKill9) {
  const std::string path = TempDbPath();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto store = SqliteMailboxStore::Open(path);
    if (!store.ok()) _exit(2);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          const std::string id =
              absl::StrFormat("00000000-0000-4000-8000-%06d%06d", t, i);
          Mailbox m = MakeTestMailbox(id, kNow, kNow + absl::Hours(1));
          if (!(*store)->Insert(m, absl::StrCat("key-", id)).ok()) _exit(3);
          m.receiver_claim = "receiver";
          m.version = 2;
          if (!(*store)->CompareAndSwap(m, 1, kNow).ok()) _exit(4);
          const std::string line = id + "\n";  // < PIPE_BUF: written atomically
          if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _exit(5);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    _exit(0);
  }
  close(fds[1]);
  const std::vector<std::string> acked = sct::CollectAcksAndKill(child, fds[0], 300);
  ASSERT_FALSE(HasFailure());
  ASSERT_GE(acked.size(), 300u);

  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_GE(*(*store)->Count(), static_cast<int64_t>(acked.size()));
  for (const std::string& id : acked) {
    auto got = (*store)->Get(id, kNow);
    ASSERT_TRUE(got.ok()) << "acknowledged mailbox " << id << " lost: " << got.status();
    EXPECT_EQ(got->receiver_claim, "receiver") << id;
    EXPECT_EQ(got->expires_at, kNow + absl::Hours(1)) << id;
  }
}

TEST(SqliteMailboxStoreTest, AFailedWriteDoesNotDisturbTheBatch) {
  auto store = SqliteMailboxStore::Open(TempDbPath());
  ASSERT_TRUE(store.ok()) << store.status();
  Mailbox m = MakeTestMailbox("00000000-0000-4000-8000-000000000001", kNow,
                              kNow + absl::Hours(1));
  ASSERT_TRUE((*store)->Insert(m, "k").ok());
  Mailbox stale = m;
  stale.version = 3;
  EXPECT_EQ((*store)->CompareAndSwap(stale, 2, kNow).code(), absl::StatusCode::kAborted);
  EXPECT_EQ((*store)->Insert(m, "other").status().code(), absl::StatusCode::kAlreadyExists);
  // The store is not left inside a transaction: another connection can write.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((*store)->path().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 100);
  EXPECT_EQ(sqlite3_exec(db, "CREATE TABLE probe (x INTEGER)", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  EXPECT_EQ((*store)->Get(m.id, kNow)->version, 1);
}

TEST(SqliteMailboxStoreTest, UsesWalAndFullSync) {
  const std::string path = TempDbPath();
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  // journal_mode=WAL is persistent in the file: check it from outside.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))), "wal");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST(SqliteMailboxStoreTest, OpenErrorNamesTheFile) {
  const std::string path = "/nonexistent-dir-for-sct-test/sub/mailboxes.db";
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), path)) << store.status();
}

TEST(SqliteMailboxStoreTest, RejectsAFileThatIsNotADatabase) {
  const std::string path = TempDbPath();
  {
    std::ofstream f(path);
    f << "this is not an sqlite database, just some text that is long enough to "
         "fill a header of one hundred bytes or so......................................";
  }
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::StrContains(store.status().message(), path)) << store.status();
}

TEST(SqliteMailboxStoreTest, RejectsAnUnknownSchemaVersion) {
  const std::string path = TempDbPath();
  { ASSERT_TRUE(SqliteMailboxStore::Open(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::StrContains(store.status().message(), "schema version 99"))
      << store.status();
}

// Runs `sql` on the file at `path` with a connection of its own.
void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// The first integer of the first row `sql` answers on the file at `path`.
int64_t QueryRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr), SQLITE_OK) << sql;
  int64_t value = -1;
  if (sqlite3_step(q) == SQLITE_ROW) value = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return value;
}

TEST(SqliteMailboxStoreTest, StoresTimesAsUnixMicroseconds) {
  const std::string path = TempDbPath();
  const absl::Time expires = kNow + absl::Hours(2) + absl::Microseconds(7);
  {
    auto store = SqliteMailboxStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Insert(MakeTestMailbox("00000000-0000-4000-8000-000000000001", kNow,
                                             expires),
                             "ck")
                    .ok());
  }
  EXPECT_EQ(QueryRaw(path, "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(QueryRaw(path, "SELECT created_at FROM mailboxes"), absl::ToUnixMicros(kNow));
  EXPECT_EQ(QueryRaw(path, "SELECT expires_at FROM mailboxes"), absl::ToUnixMicros(expires));
  EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM mailboxes WHERE create_key = 'ck'"), 1);
}

// The schema-2 layout: the same columns in a WITHOUT ROWID table. Schema 1
// had the same tables with times in Unix nanoseconds.
constexpr char kSchemaTwoTables[] = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE mailboxes (
  id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, payload_type TEXT NOT NULL,
  payload_data BLOB NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
  image_url TEXT NOT NULL, access_rights TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, sender_claim TEXT NOT NULL, sender_token_type TEXT,
  sender_token_data BLOB, receiver_claim TEXT NOT NULL, receiver_token_type TEXT,
  receiver_token_data BLOB, attestation BLOB NOT NULL, applied_requests BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX mailboxes_by_expiry ON mailboxes (expires_at);
CREATE TABLE create_keys (
  key TEXT PRIMARY KEY NOT NULL, mailbox_id TEXT NOT NULL, expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX create_keys_by_mailbox ON create_keys (mailbox_id);
)sql";

// A file written by schema 1 (times in Unix nanoseconds) is converted when
// opened: its mailboxes, expiries and create keys keep working.
TEST(SqliteMailboxStoreTest, OpensAndConvertsASchemaOneFile) {
  const std::string path = TempDbPath();
  const std::string id = "00000000-0000-4000-8000-000000000001";
  const absl::Time created = kNow + absl::Nanoseconds(1500);  // 1.5 us
  const absl::Time expires = kNow + absl::Hours(1) + absl::Nanoseconds(2999);
  ExecRaw(path, "PRAGMA journal_mode=WAL");
  ExecRaw(path, absl::StrCat(
                    kSchemaTwoTables,
                    "INSERT INTO schema_version VALUES (1);"
                    "INSERT INTO mailboxes VALUES ('", id, "', 3, 'AEAD_AES_128_GCM', x'00ff',"
                    " 'Car key', 'Blue car', 'https://example.com/car.png', 'RWD', ",
                    absl::ToUnixNanos(created), ", ", absl::ToUnixNanos(expires),
                    ", 'sender', 'oem-a', x'74', 'receiver', NULL, NULL, x'', '2:k1');"
                    "INSERT INTO create_keys VALUES ('create-key', '", id, "', ",
                    absl::ToUnixNanos(expires), ");"));

  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(QueryRaw(path, "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(*(*store)->Count(), 1);
  auto got = (*store)->Get(id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 3);
  EXPECT_EQ(got->display.title, "Car key");
  EXPECT_EQ(got->receiver_claim, "receiver");
  EXPECT_EQ(got->applied_requests, std::vector<std::string>{"k1"});
  // Times rounded down to the microsecond.
  EXPECT_EQ(got->created_at, kNow + absl::Microseconds(1));
  EXPECT_EQ(got->expires_at, kNow + absl::Hours(1) + absl::Microseconds(2));
  EXPECT_TRUE((*store)->Get(id, got->expires_at - absl::Nanoseconds(1)).ok());
  EXPECT_EQ((*store)->Get(id, got->expires_at).status().code(), absl::StatusCode::kNotFound);
  // The create key still names the live mailbox.
  auto repeat = (*store)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000002", kNow, kNow + absl::Hours(1)),
      "create-key");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, id);
  // A converted file opens again as schema 4, unchanged.
  store->reset();
  auto reopened = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Get(id, kNow)->expires_at, got->expires_at);
}

// A schema-2 file (mailboxes WITHOUT ROWID) is converted to the rowid table
// of schema 3, then 4, when opened, keeping its mailboxes, expiries and
// create keys.
TEST(SqliteMailboxStoreTest, OpensAndConvertsASchemaTwoFile) {
  const std::string path = TempDbPath();
  const std::string id = "00000000-0000-4000-8000-000000000001";
  const absl::Time expires = kNow + absl::Hours(1) + absl::Microseconds(3);
  ExecRaw(path, "PRAGMA journal_mode=WAL");
  ExecRaw(path, absl::StrCat(kSchemaTwoTables, "INSERT INTO schema_version VALUES (2);",
                             "INSERT INTO mailboxes VALUES ('", id,
                             "', 3, 'AEAD_AES_128_GCM', x'00ff', 'Car key', 'Blue car',"
                             " 'https://example.com/car.png', 'RWD', ",
                             absl::ToUnixMicros(kNow), ", ", absl::ToUnixMicros(expires),
                             ", 'sender', 'oem-a', x'74', 'receiver', NULL, NULL, x'', '2:k1');"
                             "INSERT INTO create_keys VALUES ('create-key', '",
                             id, "', ", absl::ToUnixMicros(expires), ");"));
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(QueryRaw(path, "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'mailboxes' AND "
                           "sql LIKE '%WITHOUT ROWID%'"),
            0);
  EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'mailboxes_by_expiry'"),
            1);
  EXPECT_EQ(*(*store)->Count(), 1);
  auto got = (*store)->Get(id, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 3);
  EXPECT_EQ(got->payload.data, std::string("\x00\xff", 2));
  EXPECT_EQ(got->expires_at, expires);
  EXPECT_EQ(got->applied_requests, std::vector<std::string>{"k1"});
  auto repeat = (*store)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000002", kNow, kNow + absl::Hours(1)),
      "create-key");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->existing_id, id);
  EXPECT_EQ((*store)->Get(id, expires).status().code(), absl::StatusCode::kNotFound);
}

// A mailbox with a 1 KiB payload stays in its table's leaf pages: the whole
// file (tables, indexes, create keys) costs well under 2,000 bytes a mailbox.
// (Schema 2's WITHOUT ROWID table put every such row on an overflow page of
// its own: over 5,000 bytes a mailbox.)
TEST(SqliteMailboxStoreTest, OneKibMailboxesDoNotSpillIntoOverflowPages) {
  const std::string path = TempDbPath();
  constexpr int kMailboxes = 400;
  {
    auto store = SqliteMailboxStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < kMailboxes; ++i) {
      Mailbox m = MakeTestMailbox(absl::StrFormat("00000000-0000-4000-8000-%012d", i), kNow,
                                  kNow + absl::Hours(1));
      m.payload.data = std::string(1024, static_cast<char>('a' + i % 26));
      ASSERT_TRUE((*store)->Insert(m, absl::StrCat("sender-claim-and-request-", i)).ok());
    }
  }  // closed: the WAL is checkpointed into the file
  const int64_t bytes = QueryRaw(path, "PRAGMA page_count") * QueryRaw(path, "PRAGMA page_size");
  EXPECT_LT(bytes / kMailboxes, 2000) << bytes << " bytes for " << kMailboxes << " mailboxes";
}

// An update that keeps created_at and expires_at (every bind and reply)
// rewrites the mailbox's table page only, not the expiry index's: one WAL
// frame instead of two. One that moves the expiry still updates the index.
TEST(SqliteMailboxStoreTest, AnUpdateThatKeepsTheExpiryWritesOneWalFrame) {
  const std::string path = TempDbPath();
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  Mailbox m = MakeTestMailbox("00000000-0000-4000-8000-000000000001", kNow, kNow + absl::Hours(1));
  ASSERT_TRUE((*store)->Insert(m, "create-key").ok());
  const int before = (*store)->wal_frames();
  Mailbox bound = m;
  bound.version = 2;
  bound.receiver_claim = "22222222-2222-4222-8222-222222222222";
  ASSERT_TRUE((*store)->CompareAndSwap(bound, 1, kNow).ok());
  EXPECT_EQ((*store)->wal_frames() - before, 1);
  Mailbox extended = bound;
  extended.version = 3;
  extended.expires_at = kNow + absl::Hours(2);
  ASSERT_TRUE((*store)->CompareAndSwap(extended, 2, kNow).ok());
  EXPECT_EQ((*store)->Get(m.id, kNow + absl::Minutes(90))->version, 3);
  EXPECT_EQ((*store)->SweepExpired(kNow + absl::Minutes(90), 10).value_or(-1), 0);
  EXPECT_EQ((*store)->SweepExpired(kNow + absl::Hours(3), 10).value_or(-1), 1);
}

// The schema-3 layout: a rowid table, create keys in a table of their own.
constexpr char kSchemaThreeTables[] = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (3);
CREATE TABLE mailboxes (
  id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, payload_type TEXT NOT NULL,
  payload_data BLOB NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
  image_url TEXT NOT NULL, access_rights TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, sender_claim TEXT NOT NULL, sender_token_type TEXT,
  sender_token_data BLOB, receiver_claim TEXT NOT NULL, receiver_token_type TEXT,
  receiver_token_data BLOB, attestation BLOB NOT NULL, applied_requests BLOB NOT NULL
);
CREATE INDEX mailboxes_by_expiry ON mailboxes (expires_at);
CREATE TABLE create_keys (
  key TEXT PRIMARY KEY NOT NULL, mailbox_id TEXT NOT NULL, expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX create_keys_by_mailbox ON create_keys (mailbox_id);
)sql";

// One row of the schema-3 (or -4) mailboxes table, as SQL values.
std::string SchemaThreeRow(const std::string& id, absl::Time expires) {
  return absl::StrCat("('", id, "', 2, 'AEAD_AES_128_GCM', x'00ff', 'Car key', 'Blue car', "
                      "'https://example.com/car.png', 'RWD', ", absl::ToUnixMicros(kNow), ", ",
                      absl::ToUnixMicros(expires),
                      ", 'sender', 'oem-a', x'74', 'receiver', NULL, NULL, x'', '2:k1')");
}

// A schema-3 file is converted to schema 4 when opened: every create key
// moves into its mailbox's row (a live one still answers a repeated create,
// an expired one is free again, a mailbox without one stays without), the
// create_keys table and its index go, and the file reopens as schema 4.
TEST(SqliteMailboxStoreTest, OpensAndConvertsASchemaThreeFile) {
  const std::string path = TempDbPath();
  const std::string live = "00000000-0000-4000-8000-000000000001";
  const std::string expired = "00000000-0000-4000-8000-000000000002";
  const std::string keyless = "00000000-0000-4000-8000-000000000003";
  ExecRaw(path, "PRAGMA journal_mode=WAL");
  ExecRaw(path,
          absl::StrCat(kSchemaThreeTables, "INSERT INTO mailboxes VALUES ",
                       SchemaThreeRow(live, kNow + absl::Hours(1)), ", ",
                       SchemaThreeRow(expired, kNow - absl::Seconds(1)), ", ",
                       SchemaThreeRow(keyless, kNow + absl::Hours(1)), ";",
                       "INSERT INTO create_keys VALUES ('key-live', '", live, "', 0), "
                       "('key-expired', '", expired, "', 0);"));
  {
    auto store = SqliteMailboxStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->Count(), 3);
    auto repeat = (*store)->Insert(
        MakeTestMailbox("00000000-0000-4000-8000-000000000004", kNow, kNow + absl::Hours(1)),
        "key-live");
    ASSERT_TRUE(repeat.ok()) << repeat.status();
    EXPECT_FALSE(repeat->created);
    EXPECT_EQ(repeat->existing_id, live);
    auto reused = (*store)->Insert(
        MakeTestMailbox("00000000-0000-4000-8000-000000000005", kNow, kNow + absl::Hours(1)),
        "key-expired");
    ASSERT_TRUE(reused.ok()) << reused.status();
    EXPECT_TRUE(reused->created);
    auto got = (*store)->Get(live, kNow);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->version, 2);
    EXPECT_EQ(got->applied_requests, std::vector<std::string>{"k1"});
    EXPECT_TRUE((*store)->Get(keyless, kNow).ok());
  }
  EXPECT_EQ(QueryRaw(path, "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'create_keys%'"),
            0);
  EXPECT_EQ(QueryRaw(path, absl::StrCat("SELECT create_key IS NULL FROM mailboxes WHERE id = '",
                                        keyless, "'")),
            1);
  EXPECT_EQ(QueryRaw(path, absl::StrCat("SELECT create_key IS NULL FROM mailboxes WHERE id = '",
                                        expired, "'")),
            1);
  // Reopened, it is schema 4 as it stands: the key still names its mailbox.
  auto reopened = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto again = (*reopened)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000006", kNow, kNow + absl::Hours(1)),
      "key-expired");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->existing_id, "00000000-0000-4000-8000-000000000005");
}

// An insert with a create key and a delete each change four B-trees (the
// table, its id index, the expiry index, the create-key index) and so write
// four WAL frames; schema 3 changed five (its create_keys table and that
// table's index on the mailbox). Without a create key an insert changes three.
TEST(SqliteMailboxStoreTest, InsertsAndDeletesWriteOneWalFramePerBTree) {
  const std::string path = TempDbPath();
  auto store = SqliteMailboxStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)
                  ->Insert(MakeTestMailbox("00000000-0000-4000-8000-000000000001", kNow,
                                           kNow + absl::Hours(1)),
                           "create-key-1")
                  .ok());
  Mailbox m = MakeTestMailbox("00000000-0000-4000-8000-000000000002", kNow, kNow + absl::Hours(1));
  int before = (*store)->wal_frames();
  ASSERT_TRUE((*store)->Insert(m, "create-key-2").ok());
  EXPECT_EQ((*store)->wal_frames() - before, 4);
  before = (*store)->wal_frames();
  ASSERT_TRUE((*store)->Delete(m.id, 1).ok());
  EXPECT_EQ((*store)->wal_frames() - before, 4);
  before = (*store)->wal_frames();
  ASSERT_TRUE((*store)
                  ->Insert(MakeTestMailbox("00000000-0000-4000-8000-000000000003", kNow,
                                           kNow + absl::Hours(1)),
                           "")
                  .ok());
  EXPECT_EQ((*store)->wal_frames() - before, 3);
  // The deleted mailbox's key is free again; the live one's is not.
  auto reused = (*store)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000004", kNow, kNow + absl::Hours(1)),
      "create-key-2");
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_TRUE(reused->created);
  auto repeat = (*store)->Insert(
      MakeTestMailbox("00000000-0000-4000-8000-000000000005", kNow, kNow + absl::Hours(1)),
      "create-key-1");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(repeat->created);
}

}  // namespace
}  // namespace sct::relay

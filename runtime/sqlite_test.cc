#include "runtime/sqlite.h"

#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::unique_ptr<SqliteDb> OpenWithTable(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path);
  EXPECT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)
                  ->Exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, b BLOB, i INTEGER, "
                         "at INTEGER)")
                  .ok());
  return *std::move(db);
}

TEST(SqliteTest, OpensInWalModeWithFullSync) {
  std::unique_ptr<SqliteDb> db = OpenWithTable(TempPath("wal.db"));
  auto mode = SqliteStatement::Prepare(*db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->Text(0), "wal");
  auto sync = SqliteStatement::Prepare(*db, "PRAGMA synchronous");
  ASSERT_TRUE(sync.ok());
  ASSERT_TRUE(*sync->Step());
  EXPECT_EQ(sync->Int(0), 2);  // FULL
}

TEST(SqliteTest, ValuesRoundTripAndEmptyBlobIsNotNull) {
  std::unique_ptr<SqliteDb> db = OpenWithTable(TempPath("values.db"));
  const absl::Time at = absl::FromUnixMicros(1700000000123456);
  auto insert =
      SqliteStatement::Prepare(*db, "INSERT INTO t (k, b, i, at) VALUES (?1, ?2, ?3, ?4)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindText(1, "a")
                  .BindBlob(2, std::string("\0\x01", 2))
                  .BindInt(3, -7)
                  .BindTime(4, at)
                  .Run()
                  .ok());
  EXPECT_EQ(insert->Changes(), 1);
  insert->Reset();
  ASSERT_TRUE(insert->BindText(1, "b").BindBlob(2, "").BindNull(3).BindTime(4, at).Run().ok());

  auto select = SqliteStatement::Prepare(*db, "SELECT b, i, at, b IS NULL FROM t WHERE k = ?1");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->BindText(1, "a").Step());
  EXPECT_EQ(select->Blob(0), std::string("\0\x01", 2));
  EXPECT_EQ(select->Int(1), -7);
  EXPECT_EQ(select->Time(2), at);
  select->Reset();
  ASSERT_TRUE(*select->BindText(1, "b").Step());
  EXPECT_EQ(select->Blob(0), "");
  EXPECT_EQ(select->Int(3), 0) << "an empty blob must not be stored as NULL";
  EXPECT_TRUE(select->IsNull(1));
  EXPECT_FALSE(*select->Step());
}

TEST(SqliteTest, TimesCoverTheProtobufRange) {
  for (absl::Time t : {MinProtoTime(), MaxProtoTime() - absl::Nanoseconds(999),
                       absl::UnixEpoch() - absl::Microseconds(1)}) {
    EXPECT_EQ(FromSqliteTime(ToSqliteTime(t)), t);
  }
}

TEST(SqliteTest, TransactionRollsBackUnlessCommittedAndCommitsSurviveReopen) {
  const std::string path = TempPath("tx.db");
  {
    std::unique_ptr<SqliteDb> db = OpenWithTable(path);
    {
      auto tx = SqliteTransaction::Begin(db.get());
      ASSERT_TRUE(tx.ok());
      ASSERT_TRUE(db->Exec("INSERT INTO t (k) VALUES ('lost')").ok());
    }  // no Commit: rolled back
    auto tx = SqliteTransaction::Begin(db.get());
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t (k) VALUES ('kept')").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  std::unique_ptr<SqliteDb> db = OpenWithTable(path);
  auto count = SqliteStatement::Prepare(*db, "SELECT group_concat(k) FROM t");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Text(0), "kept");
}

TEST(SqliteTest, ErrorsAreStoreUnavailableAndNameThePath) {
  const std::string path = TempPath("errors.db");
  std::unique_ptr<SqliteDb> db = OpenWithTable(path);
  auto bad = SqliteStatement::Prepare(*db, "SELECT nope FROM nowhere");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(bad.status()), "store_unavailable");
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
  EXPECT_NE(bad.status().message().find("no such table"), std::string::npos);

  ASSERT_TRUE(db->Exec("INSERT INTO t (k) VALUES ('dup')").ok());
  absl::Status dup = db->Exec("INSERT INTO t (k) VALUES ('dup')");
  EXPECT_EQ(dup.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(dup.message().find("UNIQUE"), std::string::npos);
}

TEST(SqliteTest, OpenFailsWithFailedPreconditionNamingThePath) {
  const std::string path = TempPath("no/such/dir/x.db");
  auto db = SqliteDb::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(db.status()), "store_unavailable");
  EXPECT_NE(db.status().message().find(path), std::string::npos);
  EXPECT_FALSE(SqliteDb::Open("").ok());
}

TEST(SqliteTest, PersistentStatementIsReusableAfterReset) {
  std::unique_ptr<SqliteDb> db = OpenWithTable(TempPath("persistent.db"));
  auto insert = SqliteStatement::Prepare(*db, "INSERT INTO t (k, i) VALUES (?1, ?2)",
                                         /*persistent=*/true);
  ASSERT_TRUE(insert.ok());
  for (int i = 0; i < 3; ++i) {
    ScopedSqliteReset reset(&*insert);
    ASSERT_TRUE(insert->BindText(1, std::to_string(i)).BindInt(2, i).Run().ok());
  }
  auto sum = SqliteStatement::Prepare(*db, "SELECT sum(i) FROM t");
  ASSERT_TRUE(*sum->Step());
  EXPECT_EQ(sum->Int(0), 3);
}

TEST(SqliteTest, InMemoryDatabaseOpens) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->Exec("CREATE TABLE x (a); INSERT INTO x VALUES (1)").ok());
}

TEST(SqliteTest, CallerLocksModeOpensToo) {
  auto db = SqliteDb::Open(TempPath("nomutex.db"), SqliteThreading::kCallerLocks);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->Exec("CREATE TABLE x (a)").ok());
}

}  // namespace
}  // namespace sct

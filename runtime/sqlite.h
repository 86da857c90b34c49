// The one SQLite wrapper of the services' durable stores (the relay's
// mailboxes, the authority's ledger, the OEM's device registry): how a file
// is opened, one busy timeout, one unit for stored times, prepared
// statements and transactions.
//
// Every database file is opened with journal_mode=WAL, synchronous=FULL (an
// acknowledged write survives a crash and a power loss), foreign keys on,
// and the busy timeout kSqliteBusyTimeout; the path ":memory:" opens a
// private in-memory database (nothing survives the process). Stored times
// are Unix microseconds (ToSqliteTime / FromSqliteTime), which cover years
// 0001-9999 without overflow. The stores do not write through a bare SqliteDb
// but through SqliteStore (runtime/sqlite_store.h), whose write connection
// runs at synchronous=NORMAL and syncs the WAL itself (group commit) with the
// same durability.
//
// Errors: Open returns FAILED_PRECONDITION (reason "store_unavailable")
// naming the path when the file cannot be opened or set up; every later
// failure is UNAVAILABLE (reason "store_unavailable") with SQLite's message
// and the path, so callers can retry an outage.
//
// Thread-safety: a SqliteDb opened kSerialized may be shared; one opened
// kCallerLocks must be used under the caller's lock. A statement or a
// transaction belongs to one thread at a time.
#ifndef SCT_RUNTIME_SQLITE_H_
#define SCT_RUNTIME_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct {

inline constexpr absl::Duration kSqliteBusyTimeout = absl::Seconds(10);

// The stored form of a time: Unix microseconds.
int64_t ToSqliteTime(absl::Time t);
absl::Time FromSqliteTime(int64_t micros);

// Who serialises the use of a connection.
enum class SqliteThreading {
  kSerialized,   // SQLite does (SQLITE_OPEN_FULLMUTEX): share freely
  kCallerLocks,  // the caller's own mutex does (SQLITE_OPEN_NOMUTEX): cheaper
};

// One open database file (one connection).
class SqliteDb {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(
      const std::string& path, SqliteThreading threading = SqliteThreading::kSerialized);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows (schema, pragmas).
  absl::Status Exec(absl::string_view sql);
  // UNAVAILABLE "store_unavailable": "sqlite <path>: <what>: <SQLite's message>".
  absl::Status Error(absl::string_view what) const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  const std::string path_;
  sqlite3* const db_;
};

// A prepared statement; finalized on destruction. Bindings are 1-based,
// columns 0-based (SQLite's convention). Move-only.
class SqliteStatement {
 public:
  // `persistent`: a statement kept for the life of the connection
  // (SQLITE_PREPARE_PERSISTENT); Reset() it after each use.
  static absl::StatusOr<SqliteStatement> Prepare(const SqliteDb& db, absl::string_view sql,
                                                 bool persistent = false);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& BindText(int index, absl::string_view text);
  // A zero-length blob is bound as an empty blob, not NULL.
  SqliteStatement& BindBlob(int index, absl::string_view bytes);
  SqliteStatement& BindInt(int index, int64_t value);
  SqliteStatement& BindTime(int index, absl::Time time);
  SqliteStatement& BindNull(int index);

  // One step: true when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps until done (for statements that return no rows, or whose rows
  // are not needed).
  absl::Status Run();
  // Makes the statement runnable again and drops its bindings.
  void Reset();

  int64_t Int(int column) const;
  bool IsNull(int column) const;
  // Column bytes as stored (TEXT or BLOB); "" for NULL.
  std::string Text(int column) const;
  std::string Blob(int column) const { return Text(column); }
  absl::Time Time(int column) const { return FromSqliteTime(Int(column)); }

  // The number of rows the last completed INSERT/UPDATE/DELETE changed.
  int64_t Changes() const;

 private:
  SqliteStatement(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  const SqliteDb* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a long-lived statement when the scope ends.
class ScopedSqliteReset {
 public:
  explicit ScopedSqliteReset(SqliteStatement* statement) : statement_(statement) {}
  ~ScopedSqliteReset() { statement_->Reset(); }
  ScopedSqliteReset(const ScopedSqliteReset&) = delete;
  ScopedSqliteReset& operator=(const ScopedSqliteReset&) = delete;

 private:
  SqliteStatement* statement_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back on destruction unless committed.
class SqliteTransaction {
 public:
  static absl::StatusOr<SqliteTransaction> Begin(SqliteDb* db);
  ~SqliteTransaction();
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}

  SqliteDb* db_;
  bool open_ = true;
};

}  // namespace sct

#endif  // SCT_RUNTIME_SQLITE_H_

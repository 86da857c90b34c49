#include "runtime/sqlite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct {
namespace {

constexpr absl::string_view kReason = "store_unavailable";

}  // namespace

int64_t ToSqliteTime(absl::Time t) { return absl::ToUnixMicros(t); }

absl::Time FromSqliteTime(int64_t micros) { return absl::FromUnixMicros(micros); }

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                         SqliteThreading threading) {
  auto failed = [&path](absl::string_view problem) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kReason,
                     absl::StrCat("cannot open sqlite database ", path, ": ", problem));
  };
  if (path.empty()) return failed("empty path");
  const int mutex =
      threading == SqliteThreading::kSerialized ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &handle,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | mutex, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close_v2(handle);
    return failed(message);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, handle));
  sqlite3_busy_timeout(handle, static_cast<int>(absl::ToInt64Milliseconds(kSqliteBusyTimeout)));
  // journal_mode answers with the mode in force; anything but "wal" means the
  // durability and concurrency assumptions do not hold.
  absl::StatusOr<SqliteStatement> wal = SqliteStatement::Prepare(*db, "PRAGMA journal_mode=WAL");
  if (!wal.ok()) return failed(wal.status().message());
  absl::StatusOr<bool> row = wal->Step();
  if (!row.ok()) return failed(row.status().message());
  // An in-memory database (":memory:", for topologies that keep no state)
  // has no journal file: "memory" is its only mode.
  const std::string want = path == ":memory:" ? "memory" : "wal";
  if (!*row || wal->Text(0) != want) {
    return failed(absl::StrCat("journal_mode is '", *row ? wal->Text(0) : "", "', not ", want));
  }
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    absl::Status s = db->Exec(pragma);
    if (!s.ok()) return failed(s.message());
  }
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

absl::Status SqliteDb::Exec(absl::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string message = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return MakeError(absl::StatusCode::kUnavailable, kReason,
                     absl::StrCat("sqlite ", path_, ": exec: ", message));
  }
  return absl::OkStatus();
}

absl::Status SqliteDb::Error(absl::string_view what) const {
  return MakeError(absl::StatusCode::kUnavailable, kReason,
                   absl::StrCat("sqlite ", path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::StatusOr<SqliteStatement> SqliteStatement::Prepare(const SqliteDb& db, absl::string_view sql,
                                                         bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return db.Error(absl::StrCat("prepare \"", sql.substr(0, 60), "\""));
  }
  return SqliteStatement(&db, stmt);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

SqliteStatement& SqliteStatement::BindText(int index, absl::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, absl::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindInt(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::BindTime(int index, absl::Time time) {
  return BindInt(index, ToSqliteTime(time));
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step");
}

absl::Status SqliteStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string SqliteStatement::Text(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

int64_t SqliteStatement::Changes() const { return sqlite3_changes(db_->handle()); }

absl::StatusOr<SqliteTransaction> SqliteTransaction::Begin(SqliteDb* db) {
  if (absl::Status s = db->Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  return SqliteTransaction(db);
}

SqliteTransaction::~SqliteTransaction() {
  if (open_) db_->Exec("ROLLBACK").IgnoreError();
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : db_(other.db_), open_(std::exchange(other.open_, false)) {}

absl::Status SqliteTransaction::Commit() {
  if (absl::Status s = db_->Exec("COMMIT"); !s.ok()) return s;
  open_ = false;
  return absl::OkStatus();
}

}  // namespace sct

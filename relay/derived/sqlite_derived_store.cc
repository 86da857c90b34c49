#include "relay/derived/sqlite_derived_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "relay/derived/store_errors.h"

namespace sct::relay::derived {
namespace {

constexpr int64_t kSchemaVersion = 1;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  location TEXT PRIMARY KEY NOT NULL,
  body BLOB NOT NULL,
  stored_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expires_at);
)sql";

absl::Status CheckSchemaVersion(SqliteDb& db) {
  ASSIGN_OR_RETURN(SqliteStatement read,
                   SqliteStatement::Prepare(db, "SELECT version FROM schema_version"));
  ASSIGN_OR_RETURN(bool has_row, read.Step());
  if (!has_row) {
    ASSIGN_OR_RETURN(SqliteStatement write,
                     SqliteStatement::Prepare(db, "INSERT INTO schema_version VALUES (?)"));
    return write.BindInt(1, kSchemaVersion).Run();
  }
  if (read.Int(0) != kSchemaVersion) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "store_unavailable",
                     absl::StrCat("sqlite ", db.path(), ": schema version ", read.Int(0),
                                  ", this relay reads ", kSchemaVersion));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDerivedStore>> SqliteDerivedStore::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db,
                   SqliteDb::Open(path, SqliteThreading::kCallerLocks));
  RETURN_IF_ERROR(db->Exec(kSchema));
  RETURN_IF_ERROR(CheckSchemaVersion(*db));
  return std::unique_ptr<SqliteDerivedStore>(new SqliteDerivedStore(std::move(db)));
}

absl::Status SqliteDerivedStore::Put(const std::string& location, const DerivedMessage& message,
                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  // An expired message at the location is replaced; an unexpired one wins.
  ASSIGN_OR_RETURN(SqliteStatement put,
                   SqliteStatement::Prepare(
                       *db_,
                       "INSERT INTO messages (location, body, stored_at, expires_at) "
                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (location) DO UPDATE SET "
                       "body = ?2, stored_at = ?3, expires_at = ?4 WHERE expires_at <= ?5"));
  put.BindText(1, location)
      .BindBlob(2, message.body)
      .BindTime(3, message.stored_at)
      .BindTime(4, message.expires_at)
      .BindTime(5, now);
  RETURN_IF_ERROR(put.Run());
  if (put.Changes() == 0) return LocationOccupied();
  return absl::OkStatus();
}

absl::StatusOr<DerivedMessage> SqliteDerivedStore::Get(const std::string& location,
                                                       absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement get,
                   SqliteStatement::Prepare(*db_,
                                            "SELECT body, stored_at, expires_at FROM messages "
                                            "WHERE location = ? AND expires_at > ?"));
  get.BindText(1, location).BindTime(2, now);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return MessageNotFound();
  DerivedMessage message;
  message.body = get.Blob(0);
  message.stored_at = get.Time(1);
  message.expires_at = get.Time(2);
  return message;
}

absl::Status SqliteDerivedStore::Delete(const std::string& location, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement del,
                   SqliteStatement::Prepare(
                       *db_, "DELETE FROM messages WHERE location = ? RETURNING expires_at"));
  del.BindText(1, location);
  ASSIGN_OR_RETURN(bool found, del.Step());
  const bool live = found && del.Time(0) > now;
  RETURN_IF_ERROR(del.Run());
  return live ? absl::OkStatus() : MessageNotFound();
}

absl::StatusOr<int64_t> SqliteDerivedStore::SweepExpired(absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement sweep,
                   SqliteStatement::Prepare(*db_, "DELETE FROM messages WHERE expires_at <= ?"));
  sweep.BindTime(1, now);
  RETURN_IF_ERROR(sweep.Run());
  return sweep.Changes();
}

absl::StatusOr<int64_t> SqliteDerivedStore::Count() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement count,
                   SqliteStatement::Prepare(*db_, "SELECT COUNT(*) FROM messages"));
  ASSIGN_OR_RETURN(bool has_row, count.Step());
  return has_row ? count.Int(0) : 0;
}

}  // namespace sct::relay::derived

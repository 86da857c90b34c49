#include "oem_server/sqlite_device_registry.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::oem {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }

  void Bind(int i, absl::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p), n);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDeviceRegistry>>
SqliteDeviceRegistry::Open(const std::string& path) {
  if (path.empty()) return InvalidField("db_path", "must not be empty");
  std::unique_ptr<SqliteDeviceRegistry> registry(
      new SqliteDeviceRegistry(path));
  RETURN_IF_ERROR(registry->Init());
  return registry;
}

SqliteDeviceRegistry::~SqliteDeviceRegistry() {
  absl::MutexLock lock(&mu_);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

absl::Status SqliteDeviceRegistry::Error(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   absl::StrCat("device registry ", path_, ": ", what, ": ",
                                db_ ? sqlite3_errmsg(db_) : "no connection"));
}

absl::Status SqliteDeviceRegistry::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string text = err ? err : "unknown error";
    sqlite3_free(err);
    return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                     absl::StrCat("device registry ", path_, ": ", text));
  }
  return absl::OkStatus();
}

absl::Status SqliteDeviceRegistry::Init() {
  absl::MutexLock lock(&mu_);
  int rc = sqlite3_open_v2(
      path_.c_str(), &db_,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string text = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    return MakeError(
        absl::StatusCode::kFailedPrecondition, "store_unavailable",
        absl::StrCat("cannot open device registry ", path_, ": ", text));
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  absl::Status s = Exec("PRAGMA journal_mode=WAL;");
  if (s.ok()) s = Exec("PRAGMA synchronous=FULL;");
  if (s.ok()) {
    s = Exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS devices ("
        "  device_id BLOB PRIMARY KEY, identity_spki BLOB NOT NULL UNIQUE,"
        "  token_hash BLOB NOT NULL, model BLOB NOT NULL,"
        "  enrolled_at INTEGER NOT NULL, last_sequence INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS attested_keys ("
        "  cert_sha256 BLOB PRIMARY KEY, device_id BLOB NOT NULL,"
        "  public_key_spki BLOB NOT NULL, created_at INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS push_tokens ("
        "  token BLOB PRIMARY KEY, device_id BLOB NOT NULL,"
        "  expires_at INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS push_tokens_expiry ON "
        "push_tokens(expires_at);"
        "CREATE TABLE IF NOT EXISTS notifications ("
        "  device_id BLOB NOT NULL, sequence INTEGER NOT NULL,"
        "  mailbox_id BLOB NOT NULL, token_data BLOB NOT NULL,"
        "  received_at INTEGER NOT NULL, delivered INTEGER NOT NULL,"
        "  PRIMARY KEY (device_id, sequence));");
  }
  if (!s.ok()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "store_unavailable",
                     absl::StrCat("cannot initialise device registry (not a "
                                  "database?): ",
                                  s.message()));
  }
  Stmt get(db_, "SELECT version FROM schema_version;");
  if (!get.ok()) return Error("read schema version");
  if (get.Step() == SQLITE_ROW) {
    int64_t v = get.Int(0);
    if (v != kSchemaVersion) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition, "store_unavailable",
          absl::StrCat("device registry ", path_, " has schema version ", v,
                       ", this binary supports ", kSchemaVersion));
    }
    return absl::OkStatus();
  }
  Stmt put(db_, "INSERT INTO schema_version (version) VALUES (?1);");
  if (!put.ok()) return Error("write schema version");
  put.BindInt(1, kSchemaVersion);
  if (put.Step() != SQLITE_DONE) return Error("write schema version");
  return absl::OkStatus();
}

absl::Status SqliteDeviceRegistry::InsertDevice(const DeviceRecord& device) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "INSERT INTO devices (device_id, identity_spki, token_hash, model,"
          " enrolled_at, last_sequence) VALUES (?1, ?2, ?3, ?4, ?5, 0);");
  if (!st.ok()) return Error("prepare insert device");
  st.Bind(1, device.device_id);
  st.Bind(2, device.identity_spki);
  st.Bind(3, device.token_hash);
  st.Bind(4, device.model);
  st.BindInt(5, ToMicros(device.enrolled_at));
  int rc = st.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return MakeError(absl::StatusCode::kAlreadyExists,
                     "device_already_enrolled",
                     "device id or identity key already enrolled");
  }
  if (rc != SQLITE_DONE) return Error("insert device");
  return absl::OkStatus();
}

absl::StatusOr<DeviceRecord> SqliteDeviceRegistry::GetDevice(
    absl::string_view device_id) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "SELECT identity_spki, token_hash, model, enrolled_at FROM devices"
          " WHERE device_id = ?1;");
  if (!st.ok()) return Error("prepare get device");
  st.Bind(1, device_id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) {
    return MakeError(absl::StatusCode::kNotFound, "unknown_device",
                     "no such device");
  }
  if (rc != SQLITE_ROW) return Error("get device");
  DeviceRecord d;
  d.device_id = std::string(device_id);
  d.identity_spki = st.Blob(0);
  d.token_hash = st.Blob(1);
  d.model = st.Blob(2);
  d.enrolled_at = FromMicros(st.Int(3));
  return d;
}

absl::Status SqliteDeviceRegistry::InsertAttestedKey(
    absl::string_view cert_sha256, const AttestedKey& key,
    absl::Time created_at) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "INSERT OR IGNORE INTO attested_keys (cert_sha256, device_id,"
          " public_key_spki, created_at) VALUES (?1, ?2, ?3, ?4);");
  if (!st.ok()) return Error("prepare insert attested key");
  st.Bind(1, cert_sha256);
  st.Bind(2, key.device_id);
  st.Bind(3, key.public_key_spki);
  st.BindInt(4, ToMicros(created_at));
  if (st.Step() != SQLITE_DONE) return Error("insert attested key");
  return absl::OkStatus();
}

absl::StatusOr<AttestedKey> SqliteDeviceRegistry::GetAttestedKey(
    absl::string_view cert_sha256) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "SELECT device_id, public_key_spki FROM attested_keys"
          " WHERE cert_sha256 = ?1;");
  if (!st.ok()) return Error("prepare get attested key");
  st.Bind(1, cert_sha256);
  int rc = st.Step();
  if (rc == SQLITE_DONE) {
    return MakeError(absl::StatusCode::kNotFound, "unknown_attestation",
                     "certificate not issued by this OEM");
  }
  if (rc != SQLITE_ROW) return Error("get attested key");
  return AttestedKey{st.Blob(0), st.Blob(1)};
}

absl::Status SqliteDeviceRegistry::InsertPushToken(absl::string_view token,
                                                   const PushRoute& route) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "INSERT INTO push_tokens (token, device_id, expires_at)"
          " VALUES (?1, ?2, ?3);");
  if (!st.ok()) return Error("prepare insert push token");
  st.Bind(1, token);
  st.Bind(2, route.device_id);
  st.BindInt(3, ToMicros(route.expires_at));
  int rc = st.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return MakeError(absl::StatusCode::kAlreadyExists, "push_token_collision",
                     "push token already exists");
  }
  if (rc != SQLITE_DONE) return Error("insert push token");
  return absl::OkStatus();
}

absl::StatusOr<PushRoute> SqliteDeviceRegistry::GetPushToken(
    absl::string_view token, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "SELECT device_id, expires_at FROM push_tokens WHERE token = ?1;");
  if (!st.ok()) return Error("prepare get push token");
  st.Bind(1, token);
  int rc = st.Step();
  if (rc == SQLITE_ROW) {
    PushRoute r{st.Blob(0), FromMicros(st.Int(1))};
    if (r.expires_at > now) return r;
  } else if (rc != SQLITE_DONE) {
    return Error("get push token");
  }
  return MakeError(absl::StatusCode::kNotFound, "unknown_push_token",
                   "unknown or expired push token");
}

absl::StatusOr<int64_t> SqliteDeviceRegistry::SweepExpiredPushTokens(
    absl::Time now, int64_t limit) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "DELETE FROM push_tokens WHERE token IN (SELECT token FROM"
          " push_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2);");
  if (!st.ok()) return Error("prepare sweep push tokens");
  st.BindInt(1, ToMicros(now));
  st.BindInt(2, limit);
  if (st.Step() != SQLITE_DONE) return Error("sweep push tokens");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

absl::StatusOr<StoredNotification> SqliteDeviceRegistry::AppendNotification(
    absl::string_view device_id, const StoredNotification& notification,
    int keep) {
  if (keep < 1) return InvalidField("keep", "must be at least 1");
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
  auto body = [&]() -> absl::StatusOr<StoredNotification> {
    Stmt bump(db_,
              "UPDATE devices SET last_sequence = last_sequence + 1"
              " WHERE device_id = ?1 RETURNING last_sequence;");
    if (!bump.ok()) return Error("prepare bump sequence");
    bump.Bind(1, device_id);
    int rc = bump.Step();
    if (rc == SQLITE_DONE) {
      return MakeError(absl::StatusCode::kNotFound, "unknown_device",
                       "no such device");
    }
    if (rc != SQLITE_ROW) return Error("bump sequence");
    StoredNotification n = notification;
    n.sequence = static_cast<uint64_t>(bump.Int(0));
    if (bump.Step() != SQLITE_DONE) return Error("bump sequence");

    Stmt ins(
        db_,
        "INSERT INTO notifications (device_id, sequence, mailbox_id,"
        " token_data, received_at, delivered) VALUES (?1,?2,?3,?4,?5,?6);");
    if (!ins.ok()) return Error("prepare insert notification");
    ins.Bind(1, device_id);
    ins.BindInt(2, static_cast<int64_t>(n.sequence));
    ins.Bind(3, n.mailbox_id);
    ins.Bind(4, n.token_data);
    ins.BindInt(5, ToMicros(n.received_at));
    ins.BindInt(6, n.delivered ? 1 : 0);
    if (ins.Step() != SQLITE_DONE) return Error("insert notification");

    Stmt trim(
        db_,
        "DELETE FROM notifications WHERE device_id = ?1 AND sequence <= ?2;");
    if (!trim.ok()) return Error("prepare trim notifications");
    trim.Bind(1, device_id);
    trim.BindInt(2, static_cast<int64_t>(n.sequence) - keep);
    if (trim.Step() != SQLITE_DONE) return Error("trim notifications");
    return n;
  };
  absl::StatusOr<StoredNotification> result = body();
  if (!result.ok()) {
    Exec("ROLLBACK;").IgnoreError();
    return result.status();
  }
  absl::Status commit = Exec("COMMIT;");
  if (!commit.ok()) {
    Exec("ROLLBACK;").IgnoreError();
    return commit;
  }
  return result;
}

absl::StatusOr<std::vector<StoredNotification>>
SqliteDeviceRegistry::ReadNotifications(absl::string_view device_id,
                                        uint64_t after_sequence,
                                        bool undelivered_only) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "SELECT sequence, mailbox_id, token_data, received_at, delivered"
          " FROM notifications WHERE device_id = ?1 AND sequence > ?2"
          " AND (?3 = 0 OR delivered = 0) ORDER BY sequence;");
  if (!st.ok()) return Error("prepare read notifications");
  st.Bind(1, device_id);
  st.BindInt(2, static_cast<int64_t>(after_sequence));
  st.BindInt(3, undelivered_only ? 1 : 0);
  std::vector<StoredNotification> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    StoredNotification n;
    n.sequence = static_cast<uint64_t>(st.Int(0));
    n.mailbox_id = st.Blob(1);
    n.token_data = st.Blob(2);
    n.received_at = FromMicros(st.Int(3));
    n.delivered = st.Int(4) != 0;
    out.push_back(std::move(n));
  }
  if (rc != SQLITE_DONE) return Error("read notifications");
  return out;
}

absl::Status SqliteDeviceRegistry::MarkDelivered(absl::string_view device_id,
                                                 uint64_t up_to) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_,
          "UPDATE notifications SET delivered = 1 WHERE device_id = ?1 AND"
          " sequence <= ?2 AND delivered = 0;");
  if (!st.ok()) return Error("prepare mark delivered");
  st.Bind(1, device_id);
  st.BindInt(2, static_cast<int64_t>(up_to));
  if (st.Step() != SQLITE_DONE) return Error("mark delivered");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteDeviceRegistry::LastSequence(
    absl::string_view device_id) {
  absl::MutexLock lock(&mu_);
  Stmt st(db_, "SELECT last_sequence FROM devices WHERE device_id = ?1;");
  if (!st.ok()) return Error("prepare last sequence");
  st.Bind(1, device_id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) {
    return MakeError(absl::StatusCode::kNotFound, "unknown_device",
                     "no such device");
  }
  if (rc != SQLITE_ROW) return Error("last sequence");
  return static_cast<uint64_t>(st.Int(0));
}

}  // namespace sct::oem

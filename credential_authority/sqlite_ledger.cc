#include "credential_authority/sqlite_ledger.h"

#include <sqlite3.h>

#include <deque>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace sct::ca {
namespace {

using ::credential_authority::v1::AccessPointRegistration;
using ::credential_authority::v1::RevocationEntry;
using ::credential_authority::v1::SymmetricKeyGrant;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('revocation_version', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 1);
CREATE TABLE IF NOT EXISTS oems(
  oem_id TEXT PRIMARY KEY, root_der BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS access_points(
  access_point_id TEXT PRIMARY KEY, registration BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS credentials(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  credential_id TEXT NOT NULL UNIQUE,
  access_point_id TEXT NOT NULL,
  parent_share_id TEXT NOT NULL,
  not_after_us INTEGER NOT NULL,
  revoked_at_us INTEGER,
  credential BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS credentials_by_parent ON credentials(parent_share_id);
CREATE TABLE IF NOT EXISTS shares(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  share_id TEXT NOT NULL UNIQUE,
  parent_credential_id TEXT NOT NULL,
  access_point_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  redemptions INTEGER NOT NULL DEFAULT 0,
  max_redemptions INTEGER NOT NULL,
  failed_pin_attempts INTEGER NOT NULL DEFAULT 0,
  token_expires_at_us INTEGER NOT NULL,
  receiver_oem_id TEXT NOT NULL DEFAULT '',
  redeemed_at_us INTEGER,
  revoked_at_us INTEGER,
  pin_salt BLOB,
  pin_hash BLOB,
  pin_iterations INTEGER NOT NULL DEFAULT 0,
  credential_kind INTEGER NOT NULL,
  resharing_allowed INTEGER NOT NULL,
  endorsement_required INTEGER NOT NULL,
  record BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS shares_by_parent ON shares(parent_credential_id);
CREATE INDEX IF NOT EXISTS shares_by_access_point ON shares(access_point_id);
CREATE TABLE IF NOT EXISTS revocations(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  version INTEGER NOT NULL,
  credential_id TEXT NOT NULL,
  share_id TEXT NOT NULL,
  access_point_id TEXT NOT NULL,
  revoked_at_us INTEGER NOT NULL,
  relevant_until_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS revocations_by_version ON revocations(version);
CREATE TABLE IF NOT EXISTS key_grants(
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  access_point_id TEXT NOT NULL,
  grant_proto BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS key_grants_by_ap ON key_grants(access_point_id);
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL);
)sql";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

int64_t TimestampMicros(const google::protobuf::Timestamp& ts) {
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(ts);
}
google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(Micros(t));
}

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  return absl::InternalError(
      absl::StrCat("sqlite ", what, ": ", sqlite3_errmsg(db)));
}

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status ok() const {
    return rc_ == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, "prepare");
  }
  Stmt& Bind(int i, absl::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, absl::string_view blob) {
    sqlite3_bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step() {
    RETURN_IF_ERROR(ok());
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, "step");
  }
  absl::Status Run() {
    ASSIGN_OR_RETURN(bool row, Step());
    (void)row;
    return absl::OkStatus();
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  absl::Status Begin() {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return SqliteError(db_, "begin");
    }
    open_ = true;
    return absl::OkStatus();
  }
  absl::Status Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(db_, "commit");
    }
    open_ = false;
    return absl::OkStatus();
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

constexpr char kShareColumns[] =
    "share_id, state, redemptions, failed_pin_attempts, token_expires_at_us, "
    "receiver_oem_id, redeemed_at_us, revoked_at_us, pin_salt, pin_hash, "
    "pin_iterations, credential_kind, resharing_allowed, endorsement_required, "
    "record";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteLedger>> SqliteLedger::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat(
        "sqlite open ", path, ": ",
        db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteLedger> ledger(new SqliteLedger(db));
  absl::MutexLock lock(&ledger->mu_);
  sqlite3_busy_timeout(db, 10000);
  RETURN_IF_ERROR(ledger->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(ledger->Exec("PRAGMA synchronous=FULL"));
  RETURN_IF_ERROR(ledger->Exec("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(ledger->Exec(kSchema));
  return ledger;
}

SqliteLedger::~SqliteLedger() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status SqliteLedger::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status s = absl::InternalError(
        absl::StrCat("sqlite exec: ", err != nullptr ? err : "?"));
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SqliteLedger::PutOem(const std::string& oem_id,
                                          const std::string& root_der) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  Stmt get(db_, "SELECT root_der FROM oems WHERE oem_id = ?");
  get.Bind(1, oem_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (found && get.Blob(0) == root_der) return false;
  Stmt put(db_, "INSERT OR REPLACE INTO oems(oem_id, root_der) VALUES (?, ?)");
  put.Bind(1, oem_id).BindBlob(2, root_der);
  RETURN_IF_ERROR(put.Run());
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

absl::StatusOr<std::string> SqliteLedger::GetOemRoot(const std::string& oem_id) {
  absl::MutexLock lock(&mu_);
  Stmt get(db_, "SELECT root_der FROM oems WHERE oem_id = ?");
  get.Bind(1, oem_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "oem_not_found",
                     absl::StrCat("unknown OEM '", oem_id, "'"));
  }
  return get.Blob(0);
}

absl::StatusOr<bool> SqliteLedger::PutAccessPoint(
    const AccessPointRegistration& ap) {
  std::string blob;
  if (!ap.SerializeToString(&blob)) return absl::InternalError("serialize ap");
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  Stmt get(db_,
           "SELECT registration FROM access_points WHERE access_point_id = ?");
  get.Bind(1, ap.access_point_id());
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (found && get.Blob(0) == blob) return false;
  Stmt put(db_,
           "INSERT OR REPLACE INTO access_points(access_point_id, "
           "registration) VALUES (?, ?)");
  put.Bind(1, ap.access_point_id()).BindBlob(2, blob);
  RETURN_IF_ERROR(put.Run());
  RETURN_IF_ERROR(tx.Commit());
  return true;
}

absl::StatusOr<AccessPointRegistration> SqliteLedger::GetAccessPoint(
    const std::string& access_point_id) {
  absl::MutexLock lock(&mu_);
  Stmt get(db_,
           "SELECT registration FROM access_points WHERE access_point_id = ?");
  get.Bind(1, access_point_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "access_point_not_found",
                     absl::StrCat("unknown access point '", access_point_id,
                                  "'"));
  }
  AccessPointRegistration ap;
  if (!ap.ParseFromString(get.Blob(0))) {
    return absl::InternalError("corrupt access point record");
  }
  return ap;
}

absl::Status SqliteLedger::InsertRequestLocked(const RequestRecord& request) {
  if (request.request_id.empty()) return absl::OkStatus();
  Stmt put(db_,
           "INSERT OR IGNORE INTO requests(request_id, method, fingerprint, "
           "response) VALUES (?, ?, ?, ?)");
  put.Bind(1, request.request_id)
      .Bind(2, request.method)
      .BindBlob(3, request.fingerprint)
      .BindBlob(4, request.response);
  RETURN_IF_ERROR(put.Run());
  if (sqlite3_changes(db_) == 0) {
    return MakeError(absl::StatusCode::kAlreadyExists, "request_id_conflict",
                     "request_id already used");
  }
  return absl::OkStatus();
}

absl::Status SqliteLedger::InsertCredentialLocked(
    const common::v1::Credential& credential,
    const std::optional<SymmetricKeyGrant>& grant) {
  std::string blob;
  if (!credential.SerializeToString(&blob)) {
    return absl::InternalError("serialize credential");
  }
  Stmt put(db_,
           "INSERT INTO credentials(credential_id, access_point_id, "
           "parent_share_id, not_after_us, credential) VALUES (?, ?, ?, ?, ?)");
  put.Bind(1, credential.credential_id())
      .Bind(2, credential.access_point_id())
      .Bind(3, credential.parent_share_id())
      .Bind(4, TimestampMicros(credential.validity().not_after()))
      .BindBlob(5, blob);
  RETURN_IF_ERROR(put.Run());
  if (grant.has_value()) {
    std::string g;
    if (!grant->SerializeToString(&g)) {
      return absl::InternalError("serialize grant");
    }
    Stmt pg(db_,
            "INSERT INTO key_grants(access_point_id, grant_proto) VALUES (?, "
            "?)");
    pg.Bind(1, credential.access_point_id()).BindBlob(2, g);
    RETURN_IF_ERROR(pg.Run());
  }
  return absl::OkStatus();
}

absl::Status SqliteLedger::InsertCredential(
    const common::v1::Credential& credential,
    const std::optional<SymmetricKeyGrant>& grant,
    const RequestRecord& request) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  RETURN_IF_ERROR(InsertRequestLocked(request));
  RETURN_IF_ERROR(InsertCredentialLocked(credential, grant));
  return tx.Commit();
}

absl::StatusOr<CredentialRow> SqliteLedger::GetCredential(
    const std::string& credential_id) {
  absl::MutexLock lock(&mu_);
  Stmt get(db_,
           "SELECT credential, revoked_at_us FROM credentials WHERE "
           "credential_id = ?");
  get.Bind(1, credential_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                     absl::StrCat("unknown credential '", credential_id, "'"));
  }
  CredentialRow row;
  if (!row.credential.ParseFromString(get.Blob(0))) {
    return absl::InternalError("corrupt credential record");
  }
  if (!get.IsNull(1)) row.revoked_at = FromMicros(get.Int(1));
  return row;
}

absl::Status SqliteLedger::InsertShare(const ShareRow& share,
                                       const RequestRecord& request) {
  std::string blob;
  if (!share.record.SerializeToString(&blob)) {
    return absl::InternalError("serialize share");
  }
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  RETURN_IF_ERROR(InsertRequestLocked(request));
  Stmt put(db_,
           "INSERT INTO shares(share_id, parent_credential_id, "
           "access_point_id, state, max_redemptions, token_expires_at_us, "
           "pin_salt, pin_hash, pin_iterations, credential_kind, "
           "resharing_allowed, endorsement_required, record) VALUES "
           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const common::v1::ShareRecord& r = share.record;
  put.Bind(1, r.share_id())
      .Bind(2, r.parent_credential_id())
      .Bind(3, r.access_point_id())
      .Bind(4, int64_t{common::v1::PENDING})
      .Bind(5, int64_t{r.max_redemptions()})
      .Bind(6, TimestampMicros(r.token_expires_at()))
      .BindBlob(7, share.pin_salt)
      .BindBlob(8, share.pin_hash)
      .Bind(9, int64_t{share.pin_iterations})
      .Bind(10, int64_t{share.credential_kind})
      .Bind(11, int64_t{share.resharing_allowed})
      .Bind(12, int64_t{share.endorsement_required})
      .BindBlob(13, blob);
  RETURN_IF_ERROR(put.Run());
  return tx.Commit();
}

namespace {

// Builds a ShareRow from a row selected with kShareColumns.
absl::StatusOr<ShareRow> ReadShare(Stmt& s, absl::Time now) {
  ShareRow row;
  if (!row.record.ParseFromString(s.Blob(14))) {
    return absl::InternalError("corrupt share record");
  }
  common::v1::ShareRecord& r = row.record;
  auto state = static_cast<common::v1::ShareState>(s.Int(1));
  r.set_redemptions(static_cast<uint32_t>(s.Int(2)));
  r.set_failed_pin_attempts(static_cast<uint32_t>(s.Int(3)));
  if (state == common::v1::PENDING && FromMicros(s.Int(4)) < now) {
    state = common::v1::EXPIRED;
  }
  r.set_state(state);
  r.set_receiver_oem_id(s.Text(5));
  if (!s.IsNull(6)) *r.mutable_redeemed_at() = ToTimestamp(FromMicros(s.Int(6)));
  if (!s.IsNull(7)) *r.mutable_revoked_at() = ToTimestamp(FromMicros(s.Int(7)));
  row.pin_salt = s.Blob(8);
  row.pin_hash = s.Blob(9);
  row.pin_iterations = static_cast<uint32_t>(s.Int(10));
  row.credential_kind = static_cast<common::v1::CredentialKind>(s.Int(11));
  row.resharing_allowed = s.Int(12) != 0;
  row.endorsement_required = s.Int(13) != 0;
  return row;
}

}  // namespace

absl::StatusOr<ShareRow> SqliteLedger::GetShareLocked(
    const std::string& share_id, absl::Time now) {
  Stmt get(db_, absl::StrCat("SELECT ", kShareColumns,
                             " FROM shares WHERE share_id = ?")
                    .c_str());
  get.Bind(1, share_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "share_not_found",
                     "unknown share");
  }
  ASSIGN_OR_RETURN(ShareRow row, ReadShare(get, now));
  Stmt creds(db_,
             "SELECT credential_id FROM credentials WHERE parent_share_id = ? "
             "ORDER BY seq");
  creds.Bind(1, share_id);
  while (true) {
    ASSIGN_OR_RETURN(bool more, creds.Step());
    if (!more) break;
    row.record.add_issued_credential_ids(creds.Text(0));
  }
  return row;
}

absl::StatusOr<ShareRow> SqliteLedger::GetShare(const std::string& share_id,
                                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  return GetShareLocked(share_id, now);
}

absl::StatusOr<uint32_t> SqliteLedger::RecordWrongPin(
    const std::string& share_id, uint32_t limit) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  Stmt up(db_,
          "UPDATE shares SET failed_pin_attempts = failed_pin_attempts + 1, "
          "state = CASE WHEN failed_pin_attempts + 1 >= ? THEN ? ELSE state "
          "END WHERE share_id = ? AND state = ?");
  up.Bind(1, int64_t{limit})
      .Bind(2, int64_t{common::v1::LOCKED})
      .Bind(3, share_id)
      .Bind(4, int64_t{common::v1::PENDING});
  RETURN_IF_ERROR(up.Run());
  Stmt get(db_, "SELECT failed_pin_attempts FROM shares WHERE share_id = ?");
  get.Bind(1, share_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "share_not_found",
                     "unknown share");
  }
  uint32_t attempts = static_cast<uint32_t>(get.Int(0));
  RETURN_IF_ERROR(tx.Commit());
  return attempts;
}

absl::Status SqliteLedger::CommitRedemption(
    const std::string& share_id, const std::string& receiver_oem_id,
    absl::Time now, const common::v1::Credential& issued,
    const std::optional<SymmetricKeyGrant>& grant,
    const RequestRecord& request) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  // The single point of truth for "exactly once": only a PENDING share with
  // a free redemption slot and a live token is counted.
  Stmt up(db_,
          "UPDATE shares SET redemptions = redemptions + 1, "
          "state = CASE WHEN redemptions + 1 >= max_redemptions THEN ? ELSE "
          "state END, receiver_oem_id = ?, redeemed_at_us = ? "
          "WHERE share_id = ? AND state = ? AND redemptions < max_redemptions "
          "AND token_expires_at_us >= ?");
  up.Bind(1, int64_t{common::v1::REDEEMED})
      .Bind(2, receiver_oem_id)
      .Bind(3, Micros(now))
      .Bind(4, share_id)
      .Bind(5, int64_t{common::v1::PENDING})
      .Bind(6, Micros(now));
  RETURN_IF_ERROR(up.Run());
  if (sqlite3_changes(db_) != 1) {
    ASSIGN_OR_RETURN(ShareRow row, GetShareLocked(share_id, now));
    switch (row.record.state()) {
      case common::v1::REVOKED:
        return MakeError(absl::StatusCode::kFailedPrecondition,
                         "share_revoked", "share was revoked");
      case common::v1::LOCKED:
        return MakeError(absl::StatusCode::kFailedPrecondition, "share_locked",
                         "share locked after too many wrong PINs");
      case common::v1::EXPIRED:
        return MakeError(absl::StatusCode::kFailedPrecondition,
                         "share_expired", "share token expired");
      default:
        return MakeError(absl::StatusCode::kFailedPrecondition,
                         "share_already_redeemed", "share already redeemed");
    }
  }
  RETURN_IF_ERROR(InsertRequestLocked(request));
  RETURN_IF_ERROR(InsertCredentialLocked(issued, grant));
  return tx.Commit();
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeLocked(
    std::vector<std::string> share_roots,
    std::vector<std::string> credential_roots, absl::Time now) {
  RevocationResult result;
  Stmt ver(db_, "SELECT value FROM meta WHERE key = 'revocation_version'");
  ASSIGN_OR_RETURN(bool has_ver, ver.Step());
  uint64_t version = has_ver ? static_cast<uint64_t>(ver.Int(0)) : 0;
  const uint64_t next = version + 1;

  struct Entry {
    std::string credential_id, share_id, access_point_id;
    int64_t relevant_until;
  };
  std::vector<Entry> entries;
  std::deque<std::pair<bool, std::string>> queue;  // (is_share, id)
  for (auto& s : share_roots) queue.emplace_back(true, std::move(s));
  for (auto& c : credential_roots) queue.emplace_back(false, std::move(c));
  std::set<std::string> seen;
  while (!queue.empty()) {
    auto [is_share, id] = queue.front();
    queue.pop_front();
    if (!seen.insert(absl::StrCat(is_share ? "s:" : "c:", id)).second) {
      continue;
    }
    if (is_share) {
      Stmt up(db_,
              "UPDATE shares SET state = ?, revoked_at_us = ? WHERE share_id "
              "= ? AND state != ?");
      up.Bind(1, int64_t{common::v1::REVOKED})
          .Bind(2, Micros(now))
          .Bind(3, id)
          .Bind(4, int64_t{common::v1::REVOKED});
      RETURN_IF_ERROR(up.Run());
      bool newly = sqlite3_changes(db_) == 1;
      Stmt creds(db_,
                 "SELECT credential_id FROM credentials WHERE parent_share_id "
                 "= ?");
      creds.Bind(1, id);
      bool any_credential = false;
      while (true) {
        ASSIGN_OR_RETURN(bool more, creds.Step());
        if (!more) break;
        any_credential = true;
        queue.emplace_back(false, creds.Text(0));
      }
      if (newly) {
        result.share_ids.push_back(id);
        if (!any_credential) {
          Stmt info(db_,
                    "SELECT access_point_id, record FROM shares WHERE share_id "
                    "= ?");
          info.Bind(1, id);
          ASSIGN_OR_RETURN(bool found, info.Step());
          if (found) {
            common::v1::ShareRecord rec;
            rec.ParseFromString(info.Blob(1));
            entries.push_back(
                {"", id, info.Text(0),
                 TimestampMicros(rec.validity().not_after())});
          }
        }
      }
    } else {
      Stmt up(db_,
              "UPDATE credentials SET revoked_at_us = ? WHERE credential_id = "
              "? AND revoked_at_us IS NULL");
      up.Bind(1, Micros(now)).Bind(2, id);
      RETURN_IF_ERROR(up.Run());
      if (sqlite3_changes(db_) == 1) {
        result.credential_ids.push_back(id);
        Stmt info(db_,
                  "SELECT parent_share_id, access_point_id, not_after_us FROM "
                  "credentials WHERE credential_id = ?");
        info.Bind(1, id);
        ASSIGN_OR_RETURN(bool found, info.Step());
        if (found) {
          entries.push_back({id, info.Text(0), info.Text(1), info.Int(2)});
        }
      }
      Stmt shares(db_,
                  "SELECT share_id FROM shares WHERE parent_credential_id = ?");
      shares.Bind(1, id);
      while (true) {
        ASSIGN_OR_RETURN(bool more, shares.Step());
        if (!more) break;
        queue.emplace_back(true, shares.Text(0));
      }
    }
  }
  if (entries.empty() && result.share_ids.empty()) {
    result.version = version;
    return result;
  }
  for (const Entry& e : entries) {
    Stmt put(db_,
             "INSERT INTO revocations(version, credential_id, share_id, "
             "access_point_id, revoked_at_us, relevant_until_us) VALUES (?, ?, "
             "?, ?, ?, ?)");
    put.Bind(1, static_cast<int64_t>(next))
        .Bind(2, e.credential_id)
        .Bind(3, e.share_id)
        .Bind(4, e.access_point_id)
        .Bind(5, Micros(now))
        .Bind(6, e.relevant_until);
    RETURN_IF_ERROR(put.Run());
  }
  Stmt bump(db_, "UPDATE meta SET value = ? WHERE key = 'revocation_version'");
  bump.Bind(1, static_cast<int64_t>(next));
  RETURN_IF_ERROR(bump.Run());
  result.version = next;
  return result;
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeShare(
    const std::string& share_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  RETURN_IF_ERROR(GetShareLocked(share_id, now).status());
  ASSIGN_OR_RETURN(RevocationResult r, RevokeLocked({share_id}, {}, now));
  RETURN_IF_ERROR(tx.Commit());
  return r;
}

absl::StatusOr<RevocationResult> SqliteLedger::RevokeCredential(
    const std::string& credential_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Transaction tx(db_);
  RETURN_IF_ERROR(tx.Begin());
  Stmt get(db_, "SELECT 1 FROM credentials WHERE credential_id = ?");
  get.Bind(1, credential_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) {
    return MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                     absl::StrCat("unknown credential '", credential_id, "'"));
  }
  ASSIGN_OR_RETURN(RevocationResult r, RevokeLocked({}, {credential_id}, now));
  RETURN_IF_ERROR(tx.Commit());
  return r;
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesLocked(
    const char* where, const std::string& key, absl::Time now) {
  Stmt list(db_, absl::StrCat("SELECT share_id FROM shares WHERE ", where,
                              " = ? ORDER BY seq")
                     .c_str());
  list.Bind(1, key);
  std::vector<std::string> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool more, list.Step());
    if (!more) break;
    ids.push_back(list.Text(0));
  }
  std::vector<ShareRow> out;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(ShareRow row, GetShareLocked(id, now));
    out.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesByParent(
    const std::string& credential_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return ListSharesLocked("parent_credential_id", credential_id, now);
}

absl::StatusOr<std::vector<ShareRow>> SqliteLedger::ListSharesByAccessPoint(
    const std::string& access_point_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return ListSharesLocked("access_point_id", access_point_id, now);
}

absl::StatusOr<uint64_t> SqliteLedger::RevocationVersion() {
  absl::MutexLock lock(&mu_);
  Stmt ver(db_, "SELECT value FROM meta WHERE key = 'revocation_version'");
  ASSIGN_OR_RETURN(bool found, ver.Step());
  return found ? static_cast<uint64_t>(ver.Int(0)) : 0;
}

absl::StatusOr<std::vector<RevocationEntry>> SqliteLedger::RevocationsAfter(
    uint64_t after_version, absl::Time relevant_at) {
  absl::MutexLock lock(&mu_);
  Stmt list(db_,
            "SELECT credential_id, share_id, access_point_id, revoked_at_us, "
            "version FROM revocations WHERE version > ? AND relevant_until_us "
            ">= ? ORDER BY seq");
  list.Bind(1, static_cast<int64_t>(after_version))
      .Bind(2, relevant_at == absl::InfinitePast()
                   ? std::numeric_limits<int64_t>::min()
                   : Micros(relevant_at));
  std::vector<RevocationEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool more, list.Step());
    if (!more) break;
    RevocationEntry e;
    e.set_credential_id(list.Text(0));
    e.set_share_id(list.Text(1));
    e.set_access_point_id(list.Text(2));
    *e.mutable_revoked_at() = ToTimestamp(FromMicros(list.Int(3)));
    e.set_version(static_cast<uint64_t>(list.Int(4)));
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<SymmetricKeyGrant>> SqliteLedger::GrantsAfter(
    const std::string& access_point_id, uint64_t after_sequence,
    uint64_t* last_sequence) {
  absl::MutexLock lock(&mu_);
  Stmt list(db_,
            "SELECT sequence, grant_proto FROM key_grants WHERE "
            "access_point_id = ? AND sequence > ? ORDER BY sequence");
  list.Bind(1, access_point_id).Bind(2, static_cast<int64_t>(after_sequence));
  std::vector<SymmetricKeyGrant> out;
  while (true) {
    ASSIGN_OR_RETURN(bool more, list.Step());
    if (!more) break;
    SymmetricKeyGrant g;
    if (!g.ParseFromString(list.Blob(1))) {
      return absl::InternalError("corrupt key grant");
    }
    g.set_sequence(static_cast<uint64_t>(list.Int(0)));
    out.push_back(std::move(g));
  }
  Stmt last(db_,
            "SELECT COALESCE(MAX(sequence), 0) FROM key_grants WHERE "
            "access_point_id = ?");
  last.Bind(1, access_point_id);
  ASSIGN_OR_RETURN(bool found, last.Step());
  if (last_sequence != nullptr) {
    *last_sequence = found ? static_cast<uint64_t>(last.Int(0)) : 0;
  }
  return out;
}

absl::StatusOr<std::optional<RequestRecord>> SqliteLedger::GetRequest(
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  Stmt get(db_,
           "SELECT method, fingerprint, response FROM requests WHERE "
           "request_id = ?");
  get.Bind(1, request_id);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return std::optional<RequestRecord>();
  RequestRecord r;
  r.request_id = request_id;
  r.method = get.Text(0);
  r.fingerprint = get.Blob(1);
  r.response = get.Blob(2);
  return std::optional<RequestRecord>(std::move(r));
}

}  // namespace sct::ca

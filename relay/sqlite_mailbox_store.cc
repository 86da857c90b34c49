#include "relay/sqlite_mailbox_store.h"

#include <sqlite3.h>

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace sct::relay {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
  id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  payload_type TEXT NOT NULL,
  payload_data BLOB NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  image_url TEXT NOT NULL,
  access_rights TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  sender_claim TEXT NOT NULL,
  sender_token_type TEXT,
  sender_token_data BLOB,
  receiver_claim TEXT NOT NULL,
  receiver_token_type TEXT,
  receiver_token_data BLOB,
  attestation BLOB NOT NULL,
  applied_requests BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mailboxes_by_expiry ON mailboxes (expires_at);
CREATE TABLE IF NOT EXISTS create_keys (
  key TEXT PRIMARY KEY NOT NULL,
  mailbox_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS create_keys_by_mailbox ON create_keys (mailbox_id);
)sql";

constexpr char kColumns[] =
    "id, version, payload_type, payload_data, title, description, image_url, "
    "access_rights, created_at, expires_at, sender_claim, sender_token_type, "
    "sender_token_data, receiver_claim, receiver_token_type, receiver_token_data, "
    "attestation, applied_requests";

// Times are stored as Unix nanoseconds so they round-trip exactly.
int64_t ToNanos(absl::Time t) { return absl::ToUnixNanos(t); }
absl::Time FromNanos(int64_t n) { return absl::FromUnixNanos(n); }

// applied_requests as "<len>:<bytes>" repeated: unambiguous for any bytes.
std::string EncodeList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) absl::StrAppend(&out, s.size(), ":", s);
  return out;
}

bool DecodeList(absl::string_view in, std::vector<std::string>* out) {
  out->clear();
  while (!in.empty()) {
    size_t colon = in.find(':');
    size_t len = 0;
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(in.substr(0, colon), &len) || len > in.size() - colon - 1) {
      return false;
    }
    out->emplace_back(in.substr(colon + 1, len));
    in.remove_prefix(colon + 1 + len);
  }
  return true;
}

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  int Prepare(sqlite3* db, const std::string& sql) {
    return sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_,
                              nullptr);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement (and drops its bindings) when the scope ends.
class ScopedReset {
 public:
  explicit ScopedReset(const Stmt& s) : s_(s.get()) {}
  ~ScopedReset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_;
};

void BindText(sqlite3_stmt* s, int i, absl::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void BindBlob(sqlite3_stmt* s, int i, absl::string_view v) {
  // A zero-length blob must still be non-NULL.
  sqlite3_bind_blob(s, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
}

std::string ColumnString(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

// Binds columns 1..18 in kColumns order.
void BindMailbox(sqlite3_stmt* s, const Mailbox& m) {
  BindText(s, 1, m.id);
  sqlite3_bind_int64(s, 2, m.version);
  BindText(s, 3, m.payload.type);
  BindBlob(s, 4, m.payload.data);
  BindText(s, 5, m.display.title);
  BindText(s, 6, m.display.description);
  BindText(s, 7, m.display.image_url);
  BindText(s, 8, m.access_rights);
  sqlite3_bind_int64(s, 9, ToNanos(m.created_at));
  sqlite3_bind_int64(s, 10, ToNanos(m.expires_at));
  BindText(s, 11, m.sender_claim);
  if (m.sender_token.has_value()) {
    BindText(s, 12, m.sender_token->type);
    BindBlob(s, 13, m.sender_token->token_data);
  }  // else both stay NULL
  BindText(s, 14, m.receiver_claim);
  if (m.receiver_token.has_value()) {
    BindText(s, 15, m.receiver_token->type);
    BindBlob(s, 16, m.receiver_token->token_data);
  }
  BindBlob(s, 17, m.attestation);
  BindBlob(s, 18, EncodeList(m.applied_requests));
}

bool ReadMailbox(sqlite3_stmt* s, Mailbox* m) {
  m->id = ColumnString(s, 0);
  m->version = sqlite3_column_int64(s, 1);
  m->payload.type = ColumnString(s, 2);
  m->payload.data = ColumnString(s, 3);
  m->display.title = ColumnString(s, 4);
  m->display.description = ColumnString(s, 5);
  m->display.image_url = ColumnString(s, 6);
  m->access_rights = ColumnString(s, 7);
  m->created_at = FromNanos(sqlite3_column_int64(s, 8));
  m->expires_at = FromNanos(sqlite3_column_int64(s, 9));
  m->sender_claim = ColumnString(s, 10);
  if (sqlite3_column_type(s, 11) != SQLITE_NULL) {
    m->sender_token = NotificationToken{ColumnString(s, 11), ColumnString(s, 12)};
  }
  m->receiver_claim = ColumnString(s, 13);
  if (sqlite3_column_type(s, 14) != SQLITE_NULL) {
    m->receiver_token = NotificationToken{ColumnString(s, 14), ColumnString(s, 15)};
  }
  m->attestation = ColumnString(s, 16);
  return DecodeList(ColumnString(s, 17), &m->applied_requests);
}

}  // namespace

struct SqliteMailboxStore::Statements {
  Stmt begin, commit, rollback, savepoint, release, rollback_to;
  Stmt get, insert, cas, version_of, live, delete_row, delete_keys_of;
  Stmt find_key, delete_key, insert_key, sweep_select, count;
};

SqliteMailboxStore::SqliteMailboxStore(std::string path) : path_(std::move(path)) {}

SqliteMailboxStore::~SqliteMailboxStore() {
  absl::MutexLock lock(&mu_);
  stmts_.reset();  // finalize before closing
  if (db_ != nullptr) sqlite3_close(db_);
}

absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> SqliteMailboxStore::Open(
    const std::string& path) {
  if (path.empty()) {
    return absl::FailedPreconditionError("sqlite store: empty database path");
  }
  std::unique_ptr<SqliteMailboxStore> store(new SqliteMailboxStore(path));
  absl::Status s = store->Init();
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open sqlite mailbox store '", path, "': ", s.message()));
  }
  return store;
}

absl::Status SqliteMailboxStore::Error(absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("sqlite '", path_, "': ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status SqliteMailboxStore::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return absl::UnavailableError(msg);
  }
  return absl::OkStatus();
}

absl::Status SqliteMailboxStore::Init() {
  absl::MutexLock lock(&mu_);
  int rc = sqlite3_open_v2(path_.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // journal_mode answers with the mode in force; anything but "wal" means the
  // durability/concurrency assumptions do not hold.
  std::string mode;
  char* err = nullptr;
  rc = sqlite3_exec(
      db_, "PRAGMA journal_mode=WAL;",
      [](void* out, int n, char** values, char**) {
        if (n > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &mode, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return absl::UnavailableError(msg);
  }
  if (mode != "wal") {
    return absl::UnavailableError(absl::StrCat("journal_mode is '", mode, "', not wal"));
  }
  RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL;"));
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
  absl::Status s = Exec(kSchema);
  if (s.ok()) {
    // Exactly one row: the schema version this file was written with.
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db_, "SELECT version FROM schema_version LIMIT 1", -1, &q, nullptr);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
      int64_t v = sqlite3_column_int64(q, 0);
      if (v != kSchemaVersion) {
        s = absl::UnavailableError(absl::StrCat("unsupported schema version ", v,
                                                " (this relay reads ", kSchemaVersion, ")"));
      }
    } else if (step == SQLITE_DONE) {
      sqlite3_finalize(q);
      q = nullptr;
      s = Exec(absl::StrCat("INSERT INTO schema_version (version) VALUES (",
                            kSchemaVersion, ");")
                   .c_str());
    } else {
      s = absl::UnavailableError(sqlite3_errmsg(db_));
    }
    sqlite3_finalize(q);
  }
  if (!s.ok()) {
    Exec("ROLLBACK;").IgnoreError();
    return s;
  }
  RETURN_IF_ERROR(Exec("COMMIT;"));

  stmts_ = std::make_unique<Statements>();
  const std::string cols = kColumns;
  struct {
    Stmt* stmt;
    std::string sql;
  } const prepared[] = {
      {&stmts_->begin, "BEGIN IMMEDIATE"},
      {&stmts_->commit, "COMMIT"},
      {&stmts_->rollback, "ROLLBACK"},
      {&stmts_->savepoint, "SAVEPOINT op"},
      {&stmts_->release, "RELEASE op"},
      {&stmts_->rollback_to, "ROLLBACK TO op"},
      {&stmts_->get,
       absl::StrCat("SELECT ", cols, " FROM mailboxes WHERE id = ?1 AND expires_at > ?2")},
      {&stmts_->insert,
       absl::StrCat("INSERT INTO mailboxes (", cols,
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                    "?14, ?15, ?16, ?17, ?18)")},
      {&stmts_->cas,
       "UPDATE mailboxes SET version = ?2, payload_type = ?3, payload_data = ?4, "
       "title = ?5, description = ?6, image_url = ?7, access_rights = ?8, "
       "created_at = ?9, expires_at = ?10, sender_claim = ?11, sender_token_type = ?12, "
       "sender_token_data = ?13, receiver_claim = ?14, receiver_token_type = ?15, "
       "receiver_token_data = ?16, attestation = ?17, applied_requests = ?18 "
       "WHERE id = ?1 AND version = ?19 AND expires_at > ?20"},
      {&stmts_->version_of, "SELECT version, expires_at FROM mailboxes WHERE id = ?1"},
      {&stmts_->live, "SELECT 1 FROM mailboxes WHERE id = ?1 AND expires_at > ?2"},
      {&stmts_->delete_row, "DELETE FROM mailboxes WHERE id = ?1"},
      {&stmts_->delete_keys_of, "DELETE FROM create_keys WHERE mailbox_id = ?1"},
      {&stmts_->find_key, "SELECT mailbox_id FROM create_keys WHERE key = ?1"},
      {&stmts_->delete_key, "DELETE FROM create_keys WHERE key = ?1"},
      {&stmts_->insert_key,
       "INSERT OR REPLACE INTO create_keys (key, mailbox_id, expires_at) "
       "VALUES (?1, ?2, ?3)"},
      {&stmts_->sweep_select,
       "SELECT id FROM mailboxes WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2"},
      {&stmts_->count, "SELECT COUNT(*) FROM mailboxes"},
  };
  for (const auto& p : prepared) {
    if (p.stmt->Prepare(db_, p.sql) != SQLITE_OK) {
      return absl::UnavailableError(
          absl::StrCat("preparing '", p.sql, "': ", sqlite3_errmsg(db_)));
    }
  }
  {
    ScopedReset reset(stmts_->count);
    if (sqlite3_step(stmts_->count.get()) != SQLITE_ROW) {
      return absl::UnavailableError(sqlite3_errmsg(db_));
    }
    count_ = sqlite3_column_int64(stmts_->count.get(), 0);
  }
  return absl::OkStatus();
}

absl::Status SqliteMailboxStore::Step(sqlite3_stmt* stmt, absl::string_view what) {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Error(what);
  return absl::OkStatus();
}

absl::Status SqliteMailboxStore::DeleteRowLocked(absl::string_view id) {
  {
    ScopedReset reset(stmts_->delete_row);
    BindText(stmts_->delete_row.get(), 1, id);
    if (sqlite3_step(stmts_->delete_row.get()) != SQLITE_DONE) return Error("delete");
  }
  ScopedReset reset(stmts_->delete_keys_of);
  BindText(stmts_->delete_keys_of.get(), 1, id);
  if (sqlite3_step(stmts_->delete_keys_of.get()) != SQLITE_DONE) {
    return Error("delete create keys");
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ group commit

bool SqliteMailboxStore::BatchReady() const {
  return arriving_.load() == 0 || batch_ops_ >= kMaxBatch;
}

absl::StatusOr<int64_t> SqliteMailboxStore::ExecuteInBatchLocked(const WriteOp& op) {
  if (in_txn_ && sqlite3_get_autocommit(db_) != 0) {
    // SQLite rolled the batch back on its own (I/O error, disk full); the
    // leader's COMMIT will report it to the batch. Do not write outside it.
    return absl::UnavailableError(
        absl::StrCat("sqlite '", path_, "': transaction lost; retry"));
  }
  if (!in_txn_) {
    RETURN_IF_ERROR(Step(stmts_->begin.get(), "begin"));
    in_txn_ = true;
    ++epoch_;
  }
  RETURN_IF_ERROR(Step(stmts_->savepoint.get(), "savepoint"));
  absl::StatusOr<int64_t> result = op();
  if (!result.ok()) {
    Step(stmts_->rollback_to.get(), "rollback to savepoint").IgnoreError();
  }
  Step(stmts_->release.get(), "release savepoint").IgnoreError();
  return result;
}

void SqliteMailboxStore::CommitBatchLocked() {
  absl::Status s = Step(stmts_->commit.get(), "commit");
  if (!s.ok()) {
    Step(stmts_->rollback.get(), "rollback").IgnoreError();
    failed_epochs_[epoch_] = s;
    while (failed_epochs_.size() > 64) failed_epochs_.erase(failed_epochs_.begin());
  } else {
    count_ += pending_delta_;
  }
  ++commits_;
  pending_delta_ = 0;
  batch_ops_ = 0;
  in_txn_ = false;
  done_epoch_ = epoch_;
}

absl::StatusOr<int64_t> SqliteMailboxStore::Write(const WriteOp& op) {
  arriving_.fetch_add(1);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int64_t> delta = ExecuteInBatchLocked(op);
  arriving_.fetch_sub(1);
  if (!delta.ok()) {
    // Nothing of ours to commit. Close the transaction if nobody else is in
    // it, so an idle store holds no write lock.
    if (in_txn_ && batch_ops_ == 0 && !leader_active_) {
      Step(stmts_->rollback.get(), "rollback").IgnoreError();
      in_txn_ = false;
      done_epoch_ = epoch_;
    }
    return delta.status();
  }
  ++batch_ops_;
  pending_delta_ += *delta;
  const int64_t my_epoch = epoch_;
  if (!leader_active_) {
    // Lead this batch: let every writer already queued join it, then commit.
    leader_active_ = true;
    mu_.Await(absl::Condition(this, &SqliteMailboxStore::BatchReady));
    CommitBatchLocked();
    leader_active_ = false;
  } else {
    struct Done {
      const SqliteMailboxStore* store;
      int64_t epoch;
      bool operator()() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return store->done_epoch_ >= epoch;
      }
    } done{this, my_epoch};
    mu_.Await(absl::Condition(&done));
  }
  auto failed = failed_epochs_.find(my_epoch);
  if (failed != failed_epochs_.end()) return failed->second;
  return delta;
}

// ------------------------------------------------------------ operations

absl::Status SqliteMailboxStore::Insert(const Mailbox& mailbox,
                                        absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  return Write([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<int64_t> {
           if (!create_key.empty()) {
             std::string existing;
             {
               ScopedReset reset(stmts_->find_key);
               BindText(stmts_->find_key.get(), 1, create_key);
               int rc = sqlite3_step(stmts_->find_key.get());
               if (rc == SQLITE_ROW) {
                 existing = ColumnString(stmts_->find_key.get(), 0);
               } else if (rc != SQLITE_DONE) {
                 return Error("find create key");
               }
             }
             if (!existing.empty()) {
               ScopedReset reset(stmts_->live);
               BindText(stmts_->live.get(), 1, existing);
               sqlite3_bind_int64(stmts_->live.get(), 2, ToNanos(mailbox.created_at));
               int rc = sqlite3_step(stmts_->live.get());
               if (rc == SQLITE_ROW) return absl::AlreadyExistsError(existing);
               if (rc != SQLITE_DONE) return Error("check create key");
             }
           }
           {
             ScopedReset reset(stmts_->version_of);
             BindText(stmts_->version_of.get(), 1, mailbox.id);
             int rc = sqlite3_step(stmts_->version_of.get());
             if (rc == SQLITE_ROW) return absl::AlreadyExistsError("mailbox id taken");
             if (rc != SQLITE_DONE) return Error("check id");
           }
           {
             ScopedReset reset(stmts_->insert);
             BindMailbox(stmts_->insert.get(), mailbox);
             if (sqlite3_step(stmts_->insert.get()) != SQLITE_DONE) return Error("insert");
           }
           if (!create_key.empty()) {
             ScopedReset reset(stmts_->insert_key);
             BindText(stmts_->insert_key.get(), 1, create_key);
             BindText(stmts_->insert_key.get(), 2, mailbox.id);
             sqlite3_bind_int64(stmts_->insert_key.get(), 3, ToNanos(mailbox.expires_at));
             if (sqlite3_step(stmts_->insert_key.get()) != SQLITE_DONE) {
               return Error("insert create key");
             }
           }
           return 1;
         })
      .status();
}

absl::StatusOr<Mailbox> SqliteMailboxStore::Get(absl::string_view id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ScopedReset reset(stmts_->get);
  sqlite3_stmt* s = stmts_->get.get();
  BindText(s, 1, id);
  sqlite3_bind_int64(s, 2, ToNanos(now));
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return absl::NotFoundError("mailbox not found");
  if (rc != SQLITE_ROW) return Error("get");
  Mailbox m;
  if (!ReadMailbox(s, &m)) {
    return absl::DataLossError(
        absl::StrCat("sqlite '", path_, "': corrupt applied_requests in a mailbox row"));
  }
  return m;
}

absl::Status SqliteMailboxStore::CompareAndSwap(const Mailbox& updated,
                                                int64_t expected_version,
                                                absl::Time now) {
  if (updated.version != expected_version + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompareAndSwap: version must be ", expected_version + 1));
  }
  return Write([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<int64_t> {
           {
             ScopedReset reset(stmts_->cas);
             sqlite3_stmt* s = stmts_->cas.get();
             BindMailbox(s, updated);
             sqlite3_bind_int64(s, 19, expected_version);
             sqlite3_bind_int64(s, 20, ToNanos(now));
             if (sqlite3_step(s) != SQLITE_DONE) return Error("compare-and-swap");
             if (sqlite3_changes(db_) == 1) return 0;
           }
           // Nothing changed: say why.
           ScopedReset reset(stmts_->version_of);
           sqlite3_stmt* s = stmts_->version_of.get();
           BindText(s, 1, updated.id);
           int rc = sqlite3_step(s);
           if (rc == SQLITE_DONE) return absl::NotFoundError("mailbox not found");
           if (rc != SQLITE_ROW) return Error("compare-and-swap check");
           if (FromNanos(sqlite3_column_int64(s, 1)) <= now) {
             return absl::NotFoundError("mailbox not found");
           }
           return absl::AbortedError("mailbox changed concurrently");
         })
      .status();
}

absl::Status SqliteMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  return Write([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<int64_t> {
           {
             ScopedReset reset(stmts_->version_of);
             sqlite3_stmt* s = stmts_->version_of.get();
             BindText(s, 1, id);
             int rc = sqlite3_step(s);
             if (rc == SQLITE_DONE) return absl::NotFoundError("mailbox not found");
             if (rc != SQLITE_ROW) return Error("delete check");
             if (sqlite3_column_int64(s, 0) != expected_version) {
               return absl::AbortedError("mailbox changed concurrently");
             }
           }
           RETURN_IF_ERROR(DeleteRowLocked(id));
           return -1;
         })
      .status();
}

absl::StatusOr<int64_t> SqliteMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  if (limit <= 0) return 0;
  absl::StatusOr<int64_t> delta =
      Write([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<int64_t> {
        std::vector<std::string> ids;
        {
          ScopedReset reset(stmts_->sweep_select);
          sqlite3_stmt* s = stmts_->sweep_select.get();
          sqlite3_bind_int64(s, 1, ToNanos(now));
          sqlite3_bind_int64(s, 2, limit);
          int rc;
          while ((rc = sqlite3_step(s)) == SQLITE_ROW) ids.push_back(ColumnString(s, 0));
          if (rc != SQLITE_DONE) return Error("sweep select");
        }
        for (const std::string& id : ids) RETURN_IF_ERROR(DeleteRowLocked(id));
        return -static_cast<int64_t>(ids.size());
      });
  if (!delta.ok()) return delta.status();
  return -*delta;
}

int64_t SqliteMailboxStore::commits() {
  absl::MutexLock lock(&mu_);
  return commits_;
}

absl::StatusOr<int64_t> SqliteMailboxStore::Count() {
  absl::MutexLock lock(&mu_);
  return count_;
}

}  // namespace sct::relay

#include "relay/sqlite_mailbox_store.h"

#include <deque>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::relay {
namespace {

// Schema 3's mailbox table (kept for the schema-2 conversion, which builds
// it before schema 4 adds its column). A rowid table: SQLite keeps up to ~4 KB
// of a row in a table's leaf page, but only ~1 KB of an index entry (which is
// what a WITHOUT ROWID row is) before spilling the rest into an overflow page
// of its own.
constexpr char kMailboxTableV3[] = R"sql(
CREATE TABLE mailboxes (
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
);
CREATE INDEX mailboxes_by_expiry ON mailboxes (expires_at);
)sql";

// Schema 4: the create key is a column of the mailbox's row (NULL when the
// create had none), found through a partial unique index, instead of a
// create_keys table and its index on mailbox_id: an insert or a delete
// changes four B-trees (the table, its id index, the expiry index, the
// create-key index), not five, and runs fewer statements.
constexpr char kCreateKeyIndex[] =
    "CREATE UNIQUE INDEX mailboxes_by_create_key ON mailboxes (create_key) "
    "WHERE create_key IS NOT NULL;";

constexpr char kSchemaVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);";

// Schema 1 -> 2: Unix nanoseconds -> Unix microseconds, rounded down (floor
// division, as absl::ToUnixMicros rounds) so that a converted expiry never
// lies later than the stored one.
constexpr char kMigrateV1ToV2[] = R"sql(
UPDATE mailboxes SET
  created_at = (created_at - (((created_at % 1000) + 1000) % 1000)) / 1000,
  expires_at = (expires_at - (((expires_at % 1000) + 1000) % 1000)) / 1000;
UPDATE create_keys SET
  expires_at = (expires_at - (((expires_at % 1000) + 1000) % 1000)) / 1000;
UPDATE schema_version SET version = 2;
)sql";

constexpr char kColumns[] =
    "id, version, payload_type, payload_data, title, description, image_url, "
    "access_rights, created_at, expires_at, sender_claim, sender_token_type, "
    "sender_token_data, receiver_claim, receiver_token_type, receiver_token_data, "
    "attestation, applied_requests";

// Schema 2 -> 3: the same columns, moved into a rowid table.
std::string MigrateV2ToV3() {
  return absl::StrCat(
      "DROP INDEX IF EXISTS mailboxes_by_expiry;"
      "ALTER TABLE mailboxes RENAME TO mailboxes_v2;",
      kMailboxTableV3, "INSERT INTO mailboxes (", kColumns, ") SELECT ", kColumns,
      " FROM mailboxes_v2;"
      "DROP TABLE mailboxes_v2;"
      "UPDATE schema_version SET version = 3;");
}

// Schema 3 -> 4: each create key moves from create_keys into the row of the
// mailbox it names (create_keys.key is its primary key and every insert
// names one mailbox, so no two rows get the same key); the table and its
// index go.
std::string MigrateV3ToV4() {
  return absl::StrCat(
      "ALTER TABLE mailboxes ADD COLUMN create_key TEXT;"
      "UPDATE mailboxes SET create_key = (SELECT key FROM create_keys "
      "WHERE create_keys.mailbox_id = mailboxes.id ORDER BY key LIMIT 1);",
      kCreateKeyIndex,
      "DROP INDEX IF EXISTS create_keys_by_mailbox;"
      "DROP TABLE create_keys;"
      "UPDATE schema_version SET version = 4;");
}

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
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(in.substr(0, colon), &len) ||
        len > in.size() - colon - 1) {
      return false;
    }
    out->emplace_back(in.substr(colon + 1, len));
    in.remove_prefix(colon + 1 + len);
  }
  return true;
}

// Binds parameters 1..18 in kColumns order.
void BindMailbox(SqliteStatement& s, const Mailbox& m) {
  s.BindText(1, m.id).BindInt(2, m.version);
  s.BindText(3, m.payload.type).BindBlob(4, m.payload.data);
  s.BindText(5, m.display.title).BindText(6, m.display.description);
  s.BindText(7, m.display.image_url).BindText(8, m.access_rights);
  s.BindTime(9, m.created_at).BindTime(10, m.expires_at);
  s.BindText(11, m.sender_claim);
  if (m.sender_token.has_value()) {
    s.BindText(12, m.sender_token->type).BindBlob(13, m.sender_token->token_data);
  }  // else both stay NULL
  s.BindText(14, m.receiver_claim);
  if (m.receiver_token.has_value()) {
    s.BindText(15, m.receiver_token->type).BindBlob(16, m.receiver_token->token_data);
  }
  s.BindBlob(17, m.attestation).BindBlob(18, EncodeList(m.applied_requests));
}

// Reads a row of kColumns; false if applied_requests does not decode.
bool ReadMailbox(const SqliteStatement& s, Mailbox* m) {
  m->id = s.Text(0);
  m->version = s.Int(1);
  m->payload.type = s.Text(2);
  m->payload.data = s.Blob(3);
  m->display.title = s.Text(4);
  m->display.description = s.Text(5);
  m->display.image_url = s.Text(6);
  m->access_rights = s.Text(7);
  m->created_at = s.Time(8);
  m->expires_at = s.Time(9);
  m->sender_claim = s.Text(10);
  if (!s.IsNull(11)) m->sender_token = NotificationToken{s.Text(11), s.Blob(12)};
  m->receiver_claim = s.Text(13);
  if (!s.IsNull(14)) m->receiver_token = NotificationToken{s.Text(14), s.Blob(15)};
  m->attestation = s.Blob(16);
  return DecodeList(s.Blob(17), &m->applied_requests);
}

// Inside a write: creates the tables of a new file and converts a file of
// schema 1, 2 or 3. An error names the problem (the caller adds the file).
absl::Status ApplySchema(SqliteDb& db) {
  bool has_mailboxes = false;
  {
    ASSIGN_OR_RETURN(SqliteStatement query,
                     SqliteStatement::Prepare(db, "SELECT 1 FROM sqlite_master WHERE "
                                                  "type = 'table' AND name = 'mailboxes'"));
    ASSIGN_OR_RETURN(has_mailboxes, query.Step());
  }
  RETURN_IF_ERROR(db.Exec(kSchemaVersionTable));
  int64_t version = 0;  // none: a new file
  {
    ASSIGN_OR_RETURN(SqliteStatement query,
                     SqliteStatement::Prepare(db, "SELECT version FROM schema_version LIMIT 1"));
    ASSIGN_OR_RETURN(bool has_version, query.Step());
    if (has_version) version = query.Int(0);
  }
  if (version == 0 && !has_mailboxes) {
    RETURN_IF_ERROR(db.Exec(kMailboxTableV3));
    RETURN_IF_ERROR(db.Exec(absl::StrCat("ALTER TABLE mailboxes ADD COLUMN create_key TEXT;",
                                         kCreateKeyIndex)));
    return db.Exec(absl::StrCat("INSERT INTO schema_version (version) VALUES (",
                                SqliteMailboxStore::kSchemaVersion, ")"));
  }
  if (version == 1) {
    RETURN_IF_ERROR(db.Exec(kMigrateV1ToV2));
    version = 2;
  }
  if (version == 2) {
    RETURN_IF_ERROR(db.Exec(MigrateV2ToV3()));
    version = 3;
  }
  if (version == 3) return db.Exec(MigrateV3ToV4());
  if (version != SqliteMailboxStore::kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("unsupported schema version ", version, " (this relay reads ",
                     SqliteMailboxStore::kSchemaVersion, " and converts 1, 2 and 3)"));
  }
  return absl::OkStatus();
}

// Roughly what a cached mailbox holds in memory.
size_t ApproximateBytes(const Mailbox& m) {
  size_t n = sizeof(Mailbox) + 128 + m.id.size() + m.payload.type.size() + m.payload.data.size() +
             m.display.title.size() + m.display.description.size() +
             m.display.image_url.size() + m.access_rights.size() + m.sender_claim.size() +
             m.receiver_claim.size() + m.attestation.size();
  if (m.sender_token.has_value()) n += m.sender_token->type.size() + m.sender_token->token_data.size();
  if (m.receiver_token.has_value()) {
    n += m.receiver_token->type.size() + m.receiver_token->token_data.size();
  }
  for (const std::string& r : m.applied_requests) n += sizeof(std::string) + r.size();
  return n;
}

}  // namespace

// The mailboxes written last, by id, up to a byte budget; the oldest write
// is evicted first. Thread-safe (its own lock).
class SqliteMailboxStore::Cache {
 public:
  explicit Cache(size_t limit) : limit_(limit) {}

  CacheSize Size() {
    absl::MutexLock lock(&mu_);
    return CacheSize{map_.size(), bytes_, order_.size()};
  }

  std::shared_ptr<const Mailbox> Find(absl::string_view id) {
    absl::MutexLock lock(&mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    return it->second.mailbox;
  }

  void Put(const std::string& id, std::shared_ptr<const Mailbox> m) {
    if (limit_ == 0) return;
    const size_t bytes = ApproximateBytes(*m);
    absl::MutexLock lock(&mu_);
    EraseLocked(id);
    if (bytes > limit_) return;
    const uint64_t stamp = ++stamps_;
    map_[id] = Entry{std::move(m), stamp, bytes};
    order_.emplace_back(id, stamp);
    bytes_ += bytes;
    while (bytes_ > limit_ && !order_.empty()) {
      auto [old_id, old_stamp] = std::move(order_.front());
      order_.pop_front();
      auto it = map_.find(old_id);
      if (it != map_.end() && it->second.stamp == old_stamp) EraseLocked(old_id);
    }
    // Entries left behind by rewrites and erases: drop them now and then.
    if (order_.size() > 2 * map_.size() + 1024) {
      std::deque<std::pair<std::string, uint64_t>> live;
      for (auto& e : order_) {
        auto it = map_.find(e.first);
        if (it != map_.end() && it->second.stamp == e.second) live.push_back(std::move(e));
      }
      order_.swap(live);
    }
  }

  void Erase(const std::string& id) {
    absl::MutexLock lock(&mu_);
    EraseLocked(id);
  }

  void Clear() {
    absl::MutexLock lock(&mu_);
    map_.clear();
    order_.clear();
    bytes_ = 0;
  }

 private:
  struct Entry {
    std::shared_ptr<const Mailbox> mailbox;
    uint64_t stamp = 0;
    size_t bytes = 0;
  };

  void EraseLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = map_.find(id);
    if (it == map_.end()) return;
    bytes_ -= it->second.bytes;
    map_.erase(it);
  }

  const size_t limit_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> map_ ABSL_GUARDED_BY(mu_);
  // (id, stamp) in write order; an entry whose stamp is no longer the
  // map's is left over from a rewrite or an erase.
  std::deque<std::pair<std::string, uint64_t>> order_ ABSL_GUARDED_BY(mu_);
  uint64_t stamps_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

struct SqliteMailboxStore::WriteStatements {
  SqliteStatement insert, cas, cas_same_times, version_of, delete_row, delete_version;
  SqliteStatement find_key, clear_key, sweep_select;

  static absl::StatusOr<std::unique_ptr<WriteStatements>> Prepare(const SqliteDb& db);
};

struct SqliteMailboxStore::ReadStatements {
  SqliteStatement get, count;

  static absl::StatusOr<std::unique_ptr<ReadStatements>> Prepare(const SqliteDb& db);
};

absl::StatusOr<std::unique_ptr<SqliteMailboxStore::WriteStatements>>
SqliteMailboxStore::WriteStatements::Prepare(const SqliteDb& db) {
  auto prepare = [&db](absl::string_view sql) {
    return SqliteStatement::Prepare(db, sql, /*persistent=*/true);
  };
  const std::string cols = kColumns;
  ASSIGN_OR_RETURN(
      SqliteStatement insert,
      prepare(absl::StrCat("INSERT INTO mailboxes (", cols,
                           ", create_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                           "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)")));
  ASSIGN_OR_RETURN(
      SqliteStatement cas,
      prepare("UPDATE mailboxes SET version = ?2, payload_type = ?3, payload_data = ?4, "
              "title = ?5, description = ?6, image_url = ?7, access_rights = ?8, "
              "created_at = ?9, expires_at = ?10, sender_claim = ?11, sender_token_type = ?12, "
              "sender_token_data = ?13, receiver_claim = ?14, receiver_token_type = ?15, "
              "receiver_token_data = ?16, attestation = ?17, applied_requests = ?18 "
              "WHERE id = ?1 AND version = ?19 AND expires_at > ?20"));
  // The same update for a mailbox whose created_at and expires_at stay (every
  // bind and reply): it leaves the expiry index alone, so the write touches
  // the table's page only (one WAL frame instead of two).
  ASSIGN_OR_RETURN(
      SqliteStatement cas_same_times,
      prepare("UPDATE mailboxes SET version = ?2, payload_type = ?3, payload_data = ?4, "
              "title = ?5, description = ?6, image_url = ?7, access_rights = ?8, "
              "sender_claim = ?11, sender_token_type = ?12, sender_token_data = ?13, "
              "receiver_claim = ?14, receiver_token_type = ?15, receiver_token_data = ?16, "
              "attestation = ?17, applied_requests = ?18 "
              "WHERE id = ?1 AND version = ?19 AND expires_at > ?20 AND created_at = ?9 "
              "AND expires_at = ?10"));
  ASSIGN_OR_RETURN(SqliteStatement version_of,
                   prepare("SELECT version, expires_at FROM mailboxes WHERE id = ?1"));
  // Deleting the row deletes its create key with it (schema 4).
  ASSIGN_OR_RETURN(SqliteStatement delete_row, prepare("DELETE FROM mailboxes WHERE id = ?1"));
  ASSIGN_OR_RETURN(SqliteStatement delete_version,
                   prepare("DELETE FROM mailboxes WHERE id = ?1 AND version = ?2"));
  ASSIGN_OR_RETURN(SqliteStatement find_key,
                   prepare("SELECT id, expires_at FROM mailboxes WHERE create_key = ?1"));
  ASSIGN_OR_RETURN(SqliteStatement clear_key,
                   prepare("UPDATE mailboxes SET create_key = NULL WHERE id = ?1"));
  ASSIGN_OR_RETURN(SqliteStatement sweep_select,
                   prepare("SELECT id FROM mailboxes WHERE expires_at <= ?1 "
                           "ORDER BY expires_at LIMIT ?2"));
  return std::unique_ptr<WriteStatements>(new WriteStatements{
      std::move(insert), std::move(cas), std::move(cas_same_times), std::move(version_of),
      std::move(delete_row), std::move(delete_version), std::move(find_key),
      std::move(clear_key), std::move(sweep_select)});
}

absl::StatusOr<std::unique_ptr<SqliteMailboxStore::ReadStatements>>
SqliteMailboxStore::ReadStatements::Prepare(const SqliteDb& db) {
  ASSIGN_OR_RETURN(SqliteStatement get,
                   SqliteStatement::Prepare(db,
                                            absl::StrCat("SELECT ", kColumns,
                                                         " FROM mailboxes WHERE id = ?1 AND "
                                                         "expires_at > ?2"),
                                            /*persistent=*/true));
  ASSIGN_OR_RETURN(SqliteStatement count,
                   SqliteStatement::Prepare(db, "SELECT COUNT(*) FROM mailboxes"));
  return std::unique_ptr<ReadStatements>(new ReadStatements{std::move(get), std::move(count)});
}

SqliteMailboxStore::SqliteMailboxStore(std::unique_ptr<SqliteStore> store,
                                       std::unique_ptr<WriteStatements> w,
                                       std::unique_ptr<ReadStatements> r, int64_t count,
                                       size_t cache_bytes)
    : store_(std::move(store)),
      w_(std::move(w)),
      r_(std::move(r)),
      count_(count),
      cache_(std::make_unique<Cache>(cache_bytes)) {
  store_->SetCommitHook([this](bool committed) { OnCommit(committed); });
}

void SqliteMailboxStore::Stage(absl::string_view id, const Mailbox* m) {
  staged_.emplace_back(std::string(id), m != nullptr ? std::make_shared<const Mailbox>(*m)
                                                     : nullptr);
}

void SqliteMailboxStore::OnCommit(bool committed) {
  if (committed) {
    for (auto& [id, m] : staged_) {
      if (m != nullptr) {
        cache_->Put(id, std::move(m));
      } else {
        cache_->Erase(id);
      }
    }
  } else {
    // SQLite rolled the batch back: what the cache holds may be what it
    // had staged earlier in this batch or older; start again from the file.
    cache_->Clear();
  }
  staged_.clear();
}

SqliteMailboxStore::~SqliteMailboxStore() = default;

absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> SqliteMailboxStore::Open(
    const std::string& path, SqliteStoreOptions options, size_t cache_bytes) {
  // The Get cache holds only this store's writes: no other store may write
  // the file while it is open.
  options.exclusive_owner = true;
  // SqliteStore::Open already names the file; later problems get it added.
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                   SqliteStore::Open(path, std::move(options)));
  auto failed = [&path](const absl::Status& s) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "store_unavailable",
                     absl::StrCat("cannot open sqlite mailbox store '", path, "': ", s.message()));
  };
  absl::Status schema = store->Write([](SqliteDb& db) -> absl::StatusOr<SqliteCommit> {
    RETURN_IF_ERROR(ApplySchema(db));
    return SqliteCommit::kCommit;
  });
  if (!schema.ok()) return failed(schema);
  absl::StatusOr<std::unique_ptr<WriteStatements>> w = WriteStatements::Prepare(store->writer());
  if (!w.ok()) return failed(w.status());
  absl::StatusOr<std::unique_ptr<ReadStatements>> r = ReadStatements::Prepare(store->reader());
  if (!r.ok()) return failed(r.status());
  int64_t count = 0;
  absl::Status counted = store->Read([&](SqliteDb&) -> absl::Status {
    ScopedSqliteReset reset(&(*r)->count);
    ASSIGN_OR_RETURN(bool row, (*r)->count.Step());
    count = row ? (*r)->count.Int(0) : 0;
    return absl::OkStatus();
  });
  if (!counted.ok()) return failed(counted);
  return std::unique_ptr<SqliteMailboxStore>(
      new SqliteMailboxStore(std::move(store), *std::move(w), *std::move(r), count, cache_bytes));
}

absl::Status SqliteMailboxStore::DeleteRow(absl::string_view id) {
  ScopedSqliteReset reset(&w_->delete_row);
  return w_->delete_row.BindText(1, id).Run();
}

absl::StatusOr<std::optional<std::string>> SqliteMailboxStore::LiveCreateKeyHolder(
    absl::string_view create_key, absl::Time at) {
  std::string holder;
  {
    ScopedSqliteReset reset(&w_->find_key);
    ASSIGN_OR_RETURN(bool found, w_->find_key.BindText(1, create_key).Step());
    if (!found) return std::nullopt;
    if (w_->find_key.Time(1) > at) return w_->find_key.Text(0);
    holder = w_->find_key.Text(0);
  }
  // The key's mailbox has expired (not swept yet): the key is free again,
  // for the mailbox about to be inserted.
  ScopedSqliteReset reset(&w_->clear_key);
  RETURN_IF_ERROR(w_->clear_key.BindText(1, holder).Run());
  return std::nullopt;
}

absl::Status SqliteMailboxStore::CasFailure(absl::string_view id, absl::Time now) {
  ScopedSqliteReset reset(&w_->version_of);
  ASSIGN_OR_RETURN(bool found, w_->version_of.BindText(1, id).Step());
  if (!found || w_->version_of.Time(1) <= now) {
    return absl::NotFoundError("mailbox not found");
  }
  return absl::AbortedError("mailbox changed concurrently");
}

absl::StatusOr<int64_t> SqliteMailboxStore::Write(
    absl::FunctionRef<absl::StatusOr<int64_t>()> op) {
  int64_t delta = 0;
  absl::Status written = store_->Write([&](SqliteDb&) -> absl::StatusOr<SqliteCommit> {
    const size_t staged = staged_.size();
    absl::StatusOr<int64_t> done = op();
    if (!done.ok()) {
      staged_.resize(staged);  // its savepoint is rolled back: so is what it staged
      return done.status();
    }
    delta = *done;
    return SqliteCommit::kCommit;
  });
  if (!written.ok()) return written;
  count_.fetch_add(delta);
  return delta;
}

// ------------------------------------------------------------ operations

absl::StatusOr<InsertResult> SqliteMailboxStore::Insert(const Mailbox& mailbox,
                                                        absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  std::optional<std::string> holder;  // set when the create key names a live mailbox
  absl::StatusOr<int64_t> written =
      Write([&]() -> absl::StatusOr<int64_t> {
        if (!create_key.empty()) {
          ASSIGN_OR_RETURN(holder, LiveCreateKeyHolder(create_key, mailbox.created_at));
          if (holder.has_value()) return 0;
        }
        {
          ScopedSqliteReset reset(&w_->version_of);
          ASSIGN_OR_RETURN(bool taken, w_->version_of.BindText(1, mailbox.id).Step());
          if (taken) return absl::AlreadyExistsError("mailbox id taken");
        }
        {
          ScopedSqliteReset reset(&w_->insert);
          BindMailbox(w_->insert, mailbox);
          if (!create_key.empty()) w_->insert.BindText(19, create_key);  // else NULL
          RETURN_IF_ERROR(w_->insert.Run());
        }
        Stage(mailbox.id, &mailbox);
        return 1;
      });
  if (!written.ok()) return written.status();
  if (holder.has_value()) return InsertResult::Repeated(std::move(*holder));
  return InsertResult::Created();
}

absl::StatusOr<Mailbox> SqliteMailboxStore::Get(absl::string_view id, absl::Time now) {
  if (std::shared_ptr<const Mailbox> cached = cache_->Find(id); cached != nullptr) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
    // The file's query asks expires_at > now; so does the cache.
    if (cached->expires_at <= now) return absl::NotFoundError("mailbox not found");
    return *cached;
  }
  file_reads_.fetch_add(1, std::memory_order_relaxed);
  Mailbox m;
  RETURN_IF_ERROR(store_->Read([&](SqliteDb&) -> absl::Status {
    SqliteStatement& s = r_->get;
    ScopedSqliteReset reset(&s);
    ASSIGN_OR_RETURN(bool found, s.BindText(1, id).BindTime(2, now).Step());
    if (!found) return absl::NotFoundError("mailbox not found");
    if (!ReadMailbox(s, &m)) {
      return absl::DataLossError(
          absl::StrCat("sqlite ", path(), ": corrupt applied_requests in a mailbox row"));
    }
    return absl::OkStatus();
  }));
  return m;
}

absl::Status SqliteMailboxStore::CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                                                absl::Time now) {
  if (updated.version != expected_version + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompareAndSwap: version must be ", expected_version + 1));
  }
  return Write([&]() -> absl::StatusOr<int64_t> {
           // The times usually stay: try the update that leaves the expiry
           // index alone first, then the full one.
           for (SqliteStatement* s : {&w_->cas_same_times, &w_->cas}) {
             ScopedSqliteReset reset(s);
             BindMailbox(*s, updated);
             RETURN_IF_ERROR(s->BindInt(19, expected_version).BindTime(20, now).Run());
             if (s->Changes() == 1) {
               Stage(updated.id, &updated);
               return 0;
             }
           }
           return CasFailure(updated.id, now);  // nothing changed: say why
         })
      .status();
}

absl::Status SqliteMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  return Write([&]() -> absl::StatusOr<int64_t> {
           {
             SqliteStatement& s = w_->delete_version;
             ScopedSqliteReset reset(&s);
             RETURN_IF_ERROR(s.BindText(1, id).BindInt(2, expected_version).Run());
             if (s.Changes() == 1) {
               Stage(id, nullptr);
               return -1;
             }
           }
           // Nothing deleted: say why.
           SqliteStatement& s = w_->version_of;
           ScopedSqliteReset reset(&s);
           ASSIGN_OR_RETURN(bool found, s.BindText(1, id).Step());
           if (!found) return absl::NotFoundError("mailbox not found");
           return absl::AbortedError("mailbox changed concurrently");
         })
      .status();
}

absl::StatusOr<int64_t> SqliteMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  if (limit <= 0) return 0;
  absl::StatusOr<int64_t> delta =
      Write([&]() -> absl::StatusOr<int64_t> {
        std::vector<std::string> ids;
        {
          SqliteStatement& s = w_->sweep_select;
          ScopedSqliteReset reset(&s);
          s.BindTime(1, now).BindInt(2, limit);
          while (true) {
            ASSIGN_OR_RETURN(bool row, s.Step());
            if (!row) break;
            ids.push_back(s.Text(0));
          }
        }
        for (const std::string& id : ids) {
          RETURN_IF_ERROR(DeleteRow(id));
          Stage(id, nullptr);
        }
        return -static_cast<int64_t>(ids.size());
      });
  if (!delta.ok()) return delta.status();
  return -*delta;
}

SqliteMailboxStore::CacheSize SqliteMailboxStore::GetCacheSize() const { return cache_->Size(); }

absl::StatusOr<int64_t> SqliteMailboxStore::Count() { return count_.load(); }

}  // namespace sct::relay

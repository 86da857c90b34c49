// MailboxStore in one SQLite file: the relay's embedded, durable default.
//
// The file is opened in WAL mode with synchronous=FULL, so a method that
// returns OK has committed and synced its write: after a crash (kill -9) and
// reopen, every acknowledged mailbox is there with its bindings and expiry.
// Mailboxes live in one table with an index on expires_at (SweepExpired walks
// only what has expired); create keys live in their own table with the
// mailbox they point at and its expiry; a schema_version table guards against
// opening a file written by an incompatible version.
//
// Thread-safe: one connection behind a mutex (calls are serialised), with
// prepared statements reused across calls and a busy timeout in case another
// process holds the file. Error codes are those of MailboxStore, plus
// UNAVAILABLE (message names the file and carries SQLite's error text) when
// SQLite fails.
#ifndef SCT_RELAY_SQLITE_MAILBOX_STORE_H_
#define SCT_RELAY_SQLITE_MAILBOX_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "relay/mailbox_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sct::relay {

class SqliteMailboxStore : public MailboxStore {
 public:
  inline static constexpr int kSchemaVersion = 1;

  // Opens (creating if needed) the database at `path`. FAILED_PRECONDITION,
  // naming the file, if it cannot be opened, is not a database, or has an
  // unsupported schema version.
  static absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> Open(const std::string& path);

  ~SqliteMailboxStore() override;
  SqliteMailboxStore(const SqliteMailboxStore&) = delete;
  SqliteMailboxStore& operator=(const SqliteMailboxStore&) = delete;

  absl::Status Insert(const Mailbox& mailbox, absl::string_view create_key) override;
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override;
  absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                              absl::Time now) override;
  absl::Status Delete(absl::string_view id, int64_t expected_version) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override;
  // Kept in memory (initialised by one COUNT at open), so metrics scrapes do
  // not scan the table.
  absl::StatusOr<int64_t> Count() override;

  const std::string& path() const { return path_; }

 private:
  struct Statements;
  explicit SqliteMailboxStore(std::string path);
  absl::Status Init();
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(absl::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Rollback(absl::Status cause) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the mailbox row and its create keys (inside a transaction).
  absl::Status DeleteRowLocked(absl::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::unique_ptr<Statements> stmts_ ABSL_GUARDED_BY(mu_);
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SQLITE_MAILBOX_STORE_H_

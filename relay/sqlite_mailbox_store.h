// MailboxStore in one SQLite file: the relay's embedded, durable default.
//
// The file is opened through runtime/sqlite.h (WAL, synchronous=FULL, the one
// busy timeout), so a method that returns OK has committed and synced its
// write: after a crash (kill -9) and reopen, every acknowledged mailbox is
// there with its bindings and expiry. Mailboxes live in one table with an
// index on expires_at (SweepExpired walks only what has expired); create keys
// live in their own table with the mailbox they point at and its expiry; a
// schema_version table guards against opening a file written by an
// incompatible version. Times are stored as Unix microseconds (schema 2); a
// schema-1 file (Unix nanoseconds) is converted in place when opened.
//
// Group commit: a synced commit costs milliseconds, so writes that arrive
// together share one transaction and one fsync. Each write runs inside a
// SAVEPOINT of the open transaction (a failed write is rolled back alone); the
// first writer of a batch becomes its leader, waits until every writer already
// queued for the connection has executed (at most kMaxBatch), commits, and
// wakes the others. Every write method still returns only after the commit
// that holds its change is durable; if that commit fails, every write in the
// batch gets the error. Reads run on the same connection and may observe a
// write of the open batch a few milliseconds before it is acknowledged.
//
// Thread-safe: one connection (SqliteThreading::kCallerLocks) behind this
// store's mutex, prepared statements reused across calls. Error codes are
// those of MailboxStore, plus UNAVAILABLE "store_unavailable" (the message
// names the file and carries SQLite's error text) when SQLite fails.
#ifndef SCT_RELAY_SQLITE_MAILBOX_STORE_H_
#define SCT_RELAY_SQLITE_MAILBOX_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "relay/mailbox_store.h"
#include "runtime/sqlite.h"

namespace sct::relay {

class SqliteMailboxStore : public MailboxStore {
 public:
  // Schema 1 stored times as Unix nanoseconds; 2 stores Unix microseconds.
  inline static constexpr int kSchemaVersion = 2;
  // Most writes committed together.
  inline static constexpr int kMaxBatch = 512;

  // Opens (creating if needed) the database at `path`, converting a schema-1
  // file. FAILED_PRECONDITION, naming the file, if it cannot be opened, is
  // not a database, or has an unsupported schema version.
  static absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> Open(const std::string& path);

  ~SqliteMailboxStore() override;
  SqliteMailboxStore(const SqliteMailboxStore&) = delete;
  SqliteMailboxStore& operator=(const SqliteMailboxStore&) = delete;

  absl::StatusOr<InsertResult> Insert(const Mailbox& mailbox,
                                      absl::string_view create_key) override;
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override;
  absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                              absl::Time now) override;
  absl::Status Delete(absl::string_view id, int64_t expected_version) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override;
  // Kept in memory (initialised by one COUNT at open), so metrics scrapes do
  // not scan the table.
  absl::StatusOr<int64_t> Count() override;

  const std::string& path() const { return db_->path(); }

  // Commits made so far (each covers one or more writes), for tests/metrics.
  int64_t commits();

 private:
  struct Statements;
  SqliteMailboxStore(std::unique_ptr<SqliteDb> db, std::unique_ptr<Statements> statements,
                     int64_t count);
  // Deletes the mailbox row and its create keys (inside a transaction).
  absl::Status DeleteRowLocked(absl::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The mailbox a create key points at, if that mailbox is live at `at`.
  absl::StatusOr<std::optional<std::string>> LiveCreateKeyHolderLocked(absl::string_view create_key,
                                                                       absl::Time at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why a compare-and-swap changed nothing: NOT_FOUND or ABORTED.
  absl::Status CasFailureLocked(absl::string_view id, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Runs `op` (which returns the change in the mailbox count) as one write of
  // the current batch and returns once that batch is durably committed.
  using WriteOp = std::function<absl::StatusOr<int64_t>()>;
  absl::StatusOr<int64_t> Write(const WriteOp& op) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<int64_t> ExecuteInBatchLocked(const WriteOp& op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CommitBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool BatchReady() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  const std::unique_ptr<SqliteDb> db_;  // used under mu_ (kCallerLocks)
  const std::unique_ptr<Statements> stmts_ ABSL_GUARDED_BY(mu_);
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;

  // Writers that want the connection and have not executed yet.
  std::atomic<int> arriving_{0};
  bool in_txn_ ABSL_GUARDED_BY(mu_) = false;
  bool leader_active_ ABSL_GUARDED_BY(mu_) = false;
  int batch_ops_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t pending_delta_ ABSL_GUARDED_BY(mu_) = 0;  // count change of the batch
  int64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;          // batch number of the open txn
  int64_t done_epoch_ ABSL_GUARDED_BY(mu_) = 0;     // last batch whose commit ended
  std::map<int64_t, absl::Status> failed_epochs_ ABSL_GUARDED_BY(mu_);
  int64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SQLITE_MAILBOX_STORE_H_

// MailboxStore in one SQLite file: the relay's embedded, durable default.
//
// The file is opened through runtime/sqlite_store.h (WAL, group commit with
// the durability of synchronous=FULL, one busy timeout), so a method that
// returns OK has committed and synced its write: after a crash (kill -9) or a
// power loss and reopen, every acknowledged mailbox is there with its bindings
// and expiry. Each write is its own transaction on the write connection; the
// WAL is synced outside the write lock, once for every write committed while
// the previous sync ran (SqliteStore's pipelined group commit).
//
// Get answers from a write-through cache of the mailboxes this store wrote
// last (kCacheBytes at most, oldest write evicted first): every committed
// insert, compare-and-swap, delete and sweep updates it under the write lock,
// right after its COMMIT and before any writer of the batch is answered (a
// batch that fails clears it). A mailbox not in it is read from the file on a
// separate read connection, which never waits for a writer or a sync. Either
// way Get sees every committed write, including one whose sync is still
// running (one fsync before it is acknowledged), and a writer whose
// compare-and-swap lost finds the winner's version when it reads again. The
// cache is only right if nothing else writes the file: the store opens it as
// its exclusive owner (SqliteStoreOptions::exclusive_owner), so a second
// store on the same file, in this process or another relay, is refused with
// FAILED_PRECONDITION "store_unavailable" ("in use"). Tools that only read the
// file (sqlite3) still can; nothing else may write it while the relay runs.
//
// Layout (schema 4): mailboxes live in a rowid table (a 1 KiB mailbox fits in
// its leaf page; the WITHOUT ROWID table of schema 2 spilled every row over
// ~1 KB into an overflow page of its own) with a unique index on id, an index
// on expires_at (SweepExpired walks only what has expired) and a partial
// unique index on the row's create_key column (NULL when the create had no
// key), so an insert or a delete changes four B-trees (schema 3 kept create
// keys in a table of their own with an index on the mailbox: five); a
// schema_version table guards against opening a file written by an
// incompatible version. Times are Unix microseconds. Older files are converted
// in place when opened, in one transaction: schema 1 (Unix nanoseconds),
// schema 2 (WITHOUT ROWID) and schema 3 (create_keys table); a newer version
// is refused, naming it.
//
// Thread-safe: the write statements are used only inside SqliteStore::Write
// (under its write lock), the read statements only inside Read. Error codes
// are those of MailboxStore, plus UNAVAILABLE "store_unavailable" (the message
// names the file and carries SQLite's error text) when SQLite or the sync
// fails.
#ifndef SCT_RELAY_SQLITE_MAILBOX_STORE_H_
#define SCT_RELAY_SQLITE_MAILBOX_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "relay/mailbox_store.h"
#include "runtime/sqlite.h"
#include "runtime/sqlite_store.h"

namespace sct::relay {

class SqliteMailboxStore : public MailboxStore {
 public:
  // Schema 1 stored times as Unix nanoseconds; 2 stores Unix microseconds;
  // 3 keeps mailboxes in a rowid table; 4 keeps each create key in its
  // mailbox's row.
  inline static constexpr int kSchemaVersion = 4;
  // Bytes of mailboxes (roughly: their fields plus overhead) the Get cache
  // keeps.
  inline static constexpr size_t kCacheBytes = size_t{16} << 20;

  // Opens (creating if needed) the database at `path`, converting a file of
  // schema 1, 2 or 3. FAILED_PRECONDITION, naming the file, if it cannot be opened, is
  // not a database, or has an unsupported schema version.
  // `cache_bytes`: the Get cache's size (0: none); tests only.
  static absl::StatusOr<std::unique_ptr<SqliteMailboxStore>> Open(
      const std::string& path, SqliteStoreOptions options = {},
      size_t cache_bytes = kCacheBytes);

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

  // The Get cache now: mailboxes, their approximate bytes (at most
  // kCacheBytes), and the entries of its write-order list (for
  // SimControl.GetMemory's sizes).
  struct CacheSize {
    size_t entries = 0;
    size_t bytes = 0;
    size_t order_entries = 0;
  };
  CacheSize GetCacheSize() const;

  const std::string& path() const { return store_->path(); }

  // Syncs of the WAL so far (each acknowledges one or more writes), for tests
  // and metrics.
  int64_t syncs() const { return store_->syncs(); }
  // Writes that returned at their COMMIT and left the wait for their sync
  // to the caller's DeferredDurability scope (the gRPC face); for tests.
  int64_t deferred_writes() const { return store_->deferred_writes(); }
  // Frames in the WAL after the last commit, for tests.
  int wal_frames() const { return store_->wal_frames(); }
  // Gets answered from the cache, and read from the file; for tests.
  int64_t cache_hits() const { return cache_hits_.load(); }
  int64_t file_reads() const { return file_reads_.load(); }

 private:
  struct WriteStatements;
  struct ReadStatements;
  class Cache;
  SqliteMailboxStore(std::unique_ptr<SqliteStore> store, std::unique_ptr<WriteStatements> w,
                     std::unique_ptr<ReadStatements> r, int64_t count, size_t cache_bytes);
  // Inside Write: what the cache gets if the batch commits (`m` null: the
  // mailbox is gone).
  void Stage(absl::string_view id, const Mailbox* m);
  // The store's commit hook (under its write lock).
  void OnCommit(bool committed);
  // Runs `op` (which returns the change in the mailbox count) as one durable
  // write and applies that change to count_ once it is acknowledged.
  absl::StatusOr<int64_t> Write(absl::FunctionRef<absl::StatusOr<int64_t>()> op);
  // Inside Write: deletes the mailbox row (its create key with it).
  absl::Status DeleteRow(absl::string_view id);
  // Inside Write: the mailbox a create key points at, if live at `at`; an
  // expired one gives the key up (its create_key is cleared).
  absl::StatusOr<std::optional<std::string>> LiveCreateKeyHolder(absl::string_view create_key,
                                                                 absl::Time at);
  // Inside Write: why a compare-and-swap changed nothing (NOT_FOUND or ABORTED).
  absl::Status CasFailure(absl::string_view id, absl::Time now);

  const std::unique_ptr<SqliteStore> store_;
  const std::unique_ptr<WriteStatements> w_;  // on store_->writer(), used inside Write
  const std::unique_ptr<ReadStatements> r_;   // on store_->reader(), used inside Read
  std::atomic<int64_t> count_;
  const std::unique_ptr<Cache> cache_;
  // Changes of the open batch for the cache: touched only under the store's
  // write lock (inside Write and the commit hook).
  std::vector<std::pair<std::string, std::shared_ptr<const Mailbox>>> staged_;
  std::atomic<int64_t> cache_hits_{0};
  std::atomic<int64_t> file_reads_{0};
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SQLITE_MAILBOX_STORE_H_

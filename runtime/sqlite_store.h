// A durable SQLite file shared by many threads, with group commit: what every
// durable store of the services (the relay's mailboxes, the authority's
// ledger, the OEM's device registry) writes through.
//
// Durability is that of synchronous=FULL: a Write that returns OK has its
// change in the WAL file *and* that file synced (fdatasync), so it survives
// kill -9 and a power loss. What changes is who waits for the sync, and under
// which lock:
//
//   * The write connection runs at synchronous=NORMAL in WAL mode. SQLite then
//     appends a transaction's frames to the WAL at COMMIT (write(), into the
//     page cache) and does not sync; it still syncs the WAL before every
//     checkpoint copies frames into the database file and syncs the database
//     file after it (SQLite's documented NORMAL-in-WAL behaviour), and it
//     syncs the WAL header whenever it restarts the WAL.
//   * Write(change): flat combining. A writer queues its change; if no
//     writer is combining, it becomes the combiner: under the write lock it
//     runs every queued change (its own included), each inside a SAVEPOINT
//     of one open transaction (BEGIN IMMEDIATE; a failed change is rolled
//     back alone), and COMMITs them together (at most kMaxBatch): pages they
//     all touch (the table's last leaf, index pages, the header) are written
//     to the WAL once. A writer that finds a combiner at work sleeps once, on
//     a notification of its own, and is woken with its answer, to run the
//     next sync, or to combine (below); it never queues on the write lock, so
//     the connection stays on one thread while a batch lasts. The combiner
//     commits as soon as the batch is full or a sync may start; while
//     kMaxSyncsInFlight syncs run (a commit could only wait for them), it
//     keeps the transaction open and runs the changes that arrive meanwhile
//     in it, and when none is queued it leaves the transaction open: the
//     thread that ends a sync commits it and hands the next sync to one of
//     its writers (fewer, bigger transactions; no write waits longer). With
//     a sync slot free it commits once the queue is empty. Each batch
//     gets a sequence number. Each writer is acknowledged only after an
//     fdatasync of the WAL file that *started after* its batch's COMMIT
//     returned. The combiner that committed a batch runs that fdatasync
//     itself, for every commit made so far, unless one that started after
//     its commit is running; before it does, it hands the combiner role to
//     the first queued writer (woken to combine), so batches keep committing
//     while the disk syncs. At most kMaxSyncsInFlight run at once; batches
//     committed while they run are covered by the next one, which the thread
//     ending a sync hands to one of their writers (pipelined group commit).
//     A waiting writer is woken only with its answer, to run the next sync
//     or to combine, never at the end of a sync that does not cover it (a
//     writer woken to combine may sleep once more, for its sync).
//   * This equals synchronous=FULL on disk: with FULL, SQLite's commit is the
//     same write() of the same frames followed by a sync of the WAL, without
//     padding (the unix VFS reports powersafe overwrite, so SQLite pads
//     nothing at FULL either). The WAL is one file that only grows until a
//     checkpoint has copied (and synced) every frame into the database, so
//     syncing it covers every earlier commit, and frames overwritten by a WAL
//     restart are already durable in the database file.
//   * The WAL file's and the database's directory entries are synced once at
//     Open.
//   * Deferred acknowledgement (runtime/deferred_durability.h): a Write made
//     inside a DeferredDurability scope (the relay's gRPC handlers open one)
//     returns as soon as its batch is COMMITted (or failed), with its
//     change's result, and records its batch in the scope instead of
//     sleeping until the sync: the caller's thread is free at once. A batch
//     holding such a write is committed once the queue is empty even while
//     kMaxSyncsInFlight syncs run (it is never left open for a sync's end).
//     The sync is then run by one of kMaxSyncsInFlight sync threads of the
//     store (started at the first deferred write), started at the commit as
//     a writer would have started it; WhenDurable(ticket, done) calls
//     `done` on the thread that ends a sync that started after the batch's
//     COMMIT (or at once if one already has), so the caller answers only
//     then: the durability promise is the same, only the thread that waits
//     differs.
//
// Reads run on a second connection behind their own lock (never behind a
// writer or a sync). A read sees every committed change, including one whose
// sync is still running, i.e. at most one fsync before its writer is
// acknowledged (a power loss in that window can lose it, as it can lose any
// unacknowledged write).
//
// Checkpoints run on a third connection, in a background thread, off the
// write path: SQLite's automatic checkpoint (which runs inside COMMIT) is
// replaced by a PASSIVE checkpoint whenever kCheckpointFrames new frames have
// reached the WAL; when the WAL has grown past kRestartFrames (a PASSIVE
// checkpoint never caught up under load) a PASSIVE pass is followed by a
// RESTART checkpoint run while this class holds writers (between batches)
// and readers at its own locks, so it waits for no one and no writer sleeps
// in SQLite's busy handler meanwhile; the next writer starts the WAL from
// its beginning. The WAL file keeps its size across restarts, up to
// WalKeptFrames() frames (journal_size_limit; a file that grew past that is
// cut back to it), so commits after a restart overwrite the room the last
// cycle zero-filled instead of truncating and zero-filling it again.
//
// Errors: Open returns FAILED_PRECONDITION "store_unavailable" naming the
// path. Write returns the change's own error (its savepoint rolled back,
// nothing of it written), or UNAVAILABLE "store_unavailable" when the batch's
// COMMIT or the sync fails (every write of that batch gets the error). A
// change's own error (or kRollback) is returned only once what the change
// read is committed and durable, so a caller that reads again through the
// read connection and retries (a lost compare-and-swap) sees that state. A
// failed sync is sticky: after it (Linux may drop the dirty pages it
// could not write, so a later sync could falsely succeed) every Write fails
// until the file is reopened. A Write that returned an error may or may not be
// in the file; one that returned OK is.
//
// ":memory:" opens a private in-memory database: one connection serves reads
// and writes, nothing is synced, and nothing survives the process.
//
// Exclusive owner (SqliteStoreOptions::exclusive_owner): Open takes an
// flock on the WAL file (which SQLite keeps while any connection is open and
// takes no POSIX locks on, so closing it drops none of SQLite's) and fails
// with FAILED_PRECONDITION "store_unavailable" if another store, in this or
// another process, holds it. For callers that keep state derived from the
// file in memory (the relay's mailbox cache): no other SqliteStore writes
// the file behind them. Tools that only read the file (sqlite3) still can.
//
// Thread-safety: thread-safe. `change` runs under the write lock, on the
// thread of whichever writer is combining (not necessarily the caller's,
// which waits meanwhile: the change may use the caller's stack, not its
// thread-local state), and `read` under the read lock; each must use only the
// SqliteDb it is given (and statements prepared on it) and must not call
// back into this object.
#ifndef SCT_RUNTIME_SQLITE_STORE_H_
#define SCT_RUNTIME_SQLITE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "runtime/deferred_durability.h"
#include "runtime/sqlite.h"

namespace sct {

struct SqliteStoreOptions {
  // Benchmarks only (a service's --unsafe_no_fsync_for_benchmarks): writes are
  // acknowledged after COMMIT without syncing the WAL. They survive kill -9
  // but NOT a power loss or an OS crash. Never set in production.
  bool unsafe_no_fsync = false;
  // Tests only: replaces the fdatasync of the WAL file.
  std::function<absl::Status()> sync_for_testing;
  // Tests only (0: the defaults kCheckpointFrames and kRestartFrames).
  int checkpoint_frames_for_testing = 0;
  int restart_frames_for_testing = 0;
  // Take the file for this store alone (see "Exclusive owner" above).
  bool exclusive_owner = false;
};

// What a change decided: keep its writes or drop them (and still answer OK,
// e.g. for a request already recorded).
enum class SqliteCommit { kCommit, kRollback };

class SqliteStore final : public DurabilitySource {
 public:
  // New WAL frames (pages) that trigger a passive checkpoint (SQLite's own
  // default for its automatic checkpoint).
  inline static constexpr int kCheckpointFrames = 1000;
  // WAL size (frames, ~4 KiB each) past which the checkpoint is a RESTART.
  inline static constexpr int kRestartFrames = 8000;
  // Zero-filled room kept past the WAL's last frame (refilled when less
  // than half is left), so that a commit overwrites blocks the file already
  // has: its fdatasync then writes the data and flushes, without the block
  // allocation and file size (metadata) writes an append needs first.
  inline static constexpr int kWalRoomFrames = 1024;
  // WAL frames whose room the file keeps when a writer restarts it
  // (journal_size_limit): the restart threshold, half as much again for
  // frames committed while the RESTART checkpoint waited, and the room.
  int WalKeptFrames() const { return restart_frames_ + restart_frames_ / 2 + kWalRoomFrames; }
  // Most writes committed in one transaction.
  inline static constexpr int kMaxBatch = 256;
  // Syncs of the WAL running at once: a writer whose commit came after the
  // start of the running sync starts the next one at once (fdatasync returns
  // once everything written before the call is durable, whichever call).
  inline static constexpr int kMaxSyncsInFlight = 2;

  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           SqliteStoreOptions options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  using Change = absl::FunctionRef<absl::StatusOr<SqliteCommit>(SqliteDb& db)>;
  using Reader = absl::FunctionRef<absl::Status(SqliteDb& db)>;

  // Runs `change` in a BEGIN IMMEDIATE transaction (shared with the writers
  // that arrive together, each in its own SAVEPOINT) on the write connection
  // and returns once that transaction is durable (see above). A change that
  // returns an error or kRollback is rolled back; Write then returns its
  // error, or OK once every commit it may have read is durable.
  // Inside a DeferredDurability scope that Accepts this store, returns once
  // the batch is committed and records it in the scope (see above).
  absl::Status Write(Change change) ABSL_LOCKS_EXCLUDED(mu_, sync_mu_);

  // DurabilitySource: `done` once batch `ticket` (what Write recorded in a
  // DeferredDurability) is durable, or with the error of its COMMIT or sync.
  void WhenDurable(int64_t ticket, Done done) override ABSL_LOCKS_EXCLUDED(sync_mu_);

  // Runs `read` on the read connection (outside any transaction of ours:
  // each statement sees the latest commit; wrap several in BEGIN/COMMIT via
  // SqliteDb::Exec for one snapshot).
  absl::Status Read(Reader read) ABSL_LOCKS_EXCLUDED(read_mu_);

  // Called under the write lock after every batch's COMMIT (true), or when a
  // batch failed and was rolled back (false), before any of its writers is
  // answered; changes made in the batch are what it commits. Set it once,
  // before the first concurrent Write. It must not call back into this
  // object.
  void SetCommitHook(std::function<void(bool committed)> hook) ABSL_LOCKS_EXCLUDED(mu_);

  // The connections, for preparing long-lived statements at open; use them
  // only inside Write (writer()) and Read (reader()).
  const SqliteDb& writer() const { return *write_db_; }
  const SqliteDb& reader() const { return read_db_ != nullptr ? *read_db_ : *write_db_; }

  const std::string& path() const { return write_db_->path(); }

  // Syncs of the WAL run so far (each acknowledges one or more commits),
  // writes committed so far and transactions committed so far (each holds
  // one or more writes); for tests and benchmarks.
  int64_t syncs() const { return syncs_.load(); }
  int64_t commits() const { return committed_writes_.load(); }
  int64_t transactions() const { return commit_seq_.load(); }
  // Frames in the WAL after the last commit (back to few after a restart);
  // for tests.
  int wal_frames() const { return last_wal_frames_.load(); }
  // Times zeros were written past the WAL's end to make room; for tests.
  int64_t wal_extensions() const { return wal_extensions_.load(); }
  // Writers that went to sleep until another thread's commit or sync made
  // them durable, or to wait for their turn to combine (each such writer
  // counted once: it is woken only with its answer, to run the next sync or
  // to combine).
  int64_t waits() const { return waits_.load(); }
  // Writes made inside a DeferredDurability scope (each returns at its
  // COMMIT, leaving the wait for its sync to the scope), counted as they
  // start; for tests.
  int64_t deferred_writes() const { return deferred_writes_.load(); }
  // Writers queued for a combiner right now; for tests.
  int queued_writers() const ABSL_LOCKS_EXCLUDED(queue_mu_);
  // Checkpoints the background thread has run, and of them the RESTARTs.
  int64_t checkpoints() const { return checkpoints_.load(); }
  int64_t restarts() const { return restarts_.load(); }
  // Times a writer found the database locked by another connection (a
  // checkpoint) and slept in the busy handler; for tests.
  int64_t busy_waits() const { return busy_waits_.load(); }

 private:
  SqliteStore(std::unique_ptr<SqliteDb> write_db, std::unique_ptr<SqliteDb> read_db,
              std::unique_ptr<SqliteDb> checkpoint_db, int wal_fd, SqliteStoreOptions options);

  // A writer waiting (outside the write lock) for its batch to be durable:
  // told its answer, or told to run the next sync, through its own
  // notification (on its stack, in waiters_ while it waits).
  struct SyncWaiter {
    int64_t seq = 0;
    bool lead = false;    // set when told to run a sync (with this target)
    int64_t target = 0;
    absl::Status status;  // the answer, when not told to lead
    absl::Notification ready;
  };

  // A queued write: the caller's change and, once a combiner has run it,
  // its result. Lives on the caller's stack until its Write returns.
  struct Request {
    explicit Request(const Change* c) : change(c) {}
    const Change* change;
    absl::Status applied;  // what the change returned (set by the combiner)
    int64_t seq = 0;       // the batch (or commit) to wait for
    bool combine = false;  // told to become the combiner
    bool deferred = false; // answered at its COMMIT (a DeferredDurability scope waits)
    SyncWaiter waiter;     // woken through waiter.ready
  };

  // The combiner's work, `self` its own request; returns its answer.
  absl::Status Combine(Request* self) ABSL_LOCKS_EXCLUDED(mu_, sync_mu_, queue_mu_);
  // Under mu_: runs queued changes in the open batch until the queue is
  // empty, the batch is full, or a sync may start, and commits them; true if
  // a batch with writes was committed.
  bool RunQueuedLocked(std::vector<Request*>* round);
  // Under sync_mu_: the round's writers (but `self`) whose answer is known go
  // to *answered (to be notified); the others wait for a sync.
  void SettleRoundLocked(const std::vector<Request*>& round, Request* self,
                         std::vector<Request*>* answered) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // A queued writer woken with an answer or to lead a sync: its answer.
  absl::Status Finish(Request& req) ABSL_LOCKS_EXCLUDED(sync_mu_);
  // Under mu_: runs `change` in the open batch; sets *seq to the batch (or
  // commit) the writer must wait for.
  absl::Status ApplyLocked(Change change, int64_t* seq);
  // False if the COMMIT failed (the batch is then failed).
  bool CommitBatchLocked();
  void FailBatchLocked(const absl::Status& why);
  // Returns once batch `seq` is committed and a sync that started after
  // that commit has ended. `committed_batch`: this writer committed the
  // newest batch, so it starts a sync for it if it may.
  // `counted`: this writer is already in waits().
  absl::Status AwaitDurable(int64_t seq, bool committed_batch, bool counted)
      ABSL_LOCKS_EXCLUDED(sync_mu_);
  bool NeedsSync() const;
  // Under sync_mu_: whether the answer for batch `seq` is known (and *out).
  bool ResolveLocked(int64_t seq, absl::Status* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Under sync_mu_: whether batch `seq` is committed or failed (and *out:
  // OK, or the failure); for deferred writers.
  bool ResolveCommittedLocked(int64_t seq, absl::Status* out) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Under sync_mu_: hands a sync (already counted by StartSyncLocked) to the
  // sync threads, starting them the first time.
  void PushSyncJobLocked(int64_t target) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // A sync thread: runs the syncs handed to it until the store closes.
  void SyncerLoop() ABSL_LOCKS_EXCLUDED(sync_mu_);
  // Calls the WhenDurable callbacks whose answer WakeLocked found (outside
  // every lock of this object).
  void RunDueCallbacks() ABSL_LOCKS_EXCLUDED(sync_mu_);
  // The body of Write (queue, combine or wait).
  absl::Status WriteQueued(Request& req) ABSL_LOCKS_EXCLUDED(mu_, sync_mu_, queue_mu_);
  // Under sync_mu_: whether a writer of batch `seq` may start a sync now.
  bool MayLeadLocked(int64_t seq) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Under sync_mu_: answers every waiter whose answer is known and hands
  // the next sync to one that needs it, if one may start.
  void WakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Under sync_mu_: counts a sync as started; returns its target.
  int64_t StartSyncLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  // Runs the sync of everything committed up to `target`, then wakes (and
  // commits a batch left open for it); then runs the due callbacks.
  void RunSync(int64_t target) ABSL_LOCKS_EXCLUDED(sync_mu_);
  void RunSyncAndCommit(int64_t target) ABSL_LOCKS_EXCLUDED(sync_mu_);
  absl::Status SyncWal();
  // SQLite's WAL hook on the write connection (after each commit).
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  // Inside the write connection's COMMIT: keeps kWalRoomFrames of zeros
  // past the WAL's `frames` frames.
  void ReserveWalRoom(int frames);
  // The write connection's busy handler: counts, then sleeps.
  static int OnWriterBusy(void* self, int count);
  void CheckpointLoop() ABSL_LOCKS_EXCLUDED(ckpt_mu_);

  const SqliteStoreOptions options_;
  const int checkpoint_frames_;
  const int restart_frames_;

  absl::Mutex mu_;  // the write connection
  const std::unique_ptr<SqliteDb> write_db_;
  std::unique_ptr<SqliteStatement> begin_, commit_, rollback_;  // on write_db_
  std::unique_ptr<SqliteStatement> savepoint_, release_, rollback_to_;
  // Batches committed (or failed) so far: the sequence of the last one.
  std::atomic<int64_t> commit_seq_{0};
  std::atomic<int64_t> committed_writes_{0};
  std::function<void(bool)> commit_hook_;  // under mu_
  bool in_txn_ = false;         // under mu_: a batch is open
  int page_size_ = 0;           // of the database (0: no WAL room kept)
  std::atomic<int> last_wal_frames_{0};  // written in COMMIT: WAL frames after the last commit
  int64_t wal_bytes_ = 0;       // under mu_ (in COMMIT): WAL file size known (0: unknown)
  std::atomic<int64_t> wal_extensions_{0};
  int batch_ops_ = 0;           // under mu_: writes in the open batch
  int64_t batch_seq_ = 0;       // under mu_: the open batch's sequence
  bool batch_deferred_ = false; // under mu_: a deferred writer is in the open batch

  mutable absl::Mutex queue_mu_;  // may be taken under mu_; takes no other lock
  std::vector<Request*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool combining_ ABSL_GUARDED_BY(queue_mu_) = false;

  absl::Mutex read_mu_;  // the read connection (null for ":memory:")
  const std::unique_ptr<SqliteDb> read_db_;

  absl::Mutex sync_mu_;  // taken under mu_ (never the other way round)
  const int wal_fd_;     // -1: nothing to sync
  int64_t committed_seq_ ABSL_GUARDED_BY(sync_mu_) = 0;  // = commit_seq_, for waiters
  std::map<int64_t, absl::Status> failed_batches_ ABSL_GUARDED_BY(sync_mu_);
  std::vector<SyncWaiter*> waiters_ ABSL_GUARDED_BY(sync_mu_);
  int syncs_in_flight_ ABSL_GUARDED_BY(sync_mu_) = 0;
  // A combiner left the open batch (under mu_) for the thread ending a sync
  // to commit.
  bool batch_left_open_ ABSL_GUARDED_BY(sync_mu_) = false;
  int64_t started_target_ ABSL_GUARDED_BY(sync_mu_) = 0;  // highest target of a sync started
  int64_t synced_seq_ ABSL_GUARDED_BY(sync_mu_) = 0;
  absl::Status sync_error_ ABSL_GUARDED_BY(sync_mu_);
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> syncs_{0};
  std::atomic<int64_t> waits_{0};
  std::atomic<int64_t> deferred_writes_{0};
  // Deferred writers' WhenDurable callbacks waiting for a sync, and those
  // whose answer is known (run by RunDueCallbacks).
  struct CallbackWaiter {
    int64_t seq;
    Done done;
  };
  std::vector<CallbackWaiter> callbacks_ ABSL_GUARDED_BY(sync_mu_);
  std::vector<std::pair<Done, absl::Status>> due_ ABSL_GUARDED_BY(sync_mu_);
  // Sync targets handed to the sync threads (each counted in
  // syncs_in_flight_), the threads, and their stop.
  std::vector<int64_t> sync_jobs_ ABSL_GUARDED_BY(sync_mu_);
  std::vector<std::thread> syncers_ ABSL_GUARDED_BY(sync_mu_);
  bool stop_syncers_ ABSL_GUARDED_BY(sync_mu_) = false;

  absl::Mutex ckpt_mu_;
  const std::unique_ptr<SqliteDb> checkpoint_db_;  // used by the checkpoint thread only
  int wal_frames_ ABSL_GUARDED_BY(ckpt_mu_) = 0;   // WAL size after the last commit
  int backfilled_ ABSL_GUARDED_BY(ckpt_mu_) = 0;   // frames the last checkpoint copied
  bool stop_ ABSL_GUARDED_BY(ckpt_mu_) = false;
  std::atomic<int64_t> checkpoints_{0};
  std::atomic<int64_t> restarts_{0};
  std::atomic<int64_t> busy_waits_{0};
  std::thread checkpointer_;
};

}  // namespace sct

#endif  // SCT_RUNTIME_SQLITE_STORE_H_

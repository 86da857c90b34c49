#include "runtime/sqlite_store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"

namespace sct {
namespace {

constexpr absl::string_view kReason = "store_unavailable";

absl::Status OpenFailed(const std::string& path, absl::string_view problem) {
  return MakeError(absl::StatusCode::kFailedPrecondition, kReason,
                   absl::StrCat("cannot open sqlite database ", path, ": ", problem));
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// fsync of the directory holding `path`, so that its entries (the database
// and its WAL file) survive a power loss.
absl::Status SyncDirectory(const std::string& path) {
  const std::string dir = DirectoryOf(path);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", dir, ": ", strerror(errno)));
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("fsync ", dir, ": ", strerror(err)));
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> PreparePersistent(const SqliteDb& db, absl::string_view sql) {
  return SqliteStatement::Prepare(db, sql, /*persistent=*/true);
}

absl::Status RunAndReset(SqliteStatement& s) {
  ScopedSqliteReset reset(&s);
  return s.Run();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               SqliteStoreOptions options) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> write_db =
      SqliteDb::Open(path, SqliteThreading::kCallerLocks);
  if (!write_db.ok()) return write_db.status();
  if (path == ":memory:") {
    return std::unique_ptr<SqliteStore>(
        new SqliteStore(*std::move(write_db), nullptr, nullptr, -1, std::move(options)));
  }
  // NORMAL: COMMIT writes the WAL without syncing it; this class syncs.
  // wal_autocheckpoint=0: no checkpoint inside COMMIT; the checkpoint thread
  // does them.
  // (journal_size_limit is set by the constructor, from the page size.)
  if (absl::Status s = (*write_db)->Exec(
          "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0");
      !s.ok()) {
    return OpenFailed(path, s.message());
  }
  // A write transaction makes sure the WAL file exists (and that the file is
  // a database) before it is opened for syncing.
  if (absl::Status s = (*write_db)->Exec("BEGIN IMMEDIATE; COMMIT"); !s.ok()) {
    return OpenFailed(path, s.message());
  }
  absl::StatusOr<std::unique_ptr<SqliteDb>> read_db =
      SqliteDb::Open(path, SqliteThreading::kCallerLocks);
  if (!read_db.ok()) return read_db.status();
  absl::StatusOr<std::unique_ptr<SqliteDb>> checkpoint_db =
      SqliteDb::Open(path, SqliteThreading::kCallerLocks);
  if (!checkpoint_db.ok()) return checkpoint_db.status();
  // The checkpointer syncs the WAL before copying it and the database after
  // (SQLite does at NORMAL and FULL alike); its own commits are none.
  if (absl::Status s = (*checkpoint_db)->Exec("PRAGMA wal_autocheckpoint=0"); !s.ok()) {
    return OpenFailed(path, s.message());
  }
  // The WAL persists while a connection is open (SQLite deletes it only when
  // the last connection closes), so one descriptor serves for the store's
  // life. No POSIX locks are taken on the WAL file, so closing this
  // descriptor cannot drop any of SQLite's.
  const std::string wal_path = path + "-wal";
  const int wal_fd = open(wal_path.c_str(), O_RDWR | O_CLOEXEC);
  if (wal_fd < 0) return OpenFailed(path, absl::StrCat("open ", wal_path, ": ", strerror(errno)));
  // The lock goes with this descriptor: it ends when the store closes it, or
  // when the process dies (kill -9 included), so a restart finds it free.
  if (options.exclusive_owner && flock(wal_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(wal_fd);
    return OpenFailed(path, err == EWOULDBLOCK
                                ? "in use: another store (in this or another process) has it open"
                                : absl::StrCat("flock ", wal_path, ": ", strerror(err)));
  }
  if (absl::Status s = SyncDirectory(path); !s.ok()) {
    close(wal_fd);
    return OpenFailed(path, s.message());
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(*std::move(write_db), *std::move(read_db),
                                                      *std::move(checkpoint_db), wal_fd,
                                                      std::move(options)));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteDb> write_db, std::unique_ptr<SqliteDb> read_db,
                         std::unique_ptr<SqliteDb> checkpoint_db, int wal_fd,
                         SqliteStoreOptions options)
    : options_(std::move(options)),
      checkpoint_frames_(options_.checkpoint_frames_for_testing > 0
                             ? options_.checkpoint_frames_for_testing
                             : kCheckpointFrames),
      restart_frames_(options_.restart_frames_for_testing > 0 ? options_.restart_frames_for_testing
                                                              : kRestartFrames),
      write_db_(std::move(write_db)),
      read_db_(std::move(read_db)),
      wal_fd_(wal_fd),
      checkpoint_db_(std::move(checkpoint_db)) {
  // These three statements are fixed SQL; preparing them cannot fail on a
  // connection that just ran BEGIN/COMMIT. A failure shows at the first
  // Write as a null statement, so it is checked there.
  auto prepare = [this](absl::string_view sql) -> std::unique_ptr<SqliteStatement> {
    absl::StatusOr<SqliteStatement> s = PreparePersistent(*write_db_, sql);
    if (!s.ok()) return nullptr;
    return std::make_unique<SqliteStatement>(*std::move(s));
  };
  begin_ = prepare("BEGIN IMMEDIATE");
  commit_ = prepare("COMMIT");
  rollback_ = prepare("ROLLBACK");
  savepoint_ = prepare("SAVEPOINT write");
  release_ = prepare("RELEASE write");
  rollback_to_ = prepare("ROLLBACK TO write");
  if (checkpoint_db_ != nullptr) {
    absl::StatusOr<SqliteStatement> page_size =
        SqliteStatement::Prepare(*write_db_, "PRAGMA page_size");
    if (page_size.ok() && page_size->Step().value_or(false)) page_size_ = page_size->Int(0);
    // journal_size_limit: a WAL that grew past what a RESTART cycle needs
    // (a lagging checkpoint) is cut back when a writer restarts it; one that
    // did not keeps its size, so the next cycle's commits overwrite blocks
    // the file has (no zero-filling again, no truncate and reallocation).
    const int64_t frame_bytes = 24 + (page_size_ > 0 ? page_size_ : 4096);
    const int64_t limit = 32 + WalKeptFrames() * frame_bytes;
    write_db_->Exec(absl::StrCat("PRAGMA journal_size_limit=", limit))
        .IgnoreError();  // an optimisation only
    sqlite3_busy_handler(write_db_->handle(), &SqliteStore::OnWriterBusy, this);
    sqlite3_wal_hook(write_db_->handle(), &SqliteStore::OnWalCommit, this);
    checkpointer_ = std::thread([this] { CheckpointLoop(); });
  }
}

SqliteStore::~SqliteStore() {
  // The sync threads end once every sync handed to them (or on) has run.
  std::vector<std::thread> syncers;
  {
    absl::MutexLock lock(&sync_mu_);
    stop_syncers_ = true;
    syncers.swap(syncers_);
  }
  for (std::thread& t : syncers) t.join();
  {
    // Callbacks no sync answers (closed under them: the caller's error) get one.
    absl::MutexLock lock(&sync_mu_);
    for (CallbackWaiter& w : callbacks_) {
      due_.emplace_back(std::move(w.done),
                        MakeError(absl::StatusCode::kUnavailable, kReason,
                                  "sqlite store: closed before the write was synced"));
    }
    callbacks_.clear();
  }
  RunDueCallbacks();
  if (checkpointer_.joinable()) {
    {
      absl::MutexLock lock(&ckpt_mu_);
      stop_ = true;
    }
    checkpointer_.join();
  }
  if (checkpoint_db_ != nullptr) sqlite3_wal_hook(write_db_->handle(), nullptr, nullptr);
  if (wal_fd_ >= 0) close(wal_fd_);
}

absl::Status SqliteStore::Write(Change change) {
  if (failed_.load()) {
    absl::MutexLock lock(&sync_mu_);
    return sync_error_;
  }
  Request req(&change);
  DeferredDurability* scope = DeferredDurability::Current();
  req.deferred = scope != nullptr && scope->Accepts(this) && NeedsSync();
  if (req.deferred) deferred_writes_.fetch_add(1);
  absl::Status result = WriteQueued(req);
  if (req.deferred && req.seq > 0) scope->Require(this, req.seq);
  RunDueCallbacks();
  return result;
}

absl::Status SqliteStore::WriteQueued(Request& req) {
  bool combiner = false;
  {
    absl::MutexLock lock(&queue_mu_);
    queue_.push_back(&req);
    combiner = !combining_;
    combining_ = true;
  }
  if (!combiner) {
    // A combiner runs this change (or hands this writer the role): one
    // sleep, until the answer, the next sync or the combiner role.
    waits_.fetch_add(1);
    req.waiter.ready.WaitForNotification();
    if (!req.combine) return Finish(req);
  }
  return Combine(&req);
}

absl::Status SqliteStore::Finish(Request& req) {
  if (req.waiter.lead) {
    // Told to run the next sync (it covers this writer's batch).
    RunSync(req.waiter.target);
    absl::MutexLock lock(&sync_mu_);
    if (!ResolveLocked(req.seq, &req.waiter.status)) {
      // Not reached: the sync covered `seq` (or failed, which resolves it).
      req.waiter.status = MakeError(absl::StatusCode::kInternal, kReason,
                                    "sqlite store: sync did not cover write");
    }
  }
  return req.applied.ok() ? req.waiter.status : req.applied;
}

bool SqliteStore::RunQueuedLocked(std::vector<Request*>* round) {
  while (true) {
    std::vector<Request*> taken;
    {
      absl::MutexLock q(&queue_mu_);
      const size_t room = static_cast<size_t>(std::max(kMaxBatch - batch_ops_, 1));
      const size_t n = std::min(queue_.size(), room);
      taken.assign(queue_.begin(), queue_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    for (Request* r : taken) {
      r->applied = ApplyLocked(*r->change, &r->seq);
      // Its writer returns at the COMMIT: the batch is not left open.
      if (r->deferred && in_txn_) batch_deferred_ = true;
      round->push_back(r);
    }
    bool queue_empty = false;
    {
      absl::MutexLock q(&queue_mu_);
      queue_empty = queue_.empty();
    }
    if (!in_txn_) {
      if (queue_empty) return false;
      continue;
    }
    bool commit_now =
        batch_ops_ >= kMaxBatch ||
        (queue_empty && (batch_ops_ == 0 || !NeedsSync() || batch_deferred_));
    if (!commit_now && NeedsSync()) {
      // A sync may start: commit now and start it. Otherwise the commit
      // could only wait for a running sync; keep the batch open for the
      // writers queued meanwhile, and once the queue is empty leave it open
      // for the thread that ends a sync to commit (it then hands the next
      // sync to one of the batch's writers): fewer, bigger transactions,
      // and no write waits longer than it would have.
      absl::MutexLock sync_lock(&sync_mu_);
      commit_now = syncs_in_flight_ < kMaxSyncsInFlight || !sync_error_.ok();
      if (!commit_now && queue_empty) {
        batch_left_open_ = true;
        return false;
      }
    }
    if (commit_now) {
      // An empty batch (every change in it failed or rolled back) has no
      // writer waiting for it and nothing to sync.
      const bool has_writes = batch_ops_ > 0;
      return CommitBatchLocked() && has_writes;
    }
  }
}

void SqliteStore::SettleRoundLocked(const std::vector<Request*>& round, Request* self,
                                    std::vector<Request*>* answered) {
  for (Request* r : round) {
    if (r == self) continue;
    if (!r->applied.ok() && r->seq == 0) {
      answered->push_back(r);  // failed before its savepoint: nothing to wait for
    } else if (r->deferred ? ResolveCommittedLocked(r->seq, &r->waiter.status)
                           : ResolveLocked(r->seq, &r->waiter.status)) {
      answered->push_back(r);
    } else {
      r->waiter.seq = r->seq;
      waiters_.push_back(&r->waiter);
    }
  }
}

absl::Status SqliteStore::Combine(Request* self) {
  // Rounds: run what is queued (in one transaction), commit, answer or
  // register its writers; stop when the queue is empty or this thread runs
  // a sync (then the first queued writer combines next).
  bool committed_last = false;  // the last round committed a batch without leading its sync
  while (true) {
    std::vector<Request*> round;
    bool committed = false;
    {
      absl::MutexLock lock(&mu_);
      committed = RunQueuedLocked(&round);
    }
    // Answer the round's writers whose answer is known; the others wait for
    // a sync, which this thread starts if it may.
    std::vector<Request*> answered;
    bool lead = false;
    int64_t target = 0;
    {
      absl::MutexLock lock(&sync_mu_);
      SettleRoundLocked(round, self, &answered);
      if (committed && MayLeadLocked(committed_seq_)) {
        if (self->deferred) {
          // Its writer does not wait: a sync thread runs it.
          PushSyncJobLocked(StartSyncLocked());
        } else {
          lead = true;
          target = StartSyncLocked();
        }
      } else {
        // A batch this round left open may have been committed by a sync's
        // end before its writers were registered: one of them leads the next
        // sync if it may.
        WakeLocked();
      }
    }
    for (Request* r : answered) r->waiter.ready.Notify();
    committed_last = committed && !lead;
    Request* next = nullptr;
    bool done = false;
    {
      absl::MutexLock q(&queue_mu_);
      if (queue_.empty()) {
        combining_ = false;
        done = true;
      } else if (lead) {
        next = queue_.front();  // it takes the queue, itself included
        next->combine = true;
        done = true;
      }
    }
    if (next != nullptr) next->waiter.ready.Notify();
    if (lead) {
      RunSync(target);
      committed_last = false;
    }
    if (done) break;
  }
  if (!self->applied.ok() && self->seq == 0 && !committed_last) return self->applied;
  if (self->deferred) {
    absl::MutexLock lock(&sync_mu_);
    absl::Status committed;
    if (self->seq == 0 || ResolveCommittedLocked(self->seq, &committed)) {
      // A batch it committed without a sync slot free gets its sync when
      // one ends (WakeLocked), or from WhenDurable.
      return self->applied.ok() ? committed : self->applied;
    }
    // Not reached (a batch with a deferred writer is committed before its
    // round ends); if it were, the writer waits as one without a scope.
  }
  absl::Status durable = AwaitDurable(self->seq, committed_last, /*counted=*/self->combine);
  return self->applied.ok() ? durable : self->applied;
}

int SqliteStore::queued_writers() const {
  absl::MutexLock lock(&queue_mu_);
  return static_cast<int>(queue_.size());
}

void SqliteStore::SetCommitHook(std::function<void(bool committed)> hook) {
  absl::MutexLock lock(&mu_);
  commit_hook_ = std::move(hook);
}

absl::Status SqliteStore::ApplyLocked(Change change, int64_t* seq) {
  if (begin_ == nullptr || commit_ == nullptr || rollback_ == nullptr || savepoint_ == nullptr ||
      release_ == nullptr || rollback_to_ == nullptr) {
    return write_db_->Error("prepare BEGIN/COMMIT/ROLLBACK/SAVEPOINT");
  }
  if (in_txn_ && sqlite3_get_autocommit(write_db_->handle()) != 0) {
    // SQLite rolled the open batch back on its own (I/O error, disk full).
    FailBatchLocked(write_db_->Error("transaction rolled back by SQLite"));
  }
  if (!in_txn_) {
    if (absl::Status s = RunAndReset(*begin_); !s.ok()) return s;
    in_txn_ = true;
    batch_ops_ = 0;
    batch_seq_ = commit_seq_.load() + 1;
  }
  if (absl::Status s = RunAndReset(*savepoint_); !s.ok()) return s;
  absl::StatusOr<SqliteCommit> decided = change(*write_db_);
  if (sqlite3_get_autocommit(write_db_->handle()) != 0) {
    // The change's failure took the whole batch with it.
    const absl::Status why =
        decided.ok() ? write_db_->Error("transaction rolled back by SQLite") : decided.status();
    FailBatchLocked(why);
    return why;
  }
  const bool keep = decided.ok() && *decided == SqliteCommit::kCommit;
  if (!keep) RunAndReset(*rollback_to_).IgnoreError();
  RunAndReset(*release_).IgnoreError();
  if (keep) {
    ++batch_ops_;
    *seq = batch_seq_;
  } else {
    // Nothing written, but what the change read may be an earlier write of
    // this batch or a commit whose sync has not ended yet: wait for it.
    *seq = batch_ops_ > 0 ? batch_seq_ : commit_seq_.load();
  }
  return decided.ok() ? absl::OkStatus() : decided.status();
}

bool SqliteStore::CommitBatchLocked() {
  absl::Status s = RunAndReset(*commit_);
  if (!s.ok()) {
    if (sqlite3_get_autocommit(write_db_->handle()) == 0) RunAndReset(*rollback_).IgnoreError();
    FailBatchLocked(s);
    return false;
  }
  committed_writes_.fetch_add(batch_ops_);
  if (commit_hook_) commit_hook_(true);
  in_txn_ = false;
  batch_ops_ = 0;
  batch_deferred_ = false;
  commit_seq_.store(batch_seq_);
  absl::MutexLock lock(&sync_mu_);
  committed_seq_ = batch_seq_;
  // Waiters with nothing to sync (":memory:", unsafe_no_fsync) are done now;
  // the others wait for the sync that the committing writer starts.
  if (!NeedsSync()) WakeLocked();
  return true;
}

void SqliteStore::FailBatchLocked(const absl::Status& why) {
  if (commit_hook_) commit_hook_(false);
  in_txn_ = false;
  batch_ops_ = 0;
  batch_deferred_ = false;
  commit_seq_.store(batch_seq_);
  absl::MutexLock lock(&sync_mu_);
  failed_batches_[batch_seq_] = why;
  while (failed_batches_.size() > 64) failed_batches_.erase(failed_batches_.begin());
  committed_seq_ = batch_seq_;
  WakeLocked();
}

bool SqliteStore::NeedsSync() const { return wal_fd_ >= 0 && !options_.unsafe_no_fsync; }

bool SqliteStore::ResolveLocked(int64_t seq, absl::Status* out) const {
  if (committed_seq_ < seq) return false;  // the batch is still open
  auto failed = failed_batches_.find(seq);
  if (failed != failed_batches_.end()) {
    *out = failed->second;
    return true;
  }
  if (!NeedsSync()) {
    *out = absl::OkStatus();
    return true;
  }
  if (!sync_error_.ok()) {
    *out = sync_error_;
    return true;
  }
  if (synced_seq_ >= seq) {
    *out = absl::OkStatus();
    return true;
  }
  return false;
}

bool SqliteStore::ResolveCommittedLocked(int64_t seq, absl::Status* out) const {
  if (committed_seq_ < seq) return false;
  auto failed = failed_batches_.find(seq);
  if (failed != failed_batches_.end()) {
    *out = failed->second;
  } else {
    *out = sync_error_;  // OK unless a sync failed (then no write is durable)
  }
  return true;
}

void SqliteStore::PushSyncJobLocked(int64_t target) {
  if (syncers_.empty() && !stop_syncers_) {
    for (int i = 0; i < kMaxSyncsInFlight; ++i) syncers_.emplace_back([this] { SyncerLoop(); });
  }
  sync_jobs_.push_back(target);
}

void SqliteStore::SyncerLoop() {
  absl::MutexLock lock(&sync_mu_);
  while (true) {
    sync_mu_.Await(absl::Condition(
        +[](SqliteStore* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return s->stop_syncers_ || !s->sync_jobs_.empty();
        },
        this));
    if (sync_jobs_.empty()) return;  // stopping, and nothing left to sync
    const int64_t target = sync_jobs_.front();
    sync_jobs_.erase(sync_jobs_.begin());
    sync_mu_.Unlock();
    RunSync(target);
    sync_mu_.Lock();
  }
}

void SqliteStore::RunDueCallbacks() {
  std::vector<std::pair<Done, absl::Status>> due;
  {
    absl::MutexLock lock(&sync_mu_);
    if (due_.empty()) return;
    due.swap(due_);
  }
  for (auto& [done, status] : due) done(std::move(status));
}

void SqliteStore::WhenDurable(int64_t ticket, Done done) {
  absl::Status status;
  {
    absl::MutexLock lock(&sync_mu_);
    if (!ResolveLocked(ticket, &status)) {
      callbacks_.push_back(CallbackWaiter{ticket, std::move(done)});
      if (MayLeadLocked(ticket)) PushSyncJobLocked(StartSyncLocked());  // none covers it
      return;
    }
  }
  done(std::move(status));
}

bool SqliteStore::MayLeadLocked(int64_t seq) const {
  return NeedsSync() && committed_seq_ >= seq && started_target_ < seq &&
         syncs_in_flight_ < kMaxSyncsInFlight && sync_error_.ok();
}

void SqliteStore::WakeLocked() {
  // Every waiter whose answer is known is told it; then, if a sync may
  // start, the first waiter that no running sync covers is told to run it.
  // Each waiter has its own notification: only those woken run, and none
  // has to take sync_mu_ again to find its answer.
  bool lead_given = false;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    SyncWaiter* w = *it;
    if (ResolveLocked(w->seq, &w->status)) {
      it = waiters_.erase(it);
      w->ready.Notify();
    } else if (!lead_given && MayLeadLocked(w->seq)) {
      lead_given = true;
      w->lead = true;
      // Counted now, so no other writer starts one past the limit before
      // this one wakes.
      w->target = StartSyncLocked();
      it = waiters_.erase(it);
      w->ready.Notify();
    } else {
      ++it;
    }
  }
  // Deferred writers' callbacks: answered (by RunDueCallbacks, outside the
  // locks) or, if no thread took the next sync, given one on a sync thread.
  size_t kept = 0;
  for (size_t i = 0; i < callbacks_.size(); ++i) {
    CallbackWaiter& w = callbacks_[i];
    absl::Status status;
    if (ResolveLocked(w.seq, &status)) {
      due_.emplace_back(std::move(w.done), std::move(status));
      continue;
    }
    if (!lead_given && MayLeadLocked(w.seq)) {
      lead_given = true;
      PushSyncJobLocked(StartSyncLocked());
    }
    if (kept != i) callbacks_[kept] = std::move(w);
    ++kept;
  }
  callbacks_.resize(kept);
}

int64_t SqliteStore::StartSyncLocked() {
  ++syncs_in_flight_;
  // Every commit numbered up to `target` has returned from COMMIT (its
  // frames are in the WAL file) before the sync that follows starts.
  const int64_t target = committed_seq_;
  if (target > started_target_) started_target_ = target;
  return target;
}

void SqliteStore::RunSync(int64_t target) {
  RunSyncAndCommit(target);
  RunDueCallbacks();  // the deferred writers this sync (or a failure) answered
}

void SqliteStore::RunSyncAndCommit(int64_t target) {
  absl::Status synced = SyncWal();
  bool commit_open_batch = false;
  {
    absl::MutexLock lock(&sync_mu_);
    --syncs_in_flight_;
    syncs_.fetch_add(1);
    if (!synced.ok()) {
      if (sync_error_.ok()) sync_error_ = synced;
      failed_.store(true);
    } else if (target > synced_seq_) {
      synced_seq_ = target;
    }
    WakeLocked();
    // Taken in the same critical section as the count above, so a combiner
    // that found every sync slot busy and left its batch open has either
    // set this already or will find the slot this sync freed.
    commit_open_batch = batch_left_open_;
    batch_left_open_ = false;
  }
  if (!commit_open_batch) return;
  // The batch a combiner left open while the syncs were busy: commit it, so
  // that the sync this one's end lets start covers it (a combiner that took
  // it over meanwhile may have committed it already).
  absl::MutexLock write_lock(&mu_);
  if (!in_txn_) return;
  const bool has_writes = batch_ops_ > 0;
  if (!CommitBatchLocked() || !has_writes) return;
  absl::MutexLock lock(&sync_mu_);
  WakeLocked();  // hands the next sync to one of the batch's writers
}

absl::Status SqliteStore::AwaitDurable(int64_t seq, bool committed_batch, bool counted) {
  SyncWaiter waiter;
  waiter.seq = seq;
  int64_t target = 0;
  {
    absl::MutexLock lock(&sync_mu_);
    absl::Status known;
    if (ResolveLocked(seq, &known)) {
      // Its own write needs nothing more (e.g. its change changed nothing
      // and what it read is durable); if it just committed a batch, another
      // writer of that batch runs the sync for it.
      if (committed_batch) WakeLocked();
      return known;
    }
    // The writer that committed a batch starts the sync for it (no hand-off
    // to another thread) unless a running sync started after the commit
    // (it covers the batch) or kMaxSyncsInFlight run: a write then waits
    // about one sync, not 1.5. Its own seq may be older than the batch (its
    // change changed nothing), so it leads on behalf of the newest commit.
    const int64_t lead_for = committed_batch ? std::max(seq, committed_seq_) : seq;
    if (MayLeadLocked(lead_for)) {
      target = StartSyncLocked();
    } else {
      waiters_.push_back(&waiter);
      if (!counted) waits_.fetch_add(1);
    }
  }
  if (target == 0) {
    waiter.ready.WaitForNotification();
    if (!waiter.lead) return waiter.status;
    target = waiter.target;
  }
  // Leader: this thread runs the sync; it covers its own commit.
  RunSync(target);
  absl::MutexLock lock(&sync_mu_);
  absl::Status status;
  if (ResolveLocked(seq, &status)) return status;
  // Not reached: the sync covered `seq` (or failed, which resolves it).
  return MakeError(absl::StatusCode::kInternal, kReason, "sqlite store: sync did not cover write");
}

absl::Status SqliteStore::SyncWal() {
  if (options_.sync_for_testing) {
    absl::Status s = options_.sync_for_testing();
    if (s.ok()) return s;
    return MakeError(absl::StatusCode::kUnavailable, kReason,
                     absl::StrCat("sqlite ", path(), ": sync of the WAL failed: ", s.message()));
  }
  if (fdatasync(wal_fd_) == 0) return absl::OkStatus();
  return MakeError(absl::StatusCode::kUnavailable, kReason,
                   absl::StrCat("sqlite ", path(), ": fdatasync of the WAL failed: ",
                                strerror(errno), "; reopen the store"));
}

absl::Status SqliteStore::Read(Reader read) {
  if (read_db_ == nullptr) {
    // One connection: wait until no batch is open on it (its writers are
    // about to commit it), so a read sees only committed data and may open
    // a transaction of its own.
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](bool* in_txn) { return !*in_txn; }, &in_txn_));
    return read(*write_db_);
  }
  absl::MutexLock lock(&read_mu_);
  return read(*read_db_);
}

int SqliteStore::OnWalCommit(void* self, sqlite3*, const char*, int frames) {
  auto* store = static_cast<SqliteStore*>(self);
  store->ReserveWalRoom(frames);
  absl::MutexLock lock(&store->ckpt_mu_);
  // A smaller WAL than what was copied: a writer restarted it.
  if (frames < store->backfilled_) store->backfilled_ = 0;
  store->wal_frames_ = frames;
  return SQLITE_OK;
}

int SqliteStore::OnWriterBusy(void* self, int count) {
  static_cast<SqliteStore*>(self)->busy_waits_.fetch_add(1);
  // Sleeps of 1, 2, 4, ... 64 ms, then 64 ms each, for kSqliteBusyTimeout
  // in all (as the busy timeout of every other connection).
  const int shift = std::min(count, 6);
  const int64_t slept_ms = count <= 6 ? (int64_t{1} << count) - 1 : 63 + int64_t{64} * (count - 6);
  if (slept_ms >= absl::ToInt64Milliseconds(kSqliteBusyTimeout)) return 0;
  absl::SleepFor(absl::Milliseconds(int64_t{1} << shift));
  return 1;
}

void SqliteStore::ReserveWalRoom(int frames) {
  // Called inside the write connection's COMMIT (under mu_): no other
  // connection writes the WAL file, and this one writes it only in COMMIT,
  // so nothing writes past the last frame while zeros are written there.
  // SQLite reads a WAL only up to its first frame whose salt and checksum
  // do not match the header's, so a zero tail is what a tail left over from
  // an earlier, longer WAL already is: ignored, after a crash too.
  const int previous_frames = last_wal_frames_.exchange(frames);
  if (wal_fd_ < 0 || page_size_ <= 0) return;
  const int64_t frame_bytes = 24 + page_size_;
  const int64_t wanted_low = 32 + (int64_t{frames} + kWalRoomFrames / 2) * frame_bytes;
  // A smaller WAL than last time: SQLite restarted it, and may have cut the
  // file back (journal_size_limit); look at the file again.
  if (frames < previous_frames) wal_bytes_ = 0;
  if (wal_bytes_ >= wanted_low) return;
  struct stat st;
  if (fstat(wal_fd_, &st) != 0) return;
  wal_bytes_ = st.st_size;
  if (wal_bytes_ >= wanted_low) return;
  const int64_t wanted = 32 + (int64_t{frames} + kWalRoomFrames) * frame_bytes;
  static const std::string* const kZeros = new std::string(size_t{1} << 16, '\0');
  while (wal_bytes_ < wanted) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(kZeros->size(), wanted - wal_bytes_));
    const ssize_t written = pwrite(wal_fd_, kZeros->data(), n, wal_bytes_);
    if (written <= 0) break;  // e.g. disk full: the room is only an optimisation
    wal_bytes_ += written;
  }
  wal_extensions_.fetch_add(1);
}

void SqliteStore::CheckpointLoop() {
  absl::MutexLock lock(&ckpt_mu_);
  while (true) {
    ckpt_mu_.Await(absl::Condition(
        +[](SqliteStore* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return s->stop_ || s->wal_frames_ - s->backfilled_ >= s->checkpoint_frames_;
        },
        this));
    if (stop_) return;
    const bool restart = wal_frames_ >= restart_frames_;
    ckpt_mu_.Unlock();
    int log_frames = 0;
    int copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(checkpoint_db_->handle(), nullptr,
                                       SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
    if (restart) {
      // The passive pass above copied what the WAL held, without holding
      // anyone back. The rest is copied with writers held at the write lock
      // and readers at the read lock, between batches: the RESTART then
      // waits for no one, and no writer waits for it in SQLite's busy
      // handler (which sleeps 1 ms, 2 ms, 4 ms, ... while holding the write
      // lock). The next commit starts the WAL from its beginning.
      absl::MutexLock write_lock(&mu_);
      mu_.Await(absl::Condition(+[](bool* in_txn) { return !*in_txn; }, &in_txn_));
      absl::MutexLock read_lock(&read_mu_);
      rc = sqlite3_wal_checkpoint_v2(checkpoint_db_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                     &log_frames, &copied);
      if (rc == SQLITE_OK) restarts_.fetch_add(1);
    }
    ckpt_mu_.Lock();
    checkpoints_.fetch_add(1);
    if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
      // What was copied is durable in the database file; wait for the next
      // kCheckpointFrames before trying again.
      backfilled_ = copied > 0 ? copied : wal_frames_;
    } else {
      // An I/O error: retry after the next batch of frames rather than spin.
      backfilled_ = wal_frames_;
    }
  }
}

}  // namespace sct

// DerivedStore in one SQLite file: the derived relay's durable default.
//
// Opened through runtime/sqlite.h (WAL, synchronous=FULL), and every write
// is its own transaction, so a method that returns OK has committed and
// synced its change: after a crash and reopen every acknowledged message is
// there. One table keyed by location with an index on expires_at, so
// SweepExpired walks only what has expired; a schema_version table refuses
// a file written by an incompatible version.
//
// Thread-safe: one connection (kCallerLocks) behind this store's mutex.
// Errors: those of DerivedStore; Open returns FAILED_PRECONDITION
// "store_unavailable" naming the file when it cannot be opened or has
// another schema version.
#ifndef SCT_RELAY_DERIVED_SQLITE_DERIVED_STORE_H_
#define SCT_RELAY_DERIVED_SQLITE_DERIVED_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "relay/derived/derived_store.h"
#include "runtime/sqlite.h"

namespace sct::relay::derived {

class SqliteDerivedStore : public DerivedStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteDerivedStore>> Open(const std::string& path);

  absl::Status Put(const std::string& location, const DerivedMessage& message,
                   absl::Time now) override;
  absl::StatusOr<DerivedMessage> Get(const std::string& location, absl::Time now) override;
  absl::Status Delete(const std::string& location, absl::Time now) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now) override;
  absl::StatusOr<int64_t> Count() override;

 private:
  explicit SqliteDerivedStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Mutex mu_;
  const std::unique_ptr<SqliteDb> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_SQLITE_DERIVED_STORE_H_

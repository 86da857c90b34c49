// Storage of mailboxes behind one interface: memory, sqlite, (later) redis.
//
// Every method is atomic and thread-safe; implementations serialise or use
// transactions. A method that returns OK has made its write durable (for the
// sqlite store: committed with WAL before returning). All relay logic is built
// on these few primitives, chiefly CompareAndSwap, so a new backend only has to
// make them atomic. One conformance suite (mailbox_store_conformance.h) runs
// against every implementation.
//
// Times are kept to the microsecond: a backend may drop finer digits of
// created_at and expires_at (the SQLite store keeps Unix microseconds), so
// callers store whole microseconds (MailboxService truncates) and every
// backend then answers every expiry question alike.
#ifndef SCT_RELAY_MAILBOX_STORE_H_
#define SCT_RELAY_MAILBOX_STORE_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "relay/mailbox.h"

namespace sct::relay {

// What MailboxStore::Insert did with a mailbox.
struct InsertResult {
  // True: the mailbox is stored. False: `create_key` already names a live
  // mailbox, `existing_id`, and nothing was stored (a repeated create).
  bool created = false;
  std::string existing_id;

  static InsertResult Created() { return InsertResult{true, ""}; }
  static InsertResult Repeated(std::string existing_id) {
    return InsertResult{false, std::move(existing_id)};
  }
};

class MailboxStore {
 public:
  virtual ~MailboxStore() = default;

  // Inserts `mailbox` (its version must be 1) and records `create_key` (sender
  // claim ‖ request id; empty records nothing) as pointing at it until the
  // mailbox expires. When `create_key` already points at a mailbox that is
  // live at mailbox.created_at, stores nothing and answers
  // InsertResult::Repeated with that mailbox's id. ALREADY_EXISTS if the id
  // is taken (the caller draws another).
  virtual absl::StatusOr<InsertResult> Insert(const Mailbox& mailbox,
                                              absl::string_view create_key) = 0;

  // The mailbox with `id`. NOT_FOUND if absent, deleted, or expires_at <= now.
  virtual absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) = 0;

  // Replaces the stored mailbox with `updated` iff the stored version equals
  // `expected_version` and it has not expired at `now`; `updated.version` must
  // be expected_version + 1. ABORTED if the version moved (caller re-reads and
  // retries), NOT_FOUND if it is gone or expired.
  virtual absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                                      absl::Time now) = 0;

  // Deletes iff the stored version equals `expected_version`. ABORTED if the
  // version moved, NOT_FOUND if absent.
  virtual absl::Status Delete(absl::string_view id, int64_t expected_version) = 0;

  // Removes up to `limit` mailboxes with expires_at <= now (and their create
  // keys), cheapest first: cost proportional to what is removed (an index on
  // expiry), never a scan of all mailboxes. Returns how many were removed.
  // A backend that expires records itself (Redis) may only settle Count
  // here, in coarser steps (redis_store.h); Get and CompareAndSwap never
  // answer an expired mailbox on any store.
  virtual absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) = 0;

  // Mailboxes stored and not yet swept (may include expired-but-unswept ones).
  virtual absl::StatusOr<int64_t> Count() = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_STORE_H_

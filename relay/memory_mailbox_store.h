// MailboxStore kept in process memory: for tests and for a relay that may lose
// its mailboxes on restart.
//
// One mutex guards three flat structures, laid out for memory (no Mailbox
// struct per slot, no string per field; figures in docs/BENCHMARKS.md):
//  - mailboxes_: a flat hash set of one string per mailbox — its id, the
//    SHA-256 prefix of its create key and the record (relay/mailbox_codec.h)
//    — looked up by the id inside it. Get decodes the record.
//  - create_keys_: 16 bytes of SHA-256(create key) -> mailbox id (the key
//    itself is not kept; a 128-bit collision is not a practical concern).
//  - by_expiry_: a B-tree of (expires_at, id), so SweepExpired touches only
//    what has expired.
// Ids in the last two are kept inline (SmallId), not as heap strings.
// "Durable" here means visible to every later call in this process.
// Thread-safe. Error codes are those of MailboxStore.
#ifndef SCT_RELAY_MEMORY_MAILBOX_STORE_H_
#define SCT_RELAY_MEMORY_MAILBOX_STORE_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "relay/mailbox_store.h"

namespace sct::relay {

class MemoryMailboxStore : public MailboxStore {
 public:
  MemoryMailboxStore() = default;

  absl::StatusOr<InsertResult> Insert(const Mailbox& mailbox,
                                      absl::string_view create_key) override;
  absl::StatusOr<Mailbox> Get(absl::string_view id, absl::Time now) override;
  absl::Status CompareAndSwap(const Mailbox& updated, int64_t expected_version,
                              absl::Time now) override;
  absl::Status Delete(absl::string_view id, int64_t expected_version) override;
  absl::StatusOr<int64_t> SweepExpired(absl::Time now, int64_t limit) override;
  absl::StatusOr<int64_t> Count() override;

 private:
  using KeyHash = std::array<char, 16>;
  // A mailbox id kept inline (a relay id is 36 characters): no heap block
  // per copy in the index and the create-key map.
  using SmallId = absl::InlinedVector<char, 40>;
  static SmallId Small(absl::string_view id) { return SmallId(id.begin(), id.end()); }
  static absl::string_view View(const SmallId& id) { return {id.data(), id.size()}; }

  // A stored mailbox: [2-byte id length][id][1 byte: has a create key]
  // [16-byte KeyHash if so][record]. Hashed and compared by its id, and
  // looked up by an id (absl::string_view; never by std::string, which
  // would be taken for a stored entry).
  static absl::string_view IdOf(const std::string& entry);
  struct ById {
    using is_transparent = void;
    size_t operator()(absl::string_view id) const { return absl::Hash<absl::string_view>{}(id); }
    size_t operator()(const std::string& entry) const { return (*this)(IdOf(entry)); }
    bool operator()(const std::string& a, const std::string& b) const {
      return IdOf(a) == IdOf(b);
    }
    bool operator()(const std::string& a, absl::string_view id) const { return IdOf(a) == id; }
    bool operator()(absl::string_view id, const std::string& b) const { return id == IdOf(b); }
  };
  using Set = absl::flat_hash_set<std::string, ById, ById>;

  void EraseLocked(Set::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Set mailboxes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<KeyHash, SmallId> create_keys_ ABSL_GUARDED_BY(mu_);
  absl::btree_set<std::pair<absl::Time, SmallId>> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MEMORY_MAILBOX_STORE_H_

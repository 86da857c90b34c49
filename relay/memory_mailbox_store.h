// MailboxStore kept in process memory: for tests and for a relay that may lose
// its mailboxes on restart.
//
// One mutex guards three structures, laid out for memory (figures in
// docs/BENCHMARKS.md). A mailbox is one heap block (Entry): its id, the
// SHA-256 prefix of its create key and the record (relay/mailbox_codec.h).
// Every index holds only the block's address (8 bytes a slot), because a
// hash table at 1 M entries may be only half full after its last doubling:
//  - mailboxes_: a flat hash set of the blocks (it owns them), looked up by
//    the id inside. Get decodes the record.
//  - create_keys_: a flat hash set of the blocks that own a create key,
//    looked up by the 16-byte SHA-256 prefix inside (the key itself is not
//    kept; a 128-bit collision is not a practical concern).
//  - by_expiry_: a B-tree of (expiry in Unix ns, block), so SweepExpired
//    touches only what has expired.
// Every address in the last two is a block of mailboxes_ (a block is freed
// only after both stop naming it).
// "Durable" here means visible to every later call in this process.
// Thread-safe. Error codes are those of MailboxStore.
#ifndef SCT_RELAY_MEMORY_MAILBOX_STORE_H_
#define SCT_RELAY_MEMORY_MAILBOX_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "relay/mailbox_store.h"

namespace sct::relay {

class MemoryMailboxStore : public MailboxStore {
 public:
  MemoryMailboxStore() = default;
  MemoryMailboxStore(const MemoryMailboxStore&) = delete;
  MemoryMailboxStore& operator=(const MemoryMailboxStore&) = delete;

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
  // A stored mailbox, one heap block:
  // [4-byte length of the rest][2-byte id length][id][1 byte: has a create
  // key][16-byte KeyHash if so][record].
  using Entry = std::unique_ptr<char[]>;
  static absl::string_view IdOf(const char* entry);
  static absl::string_view KeyHashOf(const char* entry);  // empty if none

  // mailboxes_: hashed and compared by the id inside a block; looked up by
  // an id (absl::string_view).
  struct ById {
    using is_transparent = void;
    size_t operator()(absl::string_view id) const { return absl::Hash<absl::string_view>{}(id); }
    size_t operator()(const Entry& e) const { return (*this)(IdOf(e.get())); }
    bool operator()(const Entry& a, const Entry& b) const { return IdOf(a.get()) == IdOf(b.get()); }
    bool operator()(const Entry& a, absl::string_view id) const { return IdOf(a.get()) == id; }
    bool operator()(absl::string_view id, const Entry& b) const { return id == IdOf(b.get()); }
  };
  // create_keys_: hashed and compared by the create-key hash inside a block;
  // looked up by a KeyHash.
  struct ByKeyHash {
    using is_transparent = void;
    static absl::string_view View(const KeyHash& k) { return {k.data(), k.size()}; }
    size_t operator()(const KeyHash& k) const { return absl::Hash<absl::string_view>{}(View(k)); }
    size_t operator()(const char* e) const { return absl::Hash<absl::string_view>{}(KeyHashOf(e)); }
    bool operator()(const char* a, const char* b) const { return KeyHashOf(a) == KeyHashOf(b); }
    bool operator()(const char* a, const KeyHash& k) const { return KeyHashOf(a) == View(k); }
    bool operator()(const KeyHash& k, const char* b) const { return View(k) == KeyHashOf(b); }
  };
  using Set = absl::flat_hash_set<Entry, ById, ById>;

  // Drops `it` and the index entries that name it.
  void EraseLocked(Set::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Set mailboxes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<const char*, ByKeyHash, ByKeyHash> create_keys_ ABSL_GUARDED_BY(mu_);
  absl::btree_set<std::pair<int64_t, const char*>> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MEMORY_MAILBOX_STORE_H_

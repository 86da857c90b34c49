// MailboxStore kept in process memory: for tests and for a relay that may lose
// its mailboxes on restart.
//
// One mutex guards a hash map of mailboxes, a hash map of create keys and an
// expiry index (ordered by expires_at) so SweepExpired touches only what has
// expired. "Durable" here means visible to every later call in this process.
// Thread-safe. Error codes are those of MailboxStore.
#ifndef SCT_RELAY_MEMORY_MAILBOX_STORE_H_
#define SCT_RELAY_MEMORY_MAILBOX_STORE_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
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
  struct Entry {
    Mailbox mailbox;
    std::string create_key;
  };
  void EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> mailboxes_ ABSL_GUARDED_BY(mu_);
  // create key -> mailbox id
  absl::flat_hash_map<std::string, std::string> create_keys_ ABSL_GUARDED_BY(mu_);
  // (expires_at, id), the expiry index.
  std::set<std::pair<absl::Time, std::string>> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MEMORY_MAILBOX_STORE_H_

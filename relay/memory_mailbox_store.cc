#include "relay/memory_mailbox_store.h"

#include "absl/strings/str_cat.h"

namespace sct::relay {

absl::StatusOr<InsertResult> MemoryMailboxStore::Insert(const Mailbox& mailbox,
                                                        absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  absl::MutexLock lock(&mu_);
  if (!create_key.empty()) {
    auto key_it = create_keys_.find(create_key);
    if (key_it != create_keys_.end()) {
      auto mb_it = mailboxes_.find(key_it->second);
      if (mb_it != mailboxes_.end() &&
          mb_it->second.mailbox.expires_at > mailbox.created_at) {
        return InsertResult::Repeated(key_it->second);
      }
      create_keys_.erase(key_it);  // points at a mailbox no longer live
    }
  }
  if (mailboxes_.contains(mailbox.id)) {
    return absl::AlreadyExistsError("mailbox id taken");
  }
  mailboxes_.emplace(mailbox.id, Entry{mailbox, std::string(create_key)});
  by_expiry_.emplace(mailbox.expires_at, mailbox.id);
  if (!create_key.empty()) create_keys_.emplace(create_key, mailbox.id);
  return InsertResult::Created();
}

absl::StatusOr<Mailbox> MemoryMailboxStore::Get(absl::string_view id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(id);
  if (it == mailboxes_.end() || it->second.mailbox.expires_at <= now) {
    return absl::NotFoundError("mailbox not found");
  }
  return it->second.mailbox;
}

absl::Status MemoryMailboxStore::CompareAndSwap(const Mailbox& updated,
                                                int64_t expected_version,
                                                absl::Time now) {
  if (updated.version != expected_version + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompareAndSwap: version must be ", expected_version + 1));
  }
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(updated.id);
  if (it == mailboxes_.end() || it->second.mailbox.expires_at <= now) {
    return absl::NotFoundError("mailbox not found");
  }
  Mailbox& stored = it->second.mailbox;
  if (stored.version != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  if (stored.expires_at != updated.expires_at) {
    by_expiry_.erase({stored.expires_at, stored.id});
    by_expiry_.emplace(updated.expires_at, updated.id);
  }
  stored = updated;
  return absl::OkStatus();
}

void MemoryMailboxStore::EraseLocked(
    absl::flat_hash_map<std::string, Entry>::iterator it) {
  const Entry& e = it->second;
  by_expiry_.erase({e.mailbox.expires_at, e.mailbox.id});
  if (!e.create_key.empty()) {
    auto key_it = create_keys_.find(e.create_key);
    if (key_it != create_keys_.end() && key_it->second == e.mailbox.id) {
      create_keys_.erase(key_it);
    }
  }
  mailboxes_.erase(it);
}

absl::Status MemoryMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(id);
  if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
  if (it->second.mailbox.version != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  EraseLocked(it);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  while (removed < limit && !by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    auto it = mailboxes_.find(by_expiry_.begin()->second);
    if (it == mailboxes_.end()) {  // cannot happen; keep the index consistent
      by_expiry_.erase(by_expiry_.begin());
      continue;
    }
    EraseLocked(it);
    ++removed;
  }
  return removed;
}

absl::StatusOr<int64_t> MemoryMailboxStore::Count() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(mailboxes_.size());
}

}  // namespace sct::relay

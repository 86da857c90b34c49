#include "relay/memory_mailbox_store.h"

#include <openssl/sha.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "relay/mailbox_codec.h"

namespace sct::relay {
namespace {

constexpr size_t kIdLengthBytes = 2;
constexpr size_t kMaxIdBytes = 0xffff;

// The parts of a stored entry (see the header).
struct Parts {
  absl::string_view id;
  bool has_create_key = false;
  absl::string_view create_key_hash;  // 16 bytes if has_create_key
  absl::string_view record;
};

Parts Split(absl::string_view entry) {
  Parts p;
  const size_t id_len = (static_cast<unsigned char>(entry[0]) << 8) |
                        static_cast<unsigned char>(entry[1]);
  p.id = entry.substr(kIdLengthBytes, id_len);
  size_t at = kIdLengthBytes + id_len;
  p.has_create_key = entry[at] != 0;
  ++at;
  if (p.has_create_key) {
    p.create_key_hash = entry.substr(at, 16);
    at += 16;
  }
  p.record = entry.substr(at);
  return p;
}

std::array<char, 16> HashOf(absl::string_view create_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(create_key.data()), create_key.size(), digest);
  std::array<char, 16> out;
  std::memcpy(out.data(), digest, out.size());
  return out;
}

std::string MakeEntry(const Mailbox& m, const std::array<char, 16>* create_key_hash) {
  std::string record = EncodeMailbox(m);
  std::string entry;
  entry.reserve(kIdLengthBytes + m.id.size() + 17 + record.size());
  entry.push_back(static_cast<char>((m.id.size() >> 8) & 0xff));
  entry.push_back(static_cast<char>(m.id.size() & 0xff));
  entry.append(m.id);
  entry.push_back(create_key_hash != nullptr ? 1 : 0);
  if (create_key_hash != nullptr) entry.append(create_key_hash->data(), create_key_hash->size());
  entry.append(record);
  entry.shrink_to_fit();
  return entry;
}

// The stored expiry and version of an entry (its record's header, which this
// store wrote).
absl::Time ExpiryOf(const Parts& p) {
  int64_t version = 0;
  absl::Time expires = absl::InfinitePast();
  (void)ReadRecordHeader(p.record, &version, &expires);
  return expires;
}
int64_t VersionOf(const Parts& p) {
  int64_t version = 0;
  absl::Time expires;
  (void)ReadRecordHeader(p.record, &version, &expires);
  return version;
}

absl::Status CheckId(absl::string_view id) {
  if (id.size() > kMaxIdBytes) return absl::InvalidArgumentError("mailbox id too long");
  return absl::OkStatus();
}

}  // namespace

absl::string_view MemoryMailboxStore::IdOf(const std::string& entry) { return Split(entry).id; }

absl::StatusOr<InsertResult> MemoryMailboxStore::Insert(const Mailbox& mailbox,
                                                        absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  if (absl::Status s = CheckId(mailbox.id); !s.ok()) return s;
  const KeyHash key_hash = create_key.empty() ? KeyHash{} : HashOf(create_key);
  absl::MutexLock lock(&mu_);
  if (!create_key.empty()) {
    auto key_it = create_keys_.find(key_hash);
    if (key_it != create_keys_.end()) {
      auto mb_it = mailboxes_.find(View(key_it->second));
      if (mb_it != mailboxes_.end() && ExpiryOf(Split(*mb_it)) > mailbox.created_at) {
        return InsertResult::Repeated(std::string(View(key_it->second)));
      }
      create_keys_.erase(key_it);  // points at a mailbox no longer live
    }
  }
  if (mailboxes_.contains(absl::string_view(mailbox.id))) {
    return absl::AlreadyExistsError("mailbox id taken");
  }
  std::string entry = MakeEntry(mailbox, create_key.empty() ? nullptr : &key_hash);
  // The index holds the expiry as stored (the record keeps whole nanoseconds
  // from 1970 on), so EraseLocked finds the same pair again.
  by_expiry_.emplace(ExpiryOf(Split(entry)), Small(mailbox.id));
  mailboxes_.insert(std::move(entry));
  if (!create_key.empty()) create_keys_.emplace(key_hash, Small(mailbox.id));
  return InsertResult::Created();
}

absl::StatusOr<Mailbox> MemoryMailboxStore::Get(absl::string_view id, absl::Time now) {
  std::string record;
  {
    absl::MutexLock lock(&mu_);
    auto it = mailboxes_.find(id);
    if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
    const Parts p = Split(*it);
    if (ExpiryOf(p) <= now) return absl::NotFoundError("mailbox not found");
    record.assign(p.record.data(), p.record.size());
  }
  return DecodeMailbox(record, id);  // outside the lock
}

absl::Status MemoryMailboxStore::CompareAndSwap(const Mailbox& updated,
                                                int64_t expected_version,
                                                absl::Time now) {
  if (updated.version != expected_version + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompareAndSwap: version must be ", expected_version + 1));
  }
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(absl::string_view(updated.id));
  if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
  const Parts p = Split(*it);
  const absl::Time stored_expiry = ExpiryOf(p);
  if (stored_expiry <= now) return absl::NotFoundError("mailbox not found");
  if (VersionOf(p) != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  KeyHash key_hash;
  const bool has_key = p.has_create_key;
  if (has_key) std::memcpy(key_hash.data(), p.create_key_hash.data(), key_hash.size());
  std::string entry = MakeEntry(updated, has_key ? &key_hash : nullptr);
  const absl::Time new_expiry = ExpiryOf(Split(entry));
  if (stored_expiry != new_expiry) {
    by_expiry_.erase({stored_expiry, Small(updated.id)});
    by_expiry_.emplace(new_expiry, Small(updated.id));
  }
  mailboxes_.erase(it);
  mailboxes_.insert(std::move(entry));
  return absl::OkStatus();
}

void MemoryMailboxStore::EraseLocked(Set::iterator it) {
  const Parts p = Split(*it);
  by_expiry_.erase({ExpiryOf(p), Small(p.id)});
  if (p.has_create_key) {
    KeyHash key_hash;
    std::memcpy(key_hash.data(), p.create_key_hash.data(), key_hash.size());
    auto key_it = create_keys_.find(key_hash);
    if (key_it != create_keys_.end() && View(key_it->second) == p.id) create_keys_.erase(key_it);
  }
  mailboxes_.erase(it);
}

absl::Status MemoryMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(id);
  if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
  if (VersionOf(Split(*it)) != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  EraseLocked(it);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  while (removed < limit && !by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    auto it = mailboxes_.find(View(by_expiry_.begin()->second));
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

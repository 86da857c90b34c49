#include "relay/memory_mailbox_store.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/digest.h"
#include "relay/mailbox_codec.h"

namespace sct::relay {
namespace {

constexpr size_t kLengthBytes = 4;
constexpr size_t kIdLengthBytes = 2;
constexpr size_t kKeyHashBytes = 16;
constexpr size_t kMaxIdBytes = 0xffff;

// The bytes of an entry after its 4-byte length (see the header).
absl::string_view Body(const char* entry) {
  uint32_t n = 0;
  std::memcpy(&n, entry, sizeof(n));
  return absl::string_view(entry + kLengthBytes, n);
}

// The parts of a stored entry.
struct Parts {
  absl::string_view id;
  absl::string_view create_key_hash;  // empty, or 16 bytes
  absl::string_view record;
};

Parts Split(const char* entry) {
  const absl::string_view body = Body(entry);
  Parts p;
  const size_t id_len = (static_cast<unsigned char>(body[0]) << 8) |
                        static_cast<unsigned char>(body[1]);
  p.id = body.substr(kIdLengthBytes, id_len);
  size_t at = kIdLengthBytes + id_len;
  const bool has_create_key = body[at] != 0;
  ++at;
  if (has_create_key) {
    p.create_key_hash = body.substr(at, kKeyHashBytes);
    at += kKeyHashBytes;
  }
  p.record = body.substr(at);
  return p;
}

std::array<char, 16> HashOf(absl::string_view create_key) {
  const std::string digest = crypto::Sha256(create_key);
  std::array<char, 16> out;
  std::memcpy(out.data(), digest.data(), out.size());
  return out;
}

// A block for the mailbox `id` whose encoded record is `record`.
std::unique_ptr<char[]> MakeEntry(absl::string_view id, absl::string_view create_key_hash,
                                  absl::string_view record) {
  const size_t body =
      kIdLengthBytes + id.size() + 1 + create_key_hash.size() + record.size();
  std::unique_ptr<char[]> entry(new char[kLengthBytes + body]);
  const uint32_t n = static_cast<uint32_t>(body);
  char* out = entry.get();
  std::memcpy(out, &n, sizeof(n));
  out += kLengthBytes;
  *out++ = static_cast<char>((id.size() >> 8) & 0xff);
  *out++ = static_cast<char>(id.size() & 0xff);
  std::memcpy(out, id.data(), id.size());
  out += id.size();
  *out++ = create_key_hash.empty() ? 0 : 1;
  std::memcpy(out, create_key_hash.data(), create_key_hash.size());
  out += create_key_hash.size();
  std::memcpy(out, record.data(), record.size());
  return entry;
}

// The stored expiry (Unix ns, as the record's header has it) and version of
// an entry (its record's header, which this store wrote).
int64_t ExpiryNanosOf(const Parts& p) {
  int64_t version = 0;
  absl::Time expires = absl::UnixEpoch();
  (void)ReadRecordHeader(p.record, &version, &expires);
  return absl::ToUnixNanos(expires);
}
int64_t VersionOf(const Parts& p) {
  int64_t version = 0;
  absl::Time expires;
  (void)ReadRecordHeader(p.record, &version, &expires);
  return version;
}
// Whether an entry expiring at `expiry_ns` has expired at `t` (the header
// keeps no time before 1970; ToUnixNanos saturates for infinite times).
bool ExpiredAt(int64_t expiry_ns, absl::Time t) { return expiry_ns <= absl::ToUnixNanos(t); }

absl::Status CheckId(absl::string_view id) {
  if (id.size() > kMaxIdBytes) return absl::InvalidArgumentError("mailbox id too long");
  return absl::OkStatus();
}

}  // namespace

absl::string_view MemoryMailboxStore::IdOf(const char* entry) { return Split(entry).id; }
absl::string_view MemoryMailboxStore::KeyHashOf(const char* entry) {
  return Split(entry).create_key_hash;
}

absl::StatusOr<InsertResult> MemoryMailboxStore::Insert(const Mailbox& mailbox,
                                                        absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  if (absl::Status s = CheckId(mailbox.id); !s.ok()) return s;
  const bool has_key = !create_key.empty();
  const KeyHash key_hash = has_key ? HashOf(create_key) : KeyHash{};
  // Built outside the lock; dropped if not stored.
  Entry entry = MakeEntry(
      mailbox.id,
      has_key ? absl::string_view(key_hash.data(), key_hash.size()) : absl::string_view(),
      EncodeMailbox(mailbox));
  const char* block = entry.get();
  const int64_t expiry = ExpiryNanosOf(Split(block));

  absl::MutexLock lock(&mu_);
  if (has_key) {
    auto key_it = create_keys_.find(key_hash);
    if (key_it != create_keys_.end()) {
      const Parts existing = Split(*key_it);
      if (!ExpiredAt(ExpiryNanosOf(existing), mailbox.created_at)) {
        return InsertResult::Repeated(std::string(existing.id));
      }
      // The key's mailbox is expired but not yet swept: the key moves to the
      // new mailbox (the old one's erase then leaves it alone).
      create_keys_.erase(key_it);
    }
  }
  if (mailboxes_.contains(absl::string_view(mailbox.id))) {
    return absl::AlreadyExistsError("mailbox id taken");
  }
  mailboxes_.insert(std::move(entry));
  by_expiry_.emplace(expiry, block);
  if (has_key) create_keys_.insert(block);
  return InsertResult::Created();
}

absl::StatusOr<Mailbox> MemoryMailboxStore::Get(absl::string_view id, absl::Time now) {
  std::string record;
  {
    absl::MutexLock lock(&mu_);
    auto it = mailboxes_.find(id);
    if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
    const Parts p = Split(it->get());
    if (ExpiredAt(ExpiryNanosOf(p), now)) return absl::NotFoundError("mailbox not found");
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
  const std::string record = EncodeMailbox(updated);  // outside the lock
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(absl::string_view(updated.id));
  if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
  const char* old_block = it->get();
  const Parts p = Split(old_block);
  const int64_t old_expiry = ExpiryNanosOf(p);
  if (ExpiredAt(old_expiry, now)) return absl::NotFoundError("mailbox not found");
  if (VersionOf(p) != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  // A new block keeps the stored create key; every index moves to it before
  // the old block is freed.
  Entry entry = MakeEntry(updated.id, p.create_key_hash, record);
  const char* block = entry.get();
  by_expiry_.erase({old_expiry, old_block});
  by_expiry_.emplace(ExpiryNanosOf(Split(block)), block);
  if (!p.create_key_hash.empty()) {
    auto key_it = create_keys_.find(old_block);
    if (key_it != create_keys_.end() && *key_it == old_block) {
      create_keys_.erase(key_it);
      create_keys_.insert(block);
    }
  }
  mailboxes_.erase(it);
  mailboxes_.insert(std::move(entry));
  return absl::OkStatus();
}

void MemoryMailboxStore::EraseLocked(Set::iterator it) {
  const char* block = it->get();
  const Parts p = Split(block);
  by_expiry_.erase({ExpiryNanosOf(p), block});
  if (!p.create_key_hash.empty()) {
    // The key may have moved to a newer mailbox (Insert): then it stays.
    auto key_it = create_keys_.find(block);
    if (key_it != create_keys_.end() && *key_it == block) create_keys_.erase(key_it);
  }
  mailboxes_.erase(it);  // frees the block
}

absl::Status MemoryMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  auto it = mailboxes_.find(id);
  if (it == mailboxes_.end()) return absl::NotFoundError("mailbox not found");
  if (VersionOf(Split(it->get())) != expected_version) {
    return absl::AbortedError("mailbox changed concurrently");
  }
  EraseLocked(it);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  while (removed < limit && !by_expiry_.empty() &&
         ExpiredAt(by_expiry_.begin()->first, now)) {
    const char* block = by_expiry_.begin()->second;  // a block of mailboxes_
    EraseLocked(mailboxes_.find(IdOf(block)));
    ++removed;
  }
  return removed;
}

absl::StatusOr<int64_t> MemoryMailboxStore::Count() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(mailboxes_.size());
}

}  // namespace sct::relay

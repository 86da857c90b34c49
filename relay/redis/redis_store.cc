#include "relay/redis/redis_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"

namespace sct::relay {
namespace {

// Insert-if-absent. KEYS[1] mailbox; ARGV blob, expires (padded), ttl ms.
// 1 inserted, 0 id taken.
constexpr char kInsertScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'e', ARGV[2], 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// Compare-and-swap on the version. KEYS[1] mailbox; ARGV expected version,
// new version, now (padded), blob, new expires (padded), ttl ms.
// {1, old expires} swapped; 0 absent or expired; -1 version moved.
constexpr char kCasScript[] = R"lua(
local cur = redis.call('HMGET', KEYS[1], 'v', 'e')
if not cur[1] or not cur[2] then return 0 end
if cur[2] <= ARGV[3] then return 0 end
if cur[1] ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'e', ARGV[5], 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {1, cur[2]}
)lua";

// Delete on the version. KEYS[1] mailbox; ARGV expected version.
// 1 deleted, 0 absent, -1 version moved.
constexpr char kDeleteScript[] = R"lua(
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return 0 end
if v ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return 1
)lua";

// Sweep one candidate. KEYS[1] mailbox; ARGV now (padded).
// 1 deleted (expired), 0 absent, otherwise the live mailbox's expires.
constexpr char kSweepOneScript[] = R"lua(
local e = redis.call('HGET', KEYS[1], 'e')
if not e then return 0 end
if e <= ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return e
)lua";

// Compare-and-set of a create key. KEYS[1] create key; ARGV new id, ttl ms,
// expected current value ('' = absent). {1, ''} set; {0, current} otherwise.
constexpr char kClaimScript[] = R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur then cur = '' end
if cur == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ''}
end
return {0, cur}
)lua";

// Create-key claims tried before giving up (each failure means the key moved
// from one dead mailbox to another in between).
constexpr int kMaxClaimAttempts = 8;

absl::Status Unexpected(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "store_error",
                   absl::StrCat("redis store: unexpected reply to ", what));
}

// expires_at as fixed-width decimal Unix nanoseconds: string order equals
// time order, which is how the scripts compare without Lua's doubles.
std::string PaddedNanos(absl::Time t) {
  int64_t ns = t <= absl::UnixEpoch() ? 0 : absl::ToUnixNanos(t);
  return absl::StrFormat("%020d", ns);
}

// The index score: whole Unix milliseconds (exact in a double), rounded down.
std::string ScoreMillis(absl::Time t) { return std::to_string(absl::ToUnixMillis(t)); }

std::string TtlMillis(absl::Time expires_at, absl::Time reference, absl::Duration grace) {
  absl::Duration ttl = std::max(expires_at - reference, absl::ZeroDuration()) + grace;
  return std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)));
}

// ---- record encoding: "<len>:<bytes>" per field ----
void Put(std::string* out, absl::string_view s) { absl::StrAppend(out, s.size(), ":", s); }
void PutInt(std::string* out, int64_t v) { Put(out, std::to_string(v)); }
void PutToken(std::string* out, const std::optional<NotificationToken>& t) {
  PutInt(out, t.has_value() ? 1 : 0);
  if (t.has_value()) {
    Put(out, t->type);
    Put(out, t->token_data);
  }
}

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  bool Str(std::string* out) {
    size_t colon = data_.find(':');
    if (colon == absl::string_view::npos) return false;
    uint64_t len = 0;
    if (!absl::SimpleAtoi(data_.substr(0, colon), &len)) return false;
    data_.remove_prefix(colon + 1);
    if (len > data_.size()) return false;
    out->assign(data_.data(), len);
    data_.remove_prefix(len);
    return true;
  }
  bool Int(int64_t* out) {
    std::string s;
    return Str(&s) && absl::SimpleAtoi(s, out);
  }
  bool Token(std::optional<NotificationToken>* out) {
    int64_t present = 0;
    if (!Int(&present)) return false;
    if (present == 0) {
      out->reset();
      return true;
    }
    NotificationToken t;
    if (!Str(&t.type) || !Str(&t.token_data)) return false;
    *out = std::move(t);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

constexpr char kRecordFormat[] = "m1";

}  // namespace

std::string EncodeMailbox(const Mailbox& m) {
  std::string out;
  Put(&out, kRecordFormat);
  Put(&out, m.id);
  Put(&out, m.payload.type);
  Put(&out, m.payload.data);
  Put(&out, m.display.title);
  Put(&out, m.display.description);
  Put(&out, m.display.image_url);
  Put(&out, m.access_rights);
  PutInt(&out, absl::ToUnixNanos(m.created_at));
  PutInt(&out, absl::ToUnixNanos(m.expires_at));
  Put(&out, m.sender_claim);
  PutToken(&out, m.sender_token);
  Put(&out, m.receiver_claim);
  PutToken(&out, m.receiver_token);
  Put(&out, m.attestation);
  PutInt(&out, static_cast<int64_t>(m.applied_requests.size()));
  for (const std::string& k : m.applied_requests) Put(&out, k);
  PutInt(&out, m.version);
  return out;
}

absl::StatusOr<Mailbox> DecodeMailbox(absl::string_view data) {
  Reader r(data);
  Mailbox m;
  std::string format;
  int64_t created = 0, expires = 0, n = 0;
  bool ok = r.Str(&format) && format == kRecordFormat && r.Str(&m.id) &&
            r.Str(&m.payload.type) && r.Str(&m.payload.data) && r.Str(&m.display.title) &&
            r.Str(&m.display.description) && r.Str(&m.display.image_url) &&
            r.Str(&m.access_rights) && r.Int(&created) && r.Int(&expires) &&
            r.Str(&m.sender_claim) && r.Token(&m.sender_token) && r.Str(&m.receiver_claim) &&
            r.Token(&m.receiver_token) && r.Str(&m.attestation) && r.Int(&n) && n >= 0 &&
            n <= 1 << 20;
  for (int64_t i = 0; ok && i < n; ++i) {
    std::string k;
    ok = r.Str(&k);
    m.applied_requests.push_back(std::move(k));
  }
  ok = ok && r.Int(&m.version) && r.done();
  if (!ok) {
    return MakeError(absl::StatusCode::kDataLoss, "store_error",
                     "redis store: a mailbox record does not decode");
  }
  m.created_at = absl::FromUnixNanos(created);
  m.expires_at = absl::FromUnixNanos(expires);
  return m;
}

RedisMailboxStore::RedisMailboxStore(RedisClient* client, RedisStoreOptions options)
    : client_(client), options_(std::move(options)) {}

std::string RedisMailboxStore::MailboxKey(absl::string_view id) const {
  return absl::StrCat(options_.key_prefix, "{", id, "}:m");
}
std::string RedisMailboxStore::CreateKey(absl::string_view create_key) const {
  return absl::StrCat(options_.key_prefix, "c:", create_key);
}
std::string RedisMailboxStore::IndexShardKey(int shard) const {
  return absl::StrCat(options_.key_prefix, "{idx", shard, "}:expiry");
}
std::string RedisMailboxStore::IndexKey(absl::string_view id) const {
  return IndexShardKey(RedisCrc16(id) % kIndexShards);
}

absl::StatusOr<InsertResult> RedisMailboxStore::Insert(const Mailbox& mailbox,
                                                       absl::string_view create_key) {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  const std::string key = MailboxKey(mailbox.id);
  const std::string index = IndexKey(mailbox.id);
  const std::string ttl =
      TtlMillis(mailbox.expires_at, mailbox.created_at, options_.expiry_grace);
  // (1) Index first: every stored mailbox is then in the index (an entry for a
  // mailbox that never got stored is removed by the sweep).
  absl::StatusOr<RedisReply> r =
      client_->Command(index, {"ZADD", index, "NX", ScoreMillis(mailbox.expires_at),
                               mailbox.id});
  if (!r.ok()) return r.status();
  const bool indexed_now = r->integer == 1;
  // (2) The mailbox, if its id is free.
  r = client_->Eval(kInsertScript, {key},
                    {EncodeMailbox(mailbox), PaddedNanos(mailbox.expires_at), ttl});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kInteger) return Unexpected("insert");
  if (r->integer == 0) return absl::AlreadyExistsError("mailbox id taken");
  if (create_key.empty()) return InsertResult::Created();

  // (3) Claim the create key.
  auto undo = [&]() -> absl::Status {
    absl::StatusOr<RedisReply> d = client_->Command(key, {"DEL", key});
    if (!d.ok()) return d.status();
    if (indexed_now) {
      d = client_->Command(index, {"ZREM", index, mailbox.id});
      if (!d.ok()) return d.status();
    }
    return absl::OkStatus();
  };
  const std::string ck = CreateKey(create_key);
  std::string expected;  // absent
  for (int attempt = 0; attempt < kMaxClaimAttempts; ++attempt) {
    r = client_->Eval(kClaimScript, {ck}, {mailbox.id, ttl, expected});
    if (!r.ok()) return r.status();  // the retry of the request repairs this
    if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) {
      return Unexpected("create-key claim");
    }
    if (r->elements[0].integer == 1) return InsertResult::Created();
    const std::string holder = r->elements[1].str;
    // Is the mailbox the key names still live at this insert's time?
    const std::string holder_key = MailboxKey(holder);
    absl::StatusOr<RedisReply> e = client_->Command(holder_key, {"HGET", holder_key, "e"});
    if (!e.ok()) return e.status();
    if (e->type == RedisReply::Type::kString && e->str > PaddedNanos(mailbox.created_at)) {
      absl::Status undone = undo();
      if (!undone.ok()) return undone;
      return InsertResult::Repeated(holder);
    }
    expected = holder;  // dead: take the key over, unless someone else did
  }
  (void)undo();
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   "redis store: create key is being claimed concurrently; retry");
}

absl::StatusOr<Mailbox> RedisMailboxStore::Get(absl::string_view id, absl::Time now) {
  const std::string key = MailboxKey(id);
  absl::StatusOr<RedisReply> r = client_->Command(key, {"HMGET", key, "e", "d"});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) {
    return Unexpected("HMGET");
  }
  if (r->elements[0].type != RedisReply::Type::kString ||
      r->elements[1].type != RedisReply::Type::kString ||
      r->elements[0].str <= PaddedNanos(now)) {
    return absl::NotFoundError("mailbox not found");
  }
  return DecodeMailbox(r->elements[1].str);
}

absl::Status RedisMailboxStore::CompareAndSwap(const Mailbox& updated,
                                               int64_t expected_version, absl::Time now) {
  if (updated.version != expected_version + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompareAndSwap: version must be ", expected_version + 1));
  }
  const std::string key = MailboxKey(updated.id);
  const std::string new_expiry = PaddedNanos(updated.expires_at);
  absl::StatusOr<RedisReply> r = client_->Eval(
      kCasScript, {key},
      {std::to_string(expected_version), std::to_string(updated.version), PaddedNanos(now),
       EncodeMailbox(updated), new_expiry,
       TtlMillis(updated.expires_at, now, options_.expiry_grace)});
  if (!r.ok()) return r.status();
  if (r->type == RedisReply::Type::kInteger) {
    if (r->integer == 0) return absl::NotFoundError("mailbox not found");
    if (r->integer == -1) return absl::AbortedError("mailbox changed concurrently");
    return Unexpected("compare-and-swap");
  }
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) {
    return Unexpected("compare-and-swap");
  }
  if (r->elements[1].str != new_expiry) {
    // The expiry moved: keep the index in step (XX: only if still indexed).
    const std::string index = IndexKey(updated.id);
    absl::StatusOr<RedisReply> z = client_->Command(
        index, {"ZADD", index, "XX", ScoreMillis(updated.expires_at), updated.id});
    if (!z.ok()) return z.status();
  }
  return absl::OkStatus();
}

absl::Status RedisMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  const std::string key = MailboxKey(id);
  absl::StatusOr<RedisReply> r =
      client_->Eval(kDeleteScript, {key}, {std::to_string(expected_version)});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kInteger) return Unexpected("delete");
  if (r->integer == 0) return absl::NotFoundError("mailbox not found");
  if (r->integer == -1) return absl::AbortedError("mailbox changed concurrently");
  const std::string index = IndexKey(id);
  absl::StatusOr<RedisReply> z = client_->Command(index, {"ZREM", index, std::string(id)});
  if (!z.ok()) return z.status();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  if (limit <= 0) return 0;
  struct Candidate {
    double score;
    std::string id;
  };
  std::vector<Candidate> due;
  const std::string max = ScoreMillis(now);
  for (int shard = 0; shard < kIndexShards; ++shard) {
    const std::string index = IndexShardKey(shard);
    absl::StatusOr<RedisReply> r =
        client_->Command(index, {"ZRANGEBYSCORE", index, "-inf", max, "WITHSCORES", "LIMIT",
                                 "0", std::to_string(limit)});
    if (!r.ok()) return r.status();
    if (r->type != RedisReply::Type::kArray) return Unexpected("ZRANGEBYSCORE");
    for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      double score = 0;
      if (!absl::SimpleAtod(r->elements[i + 1].str, &score)) return Unexpected("ZRANGEBYSCORE");
      due.push_back({score, r->elements[i].str});
    }
  }
  std::sort(due.begin(), due.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score < b.score : a.id < b.id;
  });
  int64_t removed = 0;
  const std::string now_padded = PaddedNanos(now);
  for (const Candidate& c : due) {
    if (removed >= limit) break;
    const std::string key = MailboxKey(c.id);
    const std::string index = IndexKey(c.id);
    absl::StatusOr<RedisReply> r = client_->Eval(kSweepOneScript, {key}, {now_padded});
    if (!r.ok()) return r.status();
    if (r->type == RedisReply::Type::kString) {
      // Still live (its expiry moved later): correct the index entry.
      int64_t ns = 0;
      if (absl::SimpleAtoi(r->str, &ns)) {
        absl::StatusOr<RedisReply> z = client_->Command(
            index,
            {"ZADD", index, "XX", ScoreMillis(absl::FromUnixNanos(ns)), c.id});
        if (!z.ok()) return z.status();
      }
      continue;
    }
    // Deleted now, or already gone (Redis expired it): drop the index entry.
    // Counting ZREM's answer keeps two replicas sweeping at once honest.
    absl::StatusOr<RedisReply> z = client_->Command(index, {"ZREM", index, c.id});
    if (!z.ok()) return z.status();
    removed += z->integer;
  }
  return removed;
}

absl::StatusOr<int64_t> RedisMailboxStore::Count() {
  int64_t total = 0;
  for (int shard = 0; shard < kIndexShards; ++shard) {
    const std::string index = IndexShardKey(shard);
    absl::StatusOr<RedisReply> r = client_->Command(index, {"ZCARD", index});
    if (!r.ok()) return r.status();
    total += r->integer;
  }
  return total;
}

}  // namespace sct::relay

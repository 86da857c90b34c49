#include "relay/redis/redis_store.h"


#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/digest.h"
#include "relay/mailbox_codec.h"
#include "relay/redis/redis_limits.h"

namespace sct::relay {
namespace {

// A stored mailbox is one string, EncodeMailbox's (relay/mailbox_codec.h):
// the scripts read its fixed header with GETRANGE 0 41, never copying the
// record into Lua; in Lua (1-based) version = sub(3, 22), expires_at =
// sub(23, 42), both 20-digit decimals that compare as strings.
//
// A create-key entry's value: the second its mailbox expires (10 digits,
// rounded up), then '#' and the mailbox id as 16 bytes when it is a
// lower-case UUID (every id the relay makes), else '=' and the id as given
// (CreateKeyValue). sct_holder gives back the id as text; sct_clean_bucket,
// given a second, drops the entries dead by then; sct_put_key sets an entry
// (and cleans). A bucket has no TTL (no PTTL/PEXPIRE per insert): it is
// cleaned by one insert in 16 and, a slice of the buckets at a time, by
// every SweepExpired (kCleanBucketScript), and Redis deletes it once its last
// entry is dropped.
constexpr char kHolderLua[] = R"lua(
local function sct_holder(v)
  local rest = string.sub(v, 12)
  if string.sub(v, 11, 11) ~= '#' then return rest end
  local h = string.gsub(rest, '.', function(c) return string.format('%02x', string.byte(c)) end)
  return string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-' .. string.sub(h, 13, 16) ..
         '-' .. string.sub(h, 17, 20) .. '-' .. string.sub(h, 21, 32)
end
local function sct_clean_bucket(bucket, dead_by)
  if dead_by ~= '' then
    local all = redis.call('HGETALL', bucket)
    for i = 1, #all, 2 do
      if string.sub(all[i + 1], 1, 10) <= dead_by then redis.call('HDEL', bucket, all[i]) end
    end
  end
end
local function sct_put_key(bucket, field, value, dead_by)
  redis.call('HSET', bucket, field, value)
  sct_clean_bucket(bucket, dead_by)
end
)lua";

// Insert on a single node (standalone Redis): the whole create in one script.
// KEYS[1] mailbox, KEYS[2] the create-key bucket (the mailbox key again
// without a create key), KEYS[3] (gated form only) the creates limiter's
// counter. ARGV: 1 record, 2 ttl ms, 3 created_at (padded), 4 create-key
// field ('' = none), 5 bucket value (CreateKeyValue), 6 key prefix (to name
// the holder's key), 7 the second of created_at (10 digits, rounded down) to
// drop the bucket's entries dead by then, or '' (one insert in 16 cleans);
// gated: 8 limit, 9 window ms, 10 now ms. {1} inserted; {0} id taken; {2,
// holder} the create key names a mailbox live at created_at (nothing
// written); gated: {3, ms left} over the creates budget (nothing counted or
// written). The create key's entry is claimed with one HSETNX (a new key,
// the common case: no separate read); only when it exists is it read, its
// mailbox checked, and (dead) taken over with HSET; an entry this insert
// added is removed again if the id turns out taken. The mailbox's count is
// not in the script: RedisMailboxStore adds it to the counts it flushes
// (CountDeltas).
constexpr char kInsertBody[] = R"lua(
local ck = ARGV[4] ~= ''
local added = false
if ck then
  added = redis.call('HSETNX', KEYS[2], ARGV[4], ARGV[5]) == 1
  if not added then
    local holder = sct_holder(redis.call('HGET', KEYS[2], ARGV[4]))
    local h = redis.call('GETRANGE', ARGV[6] .. '{' .. holder .. '}:m', 0, 41)
    if #h == 42 and string.sub(h, 23, 42) > ARGV[3] then return {2, holder} end
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  if added then redis.call('HDEL', KEYS[2], ARGV[4]) end
  return {0}
end
if added then
  sct_clean_bucket(KEYS[2], ARGV[7])
elseif ck then
  sct_put_key(KEYS[2], ARGV[4], ARGV[5], ARGV[7])
end
return {1}
)lua";

const std::string& InsertScript() {
  static const std::string* script = new std::string(absl::StrCat(kHolderLua, kInsertBody));
  return *script;
}

// The insert gated by a limiter (RedisRelaySteps): the limiter's window
// logic (redis_limits.h) first, in the same script.
const std::string& GatedInsertScript() {
  static const std::string* script = new std::string(absl::StrCat(kRedisLimiterGateLua, R"lua(
local ok, left = sct_gate(KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]),
                          true)
if not ok then return {3, left} end
)lua", kHolderLua, kInsertBody));
  return *script;
}

// Compare-and-set of a create-key entry (cluster: the bucket has its own
// slot). KEYS[1] bucket; ARGV field, new value, expected holder id ('' =
// absent), the second of created_at to drop dead entries with or '' (as the
// insert script). {1, ''} set; {0, current holder} otherwise.
constexpr char kClaimBody[] = R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local holder = ''
if cur then holder = sct_holder(cur) end
if holder ~= ARGV[3] then return {0, holder} end
sct_put_key(KEYS[1], ARGV[1], ARGV[2], ARGV[4])
return {1, ''}
)lua";

// Cleans one bucket (SweepExpired): KEYS[1] bucket, ARGV[1] the second at
// or before which an entry's mailbox is dead. Nothing.
const std::string& CleanBucketScript() {
  static const std::string* script =
      new std::string(absl::StrCat(kHolderLua, "sct_clean_bucket(KEYS[1], ARGV[1])\nreturn 0\n"));
  return *script;
}

const std::string& ClaimScript() {
  static const std::string* script = new std::string(absl::StrCat(kHolderLua, kClaimBody));
  return *script;
}

// A delete tombstone's own TTL (ms, as written: RedisDeleteTombstone), nil
// for anything else: what the logged delete below puts a tombstone back with.
constexpr char kTombTtlLua[] = R"lua(
local function sct_tomb_ttl(v)
  if string.sub(v, 43, 43) ~= 'D' then return nil end
  return string.match(v, '^(%d+):', 44)
end
)lua";

// Compare-and-swap on the version, as one write: SET XX KEEPTTL GET writes
// the new record and answers the old one, whose header is then checked; if
// the check fails the old value is put back with its TTL (SET KEEPTTL; same
// script, so atomic) and nothing has changed. The key keeps its TTL unless
// the expiry moved (then PEXPIRE; MailboxService never moves it; the count
// moves with the relay's flushed deltas). KEYS[1] mailbox; ARGV expected
// version (padded), now (padded), new record, ttl ms. {1, old expires}
// swapped; 0 absent or expired (a delete's tombstone included); -1 version
// moved.
constexpr char kCasBody[] = R"lua(
local old = redis.call('SET', KEYS[1], ARGV[3], 'XX', 'KEEPTTL', 'GET')
if not old then return 0 end
local e = string.sub(old, 23, 42)
local live = #old >= 42 and e > ARGV[2]
if not live or string.sub(old, 3, 22) ~= ARGV[1] then
  redis.call('SET', KEYS[1], old, 'KEEPTTL')
  if live then return -1 end
  return 0
end
if e ~= string.sub(ARGV[3], 23, 42) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, e}
)lua";

const std::string& CasScript() {
  static const std::string* script = new std::string(kCasBody);
  return *script;
}

// Delete on the version (no delete log). KEYS[1] mailbox; ARGV expected
// version (padded). {1, expires} deleted, 0 absent (a tombstone included),
// -1 version moved.
constexpr char kDeleteBody[] = R"lua(
local h = redis.call('GETRANGE', KEYS[1], 0, 42)
if #h < 42 or string.sub(h, 43, 43) == 'D' then return 0 end
if string.sub(h, 3, 22) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return {1, string.sub(h, 23, 42)}
)lua";

// Delete on the version with the delete log's entry: the mailbox's value
// becomes its tombstone (RedisDeleteTombstone: the request key, kept for the
// log's TTL) with one SET XX GET, whose answer is then checked; if the check
// fails the old value is put back (atomic: same script). KEYS[1] mailbox;
// ARGV expected version (padded), tombstone, its ttl ms, grace ms. A mailbox
// put back gets the tombstone's TTL plus grace (>= what is left of its life:
// the log keeps entries for --max_ttl); a tombstone its own. Answers as
// kDeleteBody.
constexpr char kDeleteLoggedBody[] = R"lua(
local old = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'XX', 'GET')
if not old then return 0 end
if #old < 42 or string.sub(old, 43, 43) == 'D' then
  redis.call('SET', KEYS[1], old, 'PX', sct_tomb_ttl(old) or ARGV[3])
  return 0
end
if string.sub(old, 3, 22) ~= ARGV[1] then
  redis.call('SET', KEYS[1], old, 'PX', tonumber(ARGV[3]) + tonumber(ARGV[4]))
  return -1
end
return {1, string.sub(old, 23, 42)}
)lua";

const std::string& DeleteScript() {
  static const std::string* script = new std::string(kDeleteBody);
  return *script;
}

const std::string& DeleteLoggedScript() {
  static const std::string* script =
      new std::string(absl::StrCat(kTombTtlLua, kDeleteLoggedBody));
  return *script;
}

// Takes a due minute out of a count shard: KEYS[1] shard, ARGV minute. The
// count it held ('' if another sweep took it first).
constexpr char kTakeMinuteScript[] = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return '' end
redis.call('HDEL', KEYS[1], ARGV[1])
return v
)lua";

// Create-key claims tried before giving up (each failure means the key moved
// from one dead mailbox to another in between).
constexpr int kMaxClaimAttempts = 8;
// One insert in this many also drops the dead entries of its bucket.
constexpr int kCleanEvery = 16;

absl::Status Unexpected(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "store_error",
                   absl::StrCat("redis store: unexpected reply to ", what));
}

// The expiry minute of a mailbox: the whole Unix minute at or after
// expires_at. A count shard's minute m
// holds the mailboxes with expires_at in ((m - 1) min, m min], all due at m.
int64_t ExpiryMinuteOf(absl::Time t) {
  const int64_t ns = absl::ToUnixNanos(t);
  constexpr int64_t kMinute = int64_t{60} * 1000 * 1000 * 1000;
  return ns / kMinute + (ns % kMinute != 0 ? 1 : 0);
}

std::string TtlMillis(absl::Time expires_at, absl::Time reference, absl::Duration grace) {
  absl::Duration ttl = std::max(expires_at - reference, absl::ZeroDuration()) + grace;
  return std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)));
}

// 10 digits (Unix seconds until the year 2286), so they compare as strings.
std::string PaddedSeconds(int64_t seconds) {
  return absl::StrFormat("%010d", std::max<int64_t>(0, seconds));
}

// A create-key entry's value (kHolderLua): the expiry second rounded up (an
// entry is dropped only once surely dead: expiry second <= the second of a
// later insert's created_at, rounded down), then the id: 16 bytes after '#'
// for a lower-case UUID (20 bytes less per live mailbox than its text),
// else the text after '='.
std::string CreateKeyValue(absl::Time expires_at, absl::string_view id) {
  const int64_t ns = absl::ToUnixNanos(expires_at);
  constexpr int64_t kSecond = 1000 * 1000 * 1000;
  std::string value = PaddedSeconds(ns / kSecond + (ns % kSecond != 0 ? 1 : 0));
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  bool uuid = id.size() == 36;
  for (size_t i = 0; uuid && i < id.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      uuid = id[i] == '-';
      ++i;
      continue;
    }
    const int hi = hex(id[i]), lo = i + 1 < id.size() ? hex(id[i + 1]) : -1;
    uuid = hi >= 0 && lo >= 0;
    bytes.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (uuid && bytes.size() == 16) return absl::StrCat(value, "#", bytes);
  return absl::StrCat(value, "=", id);
}

std::string GraceMillis(absl::Duration grace) {
  return std::to_string(std::max<int64_t>(0, absl::ToInt64Milliseconds(grace)));
}

bool CleanThisTime() {
  static std::atomic<uint32_t> n{0};
  return n.fetch_add(1, std::memory_order_relaxed) % kCleanEvery == 0;
}

}  // namespace

RedisMailboxStore::RedisMailboxStore(RedisClient* client, RedisStoreOptions options)
    : client_(client),
      options_(std::move(options)),
      single_node_(!client->cluster()),
      last_flush_(absl::Now()),
      // Replicas start their flushes and cleaning at different shards and
      // buckets.
      flush_shard_(static_cast<uint32_t>(absl::ToUnixNanos(absl::Now()) / 1000) % kIndexShards),
      bucket_cursor_(static_cast<uint32_t>(absl::ToUnixNanos(absl::Now()) / 1000) %
                     kCreateKeyBuckets) {}

RedisMailboxStore::~RedisMailboxStore() { (void)FlushCounts(); }

void RedisMailboxStore::AddCount(absl::Time expires_at, int64_t delta) {
  {
    absl::MutexLock lock(&counts_mu_);
    count_deltas_[ExpiryMinuteOf(expires_at)] += delta;
  }
  MaybeFlushCounts();
}

void RedisMailboxStore::MaybeFlushCounts() {
  {
    absl::MutexLock lock(&counts_mu_);
    const absl::Time now = absl::Now();
    if (count_deltas_.empty() || now - last_flush_ < options_.count_flush_interval) return;
    last_flush_ = now;
  }
  // A failure keeps the changes for the next flush; the operation that
  // triggered it has succeeded and stays so.
  (void)FlushCounts();
}

absl::Status RedisMailboxStore::FlushCounts() {
  absl::flat_hash_map<int64_t, int64_t> deltas;
  {
    absl::MutexLock lock(&counts_mu_);
    deltas.swap(count_deltas_);
  }
  // Any shard may hold any mailbox's count (Count and SweepExpired add the
  // shards up), so one flush goes to one shard, the next in turn.
  const std::string shard = IndexShardKey(
      static_cast<int>(flush_shard_.fetch_add(1, std::memory_order_relaxed) % kIndexShards));
  absl::Status status;
  for (auto it = deltas.begin(); it != deltas.end();) {
    if (it->second != 0 && status.ok()) {
      status = client_
                   ->Command(shard, {"HINCRBY", shard, std::to_string(it->first),
                                     std::to_string(it->second)})
                   .status();
      if (status.ok()) {
        deltas.erase(it++);
        continue;
      }
    }
    if (it->second == 0) {
      deltas.erase(it++);
      continue;
    }
    ++it;
  }
  if (!deltas.empty()) {
    absl::MutexLock lock(&counts_mu_);
    for (const auto& [minute, delta] : deltas) count_deltas_[minute] += delta;
  }
  return status;
}

std::string RedisMailboxStore::MailboxKey(absl::string_view id) const {
  return RedisMailboxKey(options_.key_prefix, id);
}
std::string RedisMailboxStore::CreateKey(absl::string_view create_key) const {
  return CreateKeyEntry(create_key).first;
}
std::pair<std::string, std::string> RedisMailboxStore::CreateKeyEntry(
    absl::string_view create_key) const {
  const std::string digest = crypto::Sha256(create_key);
  const auto byte = [&digest](int i) { return static_cast<unsigned char>(digest[i]); };
  const int bucket = ((byte(16) << 8) | byte(17)) % kCreateKeyBuckets;
  return {absl::StrCat(options_.key_prefix, "{j", bucket, "}"), digest.substr(0, 16)};
}
std::string RedisMailboxStore::IndexShardKey(int shard) const {
  return absl::StrCat(options_.key_prefix, "{idx", shard, "}:counts");
}
std::string RedisMailboxStore::IndexKey(absl::string_view id) const {
  return IndexShardKey(RedisCrc16(id) % kIndexShards);
}

absl::StatusOr<InsertResult> RedisMailboxStore::Insert(const Mailbox& mailbox,
                                                       absl::string_view create_key) {
  absl::StatusOr<InsertPlan> plan = PlanInsert(mailbox, create_key);
  if (!plan.ok()) return plan.status();
  if (!single_node_) return InsertInCluster(mailbox, create_key, *plan);
  absl::StatusOr<GatedInsert> r = InsertOnOneNode(mailbox, create_key, *plan, nullptr);
  if (!r.ok()) return r.status();
  return std::move(r->insert);
}

absl::StatusOr<RedisMailboxStore::GatedInsert> RedisMailboxStore::InsertGated(
    const Mailbox& mailbox, absl::string_view create_key, const RedisLimiterGate& gate) {
  if (!single_node_) {
    return absl::FailedPreconditionError("InsertGated: only on a single Redis");
  }
  absl::StatusOr<InsertPlan> plan = PlanInsert(mailbox, create_key);
  if (!plan.ok()) return plan.status();
  return InsertOnOneNode(mailbox, create_key, *plan, &gate);
}

absl::StatusOr<RedisMailboxStore::InsertPlan> RedisMailboxStore::PlanInsert(
    const Mailbox& mailbox, absl::string_view create_key) const {
  if (mailbox.version != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Insert: version must be 1, got ", mailbox.version));
  }
  InsertPlan plan;
  plan.key = MailboxKey(mailbox.id);
  plan.ttl = TtlMillis(mailbox.expires_at, mailbox.created_at, options_.expiry_grace);
  plan.created = PaddedNanos(mailbox.created_at);
  plan.clean = CleanThisTime() ? PaddedSeconds(absl::ToUnixSeconds(mailbox.created_at)) : "";
  if (!create_key.empty()) plan.entry = CreateKeyEntry(create_key);
  plan.entry_value = CreateKeyValue(mailbox.expires_at, mailbox.id);
  return plan;
}

absl::StatusOr<RedisMailboxStore::GatedInsert> RedisMailboxStore::InsertOnOneNode(
    const Mailbox& mailbox, absl::string_view create_key, const InsertPlan& plan,
    const RedisLimiterGate* gate) {
  // One script: (limiter,) create-key check, insert-if-absent, create key;
  // the count is kept here and flushed (AddCount).
  std::vector<std::string> keys = {plan.key, create_key.empty() ? plan.key : plan.entry.first};
  std::vector<std::string> args = {EncodeMailbox(mailbox), plan.ttl,         plan.created,
                                   plan.entry.second,      plan.entry_value, options_.key_prefix,
                                   plan.clean};
  if (gate != nullptr) {
    keys.push_back(gate->counter_key);
    args.push_back(std::to_string(gate->limit));
    args.push_back(std::to_string(gate->window_ms));
    args.push_back(std::to_string(gate->now_ms));
  }
  absl::StatusOr<RedisReply> r =
      client_->Eval(gate != nullptr ? GatedInsertScript() : InsertScript(), keys, args);
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.empty()) return Unexpected("insert");
  switch (r->elements[0].integer) {
    case 3:
      if (gate == nullptr) return Unexpected("insert");
      return GatedInsert{true, InsertResult()};
    case 1:
      AddCount(mailbox.expires_at, 1);
      return GatedInsert{false, InsertResult::Created()};
    case 0:
      return absl::AlreadyExistsError("mailbox id taken");
    case 2:
      if (r->elements.size() == 2) {
        return GatedInsert{false, InsertResult::Repeated(r->elements[1].str)};
      }
      return Unexpected("insert");
    default:
      return Unexpected("insert");
  }
}

absl::StatusOr<InsertResult> RedisMailboxStore::InsertInCluster(const Mailbox& mailbox,
                                                                absl::string_view create_key,
                                                                const InsertPlan& plan) {
  const std::string& key = plan.key;
  const std::string& ttl = plan.ttl;
  const std::string& created = plan.created;
  const std::string& clean = plan.clean;
  const std::pair<std::string, std::string>& entry = plan.entry;
  const std::string& entry_value = plan.entry_value;
  // Cluster: the create key's bucket has its own slot, so single-slot
  // steps. (1) The mailbox, if its id is free.
  absl::StatusOr<RedisReply> r =
      client_->Command(key, {"SET", key, EncodeMailbox(mailbox), "PX", ttl, "NX"});
  if (!r.ok()) return r.status();
  if (r->type == RedisReply::Type::kNil) return absl::AlreadyExistsError("mailbox id taken");
  // (3) Once created: count it (kept here and flushed; a crash before the
  // flush leaves Count one short until that minute is swept; never a
  // mailbox).
  auto counted = [&]() -> absl::StatusOr<InsertResult> {
    AddCount(mailbox.expires_at, 1);
    return InsertResult::Created();
  };
  if (create_key.empty()) return counted();

  // (2) Claim the create key.
  auto undo = [&]() -> absl::Status {
    return client_->Command(key, {"DEL", key}).status();
  };
  std::string expected;  // absent
  for (int attempt = 0; attempt < kMaxClaimAttempts; ++attempt) {
    r = client_->Eval(ClaimScript(), {entry.first}, {entry.second, entry_value, expected, clean});
    if (!r.ok()) return r.status();  // the retry of the request repairs this
    if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) {
      return Unexpected("create-key claim");
    }
    if (r->elements[0].integer == 1) return counted();
    const std::string holder = r->elements[1].str;
    if (holder.empty()) {  // the entry went away meanwhile: claim it as absent
      expected.clear();
      continue;
    }
    // Is the mailbox the key names still live at this insert's time?
    const std::string holder_key = MailboxKey(holder);
    absl::StatusOr<RedisReply> h =
        client_->Command(holder_key, {"GETRANGE", holder_key, "0", "41"});
    if (!h.ok()) return h.status();
    const absl::string_view holder_expiry = RecordExpiryDigits(h->str);
    if (!holder_expiry.empty() && holder_expiry > created) {
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

namespace {

// A mailbox key's value as GET answers it, read at `now`.
absl::StatusOr<Mailbox> ParseStored(const RedisReply& r, absl::string_view id, absl::Time now) {
  if (r.type == RedisReply::Type::kNil) return absl::NotFoundError("mailbox not found");
  if (r.type != RedisReply::Type::kString) return Unexpected("GET");
  const absl::string_view expiry = RecordExpiryDigits(r.str);
  if (expiry.empty()) return DecodeMailbox(r.str, id);  // DATA_LOSS
  if (expiry <= PaddedNanos(now)) return absl::NotFoundError("mailbox not found");
  return DecodeMailbox(r.str, id);
}

}  // namespace

absl::StatusOr<Mailbox> RedisMailboxStore::Get(absl::string_view id, absl::Time now) {
  const std::string key = MailboxKey(id);
  absl::StatusOr<RedisReply> r = client_->Command(key, {"GET", key});
  if (!r.ok()) return r.status();
  return ParseStored(*r, id, now);
}

absl::StatusOr<RedisMailboxStore::GetWithResult> RedisMailboxStore::GetWith(
    absl::string_view other_key, absl::string_view id, absl::Time now) {
  if (!single_node_) return absl::FailedPreconditionError("GetWith: only on a single Redis");
  const std::string key = MailboxKey(id);
  absl::StatusOr<RedisReply> r = client_->Command(key, {"MGET", std::string(other_key), key});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) return Unexpected("MGET");
  GetWithResult result;
  const RedisReply& other = r->elements[0];
  if (other.type == RedisReply::Type::kString) {
    result.other = other.str;
  } else if (other.type != RedisReply::Type::kNil) {
    return Unexpected("MGET");
  }
  result.mailbox = ParseStored(r->elements[1], id, now);
  return result;
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
      CasScript(), {key},
      {PaddedVersion(expected_version), PaddedNanos(now), EncodeMailbox(updated),
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
    // The expiry moved: move the mailbox to its new minute in the counts.
    int64_t old_ns = 0;
    if (!absl::SimpleAtoi(r->elements[1].str, &old_ns)) return Unexpected("compare-and-swap");
    const absl::Time old_expiry = absl::FromUnixNanos(old_ns);
    if (ExpiryMinuteOf(old_expiry) != ExpiryMinuteOf(updated.expires_at)) {
      AddCount(old_expiry, -1);
      AddCount(updated.expires_at, 1);
    }
  }
  return absl::OkStatus();
}

absl::Status RedisMailboxStore::Delete(absl::string_view id, int64_t expected_version) {
  return DeleteAndLog(id, expected_version, "", 0);
}

absl::Status RedisMailboxStore::DeleteAndLog(absl::string_view id, int64_t expected_version,
                                             absl::string_view request_key, int64_t log_ttl_ms) {
  const std::string key = MailboxKey(id);
  absl::StatusOr<RedisReply> r;
  if (request_key.empty()) {
    r = client_->Eval(DeleteScript(), {key}, {PaddedVersion(expected_version)});
  } else {
    const int64_t ttl = std::max<int64_t>(1, log_ttl_ms);
    r = client_->Eval(DeleteLoggedScript(), {key},
                      {PaddedVersion(expected_version),
                       RedisDeleteTombstone(expected_version, request_key, ttl),
                       std::to_string(ttl), GraceMillis(options_.expiry_grace)});
  }
  if (!r.ok()) return r.status();
  if (r->type == RedisReply::Type::kInteger) {
    if (r->integer == 0) return absl::NotFoundError("mailbox not found");
    if (r->integer == -1) return absl::AbortedError("mailbox changed concurrently");
    return Unexpected("delete");
  }
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) return Unexpected("delete");
  int64_t ns = 0;
  if (!absl::SimpleAtoi(r->elements[1].str, &ns)) return Unexpected("delete");
  AddCount(absl::FromUnixNanos(ns), -1);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisMailboxStore::SweepExpired(absl::Time now, int64_t limit) {
  if (limit <= 0) return 0;
  // This store's own changes first, so that what it did is counted.
  RETURN_IF_ERROR(FlushCounts());
  // Due minutes (m min <= now) of every shard, oldest first.
  struct Due {
    int64_t minute;
    int shard;
    int64_t count;
  };
  std::vector<Due> due;
  const int64_t last_due = absl::ToUnixNanos(now) / (int64_t{60} * 1000 * 1000 * 1000);
  for (int shard = 0; shard < kIndexShards; ++shard) {
    const std::string counts = IndexShardKey(shard);
    absl::StatusOr<RedisReply> r = client_->Command(counts, {"HGETALL", counts});
    if (!r.ok()) return r.status();
    if (r->type != RedisReply::Type::kArray) return Unexpected("HGETALL");
    for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      int64_t minute = 0, count = 0;
      if (!absl::SimpleAtoi(r->elements[i].str, &minute) ||
          !absl::SimpleAtoi(r->elements[i + 1].str, &count)) {
        return Unexpected("HGETALL");
      }
      if (minute <= last_due) due.push_back({minute, shard, count});
    }
  }
  std::sort(due.begin(), due.end(), [](const Due& a, const Due& b) {
    return a.minute != b.minute ? a.minute < b.minute : a.shard < b.shard;
  });
  int64_t removed = 0;
  for (const Due& d : due) {
    // A minute is taken whole: stop before one that would overshoot `limit`
    // (unless it is the first).
    if (removed >= limit || (removed > 0 && removed + d.count > limit)) break;
    // Taken atomically (HGET + HDEL), so two replicas sweeping at once count
    // each minute once.
    absl::StatusOr<RedisReply> r =
        client_->Eval(kTakeMinuteScript, {IndexShardKey(d.shard)}, {std::to_string(d.minute)});
    if (!r.ok()) return r.status();
    int64_t count = 0;
    if (r->type == RedisReply::Type::kString && absl::SimpleAtoi(r->str, &count)) {
      // May be negative: a delete's -1 can land in another shard than its
      // create's +1 (flushed counts), so the minute's fields are added up.
      removed += count;
    }
  }
  // A slice of the create-key buckets loses the entries of dead mailboxes
  // (buckets have no TTL; inserts clean only the bucket they write to).
  const std::string dead_by = PaddedSeconds(absl::ToUnixSeconds(now));
  for (int i = 0; i < options_.buckets_cleaned_per_sweep; ++i) {
    const uint32_t bucket =
        bucket_cursor_.fetch_add(1, std::memory_order_relaxed) % kCreateKeyBuckets;
    const std::string key = absl::StrCat(options_.key_prefix, "{j", bucket, "}");
    absl::StatusOr<RedisReply> r = client_->Eval(CleanBucketScript(), {key}, {dead_by});
    if (!r.ok()) return r.status();
  }
  return std::max<int64_t>(0, removed);
}

absl::StatusOr<int64_t> RedisMailboxStore::Count() {
  RETURN_IF_ERROR(FlushCounts());
  int64_t total = 0;
  for (int shard = 0; shard < kIndexShards; ++shard) {
    const std::string counts = IndexShardKey(shard);
    absl::StatusOr<RedisReply> r = client_->Command(counts, {"HVALS", counts});
    if (!r.ok()) return r.status();
    if (r->type != RedisReply::Type::kArray) return Unexpected("HVALS");
    for (const RedisReply& v : r->elements) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(v.str, &n)) return Unexpected("HVALS");
      total += n;
    }
  }
  return std::max<int64_t>(0, total);
}

}  // namespace sct::relay

#include "relay/redis/redis_limits.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "relay/mailbox_codec.h"

namespace sct::relay {

// The counter is 16 bytes: the window's start (ms) and the count, each a
// big-endian int64, so that one BITFIELD reads the start and counts the event
// (one command; values below 2^53 are exact in Lua). No window (a new key
// reads start 0), a window that is over, a start more than a window in the
// future, or a value of another format (its bytes read as a huge start)
// starts a window at now: one SET of both fields with PX = two windows (the
// rest of the window plus one window, as every event used to set). Over the
// budget the count is taken back, so nothing is counted. (A `local function`
// is local to the script it is pasted into.)
const char kRedisLimiterGateLua[] = R"lua(
local function sct_gate(key, limit, window, now, acquire)
  local r = redis.call('BITFIELD', key, 'GET', 'i64', 0, 'INCRBY', 'i64', 64, 1)
  local start, n = r[1], r[2]
  if start <= 0 or now >= start + window or start > now + window then
    redis.call('SET', key, struct.pack('>i8>i8', now, 1), 'PX', 2 * window)
    return true, 0
  end
  if acquire and n > limit then
    redis.call('BITFIELD', key, 'INCRBY', 'i64', 64, -1)
    return false, start + window - now
  end
  return true, 0
end
)lua";

namespace {

// KEYS[1] counter; ARGV limit, window ms, mode ("acquire", "record"), now
// ms (the relay's clock). Returns {flag, left}: acquire: flag 1 = counted,
// 0 = over budget (left = the window's remaining ms); record: always counts,
// 1. The read-only check is a plain GET (ExhaustedFor).
const std::string& LimiterScript() {
  static const std::string* script = new std::string(std::string(kRedisLimiterGateLua) + R"lua(
local ok, left = sct_gate(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4]),
                          ARGV[3] == 'acquire')
if ok then return {1, 0} end
return {0, left}
)lua");
  return *script;
}

absl::Status Unexpected() {
  return MakeError(absl::StatusCode::kInternal, "store_error", "redis limiter: unexpected reply");
}

}  // namespace

RedisEventLimiter::RedisEventLimiter(RedisClient* client, const Clock* clock, std::string name,
                                     int64_t limit, absl::Duration window, std::string key_prefix)
    : client_(client),
      clock_(clock),
      name_(std::move(name)),
      limit_(limit),
      window_(window > absl::ZeroDuration() ? window : absl::Seconds(1)),
      prefix_(std::move(key_prefix)) {}

std::string RedisEventLimiter::CounterKey(absl::string_view key) const {
  // "rw:" (not the "rl:" of the older text counter), so that relays of both
  // formats never read each other's counters.
  return absl::StrCat(prefix_, "rw:", name_, ":{", key, "}");
}

absl::StatusOr<std::pair<bool, int64_t>> RedisEventLimiter::Run(absl::string_view key,
                                                                const char* mode) {
  const std::string counter = CounterKey(key);
  absl::StatusOr<RedisReply> r =
      client_->Eval(LimiterScript(), {counter},
                    {std::to_string(limit_),
                     std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(window_))), mode,
                     std::to_string(absl::ToUnixMillis(clock_->Now()))});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) return Unexpected();
  return std::make_pair(r->elements[0].integer == 1, r->elements[1].integer);
}

absl::StatusOr<bool> RedisEventLimiter::TryAcquire(absl::string_view key) {
  if (limit_ <= 0) return true;
  absl::StatusOr<std::pair<bool, int64_t>> r = Run(key, "acquire");
  if (!r.ok()) return r.status();
  return r->first;
}

absl::Status RedisEventLimiter::Record(absl::string_view key) {
  if (limit_ <= 0) return absl::OkStatus();
  return Run(key, "record").status();
}

std::optional<RedisLimiterGate> RedisEventLimiter::Gate(absl::string_view key) const {
  if (limit_ <= 0) return std::nullopt;
  return RedisLimiterGate{CounterKey(key), limit_,
                          std::max<int64_t>(1, absl::ToInt64Milliseconds(window_)),
                          absl::ToUnixMillis(clock_->Now())};
}

int64_t RedisEventLimiter::ExhaustedForValue(const std::optional<std::string>& value,
                                             int64_t now_ms) const {
  // As the script reads it (kRedisLimiterGateLua): two big-endian int64s.
  if (limit_ <= 0 || !value.has_value() || value->size() != 16) return 0;
  auto int64_at = [&](size_t at) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>((*value)[at + i]);
    return static_cast<int64_t>(v);
  };
  const int64_t start = int64_at(0), count = int64_at(8);
  const int64_t window = std::max<int64_t>(1, absl::ToInt64Milliseconds(window_));
  if (start <= 0 || now_ms >= start + window || start > now_ms + window || count < limit_) {
    return 0;  // no window, or one the next event would start anew; or within budget
  }
  return start + window - now_ms;
}

absl::StatusOr<int64_t> RedisEventLimiter::ExhaustedFor(absl::string_view key) {
  // Read-only, so a plain GET (one command, no script).
  const std::string counter = CounterKey(key);
  absl::StatusOr<RedisReply> r = client_->Command(counter, {"GET", counter});
  if (!r.ok()) return r.status();
  if (r->type == RedisReply::Type::kNil) return 0;
  if (r->type != RedisReply::Type::kString) return Unexpected();
  return ExhaustedForValue(r->str, absl::ToUnixMillis(clock_->Now()));
}

absl::StatusOr<bool> RedisEventLimiter::Exhausted(absl::string_view key) {
  if (limit_ <= 0) return false;
  absl::StatusOr<int64_t> left = ExhaustedFor(key);
  if (!left.ok()) return left.status();
  return *left > 0;
}

absl::Duration RedisEventLimiter::RetryAfter(absl::string_view key) {
  if (limit_ <= 0) return absl::ZeroDuration();
  absl::StatusOr<int64_t> left = ExhaustedFor(key);
  if (!left.ok() || *left <= 0) return absl::ZeroDuration();
  // At most one window, also when the window started in this replica's future.
  return std::min(absl::Milliseconds(*left), window_);
}

std::string RedisMailboxKey(absl::string_view prefix, absl::string_view mailbox_id) {
  return absl::StrCat(prefix, "{", mailbox_id, "}:m");
}

std::string RedisDeleteTombstone(int64_t version, absl::string_view request_key, int64_t ttl_ms) {
  // A record header ("m2", version, expires_at 0: expired for every reader).
  return absl::StrCat("m2", PaddedVersion(version), std::string(20, '0'), "D", ttl_ms, ":",
                      request_key);
}

bool RedisTombstoneNames(absl::string_view value, absl::string_view request_key) {
  if (value.size() < kRecordHeaderBytes + 1 || value[kRecordHeaderBytes] != 'D') return false;
  const size_t colon = value.find(':', kRecordHeaderBytes + 1);
  return colon != absl::string_view::npos && value.substr(colon + 1) == request_key;
}

RedisDeleteLog::RedisDeleteLog(RedisClient* client, absl::Duration ttl, std::string key_prefix)
    : client_(client),
      ttl_(ttl > absl::ZeroDuration() ? ttl : absl::Hours(24)),
      prefix_(std::move(key_prefix)) {}

std::string RedisDeleteLog::LogKey(absl::string_view mailbox_id,
                                   absl::string_view request_key) const {
  return absl::StrCat(prefix_, "{", mailbox_id, "}:del:", request_key);
}

int64_t RedisDeleteLog::ttl_ms() const {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl_));
}

absl::StatusOr<bool> RedisDeleteLog::Contains(absl::string_view mailbox_id,
                                              absl::string_view request_key) {
  // The tombstone, and an older relay's entry (same slot: one MGET).
  const std::string key = RedisMailboxKey(prefix_, mailbox_id);
  absl::StatusOr<RedisReply> r =
      client_->Command(key, {"MGET", key, LogKey(mailbox_id, request_key)});
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.size() != 2) return Unexpected();
  const RedisReply& tomb = r->elements[0];
  if (tomb.type == RedisReply::Type::kString && RedisTombstoneNames(tomb.str, request_key)) {
    return true;
  }
  return r->elements[1].type == RedisReply::Type::kString;
}

absl::Status RedisDeleteLog::Remember(absl::string_view mailbox_id, absl::string_view request_key) {
  // After a delete the key is free; NX: never over a mailbox or a tombstone.
  const std::string key = RedisMailboxKey(prefix_, mailbox_id);
  return client_
      ->Command(key, {"SET", key, RedisDeleteTombstone(0, request_key, ttl_ms()), "PX",
                      std::to_string(ttl_ms()), "NX"})
      .status();
}

}  // namespace sct::relay

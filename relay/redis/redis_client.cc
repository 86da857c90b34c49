#include "relay/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/host_port.h"

namespace sct::relay {
namespace {

constexpr int kSlots = 16384;
// Redirections followed for one command before giving up.
constexpr int kMaxRedirects = 8;

absl::Status Unavailable(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, "store_unavailable",
                   absl::StrCat("redis: ", what));
}

absl::Status StoreErrorReply(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "store_error", absl::StrCat("redis: ", what));
}

timeval PositiveTimeval(absl::Duration d) {
  if (d <= absl::ZeroDuration()) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

std::string Sha1Hex(const std::string& s) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// A redirection reply: "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381".
struct Redirect {
  bool ask = false;
  int slot = 0;
  std::string address;
};
bool ParseRedirect(const RedisReply& r, Redirect* out) {
  if (r.type != RedisReply::Type::kError) return false;
  std::vector<std::string> parts = absl::StrSplit(r.str, ' ', absl::SkipEmpty());
  if (parts.size() != 3 || (parts[0] != "MOVED" && parts[0] != "ASK")) return false;
  out->ask = parts[0] == "ASK";
  if (!absl::SimpleAtoi(parts[1], &out->slot)) return false;
  out->address = parts[2];
  // Redis 7 may answer ":port" when the node does not know its own IP.
  if (!out->address.empty() && out->address[0] == ':') return false;
  return true;
}

// One node's pool of connections.
class NodePool {
 public:
  NodePool(HostPort address, const RedisClientOptions& options)
      : address_(std::move(address)), options_(options) {}
  ~NodePool() {
    absl::MutexLock lock(&mu_);
    for (redisContext* c : idle_) redisFree(c);
  }

  const HostPort& address() const { return address_; }

  // Runs `commands` pipelined on one connection and returns the last reply
  // (earlier replies, e.g. ASKING's +OK, are checked for errors only).
  absl::StatusOr<RedisReply> Run(const std::vector<std::vector<std::string>>& commands) {
    // A pooled connection may have been broken while idle (Redis restarted):
    // on an I/O error with a reused connection, try once more with a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = false;
      absl::StatusOr<redisContext*> conn = Borrow(&reused);
      if (!conn.ok()) return conn.status();
      redisContext* c = *conn;
      for (const auto& argv : commands) {
        std::vector<const char*> args;
        std::vector<size_t> lens;
        args.reserve(argv.size());
        for (const std::string& a : argv) {
          args.push_back(a.data());
          lens.push_back(a.size());
        }
        redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data());
      }
      RedisReply last;
      bool io_error = false;
      for (size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
          io_error = true;
          break;
        }
        last = Convert(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
      }
      if (!io_error) {
        Return(c, /*broken=*/false);
        return last;
      }
      const int saved_errno = errno;
      const std::string err = c->errstr;
      // hiredis reports a socket timeout (SO_RCVTIMEO) as an I/O error with EAGAIN.
      const bool timed_out =
          c->err == REDIS_ERR_IO &&
          (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK ||
           absl::StrContains(err, "temporarily unavailable") || absl::StrContains(err, "timed out"));
      Return(c, /*broken=*/true);
      if (timed_out) {
        return Unavailable(absl::StrCat(address_.ToString(), ": command timed out"));
      }
      if (!reused) return Unavailable(absl::StrCat(address_.ToString(), ": ", err));
      DropIdle();  // the others are likely stale as well
    }
    return Unavailable(absl::StrCat(address_.ToString(), ": connection lost"));
  }

 private:
  absl::StatusOr<redisContext*> Borrow(bool* reused) {
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(absl::Condition(this, &NodePool::CanProceed),
                                options_.command_timeout)) {
        return Unavailable(absl::StrCat(address_.ToString(), ": connection pool exhausted"));
      }
      if (!idle_.empty()) {
        redisContext* c = idle_.back();
        idle_.pop_back();
        *reused = true;
        return c;
      }
      ++open_;
    }
    *reused = false;
    redisContext* c = redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                              PositiveTimeval(options_.connect_timeout));
    if (c == nullptr || c->err) {
      std::string err = c != nullptr ? c->errstr : "out of memory";
      if (c != nullptr) redisFree(c);
      absl::MutexLock lock(&mu_);
      --open_;
      return Unavailable(absl::StrCat(address_.ToString(), ": ", err));
    }
    redisSetTimeout(c, PositiveTimeval(options_.command_timeout));
    redisEnableKeepAlive(c);
    absl::Status authenticated = Authenticate(c);
    if (!authenticated.ok()) {
      redisFree(c);
      absl::MutexLock lock(&mu_);
      --open_;
      return authenticated;
    }
    return c;
  }

  // AUTH [user] password on a new connection when a password is configured.
  // The error names the node and quotes Redis's answer, never the password.
  absl::Status Authenticate(redisContext* c) {
    if (options_.password.empty()) return absl::OkStatus();
    std::vector<const char*> args = {"AUTH"};
    std::vector<size_t> lens = {4};
    if (!options_.user.empty()) {
      args.push_back(options_.user.data());
      lens.push_back(options_.user.size());
    }
    args.push_back(options_.password.data());
    lens.push_back(options_.password.size());
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
    if (r == nullptr) {
      return Unavailable(absl::StrCat(address_.ToString(), ": AUTH: ", c->errstr));
    }
    const bool refused = r->type == REDIS_REPLY_ERROR;
    const std::string answer = refused ? std::string(r->str, r->len) : "";
    freeReplyObject(r);
    if (refused) {
      return Unavailable(absl::StrCat(address_.ToString(), ": AUTH refused as user \"",
                                      options_.user.empty() ? "default" : options_.user,
                                      "\": ", answer));
    }
    return absl::OkStatus();
  }

  void Return(redisContext* c, bool broken) {
    absl::MutexLock lock(&mu_);
    if (broken) {
      redisFree(c);
      --open_;
    } else {
      idle_.push_back(c);
    }
  }

  void DropIdle() {
    absl::MutexLock lock(&mu_);
    for (redisContext* c : idle_) redisFree(c);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
  }

  // An idle connection to reuse, or room to open one.
  bool CanProceed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.pool_size;
  }

  const HostPort address_;
  const RedisClientOptions options_;
  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + borrowed
};

class RedisClientImpl : public RedisClient {
 public:
  RedisClientImpl(RedisClientOptions options, std::vector<HostPort> seeds)
      : options_(std::move(options)), seeds_(std::move(seeds)) {}

  // Finds the first seed that answers PING and whether it is a cluster.
  absl::Status Init() {
    absl::Status last = Unavailable("no address given");
    for (const HostPort& seed : seeds_) {
      NodePool* pool = Pool(seed.ToString());
      absl::StatusOr<RedisReply> pong = pool->Run({{"PING"}});
      if (pong.ok() && pong->type == RedisReply::Type::kError) {
        // e.g. NOAUTH: the server wants a password that was not configured.
        pong = Unavailable(absl::StrCat(seed.ToString(), ": PING: ", pong->str));
      }
      if (!pong.ok()) {
        last = pong.status();
        continue;
      }
      absl::StatusOr<RedisReply> info = pool->Run({{"INFO", "cluster"}});
      if (!info.ok()) {
        last = info.status();
        continue;
      }
      cluster_ = absl::StrContains(info->str, "cluster_enabled:1");
      if (!cluster_) {
        absl::MutexLock lock(&mu_);
        standalone_ = seed.ToString();
        return absl::OkStatus();
      }
      return RefreshSlots();
    }
    return last;
  }

  absl::StatusOr<RedisReply> Command(absl::string_view routing_key,
                                     const std::vector<std::string>& argv) override {
    absl::StatusOr<RedisReply> r = Route(routing_key, argv);
    if (!r.ok()) return r;
    if (r->type == RedisReply::Type::kError) return StoreErrorReply(r->str);
    return r;
  }

  absl::StatusOr<RedisReply> Eval(const std::string& script,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) override {
    if (keys.empty()) return StoreErrorReply("Eval needs at least one key");
    std::vector<std::string> argv = {"EVALSHA", ShaOf(script), std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<RedisReply> r = Route(keys[0], argv);
    if (!r.ok()) return r;
    if (r->type == RedisReply::Type::kError && absl::StartsWith(r->str, "NOSCRIPT")) {
      // That node has not seen the script (new node, restart, SCRIPT FLUSH):
      // EVAL runs it and caches it for the next EVALSHA.
      argv[0] = "EVAL";
      argv[1] = script;
      r = Route(keys[0], argv);
      if (!r.ok()) return r;
    }
    if (r->type == RedisReply::Type::kError) return StoreErrorReply(r->str);
    return r;
  }

  bool cluster() const override { return cluster_; }

 private:
  std::string ShaOf(const std::string& script) {
    absl::MutexLock lock(&sha_mu_);
    auto it = shas_.find(script);
    if (it != shas_.end()) return it->second;
    std::string sha = Sha1Hex(script);
    shas_.emplace(script, sha);
    return sha;
  }

  NodePool* Pool(const std::string& address) {
    absl::MutexLock lock(&mu_);
    auto it = pools_.find(address);
    if (it != pools_.end()) return it->second.get();
    absl::StatusOr<HostPort> hp = ParseHostPort(address, "redis");
    if (!hp.ok()) return nullptr;
    auto pool = std::make_unique<NodePool>(*hp, options_);
    NodePool* raw = pool.get();
    pools_.emplace(address, std::move(pool));
    return raw;
  }

  std::string NodeFor(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    if (!cluster_) return standalone_;
    return slots_[RedisKeySlot(key)];
  }

  // Runs on the node owning `key`, following MOVED (refreshing the slot map)
  // and ASK (ASKING first, map unchanged). Returns Redis error replies as
  // replies, other than redirections.
  absl::StatusOr<RedisReply> Route(absl::string_view key, const std::vector<std::string>& argv) {
    std::string address = NodeFor(key);
    bool asking = false;
    bool refreshed_after_failure = false;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
      NodePool* pool = address.empty() ? nullptr : Pool(address);
      if (pool == nullptr) {
        if (cluster_ && !refreshed_after_failure) {
          refreshed_after_failure = true;
          if (RefreshSlots().ok()) {
            address = NodeFor(key);
            continue;
          }
        }
        return Unavailable("no node serves this key's slot");
      }
      absl::StatusOr<RedisReply> r =
          asking ? pool->Run({{"ASKING"}, argv}) : pool->Run({argv});
      asking = false;
      if (!r.ok()) {
        // The node may have failed over or left: refresh the map once and retry
        // if the slot now lives elsewhere.
        if (cluster_ && !refreshed_after_failure && absl::IsUnavailable(r.status())) {
          refreshed_after_failure = true;
          if (RefreshSlots().ok()) {
            std::string moved_to = NodeFor(key);
            if (moved_to != address) {
              address = moved_to;
              continue;
            }
          }
        }
        return r;
      }
      Redirect redirect;
      if (cluster_ && ParseRedirect(*r, &redirect)) {
        if (redirect.ask) {
          asking = true;
        } else {
          {
            absl::MutexLock lock(&mu_);
            slots_[redirect.slot] = redirect.address;
          }
          (void)RefreshSlots();  // other slots probably moved too
        }
        address = redirect.address;
        continue;
      }
      if (r->type == RedisReply::Type::kError &&
          (absl::StartsWith(r->str, "CLUSTERDOWN") || absl::StartsWith(r->str, "TRYAGAIN") ||
           absl::StartsWith(r->str, "LOADING"))) {
        return Unavailable(r->str);
      }
      return r;
    }
    return Unavailable("too many cluster redirections");
  }

  // Rebuilds the slot map from CLUSTER SLOTS of the first node that answers.
  absl::Status RefreshSlots() {
    std::vector<std::string> candidates;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [addr, pool] : pools_) candidates.push_back(addr);
    }
    for (const HostPort& seed : seeds_) candidates.push_back(seed.ToString());
    absl::Status last = Unavailable("no cluster node answers");
    for (const std::string& addr : candidates) {
      NodePool* pool = Pool(addr);
      if (pool == nullptr) continue;
      absl::StatusOr<RedisReply> r = pool->Run({{"CLUSTER", "SLOTS"}});
      if (!r.ok()) {
        last = r.status();
        continue;
      }
      if (r->type != RedisReply::Type::kArray) {
        last = StoreErrorReply(absl::StrCat("CLUSTER SLOTS: ", r->str));
        continue;
      }
      std::vector<std::string> map(kSlots);
      for (const RedisReply& range : r->elements) {
        if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
        const int64_t first = range.elements[0].integer;
        const int64_t last_slot = range.elements[1].integer;
        std::string host = range.elements[2].elements[0].str;
        if (host.empty() || host == "?") host = pool->address().host;
        const std::string master =
            HostPort{host, static_cast<int>(range.elements[2].elements[1].integer)}.ToString();
        for (int64_t s = std::max<int64_t>(0, first); s <= last_slot && s < kSlots; ++s) {
          map[s] = master;
        }
      }
      absl::MutexLock lock(&mu_);
      slots_ = std::move(map);
      return absl::OkStatus();
    }
    return last;
  }

  const RedisClientOptions options_;
  const std::vector<HostPort> seeds_;
  bool cluster_ = false;  // set once by Init
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<NodePool>> pools_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> slots_ ABSL_GUARDED_BY(mu_) = std::vector<std::string>(kSlots);
  std::string standalone_ ABSL_GUARDED_BY(mu_);
  absl::Mutex sha_mu_;
  absl::flat_hash_map<std::string, std::string> shas_ ABSL_GUARDED_BY(sha_mu_);
};

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection, as
// the Redis Cluster specification prescribes for key slots.
uint16_t Crc16(absl::string_view data) {
  uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<uint16_t>(byte) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

}  // namespace

uint16_t RedisCrc16(absl::string_view data) { return Crc16(data); }

int RedisKeySlot(absl::string_view key) {
  // Hash tag: the part between the first '{' and the next '}', if non-empty.
  const size_t open = key.find('{');
  if (open != absl::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != absl::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & (kSlots - 1);
}

absl::StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(const RedisClientOptions& options) {
  if (options.addresses.empty()) return InvalidField("redis", "no address given");
  if (options.pool_size < 1) return InvalidField("redis_pool_size", "must be at least 1");
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.command_timeout <= absl::ZeroDuration()) {
    return InvalidField("redis_timeout", "must be positive");
  }
  std::vector<HostPort> seeds;
  for (const std::string& a : options.addresses) {
    absl::StatusOr<HostPort> hp = ParseHostPort(a, "redis");
    if (!hp.ok()) return InvalidField("redis", hp.status().message());
    seeds.push_back(*hp);
  }
  auto client = std::make_unique<RedisClientImpl>(options, std::move(seeds));
  absl::Status s = client->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<RedisClient>(std::move(client));
}

}  // namespace sct::relay

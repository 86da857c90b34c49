#include "relay/loadgen/scale_size.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/sqlite.h"

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

// The two relays of a size run (index 0 small, 1 large) and what they use.
struct SizeServers {
  std::vector<RedisServerProcess> redis;  // stopped last (declared first)
  Relay relays[2];
  std::string sqlite_paths[2];

  void RemoveSqliteFiles() const {
    for (const std::string& p : sqlite_paths) {
      if (p.empty()) continue;
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((p + suffix).c_str());
    }
  }
};

constexpr const char* kNames[2] = {"small", "large"};

absl::Status StartSizeServers(const ScaleOptions& options, const std::string& binary,
                              const std::string& store, const std::string& work_dir,
                              SizeServers* servers) {
  const std::string sqlite_dir = options.sqlite_dir.empty() ? work_dir : options.sqlite_dir;
  for (int k = 0; k < 2; ++k) {
    std::vector<std::string> flags = {"--store=" + store};
    if (store == "sqlite") {
      servers->sqlite_paths[k] =
          absl::StrCat(sqlite_dir, "/scale-", kNames[k], "-", getpid(), ".sqlite");
      flags.push_back("--sqlite_path=" + servers->sqlite_paths[k]);
    } else if (store == "redis") {
      auto r = StartRedisServer(options.redis_server_binary, work_dir,
                                absl::StrCat("redis-", kNames[k]));
      if (!r.ok()) return r.status();
      std::cout << "redis-server (" << kNames[k] << ") on " << r->address << std::endl;
      flags.push_back("--redis=" + r->address);
      servers->redis.push_back(std::move(*r));
    }
    auto relay = StartRelay(options, binary, flags, work_dir, store + "-" + kNames[k]);
    if (!relay.ok()) return relay.status();
    servers->relays[k] = std::move(*relay);
  }
  return absl::OkStatus();
}

// The large relay's memory (and its store's files or Redis memory) now.
absl::StatusOr<json> MeasureMemory(const std::string& store, const SizeServers& servers,
                                   const char* tag) {
  json m;
  auto rss = ProcessRssBytes(servers.relays[1].child->pid());
  if (!rss.ok()) return rss.status();
  m["relay_rss_bytes"] = *rss;
  if (store == "sqlite") {
    m["sqlite_bytes"] = SqliteFilesBytes(servers.sqlite_paths[1]);
    // The relay checkpoints off its write path, so pages it committed may
    // still be only in the WAL: copy them into the database file first (a
    // PASSIVE checkpoint, as the relay's own; it waits for no one), so that
    // the file's size counts every committed mailbox.
    absl::StatusOr<std::unique_ptr<SqliteDb>> db_conn = SqliteDb::Open(servers.sqlite_paths[1]);
    if (!db_conn.ok()) return db_conn.status();
    if (absl::Status s = (*db_conn)->Exec("PRAGMA wal_checkpoint(PASSIVE)"); !s.ok()) return s;
    db_conn->reset();
    std::error_code ec;
    auto db = std::filesystem::file_size(servers.sqlite_paths[1], ec);
    m["sqlite_db_bytes"] = ec ? 0 : static_cast<int64_t>(db);
  }
  if (store == "redis") {
    auto s = QueryRedis({servers.redis[1].address});
    if (!s.ok()) return s.status();
    m["redis_used_memory"] = s->used_memory;
    m["redis_keys"] = s->keys;
  }
  m["at"] = tag;
  return m;
}

// Growth from `before` to `after` per created mailbox.
json PerMailbox(const std::string& store, const json& before, const json& after,
                const PreloadResult& p_large, int64_t warm) {
  const double n = static_cast<double>(std::max<int64_t>(1, p_large.created));
  auto growth = [&](const char* key) {
    return (after[key].get<double>() - before[key].get<double>()) / n;
  };
  json per_mailbox;
  per_mailbox["relay_rss_bytes"] = growth("relay_rss_bytes");
  if (store == "sqlite") {
    per_mailbox["sqlite_file_bytes"] = growth("sqlite_bytes");
    per_mailbox["sqlite_db_file_bytes"] = growth("sqlite_db_bytes");
    per_mailbox["sqlite_db_file_bytes_total_over_n"] =
        after["sqlite_db_bytes"].get<double>() / static_cast<double>(p_large.created + warm);
  }
  if (store == "redis") {
    per_mailbox["redis_used_memory_bytes"] = growth("redis_used_memory");
    per_mailbox["redis_keys"] = growth("redis_keys");
  }
  return per_mailbox;
}

struct NamedPhase {
  std::string name;
  CycleClientFactory clients;
};

// options.rounds rounds of `phases`, the order rotating each round.
Rounds RunAlternating(const ScaleOptions& options, const std::vector<NamedPhase>& phases) {
  Rounds rounds;
  for (int round = 0; round < options.rounds; ++round) {
    std::vector<PhaseResult> this_round;
    for (size_t k = 0; k < phases.size(); ++k) {
      const NamedPhase& p = phases[(k + round) % phases.size()];
      this_round.push_back(RunPhase(p.name, MeasuredPhase(options), p.clients));
      std::cout << PhaseLine(this_round.back()) << " load " << Loadavg() << std::endl;
    }
    rounds.push_back(std::move(this_round));
  }
  return rounds;
}

// Per-round large/small latency ratios of create and read_bind, and their medians.
json LatencyRatios(const Rounds& rounds, const std::string& small_name,
                   const std::string& large_name) {
  json ratios;
  for (int op : {static_cast<int>(CycleOp::kCreate), static_cast<int>(CycleOp::kReadBind)}) {
    std::vector<double> p50, p99;
    for (const auto& round : rounds) {
      const PhaseResult* s = nullptr;
      const PhaseResult* l = nullptr;
      for (const PhaseResult& r : round) {
        if (r.name == small_name) s = &r;
        if (r.name == large_name) l = &r;
      }
      if (s == nullptr || l == nullptr || s->ops[op].latency.p50_us <= 0) continue;
      p50.push_back(l->ops[op].latency.p50_us / s->ops[op].latency.p50_us);
      p99.push_back(l->ops[op].latency.p99_us / s->ops[op].latency.p99_us);
    }
    ratios[kOpNames[op]] = {{"p50_large_over_small", Median(p50)},
                            {"p99_large_over_small", Median(p99)},
                            {"p50_per_round", p50},
                            {"p99_per_round", p99}};
  }
  return ratios;
}

}  // namespace

absl::StatusOr<SizeOutcome> RunSize(const ScaleOptions& options, const std::string& binary,
                                    const std::string& store, const std::string& work_dir) {
  const int64_t large = options.large;
  const int64_t small = options.small;
  const int64_t warm = std::min(options.warm, large);
  const int pclients = options.preload_clients;
  const size_t pb = static_cast<size_t>(options.payload_bytes);
  SizeServers servers;
  if (absl::Status s = StartSizeServers(options, binary, store, work_dir, &servers); !s.ok()) {
    return s;
  }
  json doc = {{"store", store},
              {"large", large},
              {"small", small},
              {"warm", warm},
              {"loadavg_start", Loadavg()}};
  const uint64_t seed = Seed();
  PreloadResult p_small = Preload({servers.relays[0].grpc}, small, pclients, pb, seed);
  PreloadResult p_warm = Preload({servers.relays[1].grpc}, warm, pclients, pb, seed + 1000);
  auto before = MeasureMemory(store, servers, "warm");
  if (!before.ok()) return before.status();
  std::cout << store << ": preloading " << (large - warm) << " mailboxes with " << pclients
            << " clients (load " << Loadavg() << ")" << std::endl;
  PreloadResult p_large =
      Preload({servers.relays[1].grpc}, large - warm, pclients, pb, seed + 2000);
  std::cout << store << ": created " << p_large.created << " in "
            << absl::FormatDuration(p_large.elapsed) << " ("
            << static_cast<int64_t>(p_large.per_sec()) << "/s, create p50 "
            << p_large.latency.p50_us << " us), failed " << p_large.failed << std::endl;
  auto after = MeasureMemory(store, servers, "large");
  if (!after.ok()) return after.status();
  const json per_mailbox = PerMailbox(store, *before, *after, p_large, warm);
  doc["preload"] = {{"small", PreloadJson(p_small)},
                    {"warm", PreloadJson(p_warm)},
                    {"large", PreloadJson(p_large)}};
  doc["memory_before"] = *before;
  doc["memory_after"] = *after;
  doc["per_mailbox"] = per_mailbox;
  std::cout << store << ": per mailbox " << per_mailbox.dump() << std::endl;

  // Latency at both sizes, alternating.
  const std::string small_name = absl::StrCat(store, "-n", small);
  const std::string large_name = absl::StrCat(store, "-n", p_large.created + warm);
  const std::vector<NamedPhase> phases = {
      {small_name, RelayClients(options, {&servers.relays[0]}, false, seed + 5000)},
      {large_name, RelayClients(options, {&servers.relays[1]}, false, seed + 6000)}};
  const Rounds rounds = RunAlternating(options, phases);
  std::vector<PhaseSummary> summaries = SummarizePhases(rounds);
  std::cout << FormatReport(summaries, {});
  const json ratios = LatencyRatios(rounds, small_name, large_name);
  std::cout << store << ": latency large/small " << ratios.dump() << std::endl;
  doc["phases"] = PhasesJson(summaries, /*with_samples=*/true);
  doc["latency_ratios"] = ratios;
  doc["loadavg_end"] = Loadavg();
  SizeOutcome out;
  out.errors = PhaseErrors(rounds) + p_large.failed + p_small.failed + p_warm.failed;
  out.doc = doc;
  for (Relay& r : servers.relays) r.child->Terminate();
  for (RedisServerProcess& r : servers.redis) r.child->Terminate();
  servers.RemoveSqliteFiles();
  return out;
}

}  // namespace sct::relay::loadgen

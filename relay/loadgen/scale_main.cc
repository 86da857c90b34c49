// relay_scale: the relay's scale figures (docs/relay_scale.md).
//
// --mode=size: for each store of --stores (memory, sqlite, redis), starts two
//   real relay_server processes (and, for redis, one redis-server each): a
//   "small" one preloaded with --small mailboxes and a "large" one preloaded
//   with --large, through the relay's own CreateMailbox with
//   --preload_clients parallel clients. Memory per mailbox is measured on the
//   large one between --warm and --large mailboxes: relay RSS
//   (/proc/<pid>/status VmRSS), sqlite file size (db + wal + shm), Redis
//   INFO used_memory. Then the usual five-RPC cycle (create, read_bind,
//   update, read_reply, delete: the store keeps its size) runs against both,
//   alternating in --rounds, so create/read latency at N is compared with
//   an almost empty store in the same run. Stores run one after another and
//   their processes are stopped before the next store starts.
// --mode=replicas: starts --replicas relay_server processes over one Redis
//   (--redis=ADDR[,ADDR...], every master of a cluster; or a standalone
//   redis-server it starts) and runs the cycle with the clients spread over
//   the first 1, 2, ... K replicas (operation k of a cycle on replica
//   (client + k) % K: create on one replica, read on the next), counting the
//   Redis commands each phase causes (INFO commandstats before/after), and
//   in every round runs redis-benchmark (SET and GET of --bench_data_bytes,
//   same client count) on the same Redis, so the report gives the relay's
//   Redis command rate as a fraction of what Redis serves to its own
//   benchmark in the same run.
//
// Targets are 127.0.0.1 only. Exit 0 when every RPC succeeded, 1 when some
// failed, 2 when the run could not start.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/relay_grpc_client.h"
#include "relay/loadgen/relay_http_client.h"
#include "relay/loadgen/report.h"
#include "relay/loadgen/runner.h"
#include "relay/loadgen/scale_util.h"
#include "runtime/child_process.h"

ABSL_FLAG(std::string, mode, "size", "size | replicas (see the file comment).");
ABSL_FLAG(std::vector<std::string>, stores, (std::vector<std::string>{"memory", "sqlite", "redis"}),
          "--mode=size: stores to measure, in order (memory, sqlite, redis).");
ABSL_FLAG(int64_t, large, 1000000, "--mode=size: mailboxes in the large store.");
ABSL_FLAG(int64_t, small, 1000, "--mode=size: mailboxes in the small (baseline) store.");
ABSL_FLAG(int64_t, warm, 1000,
          "--mode=size: mailboxes the large store holds when its memory baseline is taken.");
ABSL_FLAG(int, preload_clients, 16, "Parallel gRPC clients that preload mailboxes.");
ABSL_FLAG(int, clients, 4, "Closed-loop clients of the measured phases.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time per phase.");
ABSL_FLAG(int, rounds, 3, "Rounds (phase order rotates each round); medians are reported.");
ABSL_FLAG(int, warmup_cycles, 10, "Unmeasured cycles per client before each phase.");
ABSL_FLAG(int, payload_bytes, 1024, "Bytes of payload.data per mailbox (28..65536).");
ABSL_FLAG(std::string, transport, "grpc", "Transport of the measured phases: grpc | http.");
ABSL_FLAG(std::string, relay_binary, "", "relay_server; default: from the runfiles or beside.");
ABSL_FLAG(std::vector<std::string>, relay_flags, {}, "Extra flags for every spawned relay.");
ABSL_FLAG(std::string, redis_server_binary, "/usr/bin/redis-server", "redis-server to start.");
ABSL_FLAG(std::string, redis_benchmark_binary, "/usr/bin/redis-benchmark", "redis-benchmark.");
ABSL_FLAG(std::string, redis, "",
          "--mode=replicas: a running Redis, HOST:PORT[,HOST:PORT...] (for a cluster, "
          "every master); empty starts a standalone redis-server.");
ABSL_FLAG(bool, redis_cluster, false, "--redis is a cluster (redis-benchmark --cluster).");
ABSL_FLAG(int, replicas, 3, "--mode=replicas: relay replicas (1..8).");
ABSL_FLAG(bool, rotate_per_op, true,
          "--mode=replicas: each operation of a cycle goes to the next replica.");
ABSL_FLAG(int64_t, bench_requests, 100000, "redis-benchmark -n per test.");
ABSL_FLAG(int, bench_data_bytes, 1500,
          "redis-benchmark -d: about one stored mailbox record for a 1 KiB payload.");
ABSL_FLAG(std::string, sqlite_dir, "", "Directory of the sqlite files (default: --work_dir).");
ABSL_FLAG(std::string, work_dir, "", "Logs and files; default a fresh temp dir, removed after.");
ABSL_FLAG(bool, keep_work_dir, false, "Do not remove the work directory.");
ABSL_FLAG(std::string, json_out, "", "Write the full report as JSON to this file.");

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(60);

std::string UserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  if (const char* wd = getenv("BUILD_WORKING_DIRECTORY")) return absl::StrCat(wd, "/", path);
  return path;
}

absl::StatusOr<std::string> FindRelayBinary(const char* argv0) {
  const std::string given = absl::GetFlag(FLAGS_relay_binary);
  if (!given.empty()) {
    if (access(given.c_str(), X_OK) == 0) return given;
    return absl::NotFoundError("--relay_binary: " + given + " is not executable");
  }
  std::vector<std::string> candidates;
  for (const char* env : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* v = getenv(env)) {
      candidates.push_back(absl::StrCat(v, "/sct_lab/relay/relay_server"));
    }
  }
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  for (const std::string& base : {std::string(argv0), self}) {
    if (base.empty()) continue;
    candidates.push_back(base + ".runfiles/sct_lab/relay/relay_server");
    candidates.push_back(
        (std::filesystem::path(base).parent_path().parent_path() / "relay_server").string());
  }
  candidates.push_back("relay/relay_server");
  for (const std::string& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return absl::NotFoundError("relay_server not found (looked at: " +
                             absl::StrJoin(candidates, ", ") + "); pass --relay_binary");
}

struct Relay {
  std::unique_ptr<ChildProcess> child;
  std::string grpc;  // 127.0.0.1:PORT
  int http_port = 0;
};

absl::StatusOr<Relay> StartRelay(const std::string& binary, const std::vector<std::string>& store,
                                 const std::string& work_dir, const std::string& name) {
  std::vector<std::string> argv = {binary, "--http_listen=127.0.0.1:0",
                                   "--grpc_listen=127.0.0.1:0",
                                   "--public_base_url=http://127.0.0.1",
                                   "--creates_per_window=1000000000",
                                   "--failed_lookups_per_window=1000000000"};
  argv.insert(argv.end(), store.begin(), store.end());
  for (const std::string& f : absl::GetFlag(FLAGS_relay_flags)) argv.push_back(f);
  std::cout << "starting relay " << name << ": " << absl::StrJoin(argv, " ") << std::endl;
  ChildProcessSpec spec;
  spec.name = "relay " + name;
  spec.binary = argv[0];
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.stderr_path = work_dir + "/relay-" + name + ".stderr";
  spec.start_timeout = kStartTimeout;
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) return child.status();
  Relay r;
  r.child = std::move(*child);
  const std::map<std::string, std::string>& listening = r.child->listening();
  if (auto grpc = listening.find("grpc"); grpc != listening.end()) r.grpc = grpc->second;
  if (auto http = listening.find("http"); http != listening.end()) {
    (void)absl::SimpleAtoi(http->second.substr(http->second.rfind(':') + 1), &r.http_port);
  }
  if (!absl::StartsWith(r.grpc, "127.0.0.1:") || r.http_port == 0) {
    return absl::InternalError("unexpected listening line: " + r.child->listening_line());
  }
  std::cout << "  pid " << r.child->pid() << ": " << r.child->listening_line() << std::endl;
  return r;
}

CycleClientFactory Factory(const std::vector<const Relay*>& relays, bool rotate, size_t pb,
                           uint64_t seed) {
  std::vector<std::string> grpc;
  std::vector<int> http;
  for (const Relay* r : relays) {
    grpc.push_back(r->grpc);
    http.push_back(r->http_port);
  }
  const bool use_http = absl::GetFlag(FLAGS_transport) == "http";
  return [=](int i) -> std::unique_ptr<CycleClient> {
    if (use_http) {
      return std::make_unique<RelayHttpCycleClient>("127.0.0.1", http, static_cast<size_t>(i),
                                                    rotate, pb, seed + static_cast<uint64_t>(i));
    }
    return std::make_unique<RelayGrpcCycleClient>(grpc, static_cast<size_t>(i), rotate, pb,
                                                  seed + static_cast<uint64_t>(i));
  };
}

json PreloadJson(const PreloadResult& p) {
  return {{"created", p.created},
          {"failed", p.failed},
          {"errors", p.errors},
          {"seconds", absl::ToDoubleSeconds(p.elapsed)},
          {"per_sec", p.per_sec()},
          {"create_p50_us", p.latency.p50_us},
          {"create_p99_us", p.latency.p99_us}};
}

std::string Loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return absl::StrCat(a, " ", b, " ", c);
}

uint64_t Seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

PhaseOptions Options() {
  PhaseOptions o;
  o.clients = absl::GetFlag(FLAGS_clients);
  o.duration = absl::GetFlag(FLAGS_duration);
  o.warmup_cycles = absl::GetFlag(FLAGS_warmup_cycles);
  return o;
}

int64_t PhaseErrors(const Rounds& rounds) {
  int64_t e = 0;
  for (const auto& round : rounds) {
    for (const PhaseResult& p : round) e += p.total_errors();
  }
  return e;
}

// ------------------------------------------------------------------ size

struct SizeOutcome {
  json doc;
  int64_t errors = 0;
};

absl::StatusOr<SizeOutcome> RunSize(const std::string& binary, const std::string& store,
                                    const std::string& work_dir) {
  const int64_t large = absl::GetFlag(FLAGS_large);
  const int64_t small = absl::GetFlag(FLAGS_small);
  const int64_t warm = std::min(absl::GetFlag(FLAGS_warm), large);
  const int pclients = absl::GetFlag(FLAGS_preload_clients);
  const size_t pb = static_cast<size_t>(absl::GetFlag(FLAGS_payload_bytes));
  std::string sqlite_dir = absl::GetFlag(FLAGS_sqlite_dir);
  if (sqlite_dir.empty()) sqlite_dir = work_dir;

  std::vector<RedisServerProcess> redis;  // stopped last (declared first)
  Relay relays[2];
  const char* names[2] = {"small", "large"};
  std::string sqlite_paths[2];
  for (int k = 0; k < 2; ++k) {
    std::vector<std::string> flags = {"--store=" + store};
    if (store == "sqlite") {
      sqlite_paths[k] = absl::StrCat(sqlite_dir, "/scale-", names[k], "-", getpid(), ".sqlite");
      flags.push_back("--sqlite_path=" + sqlite_paths[k]);
    } else if (store == "redis") {
      auto r = StartRedisServer(absl::GetFlag(FLAGS_redis_server_binary), work_dir,
                                absl::StrCat("redis-", names[k]));
      if (!r.ok()) return r.status();
      std::cout << "redis-server (" << names[k] << ") on " << r->address << std::endl;
      flags.push_back("--redis=" + r->address);
      redis.push_back(std::move(*r));
    }
    auto relay = StartRelay(binary, flags, work_dir, store + "-" + names[k]);
    if (!relay.ok()) return relay.status();
    relays[k] = std::move(*relay);
  }
  auto remove_sqlite = [&] {
    for (const std::string& p : sqlite_paths) {
      if (p.empty()) continue;
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((p + suffix).c_str());
    }
  };

  json doc = {{"store", store}, {"large", large}, {"small", small}, {"warm", warm},
              {"loadavg_start", Loadavg()}};
  const uint64_t seed = Seed();
  PreloadResult p_small = Preload({relays[0].grpc}, small, pclients, pb, seed);
  PreloadResult p_warm = Preload({relays[1].grpc}, warm, pclients, pb, seed + 1000);
  auto measure = [&](const char* tag) -> absl::StatusOr<json> {
    json m;
    auto rss = ProcessRssBytes(relays[1].child->pid());
    if (!rss.ok()) return rss.status();
    m["relay_rss_bytes"] = *rss;
    if (store == "sqlite") {
      m["sqlite_bytes"] = SqliteFilesBytes(sqlite_paths[1]);
      std::error_code ec;
      auto db = std::filesystem::file_size(sqlite_paths[1], ec);
      m["sqlite_db_bytes"] = ec ? 0 : static_cast<int64_t>(db);
    }
    if (store == "redis") {
      auto s = QueryRedis({redis[1].address});
      if (!s.ok()) return s.status();
      m["redis_used_memory"] = s->used_memory;
      m["redis_keys"] = s->keys;
    }
    m["at"] = tag;
    return m;
  };
  auto before = measure("warm");
  if (!before.ok()) return before.status();
  std::cout << store << ": preloading " << (large - warm) << " mailboxes with " << pclients
            << " clients (load " << Loadavg() << ")" << std::endl;
  PreloadResult p_large = Preload({relays[1].grpc}, large - warm, pclients, pb, seed + 2000);
  std::cout << store << ": created " << p_large.created << " in "
            << absl::FormatDuration(p_large.elapsed) << " ("
            << static_cast<int64_t>(p_large.per_sec())
            << "/s, create p50 " << p_large.latency.p50_us << " us), failed " << p_large.failed
            << std::endl;
  auto after = measure("large");
  if (!after.ok()) return after.status();
  const double n = static_cast<double>(std::max<int64_t>(1, p_large.created));
  json per_mailbox;
  per_mailbox["relay_rss_bytes"] =
      ((*after)["relay_rss_bytes"].get<double>() - (*before)["relay_rss_bytes"].get<double>()) / n;
  if (store == "sqlite") {
    per_mailbox["sqlite_file_bytes"] =
        ((*after)["sqlite_bytes"].get<double>() - (*before)["sqlite_bytes"].get<double>()) / n;
    per_mailbox["sqlite_db_file_bytes"] =
        ((*after)["sqlite_db_bytes"].get<double>() - (*before)["sqlite_db_bytes"].get<double>()) /
        n;
    per_mailbox["sqlite_db_file_bytes_total_over_n"] =
        (*after)["sqlite_db_bytes"].get<double>() / static_cast<double>(p_large.created + warm);
  }
  if (store == "redis") {
    per_mailbox["redis_used_memory_bytes"] = ((*after)["redis_used_memory"].get<double>() -
                                              (*before)["redis_used_memory"].get<double>()) /
                                             n;
    per_mailbox["redis_keys"] =
        ((*after)["redis_keys"].get<double>() - (*before)["redis_keys"].get<double>()) / n;
  }
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
  struct P {
    std::string name;
    CycleClientFactory f;
  };
  const size_t pbs = pb;
  std::vector<P> phases = {{small_name, Factory({&relays[0]}, false, pbs, seed + 5000)},
                           {large_name, Factory({&relays[1]}, false, pbs, seed + 6000)}};
  Rounds rounds;
  const int nrounds = absl::GetFlag(FLAGS_rounds);
  for (int round = 0; round < nrounds; ++round) {
    std::vector<PhaseResult> this_round;
    for (size_t k = 0; k < phases.size(); ++k) {
      const P& p = phases[(k + round) % phases.size()];
      this_round.push_back(RunPhase(p.name, Options(), p.f));
      std::cout << PhaseLine(this_round.back()) << " load " << Loadavg() << std::endl;
    }
    rounds.push_back(std::move(this_round));
  }
  std::vector<PhaseSummary> summaries = SummarizePhases(rounds);
  std::cout << FormatReport(summaries, {});
  // Per-round large/small latency ratios of create and read_bind, then medians.
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
  std::cout << store << ": latency large/small " << ratios.dump() << std::endl;
  json phases_json = json::array();
  for (const PhaseSummary& s : summaries) {
    json ops;
    for (int i = 0; i < kOpsPerCycle; ++i) {
      ops[kOpNames[i]] = {{"p50_us", s.p50_us[i]}, {"p99_us", s.p99_us[i]},
                          {"samples", s.samples[i]}};
    }
    phases_json.push_back({{"phase", s.name},
                           {"rpcs_per_sec", s.rpcs_per_sec},
                           {"cycles_per_sec", s.cycles_per_sec},
                           {"errors", s.errors},
                           {"ops", ops}});
  }
  doc["phases"] = phases_json;
  doc["latency_ratios"] = ratios;
  doc["loadavg_end"] = Loadavg();
  SizeOutcome out;
  out.errors = PhaseErrors(rounds) + p_large.failed + p_small.failed + p_warm.failed;
  out.doc = doc;
  for (Relay& r : relays) r.child->Terminate();
  for (RedisServerProcess& r : redis) r.child->Terminate();
  remove_sqlite();
  return out;
}

// -------------------------------------------------------------- replicas

absl::StatusOr<json> RunReplicas(const std::string& binary, const std::string& work_dir,
                                 int64_t* errors) {
  const int replicas = absl::GetFlag(FLAGS_replicas);
  std::vector<std::string> addresses =
      absl::StrSplit(absl::GetFlag(FLAGS_redis), ',', absl::SkipEmpty());
  std::optional<RedisServerProcess> own;
  if (addresses.empty()) {
    auto r = StartRedisServer(absl::GetFlag(FLAGS_redis_server_binary), work_dir, "redis");
    if (!r.ok()) return r.status();
    own = std::move(*r);
    addresses = {own->address};
  }
  for (const std::string& a : addresses) {
    if (!absl::StartsWith(a, "127.0.0.1:")) {
      return absl::InvalidArgumentError("--redis: only 127.0.0.1 addresses, got " + a);
    }
  }
  std::vector<Relay> relays;
  for (int i = 0; i < replicas; ++i) {
    auto r = StartRelay(binary, {"--store=redis", "--redis=" + absl::StrJoin(addresses, ",")},
                        work_dir, absl::StrCat("replica", i));
    if (!r.ok()) return r.status();
    relays.push_back(std::move(*r));
  }
  const size_t pb = static_cast<size_t>(absl::GetFlag(FLAGS_payload_bytes));
  const bool rotate = absl::GetFlag(FLAGS_rotate_per_op);
  const uint64_t seed = Seed();
  struct P {
    std::string name;
    CycleClientFactory f;  // empty for the redis-benchmark pseudo-phase
  };
  std::vector<P> phases;
  for (int k = 1; k <= replicas; ++k) {
    std::vector<const Relay*> use;
    for (int i = 0; i < k; ++i) use.push_back(&relays[i]);
    phases.push_back({absl::StrCat("relay-x", k), Factory(use, rotate, pb, seed + 1000 * k)});
  }
  phases.push_back({"redis-benchmark", nullptr});

  const std::vector<std::string> host_port = absl::StrSplit(addresses[0], ':');
  std::vector<std::string> bench_args = {
      "-h", host_port[0], "-p", host_port[1],
      "-c", absl::StrCat(absl::GetFlag(FLAGS_clients)),
      "-n", absl::StrCat(absl::GetFlag(FLAGS_bench_requests)),
      "-d", absl::StrCat(absl::GetFlag(FLAGS_bench_data_bytes)),
      "-r", "1000000", "-t", "set,get"};
  if (absl::GetFlag(FLAGS_redis_cluster)) bench_args.push_back("--cluster");
  // The same connection options without "-t set,get" (and "--cluster", re-added).
  const size_t tail = absl::GetFlag(FLAGS_redis_cluster) ? 3 : 2;
  std::vector<std::string> eval_args(bench_args.begin(), bench_args.end() - tail);
  if (absl::GetFlag(FLAGS_redis_cluster)) eval_args.push_back("--cluster");
  eval_args.insert(eval_args.end(),
                   {"EVAL",
                    "redis.call('HSET',KEYS[1],'v','1','d',ARGV[1]) "
                    "redis.call('PEXPIRE',KEYS[1],172800000) return 1",
                    "1", "bench:{__rand_int__}:m",
                    std::string(static_cast<size_t>(absl::GetFlag(FLAGS_bench_data_bytes)), 'x')});

  auto not_ours = [](const std::string& cmd) {
    return cmd == "info" || cmd == "dbsize" || absl::StartsWith(cmd, "cluster");
  };
  Rounds rounds;
  json per_round = json::array();
  const int nrounds = absl::GetFlag(FLAGS_rounds);
  for (int round = 0; round < nrounds; ++round) {
    std::vector<PhaseResult> this_round;
    json rj = {{"round", round + 1}};
    for (size_t k = 0; k < phases.size(); ++k) {
      const P& p = phases[(k + round) % phases.size()];
      if (!p.f) {
        auto cpu0 = QueryRedis(addresses);
        if (!cpu0.ok()) return cpu0.status();
        const absl::Time t0 = absl::Now();
        auto rps = RunRedisBenchmark(absl::GetFlag(FLAGS_redis_benchmark_binary), bench_args);
        if (!rps.ok()) return rps.status();
        const absl::Time t1 = absl::Now();
        auto cpu1 = QueryRedis(addresses);
        if (!cpu1.ok()) return cpu1.status();
        // Redis CPU per request and how busy Redis was while its own
        // benchmark drove it (SET + GET runs).
        const double requests = 2.0 * static_cast<double>(absl::GetFlag(FLAGS_bench_requests));
        rj["redis_benchmark_cpu_us_per_request"] =
            (cpu1->cpu_seconds - cpu0->cpu_seconds) * 1e6 / requests;
        rj["redis_benchmark_redis_cpu_utilization"] =
            (cpu1->cpu_seconds - cpu0->cpu_seconds) / absl::ToDoubleSeconds(t1 - t0);
        // A script of the shape of the store's insert/CAS (HSET of the record
        // plus PEXPIRE), run by EVAL: what one of the relay's EVALSHA costs.
        auto eval = RunRedisBenchmark(absl::GetFlag(FLAGS_redis_benchmark_binary), eval_args);
        if (eval.ok()) {
          for (const auto& [name, v] : *eval) (*rps)["EVAL"] = v;
        } else {
          std::cout << "redis-benchmark EVAL failed: " << eval.status() << std::endl;
        }
        rj["redis_benchmark_rps"] = *rps;
        rj["redis_benchmark_load"] = Loadavg();
        std::cout << "redis-benchmark " << json(*rps).dump() << " load " << Loadavg() << std::endl;
        continue;
      }
      auto before = QueryRedis(addresses);
      if (!before.ok()) return before.status();
      this_round.push_back(RunPhase(p.name, Options(), p.f));
      auto after = QueryRedis(addresses);
      if (!after.ok()) return after.status();
      const PhaseResult& r = this_round.back();
      std::map<std::string, int64_t> delta = CallsDelta(*before, *after);
      int64_t commands = 0;
      for (const auto& [cmd, c] : delta) {
        if (!not_ours(cmd)) commands += c;
      }
      const double secs = absl::ToDoubleSeconds(r.elapsed);
      // Warm-up cycles ran between the two INFO snapshots too.
      const double cycles =
          static_cast<double>(r.cycles_ok + r.cycles_failed) +
          static_cast<double>(absl::GetFlag(FLAGS_clients)) * absl::GetFlag(FLAGS_warmup_cycles);
      int64_t scripts = 0;
      for (const auto& [cmd, c] : delta) {
        if (cmd == "evalsha" || cmd == "eval") scripts += c;
      }
      const double cpu = after->cpu_seconds - before->cpu_seconds;
      rj[p.name] = {{"cycles_per_sec", r.cycles_per_sec()},
                    {"rpcs_per_sec", r.rpcs_per_sec()},
                    {"redis_commands", delta},
                    {"redis_commands_per_cycle", cycles > 0 ? commands / cycles : 0},
                    {"redis_commands_per_sec",
                     secs > 0 ? commands / cycles * static_cast<double>(r.cycles_ok) / secs : 0},
                    {"redis_scripts_per_cycle", cycles > 0 ? scripts / cycles : 0},
                    {"redis_cpu_us_per_cycle", cycles > 0 ? cpu * 1e6 / cycles : 0},
                    {"redis_cpu_utilization", secs > 0 ? cpu * r.cycles_ok / cycles / secs : 0},
                    {"load", Loadavg()}};
      std::cout << PhaseLine(r) << " redis cmds/cycle "
                << (cycles > 0 ? commands / cycles : 0) << " load " << Loadavg() << std::endl;
    }
    // Fractions of Redis's own rate in this round. By commands: the relay's
    // Redis commands per second (commandstats, the commands its scripts run
    // included) over redis-benchmark's (mean of SET and GET). By CPU: how
    // busy the relay's load kept Redis, over how busy redis-benchmark kept
    // it (the benchmark saturates Redis as far as this machine lets it), and
    // the relay cycles per second one Redis could serve at that utilization.
    const json& b = rj["redis_benchmark_rps"];
    const double simple = b.contains("SET") && b.contains("GET")
                              ? (b["SET"].get<double>() + b["GET"].get<double>()) / 2
                              : 0;
    const double bench_util = rj.value("redis_benchmark_redis_cpu_utilization", 0.0);
    for (int k = 1; k <= replicas; ++k) {
      const std::string name = absl::StrCat("relay-x", k);
      if (!rj.contains(name)) continue;
      if (simple > 0) {
        rj[name]["fraction_of_redis_benchmark"] =
            rj[name]["redis_commands_per_sec"].get<double>() / simple;
      }
      const double per_cycle = rj[name]["redis_cpu_us_per_cycle"].get<double>();
      if (bench_util > 0 && per_cycle > 0) {
        rj[name]["fraction_of_redis_cpu"] =
            rj[name]["redis_cpu_utilization"].get<double>() / bench_util;
        rj[name]["redis_capacity_cycles_per_sec"] = bench_util * 1e6 / per_cycle;
      }
    }
    per_round.push_back(rj);
    rounds.push_back(std::move(this_round));
  }
  std::vector<PhaseSummary> summaries = SummarizePhases(rounds);
  std::vector<RatioSpec> specs;
  for (int k = 2; k <= replicas; ++k) {
    specs.push_back({absl::StrCat("relay-x", k), "relay-x1", 0});
  }
  std::vector<RatioSummary> ratios = SummarizeRatios(rounds, specs);
  std::cout << FormatReport(summaries, ratios);
  json medians;
  for (int k = 1; k <= replicas; ++k) {
    const std::string name = absl::StrCat("relay-x", k);
    std::vector<double> frac, frac_cpu, capacity, cpu_cycle, spc, cpc, cps;
    for (const json& rj : per_round) {
      if (!rj.contains(name)) continue;
      if (rj[name].contains("fraction_of_redis_benchmark")) {
        frac.push_back(rj[name]["fraction_of_redis_benchmark"].get<double>());
      }
      if (rj[name].contains("fraction_of_redis_cpu")) {
        frac_cpu.push_back(rj[name]["fraction_of_redis_cpu"].get<double>());
        capacity.push_back(rj[name]["redis_capacity_cycles_per_sec"].get<double>());
      }
      cpu_cycle.push_back(rj[name]["redis_cpu_us_per_cycle"].get<double>());
      spc.push_back(rj[name]["redis_scripts_per_cycle"].get<double>());
      cpc.push_back(rj[name]["redis_commands_per_cycle"].get<double>());
      cps.push_back(rj[name]["redis_commands_per_sec"].get<double>());
    }
    medians[name] = {{"fraction_of_redis_benchmark", Median(frac)},
                     {"fraction_of_redis_cpu", Median(frac_cpu)},
                     {"redis_capacity_cycles_per_sec", Median(capacity)},
                     {"redis_cpu_us_per_cycle", Median(cpu_cycle)},
                     {"redis_scripts_per_cycle", Median(spc)},
                     {"redis_commands_per_cycle", Median(cpc)},
                     {"redis_commands_per_sec", Median(cps)}};
  }
  std::vector<double> set_rps, get_rps, eval_rps;
  for (const json& rj : per_round) {
    const json& b = rj["redis_benchmark_rps"];
    if (b.contains("EVAL")) eval_rps.push_back(b["EVAL"].get<double>());
    if (b.contains("SET")) set_rps.push_back(b["SET"].get<double>());
    if (b.contains("GET")) get_rps.push_back(b["GET"].get<double>());
  }
  std::vector<double> bench_cpu, bench_util;
  for (const json& rj : per_round) {
    bench_cpu.push_back(rj.value("redis_benchmark_cpu_us_per_request", 0.0));
    bench_util.push_back(rj.value("redis_benchmark_redis_cpu_utilization", 0.0));
  }
  medians["redis-benchmark"] = {{"SET", Median(set_rps)},
                                {"GET", Median(get_rps)},
                                {"EVAL", Median(eval_rps)},
                                {"redis_cpu_us_per_request", Median(bench_cpu)},
                                {"redis_cpu_utilization", Median(bench_util)}};
  std::cout << "medians: " << medians.dump() << std::endl;
  json phases_json = json::array();
  for (const PhaseSummary& s : summaries) {
    json ops;
    for (int i = 0; i < kOpsPerCycle; ++i) {
      ops[kOpNames[i]] = {{"p50_us", s.p50_us[i]}, {"p99_us", s.p99_us[i]}};
    }
    phases_json.push_back({{"phase", s.name},
                           {"rpcs_per_sec", s.rpcs_per_sec},
                           {"cycles_per_sec", s.cycles_per_sec},
                           {"errors", s.errors},
                           {"ops", ops}});
  }
  json ratio_json = json::array();
  for (const RatioSummary& r : ratios) {
    ratio_json.push_back({{"numerator", r.spec.numerator},
                          {"denominator", r.spec.denominator},
                          {"median", r.median},
                          {"per_round", r.per_round}});
  }
  *errors += PhaseErrors(rounds);
  for (Relay& r : relays) r.child->Terminate();
  if (own) own->child->Terminate();
  return json{{"redis", addresses},
              {"cluster", absl::GetFlag(FLAGS_redis_cluster)},
              {"replicas", replicas},
              {"rotate_per_op", rotate},
              {"redis_benchmark_args", bench_args},
              {"phases", phases_json},
              {"scaling", ratio_json},
              {"medians", medians},
              {"rounds", per_round}};
}

int Run(const char* argv0) {
  auto fail = [](const std::string& msg) {
    std::cerr << "relay_scale: " << msg << "\n";
    return 2;
  };
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "size" && mode != "replicas") return fail("--mode: want size or replicas");
  const std::string transport = absl::GetFlag(FLAGS_transport);
  if (transport != "grpc" && transport != "http") return fail("--transport: want grpc or http");
  if (absl::GetFlag(FLAGS_clients) < 1 || absl::GetFlag(FLAGS_clients) > 256) {
    return fail("--clients: want 1..256");
  }
  if (absl::GetFlag(FLAGS_preload_clients) < 1 || absl::GetFlag(FLAGS_preload_clients) > 256) {
    return fail("--preload_clients: want 1..256");
  }
  if (absl::GetFlag(FLAGS_rounds) < 1 || absl::GetFlag(FLAGS_rounds) > 50) {
    return fail("--rounds: want 1..50");
  }
  if (absl::GetFlag(FLAGS_replicas) < 1 || absl::GetFlag(FLAGS_replicas) > 8) {
    return fail("--replicas: want 1..8");
  }
  const int pb = absl::GetFlag(FLAGS_payload_bytes);
  if (pb < 28 || pb > 65536) return fail("--payload_bytes: want 28..65536");
  if (absl::GetFlag(FLAGS_large) < 1 || absl::GetFlag(FLAGS_small) < 0 ||
      absl::GetFlag(FLAGS_warm) < 0) {
    return fail("--large must be >= 1, --small and --warm >= 0");
  }
  for (const std::string& s : absl::GetFlag(FLAGS_stores)) {
    if (s != "memory" && s != "sqlite" && s != "redis") {
      return fail("--stores: want memory, sqlite or redis, got \"" + s + "\"");
    }
  }
  auto binary = FindRelayBinary(argv0);
  if (!binary.ok()) return fail(std::string(binary.status().message()));

  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  const bool remove_dir = work_dir.empty() && !absl::GetFlag(FLAGS_keep_work_dir);
  if (work_dir.empty()) {
    const char* base = getenv("TEST_TMPDIR");
    if (base == nullptr) base = getenv("TMPDIR");
    if (base == nullptr) base = "/tmp";
    std::string tmpl = absl::StrCat(base, "/relay_scale.XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) return fail("mkdtemp " + tmpl + " failed");
    work_dir = tmpl;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(work_dir, ec);
  }
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{work_dir, remove_dir};

  json machine = MachineInfo();
  json report = {{"mode", mode},
                 {"machine", machine},
                 {"config",
                  {{"clients", absl::GetFlag(FLAGS_clients)},
                   {"preload_clients", absl::GetFlag(FLAGS_preload_clients)},
                   {"duration_s", absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration))},
                   {"rounds", absl::GetFlag(FLAGS_rounds)},
                   {"payload_bytes", pb},
                   {"transport", transport},
                   {"relay_flags", absl::GetFlag(FLAGS_relay_flags)}}}};
  std::cout << "relay_scale: " << report.dump() << std::endl;
  int64_t errors = 0;
  if (mode == "size") {
    json stores = json::array();
    for (const std::string& s : absl::GetFlag(FLAGS_stores)) {
      auto out = RunSize(*binary, s, work_dir);
      if (!out.ok()) return fail(s + ": " + out.status().ToString());
      errors += out->errors;
      stores.push_back(out->doc);
    }
    report["stores"] = stores;
  } else {
    auto out = RunReplicas(*binary, work_dir, &errors);
    if (!out.ok()) return fail(out.status().ToString());
    report["replicas"] = *out;
  }
  report["machine"]["loadavg_end"] = Loadavg();
  const std::string json_out = UserPath(absl::GetFlag(FLAGS_json_out));
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << report.dump(2) << "\n";
    if (!out) return fail("--json_out: cannot write " + json_out);
    std::cout << "wrote " << json_out << "\n";
  }
  std::cout << "errors: " << errors << std::endl;
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sct::relay::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Relay scale figures (issue 7); see docs/relay_scale.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "relay_scale: unexpected argument " << rest[1] << "\n";
    return 2;
  }
  return sct::relay::loadgen::Run(argv[0]);
}

#include "relay/loadgen/scale_replicas.h"

#include <iostream>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "relay/loadgen/redis_direct_client.h"

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

struct ReplicaPhase {
  std::string name;
  CycleClientFactory clients;  // empty for the redis-benchmark pseudo-phase
};

// The same-commands baseline: the relay's own Redis commands issued by
// MailboxService in this process (redis_direct_client.h), with the relay
// phases' clients and payloads.
constexpr char kSameCommands[] = "redis-same-commands";
// The store-free relay: one more relay_server, with --store=memory, driven
// like relay-x1. Its cycle is the relay's own part of a relay cycle (gRPC or
// HTTP, the service, no Redis).
constexpr char kStoreFree[] = "relay-memory";

// The Redis the replicas share: options.redis, or a redis-server started in
// `work_dir` (kept in `*own`). Loopback addresses only.
absl::StatusOr<std::vector<std::string>> ReplicaRedis(const ScaleOptions& options,
                                                      const std::string& work_dir,
                                                      std::optional<RedisServerProcess>* own) {
  std::vector<std::string> addresses = absl::StrSplit(options.redis, ',', absl::SkipEmpty());
  if (addresses.empty()) {
    auto r = StartRedisServer(options.redis_server_binary, work_dir, "redis");
    if (!r.ok()) return r.status();
    *own = std::move(*r);
    addresses = {(*own)->address};
  }
  for (const std::string& a : addresses) {
    if (!absl::StartsWith(a, "127.0.0.1:")) {
      return absl::InvalidArgumentError("--redis: only 127.0.0.1 addresses, got " + a);
    }
  }
  return addresses;
}

// redis-benchmark's SET/GET run against `address`, with the clients of the
// relay phases.
std::vector<std::string> BenchArgs(const ScaleOptions& options, const std::string& address) {
  const std::vector<std::string> host_port = absl::StrSplit(address, ':');
  std::vector<std::string> args = {"-h", host_port[0],
                                   "-p", host_port[1],
                                   "-c", absl::StrCat(options.clients),
                                   "-n", absl::StrCat(options.bench_requests),
                                   "-d", absl::StrCat(options.bench_data_bytes),
                                   "-r", "1000000",
                                   "-t", "set,get"};
  if (options.redis_cluster) args.push_back("--cluster");
  return args;
}

// The same connection options running a script of the shape of the store's
// insert/CAS (HSET of the record plus PEXPIRE) by EVAL: what one of the
// relay's EVALSHA costs.
std::vector<std::string> EvalArgs(const ScaleOptions& options,
                                  const std::vector<std::string>& bench_args) {
  // Without "-t set,get" (and "--cluster", re-added).
  const size_t tail = options.redis_cluster ? 3 : 2;
  std::vector<std::string> args(bench_args.begin(), bench_args.end() - tail);
  if (options.redis_cluster) args.push_back("--cluster");
  args.insert(args.end(), {"EVAL",
                           "redis.call('HSET',KEYS[1],'v','1','d',ARGV[1]) "
                           "redis.call('PEXPIRE',KEYS[1],172800000) return 1",
                           "1", "bench:{__rand_int__}:m",
                           std::string(static_cast<size_t>(options.bench_data_bytes), 'x')});
  return args;
}

// One redis-benchmark run in a round: its rates and Redis's CPU, into `rj`.
absl::Status RunBenchmarkPhase(const ScaleOptions& options,
                               const std::vector<std::string>& addresses,
                               const std::vector<std::string>& bench_args,
                               const std::vector<std::string>& eval_args, json* rj) {
  auto cpu0 = QueryRedis(addresses);
  if (!cpu0.ok()) return cpu0.status();
  const absl::Time t0 = absl::Now();
  auto rps = RunRedisBenchmark(options.redis_benchmark_binary, bench_args);
  if (!rps.ok()) return rps.status();
  const absl::Time t1 = absl::Now();
  auto cpu1 = QueryRedis(addresses);
  if (!cpu1.ok()) return cpu1.status();
  // Redis CPU per request and how busy Redis was while its own benchmark
  // drove it (SET + GET runs).
  const double requests = 2.0 * static_cast<double>(options.bench_requests);
  (*rj)["redis_benchmark_cpu_us_per_request"] =
      (cpu1->cpu_seconds - cpu0->cpu_seconds) * 1e6 / requests;
  (*rj)["redis_benchmark_redis_cpu_utilization"] =
      (cpu1->cpu_seconds - cpu0->cpu_seconds) / absl::ToDoubleSeconds(t1 - t0);
  auto eval = RunRedisBenchmark(options.redis_benchmark_binary, eval_args);
  if (eval.ok()) {
    for (const auto& [name, v] : *eval) (*rps)["EVAL"] = v;
  } else {
    std::cout << "redis-benchmark EVAL failed: " << eval.status() << std::endl;
  }
  (*rj)["redis_benchmark_rps"] = *rps;
  (*rj)["redis_benchmark_load"] = Loadavg();
  std::cout << "redis-benchmark " << json(*rps).dump() << " load " << Loadavg() << std::endl;
  return absl::OkStatus();
}

// Commands the measurement itself sends (INFO, DBSIZE, CLUSTER ...).
bool NotOurs(const std::string& cmd) {
  return cmd == "info" || cmd == "dbsize" || absl::StartsWith(cmd, "cluster");
}

// One relay phase in a round and the Redis commands and CPU it caused.
absl::StatusOr<PhaseResult> RunRelayPhase(const ScaleOptions& options,
                                          const std::vector<std::string>& addresses,
                                          const ReplicaPhase& phase, json* rj) {
  auto before = QueryRedis(addresses);
  if (!before.ok()) return before.status();
  PhaseResult r = RunPhase(phase.name, MeasuredPhase(options), phase.clients);
  auto after = QueryRedis(addresses);
  if (!after.ok()) return after.status();
  std::map<std::string, int64_t> delta = CallsDelta(*before, *after);
  int64_t commands = 0, scripts = 0;
  for (const auto& [cmd, c] : delta) {
    if (!NotOurs(cmd)) commands += c;
    if (cmd == "evalsha" || cmd == "eval") scripts += c;
  }
  const double secs = absl::ToDoubleSeconds(r.elapsed);
  // Warm-up cycles ran between the two INFO snapshots too.
  const double cycles = static_cast<double>(r.cycles_ok + r.cycles_failed) +
                        static_cast<double>(options.clients) * options.warmup_cycles;
  const double cpu = after->cpu_seconds - before->cpu_seconds;
  (*rj)[phase.name] = {{"cycles_per_sec", r.cycles_per_sec()},
                       {"rpcs_per_sec", r.rpcs_per_sec()},
                       {"redis_commands", delta},
                       {"redis_commands_per_cycle", cycles > 0 ? commands / cycles : 0},
                       {"redis_commands_per_sec",
                        secs > 0 ? commands / cycles * static_cast<double>(r.cycles_ok) / secs : 0},
                       {"redis_scripts_per_cycle", cycles > 0 ? scripts / cycles : 0},
                       {"redis_cpu_us_per_cycle", cycles > 0 ? cpu * 1e6 / cycles : 0},
                       {"redis_cpu_utilization", secs > 0 ? cpu * r.cycles_ok / cycles / secs : 0},
                       {"load", Loadavg()}};
  std::cout << PhaseLine(r) << " redis cmds/cycle " << (cycles > 0 ? commands / cycles : 0)
            << " load " << Loadavg() << std::endl;
  return r;
}

// Fractions of Redis's own rate in round `rj`. Same commands: the relay's
// cycles per second over the same-commands baseline's (the relay's commands
// with no relay in between, same clients). By SET/GET commands (a coarser
// figure, kept for comparison): the relay's Redis commands per second (commandstats, the commands its scripts run
// included) over redis-benchmark's (mean of SET and GET). By CPU: how busy the relay's
// load kept Redis, over how busy redis-benchmark kept it (the benchmark
// saturates Redis as far as this machine lets it), and the relay cycles per
// second one Redis could serve at that utilization.
// With the store-free relay's rate M and the same-commands rate S (closed
// loop, same clients): a relay cycle whose Redis part took what the same
// commands take by themselves and added it to the store-free cycle would run
// at 1 / (1/M + 1/S), i.e. relay / same commands = M / (M + S). Added to the
// round as "store_free_bound" (cycles are latency-bound at few clients, so
// the two latencies add; with the CPU saturated it is an estimate).
void AddStoreFreeBound(json* rj) {
  if (!rj->contains(kStoreFree) || !rj->contains(kSameCommands)) return;
  const double m = (*rj)[kStoreFree].value("cycles_per_sec", 0.0);
  const double s = (*rj)[kSameCommands].value("cycles_per_sec", 0.0);
  if (m > 0 && s > 0) (*rj)["store_free_bound"] = m / (m + s);
}

void AddFractions(int replicas, json* rj) {
  const json& b = (*rj)["redis_benchmark_rps"];
  const double simple = b.contains("SET") && b.contains("GET")
                            ? (b["SET"].get<double>() + b["GET"].get<double>()) / 2
                            : 0;
  const double bench_util = rj->value("redis_benchmark_redis_cpu_utilization", 0.0);
  const double same = rj->contains(kSameCommands)
                          ? (*rj)[kSameCommands].value("cycles_per_sec", 0.0)
                          : 0.0;
  for (int k = 1; k <= replicas; ++k) {
    const std::string name = absl::StrCat("relay-x", k);
    if (!rj->contains(name)) continue;
    json& phase = (*rj)[name];
    if (same > 0) {
      phase["fraction_of_same_commands"] = phase["cycles_per_sec"].get<double>() / same;
    }
    if (simple > 0) {
      phase["fraction_of_redis_benchmark"] = phase["redis_commands_per_sec"].get<double>() / simple;
    }
    const double per_cycle = phase["redis_cpu_us_per_cycle"].get<double>();
    if (bench_util > 0 && per_cycle > 0) {
      phase["fraction_of_redis_cpu"] = phase["redis_cpu_utilization"].get<double>() / bench_util;
      phase["redis_capacity_cycles_per_sec"] = bench_util * 1e6 / per_cycle;
    }
  }
}

// The median over rounds of `key` of `phase` (rounds that lack it skipped).
double MedianOf(const json& per_round, const std::string& phase, const char* key) {
  std::vector<double> values;
  for (const json& rj : per_round) {
    if (rj.contains(phase) && rj[phase].contains(key)) {
      values.push_back(rj[phase][key].get<double>());
    }
  }
  return Median(values);
}

json Medians(int replicas, const json& per_round) {
  json medians;
  for (int k = 1; k <= replicas; ++k) {
    const std::string name = absl::StrCat("relay-x", k);
    json m;
    for (const char* key :
         {"fraction_of_same_commands", "cycles_per_sec", "fraction_of_redis_benchmark", "fraction_of_redis_cpu", "redis_capacity_cycles_per_sec",
          "redis_cpu_us_per_cycle", "redis_scripts_per_cycle", "redis_commands_per_cycle",
          "redis_commands_per_sec"}) {
      m[key] = MedianOf(per_round, name, key);
    }
    medians[name] = m;
  }
  json bench;
  for (const char* test : {"SET", "GET", "EVAL"}) {
    std::vector<double> rps;
    for (const json& rj : per_round) {
      const json& b = rj["redis_benchmark_rps"];
      if (b.contains(test)) rps.push_back(b[test].get<double>());
    }
    bench[test] = Median(rps);
  }
  std::vector<double> bench_cpu, bench_util;
  for (const json& rj : per_round) {
    bench_cpu.push_back(rj.value("redis_benchmark_cpu_us_per_request", 0.0));
    bench_util.push_back(rj.value("redis_benchmark_redis_cpu_utilization", 0.0));
  }
  bench["redis_cpu_us_per_request"] = Median(bench_cpu);
  bench["redis_cpu_utilization"] = Median(bench_util);
  medians["redis-benchmark"] = bench;
  json same;
  for (const char* key : {"cycles_per_sec", "redis_commands_per_cycle", "redis_scripts_per_cycle",
                          "redis_cpu_us_per_cycle"}) {
    same[key] = MedianOf(per_round, kSameCommands, key);
  }
  medians[kSameCommands] = same;
  json store_free;
  store_free["cycles_per_sec"] = MedianOf(per_round, kStoreFree, "cycles_per_sec");
  std::vector<double> bounds;
  for (const json& rj : per_round) {
    if (rj.contains("store_free_bound")) bounds.push_back(rj["store_free_bound"].get<double>());
  }
  store_free["same_commands_bound"] = Median(bounds);
  medians[kStoreFree] = store_free;
  return medians;
}

json ScalingJson(const std::vector<RatioSummary>& ratios) {
  json out = json::array();
  for (const RatioSummary& r : ratios) {
    out.push_back({{"numerator", r.spec.numerator},
                   {"denominator", r.spec.denominator},
                   {"median", r.median},
                   {"per_round", r.per_round}});
  }
  return out;
}

// A round's phases: relay-x1..xK over the first K replicas, the store-free
// relay, redis-benchmark (no clients: RunBenchmarkPhase) and the
// same-commands baseline over `redis`.
std::vector<ReplicaPhase> Phases(const ScaleOptions& options, const std::vector<Relay>& relays,
                                 const Relay& store_free, const std::vector<std::string>& redis) {
  const uint64_t seed = Seed();
  std::vector<ReplicaPhase> phases;
  for (size_t k = 1; k <= relays.size(); ++k) {
    std::vector<const Relay*> use;
    for (size_t i = 0; i < k; ++i) use.push_back(&relays[i]);
    phases.push_back({absl::StrCat("relay-x", k),
                      RelayClients(options, use, options.rotate_per_op, seed + 1000 * k)});
  }
  phases.push_back({kStoreFree, RelayClients(options, {&store_free}, false, seed + 9000)});
  phases.push_back({"redis-benchmark", nullptr});
  const size_t pb = static_cast<size_t>(options.payload_bytes);
  phases.push_back({kSameCommands, [redis, pb, seed](int i) -> std::unique_ptr<CycleClient> {
                      return std::make_unique<RedisDirectCycleClient>(
                          redis, "sct:", pb, seed + 7000 + static_cast<uint64_t>(i));
                    }});
  return phases;
}

}  // namespace

absl::StatusOr<json> RunReplicas(const ScaleOptions& options, const std::string& binary,
                                 const std::string& work_dir, int64_t* errors) {
  const int replicas = options.replicas;
  std::optional<RedisServerProcess> own;
  absl::StatusOr<std::vector<std::string>> addresses = ReplicaRedis(options, work_dir, &own);
  if (!addresses.ok()) return addresses.status();
  std::vector<Relay> relays;
  for (int i = 0; i < replicas; ++i) {
    auto r =
        StartRelay(options, binary, {"--store=redis", "--redis=" + absl::StrJoin(*addresses, ",")},
                   work_dir, absl::StrCat("replica", i));
    if (!r.ok()) return r.status();
    relays.push_back(std::move(*r));
  }
  absl::StatusOr<Relay> store_free = StartRelay(options, binary, {"--store=memory"}, work_dir,
                                                 "memory");
  if (!store_free.ok()) return store_free.status();
  const std::vector<ReplicaPhase> phases = Phases(options, relays, *store_free, *addresses);
  const std::vector<std::string> bench_args = BenchArgs(options, (*addresses)[0]);
  const std::vector<std::string> eval_args = EvalArgs(options, bench_args);

  Rounds rounds;
  json per_round = json::array();
  for (int round = 0; round < options.rounds; ++round) {
    std::vector<PhaseResult> this_round;
    json rj = {{"round", round + 1}};
    for (size_t k = 0; k < phases.size(); ++k) {
      const ReplicaPhase& p = phases[(k + round) % phases.size()];
      if (!p.clients) {
        absl::Status s = RunBenchmarkPhase(options, *addresses, bench_args, eval_args, &rj);
        if (!s.ok()) return s;
        continue;
      }
      absl::StatusOr<PhaseResult> r = RunRelayPhase(options, *addresses, p, &rj);
      if (!r.ok()) return r.status();
      this_round.push_back(*std::move(r));
    }
    AddFractions(replicas, &rj);
    AddStoreFreeBound(&rj);
    if (rj.contains("store_free_bound")) {
      std::cout << "  store-free bound on relay / same commands (round " << round + 1
                << "): " << rj["store_free_bound"].get<double>() << std::endl;
    }
    per_round.push_back(rj);
    rounds.push_back(std::move(this_round));
  }
  std::vector<PhaseSummary> summaries = SummarizePhases(rounds);
  std::vector<RatioSpec> specs;
  for (int k = 2; k <= replicas; ++k) specs.push_back({absl::StrCat("relay-x", k), "relay-x1", 0});
  for (int k = 1; k <= replicas; ++k) {
    specs.push_back({absl::StrCat("relay-x", k), kSameCommands, 0.5});
  }
  std::vector<RatioSummary> ratios = SummarizeRatios(rounds, specs);
  std::cout << FormatReport(summaries, ratios);
  const json medians = Medians(replicas, per_round);
  std::cout << "medians: " << medians.dump() << std::endl;
  *errors += PhaseErrors(rounds);
  for (Relay& r : relays) r.child->Terminate();
  store_free->child->Terminate();
  if (own) own->child->Terminate();
  return json{{"redis", *addresses},
              {"cluster", options.redis_cluster},
              {"replicas", replicas},
              {"rotate_per_op", options.rotate_per_op},
              {"redis_benchmark_args", bench_args},
              {"phases", PhasesJson(summaries, /*with_samples=*/false)},
              {"scaling", ScalingJson(ratios)},
              {"medians", medians},
              {"rounds", per_round}};
}

}  // namespace sct::relay::loadgen

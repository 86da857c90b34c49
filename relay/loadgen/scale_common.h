// What both modes of relay_scale share (docs/relay_scale.md): the run's
// options (one member per flag), starting a relay_server child, the cycle
// clients of a phase, and the pieces of the JSON report.
//
// Targets are 127.0.0.1 only. Thread-compatible: called from relay_scale's
// main thread.
#ifndef SCT_RELAY_LOADGEN_SCALE_COMMON_H_
#define SCT_RELAY_LOADGEN_SCALE_COMMON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/report.h"
#include "relay/loadgen/runner.h"
#include "relay/loadgen/scale_util.h"
#include "runtime/child_process.h"

namespace sct::relay::loadgen {

// relay_scale's flags (scale_main.cc has their help texts).
struct ScaleOptions {
  std::string mode = "size";
  std::vector<std::string> stores = {"memory", "sqlite", "redis"};
  int64_t large = 1000000;
  int64_t small = 1000;
  int64_t warm = 1000;
  int preload_clients = 16;
  int clients = 4;
  absl::Duration duration = absl::Seconds(5);
  int rounds = 3;
  int warmup_cycles = 10;
  int payload_bytes = 1024;
  std::string transport = "grpc";
  std::vector<std::string> relay_flags;
  std::string redis_server_binary = "/usr/bin/redis-server";
  std::string redis_benchmark_binary = "/usr/bin/redis-benchmark";
  std::string redis;  // --mode=replicas: HOST:PORT[,...] of a running Redis
  bool redis_cluster = false;
  int replicas = 3;
  bool rotate_per_op = true;
  int64_t bench_requests = 100000;
  int bench_data_bytes = 1500;
  std::string sqlite_dir;
};

// A relay_server child and its ports.
struct Relay {
  std::unique_ptr<ChildProcess> child;
  std::string grpc;  // 127.0.0.1:PORT
  int http_port = 0;
};

// Starts `binary` on 127.0.0.1 port 0 with rate limits out of the way,
// `store_flags` and options.relay_flags; waits for its listening line.
absl::StatusOr<Relay> StartRelay(const ScaleOptions& options, const std::string& binary,
                                 const std::vector<std::string>& store_flags,
                                 const std::string& work_dir, const std::string& name);

// Closed-loop clients over `relays` (client i starts on relay i % n; with
// `rotate` each operation of a cycle goes to the next relay), on
// options.transport.
CycleClientFactory RelayClients(const ScaleOptions& options,
                                const std::vector<const Relay*>& relays, bool rotate,
                                uint64_t seed);

// The measured phases' options: clients, duration, warm-up.
PhaseOptions MeasuredPhase(const ScaleOptions& options);

// Every phase error of every round.
int64_t PhaseErrors(const Rounds& rounds);

nlohmann::json PreloadJson(const PreloadResult& p);
// Per phase: rates, errors and per-operation p50/p99 (and the sample count
// when `with_samples`).
nlohmann::json PhasesJson(const std::vector<PhaseSummary>& summaries, bool with_samples);

// /proc/loadavg's first three fields.
std::string Loadavg();
// A random seed for the clients' data.
uint64_t Seed();

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_SCALE_COMMON_H_

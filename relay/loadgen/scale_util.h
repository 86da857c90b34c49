// Measurement helpers for the relay scale benchmark (relay_scale):
// process memory, store file sizes, Redis INFO (memory and per-command call
// counts), a standalone redis-server child, redis-benchmark, and a fast
// parallel preload of mailboxes through the relay's gRPC face.
//
// Everything here talks to 127.0.0.1 only. Functions are thread-compatible
// (call them from one thread); Preload starts and joins its own threads.
// Errors: NOT_FOUND for a process or file that is gone, UNAVAILABLE when a
// Redis node does not answer, INTERNAL for unexpected output of a tool.
#ifndef SCT_RELAY_LOADGEN_SCALE_UTIL_H_
#define SCT_RELAY_LOADGEN_SCALE_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "relay/loadgen/child_process.h"
#include "relay/loadgen/latency.h"

namespace sct::relay::loadgen {

// VmRSS of /proc/<pid>/status in bytes. NOT_FOUND if the process is gone.
absl::StatusOr<int64_t> ProcessRssBytes(pid_t pid);

// Size of `path` plus its SQLite companions `-wal` and `-shm` (absent ones
// count 0).
int64_t SqliteFilesBytes(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
absl::StatusOr<int> FreeLoopbackPort();

// INFO of one or more Redis nodes, summed over the nodes (pass every master of
// a cluster to count the whole cluster).
struct RedisStats {
  int64_t used_memory = 0;           // INFO memory: used_memory
  int64_t keys = 0;                  // DBSIZE
  double cpu_seconds = 0;            // INFO cpu: used_cpu_user + used_cpu_sys
  std::map<std::string, int64_t> calls;  // INFO commandstats: command -> calls
  int64_t total_calls() const;
};
absl::StatusOr<RedisStats> QueryRedis(const std::vector<std::string>& addresses);

// after - before, per command (commands with no new calls are left out).
std::map<std::string, int64_t> CallsDelta(const RedisStats& before, const RedisStats& after);

// A standalone redis-server started on a free 127.0.0.1 port with its files
// (log, no persistence) in `dir`; stopped (SIGTERM, then SIGKILL) when
// destroyed. Ready once it answers PING.
struct RedisServerProcess {
  std::unique_ptr<ChildProcess> child;
  std::string address;  // 127.0.0.1:PORT
};
absl::StatusOr<RedisServerProcess> StartRedisServer(const std::string& redis_server_binary,
                                                    const std::string& dir,
                                                    const std::string& name);

// Creates `n` mailboxes (1 KiB-class payloads of `payload_bytes`, default
// lifetime, rights RWD) through the relay's gRPC CreateMailbox with `clients`
// threads, client i on targets[i % targets.size()]. Never deletes them.
struct PreloadResult {
  int64_t created = 0;
  int64_t failed = 0;
  absl::Duration elapsed;
  LatencySummary latency;
  std::map<std::string, int64_t> errors;  // error label -> count
  double per_sec() const;
};
PreloadResult Preload(const std::vector<std::string>& grpc_targets, int64_t n, int clients,
                      size_t payload_bytes, uint64_t seed);

// Runs `redis-benchmark` with `args` (its --csv output) and returns the
// requests per second of every test it ran, by test name ("SET", "GET", ...).
absl::StatusOr<std::map<std::string, double>> RunRedisBenchmark(
    const std::string& binary, const std::vector<std::string>& args);

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_SCALE_UTIL_H_

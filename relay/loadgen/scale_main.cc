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
// The modes live in scale_size.cc and scale_replicas.cc; this file turns the
// flags into ScaleOptions and writes the report. Targets are 127.0.0.1 only.
// Exit 0 when every RPC succeeded, 1 when some failed, 2 when the run could
// not start.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "relay/loadgen/report.h"
#include "relay/loadgen/scale_common.h"
#include "relay/loadgen/scale_replicas.h"
#include "relay/loadgen/scale_size.h"

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

ScaleOptions OptionsFromFlags() {
  ScaleOptions o;
  o.mode = absl::GetFlag(FLAGS_mode);
  o.stores = absl::GetFlag(FLAGS_stores);
  o.large = absl::GetFlag(FLAGS_large);
  o.small = absl::GetFlag(FLAGS_small);
  o.warm = absl::GetFlag(FLAGS_warm);
  o.preload_clients = absl::GetFlag(FLAGS_preload_clients);
  o.clients = absl::GetFlag(FLAGS_clients);
  o.duration = absl::GetFlag(FLAGS_duration);
  o.rounds = absl::GetFlag(FLAGS_rounds);
  o.warmup_cycles = absl::GetFlag(FLAGS_warmup_cycles);
  o.payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  o.transport = absl::GetFlag(FLAGS_transport);
  o.relay_flags = absl::GetFlag(FLAGS_relay_flags);
  o.redis_server_binary = absl::GetFlag(FLAGS_redis_server_binary);
  o.redis_benchmark_binary = absl::GetFlag(FLAGS_redis_benchmark_binary);
  o.redis = absl::GetFlag(FLAGS_redis);
  o.redis_cluster = absl::GetFlag(FLAGS_redis_cluster);
  o.replicas = absl::GetFlag(FLAGS_replicas);
  o.rotate_per_op = absl::GetFlag(FLAGS_rotate_per_op);
  o.bench_requests = absl::GetFlag(FLAGS_bench_requests);
  o.bench_data_bytes = absl::GetFlag(FLAGS_bench_data_bytes);
  o.sqlite_dir = absl::GetFlag(FLAGS_sqlite_dir);
  return o;
}

// The flag rules; the error's message is what is printed.
absl::Status ValidateOptions(const ScaleOptions& o) {
  auto bad = [](const std::string& msg) { return absl::InvalidArgumentError(msg); };
  if (o.mode != "size" && o.mode != "replicas") return bad("--mode: want size or replicas");
  if (o.transport != "grpc" && o.transport != "http") {
    return bad("--transport: want grpc or http");
  }
  if (o.clients < 1 || o.clients > 256) return bad("--clients: want 1..256");
  if (o.preload_clients < 1 || o.preload_clients > 256) {
    return bad("--preload_clients: want 1..256");
  }
  if (o.rounds < 1 || o.rounds > 50) return bad("--rounds: want 1..50");
  if (o.replicas < 1 || o.replicas > 8) return bad("--replicas: want 1..8");
  if (o.payload_bytes < 28 || o.payload_bytes > 65536) {
    return bad("--payload_bytes: want 28..65536");
  }
  if (o.large < 1 || o.small < 0 || o.warm < 0) {
    return bad("--large must be >= 1, --small and --warm >= 0");
  }
  for (const std::string& s : o.stores) {
    if (s != "memory" && s != "sqlite" && s != "redis") {
      return bad("--stores: want memory, sqlite or redis, got \"" + s + "\"");
    }
  }
  return absl::OkStatus();
}

// --work_dir, or a fresh directory under $TEST_TMPDIR, $TMPDIR or /tmp.
absl::StatusOr<std::string> MakeWorkDir() {
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  if (!work_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(work_dir, ec);
    return work_dir;
  }
  const char* base = getenv("TEST_TMPDIR");
  if (base == nullptr) base = getenv("TMPDIR");
  if (base == nullptr) base = "/tmp";
  std::string tmpl = absl::StrCat(base, "/relay_scale.XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError("mkdtemp " + tmpl + " failed");
  }
  return tmpl;
}

json ReportHeader(const ScaleOptions& o) {
  return {{"mode", o.mode},
          {"machine", MachineInfo()},
          {"config",
           {{"clients", o.clients},
            {"preload_clients", o.preload_clients},
            {"duration_s", absl::ToDoubleSeconds(o.duration)},
            {"rounds", o.rounds},
            {"payload_bytes", o.payload_bytes},
            {"transport", o.transport},
            {"relay_flags", o.relay_flags}}}};
}

int Run(const char* argv0) {
  auto fail = [](absl::string_view msg) {
    std::cerr << "relay_scale: " << msg << "\n";
    return 2;
  };
  const ScaleOptions options = OptionsFromFlags();
  if (absl::Status s = ValidateOptions(options); !s.ok()) return fail(s.message());
  auto binary = FindRelayBinary(argv0);
  if (!binary.ok()) return fail(binary.status().message());
  auto work_dir = MakeWorkDir();
  if (!work_dir.ok()) return fail(work_dir.status().message());
  struct Cleanup {
    std::string dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{*work_dir,
            absl::GetFlag(FLAGS_work_dir).empty() && !absl::GetFlag(FLAGS_keep_work_dir)};

  json report = ReportHeader(options);
  std::cout << "relay_scale: " << report.dump() << std::endl;
  int64_t errors = 0;
  if (options.mode == "size") {
    json stores = json::array();
    for (const std::string& s : options.stores) {
      auto out = RunSize(options, *binary, s, *work_dir);
      if (!out.ok()) return fail(s + ": " + out.status().ToString());
      errors += out->errors;
      stores.push_back(out->doc);
    }
    report["stores"] = stores;
  } else {
    auto out = RunReplicas(options, *binary, *work_dir, &errors);
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
  absl::SetProgramUsageMessage("Relay scale figures; see docs/relay_scale.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "relay_scale: unexpected argument " << rest[1] << "\n";
    return 2;
  }
  return sct::relay::loadgen::Run(argv[0]);
}

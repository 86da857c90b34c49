// relay_loadgen: closed-loop load generator for the relay, with an echo
// baseline measured in the same run. See docs/BENCHMARKS.md.
//
//   bazel run //relay:relay_loadgen -- --transport=both --store=both
//       --clients=8 --payload_bytes=1024 --duration=10s --rounds=3
//
// By default it starts the real relay_server (found in its runfiles or given
// with --relay_binary) as a child process on 127.0.0.1 port 0, once per store,
// with rate limits raised out of the way, and a baseline echo server (this
// same binary in --serve_echo mode, on runtime/grpc_server.h like the relay).
// It drives each with the same closed loop, prints a table and optionally
// writes --json_out, then stops the servers. Targets are 127.0.0.1 only.
// Exit status: 0 when every RPC succeeded, 1 when some failed, 2 when the
// run could not start (bad flags, a server that did not come up).

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
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
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "runtime/child_process.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "relay/loadgen/cycle_data.h"
#include "relay/loadgen/echo_client.h"
#include "relay/loadgen/echo_service.h"
#include "relay/loadgen/relay_grpc_client.h"
#include "relay/loadgen/relay_http_client.h"
#include "relay/loadgen/report.h"
#include "relay/loadgen/runner.h"

ABSL_FLAG(std::string, transport, "grpc", "Relay transport: grpc | http | both.");
ABSL_FLAG(std::string, store, "memory",
          "Store of the spawned relay: memory | sqlite | both (one relay process each).");
ABSL_FLAG(int, clients, 8, "Concurrent closed-loop clients (threads), 1..256.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5),
          "Measured time per phase (at most 10m); also caps --cycles runs.");
ABSL_FLAG(int64_t, cycles, 0,
          "If > 0, each phase ends after this many cycles over all clients "
          "(or at --duration, whichever is first).");
ABSL_FLAG(int, warmup_cycles, 10, "Unmeasured cycles per client before each phase.");
ABSL_FLAG(int, rounds, 1,
          "Run every phase this many times (rotating the order); the report "
          "gives medians. 1..50.");
ABSL_FLAG(int, payload_bytes, 1024,
          "Bytes of payload.data (IV(12) || ciphertext || tag(16)), 28..1048576.");
ABSL_FLAG(std::string, grpc_target, "",
          "Drive an already running relay's gRPC port (127.0.0.1:PORT) instead "
          "of spawning one.");
ABSL_FLAG(std::string, http_target, "",
          "Drive an already running relay's HTTP port (127.0.0.1:PORT) instead "
          "of spawning one.");
ABSL_FLAG(std::string, relay_binary, "",
          "relay_server to spawn; default: found in this binary's runfiles or beside it.");
ABSL_FLAG(std::vector<std::string>, relay_flags, {},
          "Extra flags for the spawned relay, comma-separated "
          "(e.g. --relay_flags=--max_payload_bytes=1048576).");
ABSL_FLAG(bool, echo, true, "Run the echo baseline phase.");
ABSL_FLAG(std::string, echo_target, "",
          "Use an already running relay.v1.Echo server (127.0.0.1:PORT) as the "
          "baseline instead of spawning one.");
ABSL_FLAG(bool, echo_on_relay, false,
          "Also run an echo phase against the relay.v1.Echo service that the "
          "(first) relay itself serves on its gRPC port: the same process and "
          "server instance as the relay phases.");
ABSL_FLAG(std::string, json_out, "", "Also write the full report as JSON to this file.");
ABSL_FLAG(std::string, work_dir, "",
          "Directory for the sqlite file and server logs; default a fresh "
          "directory under $TEST_TMPDIR, $TMPDIR or /tmp, removed at the end.");
ABSL_FLAG(bool, keep_work_dir, false, "Do not remove the work directory.");
ABSL_FLAG(bool, serve_echo, false,
          "Internal: serve relay.v1.Echo on --echo_listen and print "
          "'listening grpc=HOST:PORT' (how the load generator starts its baseline).");
ABSL_FLAG(std::string, echo_listen, "127.0.0.1:0", "Address for --serve_echo.");

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

constexpr absl::Duration kMaxPhaseDuration = absl::Minutes(10);
constexpr absl::Duration kMaxRunDuration = absl::Minutes(60);
constexpr absl::Duration kStartTimeout = absl::Seconds(60);

struct Endpoint {
  std::string host;
  int port = 0;
  std::string str() const { return absl::StrCat(host, ":", port); }
};

// Accepts only loopback targets: this tool must never load someone else's host.
absl::StatusOr<Endpoint> ParseLoopback(const std::string& flag, const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(value, ':');
  Endpoint e;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &e.port) || e.port <= 0 || e.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": want 127.0.0.1:PORT, got \"", value, "\""));
  }
  if (parts[0] != "127.0.0.1" && parts[0] != "localhost") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": only 127.0.0.1 is allowed as a target, got \"", parts[0], "\""));
  }
  e.host = "127.0.0.1";
  return e;
}

// The `key` endpoint of a started server's start-up line.
absl::StatusOr<Endpoint> FromListeningLine(const ChildProcess& server, const std::string& key) {
  auto it = server.listening().find(key);
  if (it == server.listening().end()) {
    return absl::InternalError(absl::StrCat("the server's line \"", server.listening_line(),
                                            "\" has no ", key, "=HOST:PORT"));
  }
  return ParseLoopback(key + " in the server's listening line", it->second);
}

// Starts argv[0] with argv[1..] and waits for its start-up line.
absl::StatusOr<std::unique_ptr<ChildProcess>> StartServer(const std::string& name,
                                                          const std::vector<std::string>& argv,
                                                          const std::string& stderr_path) {
  ChildProcessSpec spec;
  spec.name = name;
  spec.binary = argv[0];
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.stderr_path = stderr_path;
  spec.start_timeout = kStartTimeout;
  return ChildProcess::Start(spec);
}

std::string SelfPath() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "" : p.string();
}

bool Executable(const std::string& p) { return !p.empty() && access(p.c_str(), X_OK) == 0; }

absl::StatusOr<std::string> FindRelayBinary(const char* argv0) {
  const std::string given = absl::GetFlag(FLAGS_relay_binary);
  if (!given.empty()) {
    if (Executable(given)) return given;
    return absl::NotFoundError(absl::StrCat("--relay_binary: ", given, " is not executable"));
  }
  const std::string rel = "sct_lab/relay/relay_server";
  std::vector<std::string> candidates;
  for (const char* env : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* v = getenv(env)) candidates.push_back(absl::StrCat(v, "/", rel));
  }
  const std::string self = SelfPath();
  for (const std::string& base : {std::string(argv0), self}) {
    if (base.empty()) continue;
    candidates.push_back(absl::StrCat(base, ".runfiles/", rel));
    // bazel-bin/relay/loadgen/relay_loadgen -> bazel-bin/relay/relay_server
    std::filesystem::path p(base);
    candidates.push_back((p.parent_path().parent_path() / "relay_server").string());
  }
  candidates.push_back("relay/relay_server");  // `bazel run` starts in the runfiles tree
  for (const std::string& c : candidates) {
    if (Executable(c)) return c;
  }
  return absl::NotFoundError(
      absl::StrCat("relay_server not found (looked at: ", absl::StrJoin(candidates, ", "),
                   "); build //relay:relay_server and pass --relay_binary"));
}

// A relative --json_out under `bazel run` means the user's directory.
std::string UserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  if (const char* wd = getenv("BUILD_WORKING_DIRECTORY")) return absl::StrCat(wd, "/", path);
  return path;
}

absl::StatusOr<std::string> MakeWorkDir() {
  std::string dir = absl::GetFlag(FLAGS_work_dir);
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("--work_dir ", dir, ": ", ec.message()));
    return dir;
  }
  const char* base = getenv("TEST_TMPDIR");
  if (base == nullptr) base = getenv("TMPDIR");
  if (base == nullptr) base = "/tmp";
  std::string tmpl = absl::StrCat(base, "/relay_loadgen.XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", tmpl, ": failed"));
  }
  return tmpl;
}

int ServeEcho() {
  BlockTerminationSignals();
  EchoService echo;
  GrpcServerOptions options;
  options.address = absl::GetFlag(FLAGS_echo_listen);
  options.services = {&echo};
  options.max_receive_message_bytes = 16 * 1024 * 1024;
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(options);
  if (!server.ok()) {
    std::cerr << "relay_loadgen --serve_echo: " << server.status() << "\n";
    return 2;
  }
  sct::PrintListeningLine({{"grpc", (*server)->address()}});
  WaitForTerminationSignal();
  (*server)->Shutdown();
  return 0;
}

struct Phase {
  std::string name;
  CycleClientFactory factory;
};

struct RelayEndpoints {
  std::string label;  // "memory", "sqlite", "external"
  std::optional<Endpoint> grpc;
  std::optional<Endpoint> http;
};

int Run(const char* argv0) {
  // ---- Flags.
  const std::string transport = absl::GetFlag(FLAGS_transport);
  const std::string store = absl::GetFlag(FLAGS_store);
  const int clients = absl::GetFlag(FLAGS_clients);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  auto fail = [](const std::string& msg) {
    std::cerr << "relay_loadgen: " << msg << "\n";
    return 2;
  };
  if (transport != "grpc" && transport != "http" && transport != "both") {
    return fail("--transport: want grpc, http or both, got \"" + transport + "\"");
  }
  if (store != "memory" && store != "sqlite" && store != "both") {
    return fail("--store: want memory, sqlite or both, got \"" + store + "\"");
  }
  if (clients < 1 || clients > 256) return fail("--clients: want 1..256");
  if (rounds < 1 || rounds > 50) return fail("--rounds: want 1..50");
  if (duration <= absl::ZeroDuration() || duration > kMaxPhaseDuration) {
    return fail("--duration: want more than 0 and at most 10m");
  }
  if (absl::GetFlag(FLAGS_cycles) < 0) return fail("--cycles: want >= 0");
  if (absl::GetFlag(FLAGS_warmup_cycles) < 0) return fail("--warmup_cycles: want >= 0");
  if (payload_bytes < static_cast<int>(kMinPayloadBytes) || payload_bytes > (1 << 20)) {
    return fail("--payload_bytes: want 28..1048576 (IV 12 + tag 16 at least)");
  }
  const bool use_grpc = transport != "http";
  const bool use_http = transport != "grpc";

  // ---- Targets: given ones, or spawned servers.
  std::vector<RelayEndpoints> relays;
  std::vector<std::unique_ptr<ChildProcess>> children;
  const bool external =
      !absl::GetFlag(FLAGS_grpc_target).empty() || !absl::GetFlag(FLAGS_http_target).empty();
  absl::StatusOr<std::string> work_dir = MakeWorkDir();
  if (!work_dir.ok()) return fail(work_dir.status().ToString());
  const bool remove_work_dir =
      absl::GetFlag(FLAGS_work_dir).empty() && !absl::GetFlag(FLAGS_keep_work_dir);
  struct Cleanup {
    std::vector<std::unique_ptr<ChildProcess>>* children;
    std::string dir;
    bool remove;
    ~Cleanup() {
      for (auto& c : *children) c->Terminate();
      if (remove) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
      }
    }
  } cleanup{&children, *work_dir, remove_work_dir};

  if (external) {
    RelayEndpoints r;
    r.label = "external";
    if (use_grpc) {
      if (absl::GetFlag(FLAGS_grpc_target).empty()) {
        return fail("--transport includes grpc but --grpc_target is empty");
      }
      auto e = ParseLoopback("grpc_target", absl::GetFlag(FLAGS_grpc_target));
      if (!e.ok()) return fail(std::string(e.status().message()));
      r.grpc = *e;
    }
    if (use_http) {
      if (absl::GetFlag(FLAGS_http_target).empty()) {
        return fail("--transport includes http but --http_target is empty");
      }
      auto e = ParseLoopback("http_target", absl::GetFlag(FLAGS_http_target));
      if (!e.ok()) return fail(std::string(e.status().message()));
      r.http = *e;
    }
    relays.push_back(r);
  } else {
    absl::StatusOr<std::string> binary = FindRelayBinary(argv0);
    if (!binary.ok()) return fail(std::string(binary.status().message()));
    std::vector<std::string> stores;
    if (store == "memory" || store == "both") stores.push_back("memory");
    if (store == "sqlite" || store == "both") stores.push_back("sqlite");
    for (const std::string& s : stores) {
      std::vector<std::string> argv = {
          *binary, "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0", "--store=" + s,
          "--public_base_url=http://127.0.0.1",
          // The limiter guards against abuse; here it would only throttle the benchmark.
          "--creates_per_window=1000000000", "--failed_lookups_per_window=1000000000"};
      if (s == "sqlite") argv.push_back("--sqlite_path=" + *work_dir + "/relay.sqlite");
      for (const std::string& f : absl::GetFlag(FLAGS_relay_flags)) argv.push_back(f);
      std::cout << "starting relay (" << s << "): " << absl::StrJoin(argv, " ") << "\n";
      auto child = StartServer("relay-" + s, argv, *work_dir + "/relay-" + s + ".stderr");
      if (!child.ok()) return fail(child.status().ToString());
      children.push_back(std::move(*child));
      RelayEndpoints r;
      r.label = s;
      auto g = FromListeningLine(*children.back(), "grpc");
      auto h = FromListeningLine(*children.back(), "http");
      if (use_grpc) {
        if (!g.ok()) return fail(g.status().ToString());
        r.grpc = *g;
      }
      if (use_http) {
        if (!h.ok()) return fail(h.status().ToString());
        r.http = *h;
      }
      std::cout << "  pid " << children.back()->pid() << ": " << children.back()->listening_line()
                << std::endl;
      relays.push_back(r);
    }
  }

  std::optional<Endpoint> echo;
  if (absl::GetFlag(FLAGS_echo)) {
    if (!absl::GetFlag(FLAGS_echo_target).empty()) {
      auto e = ParseLoopback("echo_target", absl::GetFlag(FLAGS_echo_target));
      if (!e.ok()) return fail(std::string(e.status().message()));
      echo = *e;
    } else {
      const std::string self = SelfPath();
      std::vector<std::string> argv = {self, "--serve_echo", "--echo_listen=127.0.0.1:0"};
      std::cout << "starting echo baseline: " << absl::StrJoin(argv, " ") << "\n";
      auto child = StartServer("echo", argv, *work_dir + "/echo.stderr");
      if (!child.ok()) return fail(child.status().ToString());
      children.push_back(std::move(*child));
      auto g = FromListeningLine(*children.back(), "grpc");
      if (!g.ok()) return fail(g.status().ToString());
      echo = *g;
      std::cout << "  pid " << children.back()->pid() << ": " << children.back()->listening_line()
                << std::endl;
    }
  }

  // ---- Phases and ratios.
  std::vector<Phase> phases;
  std::vector<RatioSpec> ratios;
  std::random_device rd;
  const uint64_t base_seed = (static_cast<uint64_t>(rd()) << 32) | rd();
  const size_t pb = static_cast<size_t>(payload_bytes);
  if (echo) {
    const std::string target = echo->str();
    phases.push_back({"echo-grpc", [=](int i) -> std::unique_ptr<CycleClient> {
                        return std::make_unique<EchoCycleClient>(target, pb, base_seed + i);
                      }});
  }
  if (absl::GetFlag(FLAGS_echo_on_relay)) {
    if (relays.empty() || !relays[0].grpc) {
      return fail("--echo_on_relay needs a relay with a gRPC port (--transport grpc or both)");
    }
    const std::string target = relays[0].grpc->str();
    phases.push_back({"echo-on-relay-grpc", [=](int i) -> std::unique_ptr<CycleClient> {
                        return std::make_unique<EchoCycleClient>(target, pb, base_seed + i);
                      }});
  }
  for (const RelayEndpoints& r : relays) {
    const std::string grpc_name = "relay-" + r.label + "-grpc";
    const std::string http_name = "relay-" + r.label + "-http";
    if (r.grpc) {
      const std::string target = r.grpc->str();
      phases.push_back({grpc_name, [=](int i) -> std::unique_ptr<CycleClient> {
                          return std::make_unique<RelayGrpcCycleClient>(target, pb, base_seed + i);
                        }});
      if (absl::GetFlag(FLAGS_echo_on_relay)) {
        ratios.push_back({grpc_name, "echo-on-relay-grpc", 0});
      }
      if (echo) {
        double target_ratio = r.label == "memory" ? 0.7 : r.label == "sqlite" ? 0.5 : 0;
        ratios.push_back({grpc_name, "echo-grpc", target_ratio});
      }
    }
    if (r.http) {
      const Endpoint e = *r.http;
      phases.push_back({http_name, [=](int i) -> std::unique_ptr<CycleClient> {
                          return std::make_unique<RelayHttpCycleClient>(e.host, e.port, pb,
                                                                        base_seed + i);
                        }});
      if (r.grpc) ratios.push_back({http_name, grpc_name, r.label == "external" ? 0 : 0.5});
      if (echo) ratios.push_back({http_name, "echo-grpc", 0});
    }
  }
  if (phases.empty()) return fail("nothing to run (no relay target and --echo=false)");
  if (duration * static_cast<double>(rounds * phases.size()) > kMaxRunDuration) {
    return fail(absl::StrCat("the run would take longer than ",
                             absl::FormatDuration(kMaxRunDuration),
                             " (--duration x --rounds x phases); shorten it"));
  }

  PhaseOptions options;
  options.clients = clients;
  options.duration = duration;
  options.cycles = absl::GetFlag(FLAGS_cycles);
  options.warmup_cycles = absl::GetFlag(FLAGS_warmup_cycles);

  json config = {{"transport", transport},
                 {"store", external ? "external" : store},
                 {"clients", clients},
                 {"duration_s", absl::ToDoubleSeconds(duration)},
                 {"cycles", options.cycles},
                 {"warmup_cycles", options.warmup_cycles},
                 {"rounds", rounds},
                 {"payload_bytes", payload_bytes},
                 {"rpcs_per_cycle", kOpsPerCycle},
                 {"echo", echo.has_value()},
                 {"echo_on_relay", absl::GetFlag(FLAGS_echo_on_relay)}};
  json machine = MachineInfo();
  std::cout << "relay_loadgen: " << config.dump() << "\n"
            << "machine: " << machine.dump() << "\n";

  Rounds results;
  for (int round = 0; round < rounds; ++round) {
    std::cout << "round " << (round + 1) << "/" << rounds << "\n";
    std::vector<PhaseResult> this_round;
    for (size_t k = 0; k < phases.size(); ++k) {
      const Phase& p = phases[(k + round) % phases.size()];
      this_round.push_back(RunPhase(p.name, options, p.factory));
      std::cout << PhaseLine(this_round.back()) << std::endl;
    }
    results.push_back(std::move(this_round));
  }
  machine["loadavg_end"] = MachineInfo()["loadavg"];

  std::vector<PhaseSummary> summaries = SummarizePhases(results);
  std::vector<RatioSummary> ratio_summaries = SummarizeRatios(results, ratios);
  std::cout << FormatReport(summaries, ratio_summaries) << std::flush;

  const std::string json_out = UserPath(absl::GetFlag(FLAGS_json_out));
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << ReportJson(config, machine, results, summaries, ratio_summaries).dump(2) << "\n";
    if (!out) return fail("--json_out: cannot write " + json_out);
    std::cout << "wrote " << json_out << "\n";
  }
  int64_t errors = 0;
  for (const PhaseSummary& s : summaries) errors += s.errors;
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sct::relay::loadgen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Closed-loop load generator for the relay with an echo baseline; "
      "see docs/BENCHMARKS.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "relay_loadgen: unexpected argument " << rest[1] << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_serve_echo)) return sct::relay::loadgen::ServeEcho();
  return sct::relay::loadgen::Run(argv[0]);
}

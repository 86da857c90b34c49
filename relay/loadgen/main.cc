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
#include "common/status_macros.h"
#include "relay/loadgen/cycle_data.h"
#include "relay/loadgen/echo_client.h"
#include "relay/loadgen/echo_service.h"
#include "relay/loadgen/relay_grpc_client.h"
#include "relay/loadgen/relay_http_client.h"
#include "relay/loadgen/report.h"
#include "relay/loadgen/runner.h"
#include "runtime/child_process.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"

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
ABSL_FLAG(std::string, echo_api, "callback",
          "The gRPC C++ API of the echo baseline this binary serves: callback (the "
          "relay's mailbox RPCs use it) or sync (the synchronous API the relay used "
          "before the twelfth session; for comparisons with such relays).");

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

// The `key` endpoint of a start-up line ("listening http=H:P grpc=H:P").
absl::StatusOr<Endpoint> FromListeningLine(const std::string& line, const std::string& key) {
  absl::StatusOr<std::map<std::string, std::string>> endpoints = ParseListeningLine(line);
  if (endpoints.ok()) {
    auto it = endpoints->find(key);
    if (it != endpoints->end()) {
      return ParseLoopback(key + " in the server's listening line", it->second);
    }
  }
  return absl::InternalError(
      absl::StrCat("the server's line \"", line, "\" has no ", key, "=HOST:PORT"));
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

// --echo_api: "callback" or "sync"; else INVALID_ARGUMENT naming the flag.
absl::Status CheckEchoApi(const std::string& api) {
  if (api == "callback" || api == "sync") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--echo_api: \"", api, "\" is not callback or sync"));
}

int ServeEcho() {
  BlockTerminationSignals();
  const std::string api = absl::GetFlag(FLAGS_echo_api);
  if (absl::Status s = CheckEchoApi(api); !s.ok()) {
    std::cerr << "relay_loadgen: " << s.message() << "\n";
    return 2;
  }
  EchoService sync_echo;
  EchoCallbackService callback_echo;
  GrpcServerOptions options;
  options.address = absl::GetFlag(FLAGS_echo_listen);
  options.services = {api == "sync" ? static_cast<grpc::Service*>(&sync_echo) : &callback_echo};
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

// The run-wide flags, checked. An error's message is what is printed.
struct RunFlags {
  std::string transport;
  std::string store;
  int clients = 0;
  absl::Duration duration;
  int rounds = 0;
  int payload_bytes = 0;
  bool use_grpc = false;
  bool use_http = false;
  bool external = false;  // --grpc_target / --http_target instead of spawned relays
};

absl::StatusOr<RunFlags> ReadRunFlags() {
  RunFlags f;
  f.transport = absl::GetFlag(FLAGS_transport);
  f.store = absl::GetFlag(FLAGS_store);
  f.clients = absl::GetFlag(FLAGS_clients);
  f.duration = absl::GetFlag(FLAGS_duration);
  f.rounds = absl::GetFlag(FLAGS_rounds);
  f.payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  auto bad = [](const std::string& msg) { return absl::InvalidArgumentError(msg); };
  if (f.transport != "grpc" && f.transport != "http" && f.transport != "both") {
    return bad("--transport: want grpc, http or both, got \"" + f.transport + "\"");
  }
  if (f.store != "memory" && f.store != "sqlite" && f.store != "both") {
    return bad("--store: want memory, sqlite or both, got \"" + f.store + "\"");
  }
  if (f.clients < 1 || f.clients > 256) return bad("--clients: want 1..256");
  if (f.rounds < 1 || f.rounds > 50) return bad("--rounds: want 1..50");
  if (f.duration <= absl::ZeroDuration() || f.duration > kMaxPhaseDuration) {
    return bad("--duration: want more than 0 and at most 10m");
  }
  if (absl::GetFlag(FLAGS_cycles) < 0) return bad("--cycles: want >= 0");
  if (absl::GetFlag(FLAGS_warmup_cycles) < 0) return bad("--warmup_cycles: want >= 0");
  if (f.payload_bytes < static_cast<int>(kMinPayloadBytes) || f.payload_bytes > (1 << 20)) {
    return bad("--payload_bytes: want 28..1048576 (IV 12 + tag 16 at least)");
  }
  f.use_grpc = f.transport != "http";
  f.use_http = f.transport != "grpc";
  f.external =
      !absl::GetFlag(FLAGS_grpc_target).empty() || !absl::GetFlag(FLAGS_http_target).empty();
  return f;
}

// Errors whose printed form is the whole status ("INTERNAL: ...").
absl::Status Printed(const absl::Status& s) { return absl::UnknownError(s.ToString()); }

// The relay given by --grpc_target / --http_target.
absl::StatusOr<RelayEndpoints> ExternalRelay(const RunFlags& f) {
  RelayEndpoints r;
  r.label = "external";
  if (f.use_grpc) {
    if (absl::GetFlag(FLAGS_grpc_target).empty()) {
      return absl::InvalidArgumentError("--transport includes grpc but --grpc_target is empty");
    }
    ASSIGN_OR_RETURN(r.grpc, ParseLoopback("grpc_target", absl::GetFlag(FLAGS_grpc_target)));
  }
  if (f.use_http) {
    if (absl::GetFlag(FLAGS_http_target).empty()) {
      return absl::InvalidArgumentError("--transport includes http but --http_target is empty");
    }
    ASSIGN_OR_RETURN(r.http, ParseLoopback("http_target", absl::GetFlag(FLAGS_http_target)));
  }
  return r;
}

// Starts `argv` and waits for its "listening ..." line. The child joins
// `children` (stopped at the end of the run).
absl::StatusOr<std::string> SpawnServer(const std::vector<std::string>& argv,
                                        const std::string& stderr_path,
                                        std::vector<std::unique_ptr<ChildProcess>>* children) {
  ChildProcessSpec spec;
  spec.name = argv[0];
  spec.binary = argv[0];
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.stderr_path = stderr_path;
  spec.start_timeout = kStartTimeout;
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) return Printed(child.status());
  children->push_back(std::move(*child));
  return children->back()->listening_line();
}

// One relay_server per store of --store, with rate limits raised out of the way.
absl::StatusOr<std::vector<RelayEndpoints>> SpawnRelays(
    const RunFlags& f, const char* argv0, const std::string& work_dir,
    std::vector<std::unique_ptr<ChildProcess>>* children) {
  ASSIGN_OR_RETURN(std::string binary, FindRelayBinary(argv0));
  std::vector<std::string> stores;
  if (f.store == "memory" || f.store == "both") stores.push_back("memory");
  if (f.store == "sqlite" || f.store == "both") stores.push_back("sqlite");
  std::vector<RelayEndpoints> relays;
  for (const std::string& s : stores) {
    std::vector<std::string> argv = {
        binary, "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0", "--store=" + s,
        "--public_base_url=http://127.0.0.1",
        // The limiter guards against abuse; here it would only throttle the benchmark.
        "--creates_per_window=1000000000", "--failed_lookups_per_window=1000000000"};
    if (s == "sqlite") argv.push_back("--sqlite_path=" + work_dir + "/relay.sqlite");
    for (const std::string& flag : absl::GetFlag(FLAGS_relay_flags)) argv.push_back(flag);
    std::cout << "starting relay (" << s << "): " << absl::StrJoin(argv, " ") << "\n";
    ASSIGN_OR_RETURN(std::string line,
                     SpawnServer(argv, work_dir + "/relay-" + s + ".stderr", children));
    RelayEndpoints r;
    r.label = s;
    auto g = FromListeningLine(line, "grpc");
    auto h = FromListeningLine(line, "http");
    if (f.use_grpc) {
      if (!g.ok()) return Printed(g.status());
      r.grpc = *g;
    }
    if (f.use_http) {
      if (!h.ok()) return Printed(h.status());
      r.http = *h;
    }
    std::cout << "  pid " << children->back()->pid() << ": " << line << std::endl;
    relays.push_back(r);
  }
  return relays;
}

// The echo baseline: --echo_target, or this binary in --serve_echo mode.
absl::StatusOr<std::optional<Endpoint>> EchoBaseline(
    const std::string& work_dir, std::vector<std::unique_ptr<ChildProcess>>* children) {
  if (!absl::GetFlag(FLAGS_echo)) return std::optional<Endpoint>();
  if (!absl::GetFlag(FLAGS_echo_target).empty()) {
    ASSIGN_OR_RETURN(Endpoint e, ParseLoopback("echo_target", absl::GetFlag(FLAGS_echo_target)));
    return std::optional<Endpoint>(e);
  }
  std::vector<std::string> argv = {SelfPath(), "--serve_echo", "--echo_listen=127.0.0.1:0",
                                   "--echo_api=" + absl::GetFlag(FLAGS_echo_api)};
  std::cout << "starting echo baseline: " << absl::StrJoin(argv, " ") << "\n";
  ASSIGN_OR_RETURN(std::string line, SpawnServer(argv, work_dir + "/echo.stderr", children));
  auto g = FromListeningLine(line, "grpc");
  if (!g.ok()) return Printed(g.status());
  std::cout << "  pid " << children->back()->pid() << ": " << line << std::endl;
  return std::optional<Endpoint>(*g);
}

// The phases of a round and the ratios the report gives.
struct Plan {
  std::vector<Phase> phases;
  std::vector<RatioSpec> ratios;
};

Phase EchoPhase(const std::string& name, const std::string& target, size_t pb, uint64_t seed) {
  return {name, [=](int i) -> std::unique_ptr<CycleClient> {
            return std::make_unique<EchoCycleClient>(target, pb, seed + i);
          }};
}

void AddRelayPhases(const RelayEndpoints& r, bool echo, size_t pb, uint64_t seed, Plan* plan) {
  const std::string grpc_name = "relay-" + r.label + "-grpc";
  const std::string http_name = "relay-" + r.label + "-http";
  if (r.grpc) {
    const std::string target = r.grpc->str();
    plan->phases.push_back({grpc_name, [=](int i) -> std::unique_ptr<CycleClient> {
                              return std::make_unique<RelayGrpcCycleClient>(target, pb, seed + i);
                            }});
    if (absl::GetFlag(FLAGS_echo_on_relay)) {
      plan->ratios.push_back({grpc_name, "echo-on-relay-grpc", 0});
    }
    if (echo) {
      double target_ratio = r.label == "memory" ? 0.7 : r.label == "sqlite" ? 0.5 : 0;
      plan->ratios.push_back({grpc_name, "echo-grpc", target_ratio});
    }
  }
  if (r.http) {
    const Endpoint e = *r.http;
    plan->phases.push_back({http_name, [=](int i) -> std::unique_ptr<CycleClient> {
                              return std::make_unique<RelayHttpCycleClient>(e.host, e.port, pb,
                                                                            seed + i);
                            }});
    if (r.grpc) plan->ratios.push_back({http_name, grpc_name, r.label == "external" ? 0 : 0.5});
    if (echo) plan->ratios.push_back({http_name, "echo-grpc", 0});
  }
}

absl::StatusOr<Plan> MakePlan(const RunFlags& f, const std::vector<RelayEndpoints>& relays,
                              const std::optional<Endpoint>& echo) {
  Plan plan;
  std::random_device rd;
  const uint64_t base_seed = (static_cast<uint64_t>(rd()) << 32) | rd();
  const size_t pb = static_cast<size_t>(f.payload_bytes);
  if (echo) plan.phases.push_back(EchoPhase("echo-grpc", echo->str(), pb, base_seed));
  if (absl::GetFlag(FLAGS_echo_on_relay)) {
    if (relays.empty() || !relays[0].grpc) {
      return absl::InvalidArgumentError(
          "--echo_on_relay needs a relay with a gRPC port (--transport grpc or both)");
    }
    plan.phases.push_back(EchoPhase("echo-on-relay-grpc", relays[0].grpc->str(), pb, base_seed));
  }
  for (const RelayEndpoints& r : relays) AddRelayPhases(r, echo.has_value(), pb, base_seed, &plan);
  if (plan.phases.empty()) {
    return absl::InvalidArgumentError("nothing to run (no relay target and --echo=false)");
  }
  if (f.duration * static_cast<double>(f.rounds * plan.phases.size()) > kMaxRunDuration) {
    return absl::InvalidArgumentError(
        absl::StrCat("the run would take longer than ", absl::FormatDuration(kMaxRunDuration),
                     " (--duration x --rounds x phases); shorten it"));
  }
  return plan;
}

// Runs every round (rotating the phase order), prints the report, writes
// --json_out. Returns the exit status.
int RunRoundsAndReport(const RunFlags& f, const Plan& plan, bool echo) {
  PhaseOptions options;
  options.clients = f.clients;
  options.duration = f.duration;
  options.cycles = absl::GetFlag(FLAGS_cycles);
  options.warmup_cycles = absl::GetFlag(FLAGS_warmup_cycles);
  json config = {{"transport", f.transport},
                 {"store", f.external ? "external" : f.store},
                 {"clients", f.clients},
                 {"duration_s", absl::ToDoubleSeconds(f.duration)},
                 {"cycles", options.cycles},
                 {"warmup_cycles", options.warmup_cycles},
                 {"rounds", f.rounds},
                 {"payload_bytes", f.payload_bytes},
                 {"rpcs_per_cycle", kOpsPerCycle},
                 {"echo", echo},
                 {"echo_on_relay", absl::GetFlag(FLAGS_echo_on_relay)}};
  json machine = MachineInfo();
  std::cout << "relay_loadgen: " << config.dump() << "\n"
            << "machine: " << machine.dump() << "\n";

  Rounds results;
  for (int round = 0; round < f.rounds; ++round) {
    std::cout << "round " << (round + 1) << "/" << f.rounds << "\n";
    std::vector<PhaseResult> this_round;
    for (size_t k = 0; k < plan.phases.size(); ++k) {
      const Phase& p = plan.phases[(k + round) % plan.phases.size()];
      this_round.push_back(RunPhase(p.name, options, p.factory));
      std::cout << PhaseLine(this_round.back()) << std::endl;
    }
    results.push_back(std::move(this_round));
  }
  machine["loadavg_end"] = MachineInfo()["loadavg"];

  std::vector<PhaseSummary> summaries = SummarizePhases(results);
  std::vector<RatioSummary> ratio_summaries = SummarizeRatios(results, plan.ratios);
  std::cout << FormatReport(summaries, ratio_summaries) << std::flush;

  const std::string json_out = UserPath(absl::GetFlag(FLAGS_json_out));
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << ReportJson(config, machine, results, summaries, ratio_summaries).dump(2) << "\n";
    if (!out) {
      std::cerr << "relay_loadgen: --json_out: cannot write " << json_out << "\n";
      return 2;
    }
    std::cout << "wrote " << json_out << "\n";
  }
  int64_t errors = 0;
  for (const PhaseSummary& s : summaries) errors += s.errors;
  return errors == 0 ? 0 : 1;
}

// Stops the spawned servers and removes the work directory at the end of a run.
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
};

int Run(const char* argv0) {
  auto fail = [](absl::string_view msg) {
    std::cerr << "relay_loadgen: " << msg << "\n";
    return 2;
  };
  absl::StatusOr<RunFlags> flags = ReadRunFlags();
  if (!flags.ok()) return fail(flags.status().message());
  if (absl::Status api = CheckEchoApi(absl::GetFlag(FLAGS_echo_api)); !api.ok()) {
    return fail(api.message());
  }
  absl::StatusOr<std::string> work_dir = MakeWorkDir();
  if (!work_dir.ok()) return fail(work_dir.status().ToString());
  std::vector<std::unique_ptr<ChildProcess>> children;
  Cleanup cleanup{&children, *work_dir,
                  absl::GetFlag(FLAGS_work_dir).empty() && !absl::GetFlag(FLAGS_keep_work_dir)};

  std::vector<RelayEndpoints> relays;
  if (flags->external) {
    absl::StatusOr<RelayEndpoints> external = ExternalRelay(*flags);
    if (!external.ok()) return fail(external.status().message());
    relays.push_back(*external);
  } else {
    absl::StatusOr<std::vector<RelayEndpoints>> spawned =
        SpawnRelays(*flags, argv0, *work_dir, &children);
    if (!spawned.ok()) return fail(spawned.status().message());
    relays = *std::move(spawned);
  }
  absl::StatusOr<std::optional<Endpoint>> echo = EchoBaseline(*work_dir, &children);
  if (!echo.ok()) return fail(echo.status().message());
  absl::StatusOr<Plan> plan = MakePlan(*flags, relays, *echo);
  if (!plan.ok()) return fail(plan.status().message());
  return RunRoundsAndReport(*flags, *plan, echo->has_value());
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

// flow_bench: per-flow latency of one share -> link -> accept -> use on a
// launched topology (scenarios/launcher), one flow after the other, each
// driven only through the DeviceAgent control API and the channel's inbox, as
// a person would (flow_driver.h says what each phase does and what the
// baselines are). A flow that fails in any phase is counted and reported with
// its phase and error, never dropped.
//
// Output (flow_report.h): a table (median, p90, p99, min, max per phase,
// total and baselines; flows/s; ratios), then ONE JSON line (the last line of
// stdout) with everything, also written to --json_out. Exit status: 0 when
// every flow succeeded, 1 when some failed (or --max_failures stopped the
// run), 2 when the topology could not be launched or the flags are bad.
//
// This file is flags -> FlowConfig and LaunchOptions -> launch, run, report.
//
// Usage (see scenarios/bench/README.md and docs/BENCHMARKS.md):
//   bazel run -c opt //scenarios/bench:flow_bench -- --flows=50 --store=sqlite
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "scenarios/bench/flow_driver.h"
#include "scenarios/bench/flow_report.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"

ABSL_FLAG(int32_t, flows, 50, "measured flows (1..100000)");
ABSL_FLAG(int32_t, warmup_flows, 2,
          "unmeasured flows first (connections, caches); failures still count");
ABSL_FLAG(std::string, store, "sqlite", "relay store: sqlite or memory");
ABSL_FLAG(bool, pin, false, "share with a 6-digit PIN (bob types it at AcceptLink)");
ABSL_FLAG(bool, sim_control, false,
          "start every service with --sim_control (audit + SimControl), to "
          "measure their overhead; default off: the product path");
ABSL_FLAG(int32_t, baseline_rpcs, 5,
          "Echo RPCs to the relay and Health checks to bob's agent before "
          "each measured flow (0..1000)");
ABSL_FLAG(std::string, binaries_dir, "",
          "directory holding relay/relay_server etc. (default: this "
          "binary's runfiles or the bazel-bin that holds it)");
ABSL_FLAG(std::string, work_dir, "",
          "directory for PKI, databases and logs (default: a fresh temp dir, "
          "removed after a clean run)");
ABSL_FLAG(bool, keep_work_dir, false, "keep the work dir after a clean run");
ABSL_FLAG(std::string, json_out, "", "also write the JSON line to this file");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(30), "deadline of each RPC");
ABSL_FLAG(absl::Duration, link_timeout, absl::Seconds(10),
          "how long bob's inbox is polled for the link");
ABSL_FLAG(absl::Duration, start_timeout, absl::Seconds(60),
          "how long one service may take to start");
ABSL_FLAG(int32_t, max_failures, 5, "stop after this many failed flows (the run then exits 1)");
ABSL_FLAG(int32_t, concurrency, 1,
          "flows in flight at once (1..64), each thread with its own connections; above 1 "
          "the per-flow baselines are skipped and the run reports concurrent flows/s");
ABSL_FLAG(bool, authority_unsafe_no_fsync, false,
          "benchmark baseline only: launch the authority with "
          "--unsafe_no_fsync_for_benchmarks (its ledger acknowledges writes without syncing)");

namespace sct::bench {
namespace {

using Steady = std::chrono::steady_clock;

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string CpuModel() {
  std::istringstream in(ReadFile("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return Trim(line.substr(colon + 2));
    }
  }
  return "";
}

std::string LoadAvg() { return Trim(ReadFile("/proc/loadavg")); }

// Under `bazel run` relative paths are relative to where bazel was run.
std::string UserPath(std::string path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!path.empty() && path[0] != '/' && cwd != nullptr) path = absl::StrCat(cwd, "/", path);
  return path;
}

// The flags as a FlowConfig; nullopt (after saying why) when one is out of
// range.
std::optional<FlowConfig> ConfigFromFlags() {
  FlowConfig c;
  c.flows = absl::GetFlag(FLAGS_flows);
  c.warmup_flows = absl::GetFlag(FLAGS_warmup_flows);
  c.baseline_rpcs = absl::GetFlag(FLAGS_baseline_rpcs);
  c.store = absl::GetFlag(FLAGS_store);
  c.pin = absl::GetFlag(FLAGS_pin);
  c.sim_control = absl::GetFlag(FLAGS_sim_control);
  c.max_failures = absl::GetFlag(FLAGS_max_failures);
  const char* error = nullptr;
  if (c.flows < 1 || c.flows > 100000) {
    error = "--flows must be in 1..100000";
  } else if (c.warmup_flows < 0 || c.warmup_flows > 1000) {
    error = "--warmup_flows must be in 0..1000";
  } else if (c.baseline_rpcs < 0 || c.baseline_rpcs > 1000) {
    error = "--baseline_rpcs must be in 0..1000";
  } else if (c.store != "sqlite" && c.store != "memory") {
    std::cerr << "flow_bench: --store must be sqlite or memory, not \"" << c.store << "\"\n";
    return std::nullopt;
  } else if (c.max_failures < 1) {
    error = "--max_failures must be >= 1";
  }
  if (error != nullptr) {
    std::cerr << "flow_bench: " << error << "\n";
    return std::nullopt;
  }
  return c;
}

// Launch options from the flags; `temp_work_dir` says whether the work
// directory is a fresh temporary one. nullopt (after saying why) when the
// binaries cannot be found or the temporary directory cannot be made.
std::optional<scenarios::LaunchOptions> LaunchOptionsFromFlags(const FlowConfig& config,
                                                               bool* temp_work_dir) {
  scenarios::LaunchOptions options;
  options.binaries_dir = UserPath(absl::GetFlag(FLAGS_binaries_dir));
  if (options.binaries_dir.empty()) options.binaries_dir = scenarios::DefaultBinariesDir();
  if (options.binaries_dir.empty()) {
    std::cerr << "flow_bench: cannot find the service binaries; build "
                 "//scenarios/bench:flow_bench (its data pulls them in) or "
                 "pass --binaries_dir=bazel-bin\n";
    return std::nullopt;
  }
  options.work_dir = UserPath(absl::GetFlag(FLAGS_work_dir));
  *temp_work_dir = false;
  if (options.work_dir.empty()) {
    const char* base = std::getenv("TEST_TMPDIR");
    if (base == nullptr) base = std::getenv("TMPDIR");
    std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/flow_bench.XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      std::cerr << "flow_bench: mkdtemp " << templ << " failed\n";
      return std::nullopt;
    }
    options.work_dir = templ;
    *temp_work_dir = true;
  }
  options.sim_control = config.sim_control;
  options.start_timeout = absl::GetFlag(FLAGS_start_timeout);
  return options;
}

// The warm-up flows, then the measured flows (each after its baseline round
// trips), until --max_failures failures.
void RunFlows(const FlowConfig& config, FlowDriver& driver, FlowRun& run) {
  // A failed warm-up flow weighs twice against --max_failures (it is both a
  // failure and a warm-up failure).
  for (int i = 0;
       i < config.warmup_flows && run.failed() + run.warmup_failures < config.max_failures; ++i) {
    Flow f = driver.RunFlow(-(i + 1));
    run.AddWarmup(f);
    if (!f.ok) {
      std::cerr << "flow_bench: warm-up flow " << i + 1 << " failed in " << f.failed_phase << ": "
                << f.error << "\n";
    }
  }
  run.aborted = run.failed() >= config.max_failures;
  for (int i = 0; i < config.flows && !run.aborted; ++i) {
    std::vector<double> probes;
    for (int k = 0; k < config.baseline_rpcs; ++k) {
      const double echo = driver.EchoOnce();
      run.AddBaseline(echo, driver.HealthOnce(), &probes);
    }
    Flow f = driver.RunFlow(i);
    run.AddMeasured(f, probes);
    if (!f.ok) {
      std::cerr << "flow_bench: flow " << i << " failed in " << f.failed_phase << ": " << f.error
                << "\n";
      run.aborted = run.failed() >= config.max_failures && i + 1 < config.flows;
      continue;
    }
    if ((i + 1) % 10 == 0)
      std::cerr << "flow_bench: " << i + 1 << "/" << config.flows << " flows\n";
  }
}

// --concurrency > 1: the warm-up flows on one driver, then `concurrency`
// threads, each with a driver of its own, take measured flows until
// config.flows have run (or --max_failures failed). No per-flow baselines.
// Returns the concurrent phase's wall time in seconds.
double RunConcurrentFlows(const FlowConfig& config, int concurrency, scenarios::Ecosystem& eco,
                          FlowDriver& first, FlowRun& run) {
  for (int i = 0;
       i < config.warmup_flows && run.failed() + run.warmup_failures < config.max_failures; ++i) {
    run.AddWarmup(first.RunFlow(-(i + 1)));
  }
  std::vector<std::unique_ptr<FlowDriver>> drivers;
  for (int t = 0; t < concurrency; ++t) {
    drivers.push_back(std::make_unique<FlowDriver>(eco, config.pin,
                                                   absl::GetFlag(FLAGS_rpc_timeout),
                                                   absl::GetFlag(FLAGS_link_timeout)));
    if (absl::Status s = drivers.back()->Connect(); !s.ok()) {
      std::cerr << "flow_bench: driver " << t << ": " << s << "\n";
      run.aborted = true;
    }
  }
  absl::Mutex mu;
  int next = 0;
  const Steady::time_point start = Steady::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency && !run.aborted; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        int index;
        {
          absl::MutexLock lock(&mu);
          if (next >= config.flows || run.aborted) return;
          index = next++;
        }
        Flow f = drivers[t]->RunFlow(index);
        absl::MutexLock lock(&mu);
        run.AddMeasured(f, {});
        if (!f.ok) {
          std::cerr << "flow_bench: flow " << index << " failed in " << f.failed_phase << ": "
                    << f.error << "\n";
          run.aborted = run.failed() >= config.max_failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double wall_s = std::chrono::duration<double>(Steady::now() - start).count();
  for (auto& d : drivers) d->Disconnect();
  return wall_s;
}

// Writes the JSON line to --json_out when given.
void WriteJsonOut(const std::string& line) {
  const std::string json_out = UserPath(absl::GetFlag(FLAGS_json_out));
  if (json_out.empty()) return;
  std::ofstream out(json_out);
  out << line << "\n";
  if (!out) std::cerr << "flow_bench: cannot write " << json_out << "\n";
}

// Launches the topology, runs the flows and stops every service; nullopt
// (after saying why) when the topology cannot be launched or reached.
std::optional<FlowRun> Measure(const FlowConfig& config, const scenarios::LaunchOptions& options,
                               Machine& machine, double* concurrent_wall_s) {
  absl::StatusOr<scenario::v1::Topology> topology = BenchTopology(config.store);
  if (!topology.ok()) {
    std::cerr << "flow_bench: " << topology.status().message() << "\n";
    return std::nullopt;
  }
  if (absl::GetFlag(FLAGS_authority_unsafe_no_fsync)) {
    for (auto& authority : *topology->mutable_authorities()) {
      authority.add_flags("--unsafe_no_fsync_for_benchmarks");
    }
  }
  FlowRun run;
  run.started_at = absl::Now();
  const Steady::time_point launch_start = Steady::now();
  auto launched = scenarios::Launch(*topology, options);
  if (!launched.ok()) {
    std::cerr << "flow_bench: launch failed: " << launched.status() << "\n  (logs in "
              << options.work_dir << "/logs)\n";
    return std::nullopt;
  }
  std::unique_ptr<scenarios::Ecosystem> eco = std::move(*launched);
  run.launch_ms = Ms(Steady::now() - launch_start);
  std::cout << "  launched " << eco->Names().size() << " services in "
            << absl::StrFormat("%.1f", run.launch_ms / 1000) << " s" << std::endl;

  FlowDriver driver(*eco, config.pin, absl::GetFlag(FLAGS_rpc_timeout),
                    absl::GetFlag(FLAGS_link_timeout));
  absl::Status connected = driver.Connect();
  if (!connected.ok()) {
    std::cerr << "flow_bench: " << connected << "\n";
    driver.Disconnect();
    eco->Shutdown();
    return std::nullopt;
  }
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (concurrency > 1) {
    *concurrent_wall_s = RunConcurrentFlows(config, concurrency, *eco, driver, run);
  } else {
    RunFlows(config, driver, run);
  }
  machine.loadavg_end = LoadAvg();
  run.wall_s = absl::ToDoubleSeconds(absl::Now() - run.started_at);
  driver.Disconnect();
  eco->Shutdown();
  return run;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "flow_bench [--flows=50] [--store=sqlite|memory] [--pin] "
      "[--sim_control] [--concurrency=N] [--authority_unsafe_no_fsync]\nPer-flow latency of share -> link -> accept -> use "
      "on a launched topology. See scenarios/bench/README.md.");
  absl::ParseCommandLine(argc, argv);
  std::optional<FlowConfig> config = ConfigFromFlags();
  if (!config.has_value()) return 2;
  bool temp_work_dir = false;
  std::optional<scenarios::LaunchOptions> options = LaunchOptionsFromFlags(*config, &temp_work_dir);
  if (!options.has_value()) return 2;

  Machine machine;
  machine.nproc = sysconf(_SC_NPROCESSORS_ONLN);
  machine.cpu_model = CpuModel();
  machine.loadavg_start = LoadAvg();
  std::cout << "flow_bench: store=" << config->store << " pin=" << (config->pin ? "yes" : "no")
            << " sim_control=" << (config->sim_control ? "yes" : "no") << " flows=" << config->flows
            << " warmup=" << config->warmup_flows << "\n  machine: nproc=" << machine.nproc
            << " cpu=\"" << machine.cpu_model << "\" loadavg=" << machine.loadavg_start
            << "\n  binaries " << options->binaries_dir << "\n  work dir " << options->work_dir
            << std::endl;

  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (concurrency < 1 || concurrency > 64) {
    std::cerr << "flow_bench: --concurrency must be in 1..64\n";
    return 2;
  }
  const bool unsafe = absl::GetFlag(FLAGS_authority_unsafe_no_fsync);
  double concurrent_wall_s = 0;
  std::optional<FlowRun> run = Measure(*config, *options, machine, &concurrent_wall_s);
  if (!run.has_value()) return 2;
  PrintTable(*config, machine, *run, std::cout);
  std::string line = JsonLine(*config, machine, *run);
  if (concurrency > 1) {
    // flows/s above is per flow in sequence; with flows in flight at once
    // the rate is flows completed over the wall time of the measured phase.
    const double rate = concurrent_wall_s > 0 ? run->ok() / concurrent_wall_s : 0;
    std::cout << absl::StrFormat(
                     "  concurrent: %d flows ok at concurrency %d in %.2f s: %.2f flows/s%s\n",
                     run->ok(), concurrency, concurrent_wall_s, rate,
                     unsafe ? " (authority WITHOUT fsync: benchmark baseline)" : "");
    if (!line.empty() && line.back() == '}') {
      line.pop_back();
      absl::StrAppend(&line, absl::StrFormat(
                                 ",\"concurrency\":%d,\"concurrent_wall_seconds\":%.3f,"
                                 "\"concurrent_flows_per_second\":%.3f,"
                                 "\"authority_unsafe_no_fsync\":%s}",
                                 concurrency, concurrent_wall_s, rate, unsafe ? "true" : "false"));
    }
  }
  std::cout << line << std::endl;
  WriteJsonOut(line);

  const bool clean = run->failures.empty() && !run->aborted;
  if (temp_work_dir && clean && !absl::GetFlag(FLAGS_keep_work_dir)) {
    std::error_code ec;
    std::filesystem::remove_all(options->work_dir, ec);
  } else {
    std::cerr << "flow_bench: work dir kept: " << options->work_dir << "\n";
  }
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace sct::bench

int main(int argc, char** argv) {
  // First, before any thread starts: Ctrl-C stops every launched service.
  sct::scenarios::InstallTeardownOnSignal();
  return sct::bench::Main(argc, argv);
}

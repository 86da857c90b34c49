// sct_soak: the whole ecosystem under a steady mixed load with faults
// injected at random, checking invariants all along (docs/soak.md).
//
// Flags -> SoakOptions -> launch the soak topology (soak_load.h) with
// --sim_control -> one thread per load loop, audit, the fault injector and
// the sampler -> after --duration, stop, report (terminal, --out/soak.json,
// --out/soak.html). Exit 0 only when every invariant held, no error went
// unexplained by a fault and every slope is under its threshold; 1
// otherwise; 2 when the run could not start.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"
#include "scenarios/soak/audits.h"
#include "scenarios/soak/faults.h"
#include "scenarios/soak/soak_load.h"
#include "scenarios/soak/soak_report.h"

ABSL_FLAG(absl::Duration, duration, absl::Minutes(30), "how long the load and faults run");
ABSL_FLAG(uint64_t, seed, 1, "seed of the fault PRNG (same seed, same fault choices)");
ABSL_FLAG(std::string, store, "sqlite",
          "relay store: sqlite, memory (the relay is never killed: its "
          "mailboxes would be lost by design) or redis (a redis-server the launcher starts, "
          "killed and restarted on its append-only file among the faults)");
ABSL_FLAG(bool, faults, true, "inject faults (off: load and invariants only)");
ABSL_FLAG(std::string, out, "", "directory for soak.json and soak.html (default: the work dir)");
ABSL_FLAG(std::string, binaries_dir, "", "service binaries (default: runfiles or bazel-bin)");
ABSL_FLAG(std::string, work_dir, "", "PKI, databases and logs (default: a fresh temp dir)");
ABSL_FLAG(absl::Duration, revocation_bound, absl::Seconds(30),
          "a revoked credential must be denied this long after the revocation was acknowledged");
ABSL_FLAG(absl::Duration, fault_grace, absl::Seconds(20),
          "errors this long after a fault ended are counted as its effect");
ABSL_FLAG(absl::Duration, fault_gap_min, absl::Seconds(10), "shortest time between faults");
ABSL_FLAG(absl::Duration, fault_gap_max, absl::Seconds(30), "longest time between faults");
ABSL_FLAG(absl::Duration, sample_every, absl::Seconds(5), "RSS/fd sampling period");
ABSL_FLAG(absl::Duration, slope_warmup, absl::Seconds(60),
          "samples this young in each process are left out of the slopes");
ABSL_FLAG(double, max_rss_slope, 50, "fail when a service's RSS grows faster (MiB per hour)");
ABSL_FLAG(double, max_fd_slope, 50, "fail when a service's open fds grow faster (per hour)");
ABSL_FLAG(absl::Duration, start_timeout, absl::Seconds(60),
          "how long one service may take to start");

namespace sct::soak {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string UserPath(std::string path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!path.empty() && path[0] != '/' && cwd != nullptr) path = absl::StrCat(cwd, "/", path);
  return path;
}

std::optional<SoakOptions> OptionsFromFlags() {
  SoakOptions o;
  o.duration = absl::GetFlag(FLAGS_duration);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.store = absl::GetFlag(FLAGS_store);
  o.faults = absl::GetFlag(FLAGS_faults);
  o.revocation_bound = absl::GetFlag(FLAGS_revocation_bound);
  o.fault_grace = absl::GetFlag(FLAGS_fault_grace);
  o.fault_gap_min = absl::GetFlag(FLAGS_fault_gap_min);
  o.fault_gap_max = absl::GetFlag(FLAGS_fault_gap_max);
  o.sample_every = absl::GetFlag(FLAGS_sample_every);
  o.slope_warmup = absl::GetFlag(FLAGS_slope_warmup);
  o.max_rss_slope_mib_per_h = absl::GetFlag(FLAGS_max_rss_slope);
  o.max_fd_slope_per_h = absl::GetFlag(FLAGS_max_fd_slope);
  std::string error;
  if (o.store != "sqlite" && o.store != "memory" && o.store != "redis") {
    error = "--store must be sqlite, memory or redis";
  } else if (o.duration < absl::Seconds(10)) {
    error = "--duration must be at least 10s";
  } else if (o.fault_gap_min <= absl::ZeroDuration() || o.fault_gap_max < o.fault_gap_min) {
    error = "--fault_gap_min must be > 0 and <= --fault_gap_max";
  } else if (o.sample_every < absl::Milliseconds(100)) {
    error = "--sample_every must be at least 100ms";
  }
  if (!error.empty()) {
    std::cerr << "sct_soak: " << error << "\n";
    return std::nullopt;
  }
  return o;
}

std::optional<scenarios::LaunchOptions> LaunchOptionsFromFlags() {
  scenarios::LaunchOptions l;
  l.binaries_dir = UserPath(absl::GetFlag(FLAGS_binaries_dir));
  if (l.binaries_dir.empty()) l.binaries_dir = scenarios::DefaultBinariesDir();
  if (l.binaries_dir.empty()) {
    std::cerr << "sct_soak: cannot find the service binaries; pass --binaries_dir=bazel-bin\n";
    return std::nullopt;
  }
  l.work_dir = UserPath(absl::GetFlag(FLAGS_work_dir));
  if (l.work_dir.empty()) {
    const char* base = std::getenv("TEST_TMPDIR");
    if (base == nullptr) base = std::getenv("TMPDIR");
    std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/sct_soak.XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      std::cerr << "sct_soak: mkdtemp " << templ << " failed\n";
      return std::nullopt;
    }
    l.work_dir = templ;
  }
  l.sim_control = true;
  l.start_timeout = absl::GetFlag(FLAGS_start_timeout);
  return l;
}

// Runs the loops on `eco` for options.duration and collects the result.
SoakResult Run(const SoakOptions& options, scenarios::Ecosystem& eco) {
  absl::Mutex eco_mu;
  FaultTimeline timeline(options.fault_grace);
  InvariantBook book(&timeline);
  MailboxLedger mailboxes;
  ShareLedger shares;
  ResourceSeries series(options.slope_warmup);
  std::atomic<bool> stop(false);
  SoakContext ctx{&eco,       &eco_mu, &options, &timeline,   &book,
                  &mailboxes, &shares, &stop,    absl::Now(), {}};
  std::vector<std::string> targets;
  for (const std::string& name : eco.Names()) {
    const scenarios::Service* s = eco.Find(name);
    if (s != nullptr && s->kind == scenarios::ServiceKind::kAccessPoint) {
      ctx.access_points[name] = s->grpc_address;
    }
    if (!(options.store == "memory" && name == "relay")) targets.push_back(name);
  }
  std::vector<std::function<void()>> loops = {
      [&] { ChainLoop(ctx); },         [&] { DoorLoop(ctx); },       [&] { HotelLoop(ctx); },
      [&] { RaceLoop(ctx); },          [&] { RelayProbeLoop(ctx); }, [&] { LedgerLoop(ctx); },
      [&] { SampleLoop(ctx, series); }};
  if (options.faults) loops.push_back([&] { FaultLoop(ctx, targets); });
  std::vector<std::thread> threads;
  for (auto& loop : loops) threads.emplace_back(loop);
  const absl::Time end = ctx.started + options.duration;
  while (absl::Now() < end) absl::SleepFor(absl::Milliseconds(200));
  stop = true;
  for (std::thread& t : threads) t.join();
  std::map<std::string, TrimProbe> trim = ProbeTrim(ctx);

  SoakResult r;
  r.options = options;
  r.started = ctx.started;
  r.wall_s = absl::ToDoubleSeconds(absl::Now() - ctx.started);
  r.flows_ok = book.FlowsOk();
  r.checks = book.Checks();
  r.violations = book.Violations();
  r.errors = book.Errors();
  r.faults = timeline.Events();
  r.revocation_ms = book.RevocationLatenciesMs();
  r.samples = series.All();
  r.slopes = series.SlopesPerService();
  r.trim = std::move(trim);
  return r;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) std::cerr << "sct_soak: cannot write " << path << "\n";
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sct_soak [--duration=30m] [--seed=N] [--store=sqlite|memory|redis] [--out=DIR]\n"
      "The ecosystem under load and random faults, with invariants. See docs/soak.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  std::optional<SoakOptions> options = OptionsFromFlags();
  if (!options.has_value()) return 2;
  std::optional<scenarios::LaunchOptions> launch = LaunchOptionsFromFlags();
  if (!launch.has_value()) return 2;
  absl::StatusOr<scenario::v1::Topology> topology = SoakTopology(options->store);
  if (!topology.ok()) {
    std::cerr << "sct_soak: " << topology.status() << "\n";
    return 2;
  }
  const std::string loadavg_start = ReadAll("/proc/loadavg");
  std::cerr << "sct_soak: launching (work dir " << launch->work_dir << ")" << std::endl;
  auto eco = scenarios::Launch(*topology, *launch);
  if (!eco.ok()) {
    std::cerr << "sct_soak: launch failed: " << eco.status() << "\n";
    return 2;
  }
  std::cerr << "sct_soak: running for " << absl::FormatDuration(options->duration) << std::endl;
  SoakResult r = Run(*options, **eco);
  (*eco)->Shutdown();
  r.loadavg_start = loadavg_start;
  r.loadavg_end = ReadAll("/proc/loadavg");
  r.nproc = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  std::vector<std::string> args(argv, argv + argc);
  r.command = absl::StrJoin(args, " ");
  PrintSummary(r, std::cout);
  std::string out = UserPath(absl::GetFlag(FLAGS_out));
  if (out.empty()) out = launch->work_dir;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  WriteFile(out + "/soak.json", JsonReport(r));
  WriteFile(out + "/soak.html", HtmlReport(r));
  std::cout << "sct_soak: report " << out << "/soak.html, " << out << "/soak.json" << std::endl;
  return r.passed() ? 0 : 1;
}

}  // namespace
}  // namespace sct::soak

int main(int argc, char** argv) {
  sct::scenarios::InstallTeardownOnSignal();
  return sct::soak::Main(argc, argv);
}

// sct_scenario: runs scenario files and writes the report.
//
//   sct_scenario run [--out=DIR] [--binaries_dir=DIR] [--work_dir=DIR]
//                    [--jobs=N] [--filter=REGEX] [--no_color] FILE_OR_DIR...
//   sct_scenario check FILE_OR_DIR...
//
// Environment: SCT_TIME_SCALE=N (a number >= 1) stretches the engine's
// deadlines and waits N times, for services that run slower (under a
// sanitizer: `./sct test --asan|--tsan` sets it); see time_scale.h.
//
// Exit codes: 0 every scenario passed or was not applicable (run) / every file is valid (check);
// 1 some scenario failed; 2 usage error, unreadable or invalid files (check),
// or the report could not be written; 130/143 interrupted (Ctrl-C / SIGTERM:
// every launched process is stopped first).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "scenarios/engine/engine.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/suite.h"
#include "scenarios/engine/time_scale.h"
#include "scenarios/launcher/launcher.h"
#include "scenarios/report/report.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  sct_scenario run [--out=DIR] [--binaries_dir=DIR] [--work_dir=DIR]\n"
    "                   [--jobs=N] [--filter=REGEX] [--no_color]\n"
    "                   [--no_sim_control] [--relay_store=memory|sqlite|redis]\n"
    "                   [--relay_api=http|grpc]\n"
    "                   [--attach_relay_url=https://HOST:PORT --attach_relay_ca=PEM]\n"
    "                   FILE_OR_DIR...\n"
    "  sct_scenario check FILE_OR_DIR...\n"
    "\n"
    "run    launches each scenario's ecosystem, runs its steps, prints a\n"
    "       summary and writes DIR/report.json and DIR/report.html\n"
    "       (default DIR: out). Exit 0 only if every scenario passed.\n"
    "       --relay_store sets the relay's store where a scenario names\n"
    "       none (redis: a Redis launched per scenario).\n"
    "       --relay_api sets how devices that name none reach the relay\n"
    "       (default http: the draft's mailbox API; grpc: relay.v1).\n"
    "       --attach_relay_url runs every scenario against that relay, by\n"
    "       its URL only, trusting the CA in --attach_relay_ca; scenarios\n"
    "       that need the relay's internals are NOT APPLICABLE (docs/interop.md).\n"
    "       SCT_TIME_SCALE=N in the environment (a number >= 1) multiplies\n"
    "       the engine's deadlines and waits by N (sanitized services).\n"
    "check  parses and validates only; prints every FILE:LINE:COL error.\n"
    "       Exit 2 if any file has errors.\n";

bool Flag(const std::string& arg, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (!absl::StartsWith(arg, prefix)) return false;
  *value = arg.substr(prefix.size());
  return true;
}

int Check(const std::vector<std::string>& args) {
  absl::StatusOr<std::vector<std::string>> files =
      sct::scenarios::ExpandScenarioPaths(args);
  if (!files.ok()) {
    std::cerr << files.status().message() << "\n";
    return 2;
  }
  int bad = 0;
  for (const std::string& f : *files) {
    absl::StatusOr<scenario::v1::Scenario> s =
        sct::scenarios::LoadScenarioFile(f);
    if (s.ok()) {
      std::cout << f << ": ok (" << s->name() << ", " << s->steps_size()
                << " steps)\n";
    } else {
      ++bad;
      std::cerr << s.status().message() << "\n";
    }
  }
  std::cout << files->size() - bad << " valid, " << bad << " with errors\n";
  return bad == 0 ? 0 : 2;
}

// --relay_api: http or grpc (any case).
bool ParseRelayApi(const std::string& v, scenario::v1::RelayApi* api) {
  const std::string upper = absl::AsciiStrToUpper(v);
  if (upper != "HTTP" && upper != "GRPC") return false;
  return scenario::v1::RelayApi_Parse(upper, api);
}

// --relay_store: memory, sqlite or redis (any case).
bool ParseRelayStore(const std::string& v, scenario::v1::StoreKind* store) {
  const std::string upper = absl::AsciiStrToUpper(v);
  if (upper != "MEMORY" && upper != "SQLITE" && upper != "REDIS") return false;
  return scenario::v1::StoreKind_Parse(upper, store);
}

// --attach_relay_url and --attach_relay_ca go together; the relay is then
// reached over HTTP only. False (the reason printed) when they do not fit.
bool CheckAttachFlags(sct::scenarios::EngineOptions& o) {
  if (o.attach_relay_url.empty()) {
    if (o.attach_relay_ca.empty()) return true;
    std::cerr << "--attach_relay_ca: only with --attach_relay_url\n";
    return false;
  }
  if (!absl::StartsWith(o.attach_relay_url, "https://")) {
    std::cerr << "--attach_relay_url: want https://HOST:PORT, got \"" << o.attach_relay_url
              << "\"\n";
    return false;
  }
  if (o.attach_relay_ca.empty()) {
    std::cerr << "--attach_relay_url: give the relay's CA with --attach_relay_ca=PEM\n";
    return false;
  }
  if (o.relay_api == scenario::v1::GRPC) {
    std::cerr << "--relay_api=grpc: a relay attached by URL has no gRPC address\n";
    return false;
  }
  if (o.relay_store != scenario::v1::STORE_KIND_UNSPECIFIED) {
    std::cerr << "--relay_store: not with --attach_relay_url (the relay is not launched)\n";
    return false;
  }
  o.attach_relay_ca = std::filesystem::absolute(o.attach_relay_ca).string();
  return true;
}

// SCT_TIME_SCALE into `o.time_scale` (time_scale.h). False (the reason
// printed, naming the variable) for a bad value.
bool ReadTimeScale(sct::scenarios::EngineOptions& o) {
  absl::StatusOr<double> scale = sct::scenarios::TimeScaleFromEnv();
  if (!scale.ok()) {
    std::cerr << scale.status().message() << "\n";
    return false;
  }
  o.time_scale = *scale;
  return true;
}

// The scenario files under `paths` that match `filter`; when there is none,
// the reason has been printed.
std::vector<std::string> SelectFiles(const std::vector<std::string>& paths,
                                     const std::string& filter) {
  absl::StatusOr<std::vector<std::string>> all =
      sct::scenarios::ExpandScenarioPaths(paths);
  if (!all.ok()) {
    std::cerr << all.status().message() << "\n";
    return {};
  }
  std::vector<std::string> files;
  for (const std::string& f : *all) {
    absl::StatusOr<bool> m = sct::scenarios::MatchesFilter(f, filter);
    if (!m.ok()) {
      std::cerr << m.status().message() << "\n";
      return {};
    }
    if (*m) files.push_back(f);
  }
  if (files.empty()) std::cerr << "no scenario matches --filter=" << filter << "\n";
  return files;
}

int Run(const std::vector<std::string>& argv) {
  std::string out = "out";
  sct::scenarios::SuiteOptions options;
  bool color = isatty(1) != 0;
  std::vector<std::string> paths;
  for (const std::string& a : argv) {
    std::string v;
    if (Flag(a, "out", &v)) {
      out = v;
    } else if (Flag(a, "binaries_dir", &v)) {
      options.engine.binaries_dir = v;
    } else if (Flag(a, "work_dir", &v)) {
      options.engine.work_dir = v;
    } else if (Flag(a, "jobs", &v)) {
      if (!absl::SimpleAtoi(v, &options.jobs) || options.jobs < 1) {
        std::cerr << "--jobs: want a positive number, got \"" << v << "\"\n";
        return 2;
      }
    } else if (Flag(a, "filter", &v)) {
      options.filter = v;
    } else if (Flag(a, "relay_store", &v)) {
      if (!ParseRelayStore(v, &options.engine.relay_store)) {
        std::cerr << "--relay_store: want memory, sqlite or redis, got \"" << v << "\"\n";
        return 2;
      }
    } else if (Flag(a, "relay_api", &v)) {
      if (!ParseRelayApi(v, &options.engine.relay_api)) {
        std::cerr << "--relay_api: want http or grpc, got \"" << v << "\"\n";
        return 2;
      }
    } else if (Flag(a, "attach_relay_url", &v)) {
      options.engine.attach_relay_url = v;
    } else if (Flag(a, "attach_relay_ca", &v)) {
      options.engine.attach_relay_ca = v;
    } else if (a == "--no_sim_control") {
      options.engine.sim_control = false;
    } else if (a == "--no_color") {
      color = false;
    } else if (absl::StartsWith(a, "--")) {
      std::cerr << "unknown flag " << a << "\n" << kUsage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (!CheckAttachFlags(options.engine) || !ReadTimeScale(options.engine)) return 2;
  if (options.engine.binaries_dir.empty()) {
    options.engine.binaries_dir = sct::scenarios::DefaultBinariesDir();
  }
  if (options.engine.binaries_dir.empty()) {
    std::cerr << "cannot find the service binaries (relay/relay_server); "
                 "build them (bazel build //...) or pass --binaries_dir\n";
    return 2;
  }
  if (options.engine.work_dir.empty()) options.engine.work_dir = out + "/work";
  options.engine.work_dir =
      std::filesystem::absolute(options.engine.work_dir).string();
  const std::vector<std::string> files = SelectFiles(paths, options.filter);
  if (files.empty()) return 2;
  std::cerr << "running " << files.size() << " scenario(s), binaries from "
            << options.engine.binaries_dir << "\n";
  scenario::v1::Report report = sct::scenarios::RunSuite(files, options);
  std::cout << sct::scenarios::TerminalSummary(report, color);
  absl::Status written = sct::scenarios::WriteReport(report, out);
  if (!written.ok()) {
    std::cerr << "report: " << written.message() << "\n";
    return 2;
  }
  std::cout << "report: " << out << "/report.html, " << out
            << "/report.json\n";
  // Not applicable scenarios are not failures.
  return report.failed() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread starts: Ctrl-C stops every launched process.
  sct::scenarios::InstallTeardownOnSignal();
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "run") return Run(args);
  if (command == "check") {
    if (args.empty()) {
      std::cerr << kUsage;
      return 2;
    }
    return Check(args);
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

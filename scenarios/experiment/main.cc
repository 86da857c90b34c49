// sct_experiment: runs experiment files (docs/experiments.md).
//
//   sct_experiment run [--out=DIR] [--repetitions=N] [--jobs=N]
//                      [--binaries_dir=DIR] [--work_dir=DIR] [--relaunch_each_run] FILE...
//   sct_experiment check FILE...
//
// Writes DIR/report.html and DIR/<name>/{result.json,runs.csv,points.csv}
// (scenarios/experiment/report). Exit codes: 0 every experiment ran (errored
// runs are data, not failure); 1 a file has errors (nothing is run) or the
// report could not be written;
// 2 usage error; 130/143 interrupted (every launched process is stopped).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "scenarios/experiment/load.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/experiment/report/experiment_report.h"
#include "scenarios/experiment/report/terminal_table.h"
#include "scenarios/engine/time_scale.h"
#include "scenarios/experiment/runner.h"
#include "scenarios/launcher/launcher.h"

namespace {

namespace ex = ::sct::scenarios::experiment;

constexpr char kUsage[] =
    "usage:\n"
    "  sct_experiment run [--out=DIR] [--repetitions=N] [--jobs=N] [--binaries_dir=DIR]\n"
    "                     [--work_dir=DIR] [--relaunch_each_run] FILE...\n"
    "  sct_experiment check FILE...\n"
    "\n"
    "Runs each experiment file (a scenario repeated and swept over parameters,\n"
    "docs/experiments.md) and writes DIR/report.html and DIR/<experiment>/\n"
    "{result.json,runs.csv,points.csv} (default DIR: out/experiments). --repetitions overrides the files' repetitions; --jobs\n"
    "runs N workers, each on its own ecosystem; --relaunch_each_run launches a\n"
    "fresh ecosystem for every run (the benchmark baseline). check only loads\n"
    "the files. Exit 0 when every experiment ran, 1 on a file with errors.\n";

bool Flag(const std::string& arg, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (!absl::StartsWith(arg, prefix)) return false;
  *value = arg.substr(prefix.size());
  return true;
}

struct Args {
  std::string out = "out/experiments";
  ex::ExperimentOptions options;
  std::vector<std::string> files;
};

// False (the reason printed) for a bad argument.
bool ParseArgs(const std::vector<std::string>& argv, Args& a) {
  for (const std::string& arg : argv) {
    std::string v;
    if (Flag(arg, "out", &v)) {
      a.out = v;
    } else if (Flag(arg, "repetitions", &v)) {
      if (!absl::SimpleAtoi(v, &a.options.repetitions) || a.options.repetitions < 1) {
        std::cerr << "--repetitions: want a positive number, got \"" << v << "\"\n";
        return false;
      }
    } else if (Flag(arg, "jobs", &v)) {
      if (!absl::SimpleAtoi(v, &a.options.jobs) || a.options.jobs < 1) {
        std::cerr << "--jobs: want a positive number, got \"" << v << "\"\n";
        return false;
      }
    } else if (Flag(arg, "binaries_dir", &v)) {
      a.options.engine.binaries_dir = v;
    } else if (Flag(arg, "work_dir", &v)) {
      a.options.engine.work_dir = v;
    } else if (arg == "--relaunch_each_run") {
      a.options.reuse = false;
    } else if (absl::StartsWith(arg, "--")) {
      std::cerr << "unknown flag " << arg << "\n" << kUsage;
      return false;
    } else {
      a.files.push_back(arg);
    }
  }
  if (a.files.empty()) {
    std::cerr << kUsage;
    return false;
  }
  return true;
}

// Loads every file; false (every error printed) if any has errors.
bool LoadAll(const std::vector<std::string>& files, std::vector<ex::LoadedExperiment>& out) {
  bool ok = true;
  for (const std::string& f : files) {
    absl::StatusOr<ex::LoadedExperiment> e = ex::LoadExperiment(f);
    if (!e.ok()) {
      std::cerr << e.status().message() << "\n";
      ok = false;
      continue;
    }
    out.push_back(*std::move(e));
  }
  return ok;
}

int Run(const std::vector<std::string>& argv, bool check_only) {
  Args a;
  if (!ParseArgs(argv, a)) return 2;
  std::vector<ex::LoadedExperiment> loaded;
  if (!LoadAll(a.files, loaded)) return 1;
  if (check_only) {
    for (const auto& e : loaded) std::cout << e.file << ": ok (" << e.points.size() << " points)\n";
    return 0;
  }
  sct::scenarios::EngineOptions& eng = a.options.engine;
  absl::StatusOr<double> scale = sct::scenarios::TimeScaleFromEnv();
  if (!scale.ok()) {
    std::cerr << scale.status().message() << "\n";
    return 2;
  }
  eng.time_scale = *scale;
  if (eng.binaries_dir.empty()) eng.binaries_dir = sct::scenarios::DefaultBinariesDir();
  if (eng.binaries_dir.empty()) {
    std::cerr << "cannot find the service binaries (relay/relay_server); "
                 "build them (bazel build //...) or pass --binaries_dir\n";
    return 2;
  }
  if (eng.work_dir.empty()) eng.work_dir = a.out + "/work";
  eng.work_dir = std::filesystem::absolute(eng.work_dir).string();
  a.options.progress = &std::cerr;
  std::vector<scenario::v1::ExperimentResult> results;
  for (const ex::LoadedExperiment& e : loaded) {
    std::cerr << e.experiment.name() << ": " << e.points.size() << " point(s)\n";
    results.push_back(ex::RunExperiment(e, a.options));
    ex::Aggregate(results.back());
    std::cout << ex::ExperimentTerminalTable(results.back()) << "\n";
  }
  absl::Status written = ex::WriteExperimentReport(results, a.out);
  if (!written.ok()) {
    std::cerr << written.message() << "\n";
    return 1;
  }
  std::cout << "report: " << a.out << "/report.html (results, CSV under " << a.out << "/<name>/)\n";
  return 0;
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
  if (command == "run") return Run(args, false);
  if (command == "check") return Run(args, true);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

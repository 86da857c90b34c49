// sct_up: starts a scenario file's topology (scenarios/launcher) and keeps it
// running until Ctrl-C (SIGINT) or SIGTERM, then stops every process.
//
//   bazel build //scenarios/launcher:sct_up //relay:relay_server ...
//   bazel-bin/scenarios/launcher/sct_up proto/testdata/car_sms_pin.textproto
//
// Prints every endpoint, the PKI files, the owner credential ids and example
// commands, then "ready". Exit codes: 0 never (it runs until a signal),
// 130/143 after SIGINT/SIGTERM (everything stopped), 1 when the launch fails,
// 2 for bad usage or a file that does not parse (FILE:LINE:COLUMN: message).
// See docs/launcher.md.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/text_format_errors.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"

ABSL_FLAG(std::string, work_dir, "",
          "directory for PKI, databases and logs (default: "
          "$TMPDIR/sct_up.<pid>)");
ABSL_FLAG(std::string, binaries_dir, "",
          "directory holding relay/relay_server etc. (default: derived from "
          "this binary's location: bazel-bin or its runfiles)");
ABSL_FLAG(bool, sim_control, false,
          "start every service with --actor_id and --sim_control (Audit and "
          "SimControl for the engine; docs/sim.md)");
ABSL_FLAG(absl::Duration, start_timeout, absl::Seconds(30),
          "how long one service may take to start");

namespace {

namespace sv1 = ::scenario::v1;
using sct::scenarios::Ecosystem;
using sct::scenarios::LaunchOptions;
using sct::LineErrorCollector;

// Under `bazel run` the working directory is the runfiles tree; relative
// paths the user typed are relative to where they ran bazel.
std::string UserPath(std::string path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!path.empty() && path[0] != '/' && cwd != nullptr) path = absl::StrCat(cwd, "/", path);
  return path;
}

// The flags as launch options; nullopt (after saying why) when the service
// binaries cannot be found.
std::optional<LaunchOptions> OptionsFromFlags() {
  LaunchOptions options;
  options.binaries_dir = UserPath(absl::GetFlag(FLAGS_binaries_dir));
  if (options.binaries_dir.empty()) options.binaries_dir = sct::scenarios::DefaultBinariesDir();
  if (options.binaries_dir.empty()) {
    std::cerr << "sct_up: cannot find the service binaries; build them "
                 "(bazel build //scenarios/launcher:sct_up pulls them in) or "
                 "pass --binaries_dir=bazel-bin\n";
    return std::nullopt;
  }
  options.work_dir = UserPath(absl::GetFlag(FLAGS_work_dir));
  if (options.work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options.work_dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sct_up.", getpid());
  }
  options.sim_control = absl::GetFlag(FLAGS_sim_control);
  options.start_timeout = absl::GetFlag(FLAGS_start_timeout);
  return options;
}

// The scenario in `file`; nullopt (after printing FILE:LINE:COLUMN errors)
// when it cannot be read, does not parse or has no topology.
std::optional<sv1::Scenario> ReadScenario(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << file << ": cannot read\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  sv1::Scenario scenario;
  google::protobuf::TextFormat::Parser parser;
  std::vector<std::string> lines;
  LineErrorCollector errors(file, &lines, /*warnings=*/true);
  parser.RecordErrorsTo(&errors);
  const bool parsed = parser.ParseFromString(text.str(), &scenario);
  for (const std::string& line : lines) std::cerr << line << "\n";
  if (!parsed) return std::nullopt;
  if (!scenario.has_topology()) {
    std::cerr << file << ": topology: required\n";
    return std::nullopt;
  }
  return scenario;
}

// Every endpoint, the PKI files, the owner credential ids and two example
// commands.
void PrintRunning(Ecosystem& e, const sv1::Scenario& scenario) {
  std::cout << "endpoints (each actor listens on and connects from its own address):\n";
  for (const std::string& name : e.Names()) {
    std::cout << "  " << std::left << std::setw(14) << name << " " << e.Endpoints()[name] << "\n";
  }
  const sct::scenarios::DevPkiFiles& pki = e.pki();
  std::cout << "pki (" << pki.dir << "):\n"
            << "  root        " << pki.root_cert << "\n"
            << "  admin cert  " << pki.admin_cert << "\n"
            << "  admin key   " << pki.admin_key << "\n";
  if (scenario.topology().owner_credentials_size() > 0) {
    std::cout << "owner credentials:\n";
    for (const auto& c : scenario.topology().owner_credentials()) {
      std::cout << "  " << std::left << std::setw(14) << c.id() << " " << c.device() << " "
                << e.OwnerCredentialId(c.id()) << "\n";
    }
  }
  const sct::scenarios::Service* relay = e.Find("relay");
  std::cout << "try:\n";
  if (relay != nullptr && !relay->http_url.empty()) {
    std::cout << "  curl --cacert " << pki.root_cert << " " << relay->http_url << "/healthz\n";
  }
  if (relay != nullptr) {
    std::cout << "  grpcurl -cacert " << pki.root_cert << " -cert " << pki.admin_cert << " -key "
              << pki.admin_key << " " << relay->grpc_address << " list   # server reflection\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts: every thread inherits the blocked signals, the
  // signal thread alone receives them and stops the children.
  sct::scenarios::InstallTeardownOnSignal();
  absl::SetProgramUsageMessage(
      "sct_up [--work_dir=DIR] [--binaries_dir=DIR] FILE.textproto\n"
      "Starts a scenario's topology and keeps it running until Ctrl-C. See "
      "docs/launcher.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() != 2) {
    std::cerr << "usage: sct_up [--work_dir=DIR] [--binaries_dir=DIR] FILE.textproto\n";
    return 2;
  }
  const std::string file = UserPath(rest[1]);
  std::optional<sv1::Scenario> scenario = ReadScenario(file);
  if (!scenario.has_value()) return 2;
  std::optional<LaunchOptions> options = OptionsFromFlags();
  if (!options.has_value()) return 2;

  std::cout << "sct_up: starting \"" << scenario->name() << "\" from " << file << "\n  binaries "
            << options->binaries_dir << "\n  work dir " << options->work_dir << std::endl;
  auto eco = sct::scenarios::Launch(scenario->topology(), *options);
  if (!eco.ok()) {
    std::cerr << "sct_up: launch failed: " << eco.status() << "\n";
    return 1;
  }
  PrintRunning(**eco, *scenario);
  std::cout << "ready; Ctrl-C stops every service" << std::endl;

  // The signal thread stops everything and exits the process.
  while (true) pause();
}

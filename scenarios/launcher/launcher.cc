// Launch() of ecosystem.h and the process-wide helpers of launcher.h.
#include "scenarios/launcher/launcher.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launched_ecosystem.h"
#include "scenarios/launcher/live_ecosystems.h"
#include "scenarios/launcher/topology.h"
#include "scenarios/launcher/work_dir.h"

namespace sct::scenarios {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void SignalThread(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  std::cerr << "launcher: signal " << sig << ", stopping every service\n";
  ShutdownAllEcosystems();
  std::cerr << "launcher: stopped\n";
  std::_Exit(128 + sig);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(const scenario::v1::Topology& topology,
                                                  const LaunchOptions& options) {
  ASSIGN_OR_RETURN(ResolvedTopology resolved, ResolveTopology(topology));
  return Launch(resolved, options);
}

absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(const ResolvedTopology& resolved,
                                                  const LaunchOptions& options) {
  if (options.work_dir.empty()) return InvalidField("options.work_dir", "required");
  if (options.binaries_dir.empty()) return InvalidField("options.binaries_dir", "required");
  ASSIGN_OR_RETURN(PreparedWorkDir work,
                   PrepareWorkDir(resolved.proto(), options.work_dir, absl::Now()));
  auto eco = std::make_unique<LaunchedEcosystem>(options, std::move(work));
  absl::Status s = eco->Build(resolved.proto());
  if (!s.ok()) {
    eco->Shutdown();
    return s;
  }
  return std::unique_ptr<Ecosystem>(std::move(eco));
}

void ShutdownAllEcosystems() { ShutdownLiveEcosystems(); }

void InstallTeardownOnSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread(SignalThread, set).detach();
  });
}

std::string DefaultBinariesDir() {
  auto holds = [](const std::string& dir) {
    return !dir.empty() && FileExists(dir + "/relay/relay_server");
  };
  for (const char* env : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    const char* v = std::getenv(env);
    if (v != nullptr && holds(std::string(v) + "/sct_lab")) {
      return std::string(v) + "/sct_lab";
    }
  }
  char buf[4096];
  ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (len <= 0) return "";
  const std::string exe(buf, static_cast<size_t>(len));
  if (holds(exe + ".runfiles/sct_lab")) return exe + ".runfiles/sct_lab";
  // .../bazel-bin/scenarios/launcher/sct_up -> .../bazel-bin
  std::string dir = exe;
  for (int i = 0; i < 3; ++i) {
    size_t slash = dir.rfind('/');
    if (slash == std::string::npos) return "";
    dir = dir.substr(0, slash);
  }
  return holds(dir) ? dir : "";
}

}  // namespace sct::scenarios

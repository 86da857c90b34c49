#include "scenarios/engine/suite.h"

#include <stdio.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace fs = std::filesystem;

std::string CommandOutput(const char* command) {
  FILE* p = popen(command, "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  if (pclose(p) != 0) return "";
  return std::string(absl::StripAsciiWhitespace(out));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ExpandScenarioPaths(
    const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const std::string& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(a, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".textproto") {
          found.push_back(e.path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(a, ec)) {
      files.push_back(a);
    } else {
      return MakeError(absl::StatusCode::kNotFound, "file_not_found",
                       absl::StrCat(a, ": no such file or directory"));
    }
  }
  if (files.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     "no scenario files (*.textproto) given");
  }
  return files;
}

absl::StatusOr<bool> MatchesFilter(const std::string& file,
                                   const std::string& filter) {
  if (filter.empty()) return true;
  std::regex re;
  try {
    re = std::regex(filter);
  } catch (const std::regex_error& e) {
    return InvalidField("--filter", absl::StrCat("bad regex: ", e.what()));
  }
  if (std::regex_search(file, re)) return true;
  absl::StatusOr<sv1::Scenario> s = LoadScenarioFile(file);
  if (!s.ok()) return false;
  if (std::regex_search(s->name(), re)) return true;
  for (const std::string& t : s->tags()) {
    if (std::regex_search(t, re)) return true;
  }
  return false;
}

std::map<std::string, std::string> RunEnvironment(const SuiteOptions& options) {
  std::map<std::string, std::string> env;
  struct utsname u;
  if (uname(&u) == 0) {
    env["machine"] = absl::StrCat(u.nodename, " ", u.sysname, " ", u.release,
                                  " ", u.machine);
  }
  env["date"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                 absl::UTCTimeZone());
  std::string git = CommandOutput("git describe --always --dirty 2>/dev/null");
  if (!git.empty()) env["git_describe"] = git;
  env["binaries_dir"] = options.engine.binaries_dir;
  env["jobs"] = absl::StrCat(std::max(1, options.jobs));
  if (options.engine.relay_store != scenario::v1::STORE_KIND_UNSPECIFIED) {
    env["relay_store"] = scenario::v1::StoreKind_Name(options.engine.relay_store);
  }
  if (!options.engine.attach_relay_url.empty()) {
    env["relay"] = absl::StrCat("attached by URL ", options.engine.attach_relay_url,
                                " (no gRPC, no sim services)");
  } else {
    env["relay"] = "launched per scenario (unless a scenario attaches one)";
  }
  env["relay_api"] =
      options.engine.relay_api == scenario::v1::GRPC
          ? "gRPC (relay.v1), where a scenario names no relay_api"
          : "HTTP (the draft's mailbox API), where a scenario names no relay_api";
  env["cpus"] = absl::StrCat(std::thread::hardware_concurrency());
  if (options.engine.time_scale != 1) {
    env["time_scale"] = DescribeTimeScale(options.engine.time_scale);
  }
  return env;
}

void ForEachIndexInParallel(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    while (true) {
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      fn(i);
    }
  };
  const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(n)));
  if (threads == 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (int j = 0; j < threads; ++j) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
}

sv1::Report RunSuite(const std::vector<std::string>& files,
                     const SuiteOptions& options) {
  sv1::Report report;
  report.set_suite(options.suite_name);
  const absl::Time start = absl::Now();
  *report.mutable_started_at() = ToProtoTimestamp(start);
  for (const auto& [k, v] : RunEnvironment(options)) {
    (*report.mutable_environment())[k] = v;
  }
  std::vector<sv1::ScenarioResult> results(files.size());
  ForEachIndexInParallel(files.size(), options.jobs,
                         [&](size_t i) { results[i] = RunScenarioFile(files[i], options.engine); });
  bool push_unsupported = false;
  for (sv1::ScenarioResult& r : results) {
    push_unsupported |= r.relay_push_unsupported();
    if (r.not_applicable()) {
      report.set_not_applicable(report.not_applicable() + 1);
    } else if (r.passed()) {
      report.set_passed(report.passed() + 1);
    } else {
      report.set_failed(report.failed() + 1);
    }
    *report.add_scenarios() = std::move(r);
  }
  if (push_unsupported) {
    (*report.mutable_environment())["relay_push"] =
        "unavailable: the relay offers no push notification (isPushNotificationSupported "
        "false), so devices polled";
  }
  *report.mutable_duration() = ToProtoDuration(absl::Now() - start);
  return report;
}

}  // namespace sct::scenarios

// Running a suite of scenario files: expands directories, filters, runs the
// scenarios (one at a time, or `jobs` at once, each with its own ecosystem)
// and gathers their results into a scenario.v1.Report.
//
// Thread-safe; RunSuite blocks until every scenario has finished.
#ifndef SCT_SCENARIOS_ENGINE_SUITE_H_
#define SCT_SCENARIOS_ENGINE_SUITE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/engine.h"

namespace sct::scenarios {

struct SuiteOptions {
  EngineOptions engine;
  // Scenarios run at once (each launches its own processes); at least 1.
  int jobs = 1;
  // ECMAScript regex; a scenario runs when it matches the file path, the
  // scenario name or one of its tags. Empty: all.
  std::string filter;
  // Report.suite.
  std::string suite_name = "default";
};

// Files named by `args`: a file as is; a directory gives its *.textproto
// files (recursively, sorted). NOT_FOUND naming an argument that does not
// exist; INVALID_ARGUMENT if nothing is left.
absl::StatusOr<std::vector<std::string>> ExpandScenarioPaths(
    const std::vector<std::string>& args);

// Whether `file` (and, when it parses, its name and tags) matches `filter`.
// INVALID_ARGUMENT for a bad regex.
absl::StatusOr<bool> MatchesFilter(const std::string& file,
                                   const std::string& filter);

// Calls fn(0) ... fn(n-1), `jobs` at a time (at least 1) on their own
// threads, and returns when every call has returned: how the suite and sct
// compare run scenarios side by side.
void ForEachIndexInParallel(size_t n, int jobs, const std::function<void(size_t)>& fn);

// Runs every file and returns the report (passed/failed counts, environment).
scenario::v1::Report RunSuite(const std::vector<std::string>& files,
                              const SuiteOptions& options);

// The run environment: machine, date (UTC, RFC 3339), git describe (if the
// working directory is a git checkout), binaries_dir, jobs, and time_scale
// when the engine's deadlines were stretched (time_scale.h).
std::map<std::string, std::string> RunEnvironment(const SuiteOptions& options);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_SUITE_H_

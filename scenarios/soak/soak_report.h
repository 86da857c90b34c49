// The soak's report: everything a run observed, judged (which invariant
// broke, which errors no fault explains, which slope is over its threshold),
// as a terminal summary, a JSON document and an offline HTML page (inline
// SVG: RSS and open fds of every service over time, faults as bands).
//
// Thread-compatible: built once at the end of a run, after every thread
// stopped.
#ifndef SCT_SCENARIOS_SOAK_SOAK_REPORT_H_
#define SCT_SCENARIOS_SOAK_SOAK_REPORT_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "scenarios/soak/invariants.h"
#include "scenarios/soak/resources.h"
#include "scenarios/soak/soak_context.h"

namespace sct::soak {

struct SoakResult {
  SoakOptions options;
  std::string command;  // how the run was started
  std::string loadavg_start, loadavg_end;
  int nproc = 0;
  absl::Time started;
  double wall_s = 0;
  std::map<std::string, int64_t> flows_ok;
  std::map<std::string, int64_t> checks;
  std::vector<Violation> violations;
  std::vector<FlowError> errors;
  std::vector<FaultEvent> faults;
  std::vector<double> revocation_ms;
  std::map<std::string, std::vector<ProcSample>> samples;
  std::map<std::string, Slopes> slopes;
  // At the end of the run, per service: RSS before and after a malloc trim.
  std::map<std::string, TrimProbe> trim;

  int64_t unexpected() const;
  // Services whose RSS or fd slope is over the options' thresholds.
  std::vector<std::string> OverSlope() const;
  // Every invariant held, no unexpected error, every slope under threshold.
  bool passed() const;
};

void PrintSummary(const SoakResult& r, std::ostream& out);
std::string JsonReport(const SoakResult& r);
std::string HtmlReport(const SoakResult& r);

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_SOAK_REPORT_H_

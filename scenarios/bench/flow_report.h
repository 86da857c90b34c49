// What a flow_bench run measured and how it is reported: the per-phase
// table (median, p90, p99, min, max of share, link delivery, accept, use,
// total and the two baselines; flows/s; ratios) and ONE JSON line with
// everything, the format docs/BENCHMARKS.md and flow_bench_test.sh read.
//
// Thread-compatible value types and functions.
#ifndef SCT_SCENARIOS_BENCH_FLOW_REPORT_H_
#define SCT_SCENARIOS_BENCH_FLOW_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "scenarios/bench/flow_driver.h"

namespace sct::bench {

// The run's settings, as the flags gave them.
struct FlowConfig {
  std::string store;  // "sqlite" or "memory"
  bool pin = false;
  bool sim_control = false;
  int flows = 0;
  int warmup_flows = 0;
  int baseline_rpcs = 0;
  int max_failures = 0;
};

// The machine the run measured on.
struct Machine {
  long nproc = 0;
  std::string cpu_model;
  std::string loadavg_start;
  std::string loadavg_end;
};

// Everything a run measured. The Add* functions keep the per-phase samples
// of successful measured flows and every failure (warm-up and measured).
struct FlowRun {
  // A warm-up flow: only a failure counts.
  void AddWarmup(const Flow& f);
  // One baseline round trip of each kind before a measured flow; -1 (an
  // error) is skipped. The echo sample also goes to `probes_for_flow`.
  void AddBaseline(double echo_ms, double health_ms, std::vector<double>* probes_for_flow);
  // A measured flow and the echo samples taken just before it.
  void AddMeasured(const Flow& f, const std::vector<double>& echo_probes);

  int ok() const { return static_cast<int>(total.size()); }
  int failed() const { return static_cast<int>(failures.size()); }

  absl::Time started_at;
  double launch_ms = 0;
  double wall_s = 0;
  bool aborted = false;  // stopped after --max_failures

  std::vector<Flow> results;   // measured flows
  std::vector<Flow> failures;  // warm-up and measured
  int warmup_failures = 0;
  int measured = 0;
  std::vector<double> echo_all, health_all, echo_per_flow;
  std::vector<double> share, link, accept, use, total, polls;
  std::vector<double> total_for_ratio;  // totals of flows with echo probes
  double flow_time_ms = 0;
};

// The flow count line, the phase table, flows/s, ratios, loadavg and every
// failed flow.
void PrintTable(const FlowConfig& config, const Machine& machine, const FlowRun& run,
                std::ostream& out);

// The JSON object (one line, no newline): benchmark, started_at, config,
// machine, flow counts, phases, baseline, ratios, flows_per_second,
// launch_seconds, wall_seconds, failures, raw.
std::string JsonLine(const FlowConfig& config, const Machine& machine, const FlowRun& run);

}  // namespace sct::bench

#endif  // SCT_SCENARIOS_BENCH_FLOW_REPORT_H_

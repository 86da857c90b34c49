// Summaries, the human-readable table and the JSON document of a load run.
//
// A run has one or more rounds; each round runs every phase once (echo
// baseline, relay over gRPC, relay over HTTP, per store). Rates are reported
// as the median over rounds; a ratio (say relay-memory-grpc / echo-grpc) is
// computed within each round, from phases that ran minutes apart at most, and
// then the median over rounds is taken, which cancels slow drift in the load
// that other processes put on the machine.
//
// Pure functions; thread-compatible.
#ifndef SCT_RELAY_LOADGEN_REPORT_H_
#define SCT_RELAY_LOADGEN_REPORT_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "relay/loadgen/cycle_client.h"
#include "relay/loadgen/runner.h"

namespace sct::relay::loadgen {

using Rounds = std::vector<std::vector<PhaseResult>>;  // [round][phase]

struct PhaseSummary {
  std::string name;
  int rounds = 0;
  double cycles_per_sec = 0;  // medians over rounds
  double rpcs_per_sec = 0;
  double rpcs_per_sec_min = 0;
  double rpcs_per_sec_max = 0;
  int64_t cycles_ok = 0;  // totals over rounds
  int64_t rpcs_ok = 0;
  int64_t errors = 0;
  std::array<int64_t, kOpsPerCycle> samples{};
  std::array<double, kOpsPerCycle> p50_us{};  // medians over rounds
  std::array<double, kOpsPerCycle> p99_us{};
  std::array<std::map<std::string, int64_t>, kOpsPerCycle> op_errors;  // summed
  int64_t warmup_errors = 0;
};

// "numerator / denominator" of RPC rates; `target` 0 means informational.
struct RatioSpec {
  std::string numerator;
  std::string denominator;
  double target = 0;
};

struct RatioSummary {
  RatioSpec spec;
  std::vector<double> per_round;
  double median = 0;
  bool met = false;
};

double Median(std::vector<double> values);

// Phases are matched by name across rounds (rounds may run them in a rotated order).
std::vector<PhaseSummary> SummarizePhases(const Rounds& rounds);
std::vector<RatioSummary> SummarizeRatios(const Rounds& rounds,
                                          const std::vector<RatioSpec>& specs);

// One line per phase run, printed as each phase finishes.
std::string PhaseLine(const PhaseResult& r);

// The final table: rates, per-operation p50/p99, errors by code, ratios.
std::string FormatReport(const std::vector<PhaseSummary>& phases,
                         const std::vector<RatioSummary>& ratios);

// Everything above plus every round's raw figures; `config` and `machine`
// are copied in as given.
nlohmann::json ReportJson(const nlohmann::json& config, const nlohmann::json& machine,
                          const Rounds& rounds, const std::vector<PhaseSummary>& phases,
                          const std::vector<RatioSummary>& ratios);

// nproc, CPU model, memory and load average, read from /proc.
nlohmann::json MachineInfo();

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_REPORT_H_

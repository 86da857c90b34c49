#include "scenarios/bench/flow_report.h"

#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "scenarios/bench/flow_stats.h"

namespace sct::bench {
namespace {

using json = nlohmann::json;

// The figures both outputs show.
struct Figures {
  Summary share, link, accept, use, total, echo, health;
  double flows_per_s = 0;
  double ratio_of_medians = 0;
  double ratio_per_flow = 0;
  double ratio_health = 0;
};

Figures ComputeFigures(const FlowRun& run) {
  Figures f;
  f.share = Summarize(run.share);
  f.link = Summarize(run.link);
  f.accept = Summarize(run.accept);
  f.use = Summarize(run.use);
  f.total = Summarize(run.total);
  f.echo = Summarize(run.echo_all);
  f.health = Summarize(run.health_all);
  f.flows_per_s = run.flow_time_ms > 0 ? run.ok() / (run.flow_time_ms / 1000) : 0;
  f.ratio_of_medians = f.echo.median > 0 ? f.total.median / f.echo.median : 0;
  f.ratio_per_flow = MedianRatio(run.total_for_ratio, run.echo_per_flow);
  f.ratio_health = f.health.median > 0 ? f.total.median / f.health.median : 0;
  return f;
}

json SummaryJson(const Summary& s) {
  return json{{"count", s.count}, {"median_ms", s.median}, {"p90_ms", s.p90},  {"p99_ms", s.p99},
              {"min_ms", s.min},  {"max_ms", s.max},       {"mean_ms", s.mean}};
}

void PrintRow(std::ostream& out, const std::string& name, const Summary& s) {
  out << absl::StrFormat("  %-22s %5d %9.2f %9.2f %9.2f %9.2f %9.2f\n", name, s.count, s.median,
                         s.p90, s.p99, s.min, s.max);
}

json FailuresJson(const FlowRun& run) {
  json fails = json::array();
  for (const Flow& f : run.failures) {
    fails.push_back({{"flow", f.index}, {"phase", f.failed_phase}, {"error", f.error}});
  }
  return fails;
}

json RawJson(const FlowRun& run) {
  json raw = json::array();
  for (const Flow& f : run.results) {
    raw.push_back({{"flow", f.index},
                   {"ok", f.ok},
                   {"share_ms", f.share_ms},
                   {"link_ms", f.link_ms},
                   {"accept_ms", f.accept_ms},
                   {"use_ms", f.use_ms},
                   {"total_ms", f.total_ms}});
  }
  return raw;
}

}  // namespace

void FlowRun::AddWarmup(const Flow& f) {
  if (f.ok) return;
  ++warmup_failures;
  failures.push_back(f);
}

void FlowRun::AddBaseline(double echo_ms, double health_ms, std::vector<double>* probes_for_flow) {
  if (echo_ms >= 0) {
    echo_all.push_back(echo_ms);
    probes_for_flow->push_back(echo_ms);
  }
  if (health_ms >= 0) health_all.push_back(health_ms);
}

void FlowRun::AddMeasured(const Flow& f, const std::vector<double>& echo_probes) {
  ++measured;
  results.push_back(f);
  if (!f.ok) {
    failures.push_back(f);
    return;
  }
  share.push_back(f.share_ms);
  link.push_back(f.link_ms);
  accept.push_back(f.accept_ms);
  use.push_back(f.use_ms);
  total.push_back(f.total_ms);
  polls.push_back(f.link_polls);
  flow_time_ms += f.total_ms;
  if (!echo_probes.empty()) {
    total_for_ratio.push_back(f.total_ms);
    echo_per_flow.push_back(Percentile(echo_probes, 50));
  }
}

void PrintTable(const FlowConfig& config, const Machine& machine, const FlowRun& run,
                std::ostream& out) {
  const Figures f = ComputeFigures(run);
  out << "\nflows: " << run.ok() << " ok, " << run.measured - run.ok() << " failed of "
      << run.measured << " measured (" << config.flows << " requested"
      << (run.aborted ? ", stopped after --max_failures" : "") << "); warm-up failures "
      << run.warmup_failures << "\n";
  out << absl::StrFormat("  %-22s %5s %9s %9s %9s %9s %9s\n", "phase (ms)", "n", "median", "p90",
                         "p99", "min", "max");
  PrintRow(out, "share", f.share);
  PrintRow(out, "link delivery", f.link);
  PrintRow(out, "accept (provision)", f.accept);
  PrintRow(out, "use (unlock)", f.use);
  PrintRow(out, "total", f.total);
  PrintRow(out, "baseline echo (relay)", f.echo);
  PrintRow(out, "baseline health (bob)", f.health);
  out << absl::StrFormat(
      "  flows/s (sequential, one at a time): %.2f\n"
      "  total / echo baseline: %.1fx (medians), %.1fx (median per-flow "
      "ratio)\n  total / health baseline: %.1fx (medians)\n"
      "  link polls per flow (median): %.0f\n  loadavg start %s, end %s\n",
      f.flows_per_s, f.ratio_of_medians, f.ratio_per_flow, f.ratio_health,
      Percentile(run.polls, 50), machine.loadavg_start, machine.loadavg_end);
  for (const Flow& fl : run.failures) {
    out << "  FAILED flow " << fl.index << " in " << fl.failed_phase << ": " << fl.error << "\n";
  }
}

std::string JsonLine(const FlowConfig& config, const Machine& machine, const FlowRun& run) {
  const Figures f = ComputeFigures(run);
  json j;
  j["benchmark"] = "flow_bench";
  j["started_at"] = absl::FormatTime(absl::RFC3339_sec, run.started_at, absl::UTCTimeZone());
  j["config"] = {{"store", config.store},
                 {"pin", config.pin},
                 {"sim_control", config.sim_control},
                 {"flows", config.flows},
                 {"warmup_flows", config.warmup_flows},
                 {"baseline_rpcs", config.baseline_rpcs},
                 {"channel", "SMS"},
                 {"channel_delay", "0s"},
                 {"entitlements", json::array({"unlock", "lock"})},
                 {"use_action", "unlock"}};
  j["machine"] = {{"nproc", machine.nproc},
                  {"cpu_model", machine.cpu_model},
                  {"loadavg_start", machine.loadavg_start},
                  {"loadavg_end", machine.loadavg_end}};
  j["flows_measured"] = run.measured;
  j["flows_ok"] = run.ok();
  j["flows_failed"] = run.measured - run.ok();
  j["warmup_failures"] = run.warmup_failures;
  j["aborted"] = run.aborted;
  j["phases"] = {{"share", SummaryJson(f.share)},
                 {"link", SummaryJson(f.link)},
                 {"accept", SummaryJson(f.accept)},
                 {"use", SummaryJson(f.use)},
                 {"total", SummaryJson(f.total)}};
  j["baseline"] = {{"echo_relay", SummaryJson(f.echo)}, {"health_bob", SummaryJson(f.health)}};
  j["ratio_total_to_echo_medians"] = f.ratio_of_medians;
  j["ratio_total_to_echo_per_flow_median"] = f.ratio_per_flow;
  j["ratio_total_to_health_medians"] = f.ratio_health;
  j["flows_per_second"] = f.flows_per_s;
  j["launch_seconds"] = run.launch_ms / 1000;
  j["wall_seconds"] = run.wall_s;
  j["failures"] = FailuresJson(run);
  j["raw"] = RawJson(run);
  return j.dump();
}

}  // namespace sct::bench

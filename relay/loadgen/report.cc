#include "relay/loadgen/report.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

const PhaseResult* Find(const std::vector<PhaseResult>& round, const std::string& name) {
  for (const PhaseResult& p : round) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string ErrorsText(const std::map<std::string, int64_t>& errors) {
  std::vector<std::string> parts;
  for (const auto& [label, n] : errors) parts.push_back(absl::StrCat(label, "=", n));
  return absl::StrJoin(parts, " ");
}

json OpsJson(const PhaseResult& r) {
  json ops = json::object();
  for (int i = 0; i < kOpsPerCycle; ++i) {
    const LatencySummary& l = r.ops[i].latency;
    ops[kOpNames[i]] = {{"samples", l.count},       {"mean_us", l.mean_us}, {"p50_us", l.p50_us},
                        {"p90_us", l.p90_us},       {"p99_us", l.p99_us},   {"max_us", l.max_us},
                        {"errors", r.ops[i].errors}};
  }
  return ops;
}

}  // namespace

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<PhaseSummary> SummarizePhases(const Rounds& rounds) {
  std::vector<PhaseSummary> out;
  if (rounds.empty()) return out;
  // Keep the first round's phase order.
  for (const PhaseResult& first : rounds[0]) {
    PhaseSummary s;
    s.name = first.name;
    std::vector<double> cps, rps;
    std::array<std::vector<double>, kOpsPerCycle> p50, p99;
    for (const auto& round : rounds) {
      const PhaseResult* r = Find(round, first.name);
      if (r == nullptr) continue;
      ++s.rounds;
      cps.push_back(r->cycles_per_sec());
      rps.push_back(r->rpcs_per_sec());
      s.cycles_ok += r->cycles_ok;
      s.rpcs_ok += r->rpcs_ok;
      s.errors += r->total_errors();
      s.warmup_errors += r->warmup_errors;
      for (int i = 0; i < kOpsPerCycle; ++i) {
        const LatencySummary& l = r->ops[i].latency;
        s.samples[i] += l.count;
        if (l.count > 0) {
          p50[i].push_back(l.p50_us);
          p99[i].push_back(l.p99_us);
        }
        for (const auto& [label, n] : r->ops[i].errors) s.op_errors[i][label] += n;
      }
    }
    s.cycles_per_sec = Median(cps);
    s.rpcs_per_sec = Median(rps);
    s.rpcs_per_sec_min = rps.empty() ? 0 : *std::min_element(rps.begin(), rps.end());
    s.rpcs_per_sec_max = rps.empty() ? 0 : *std::max_element(rps.begin(), rps.end());
    for (int i = 0; i < kOpsPerCycle; ++i) {
      s.p50_us[i] = Median(p50[i]);
      s.p99_us[i] = Median(p99[i]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RatioSummary> SummarizeRatios(const Rounds& rounds,
                                          const std::vector<RatioSpec>& specs) {
  std::vector<RatioSummary> out;
  for (const RatioSpec& spec : specs) {
    RatioSummary s;
    s.spec = spec;
    for (const auto& round : rounds) {
      const PhaseResult* num = Find(round, spec.numerator);
      const PhaseResult* den = Find(round, spec.denominator);
      if (num == nullptr || den == nullptr || den->rpcs_per_sec() <= 0) continue;
      s.per_round.push_back(num->rpcs_per_sec() / den->rpcs_per_sec());
    }
    s.median = Median(s.per_round);
    s.met = spec.target > 0 && !s.per_round.empty() && s.median >= spec.target;
    out.push_back(std::move(s));
  }
  return out;
}

std::string PhaseLine(const PhaseResult& r) {
  return absl::StrFormat("  %-20s %9.1f cycles/s %9.1f RPCs/s  %6d errors  (%.2fs)", r.name,
                         r.cycles_per_sec(), r.rpcs_per_sec(), r.total_errors(),
                         absl::ToDoubleSeconds(r.elapsed));
}

std::string FormatReport(const std::vector<PhaseSummary>& phases,
                         const std::vector<RatioSummary>& ratios) {
  std::string out;
  absl::StrAppend(&out, "\nThroughput (median over rounds; RPC/s min..max):\n");
  absl::StrAppendFormat(&out, "  %-20s %6s %10s %10s %21s %8s\n", "phase", "rounds", "cycles/s",
                        "RPCs/s", "RPCs/s range", "errors");
  for (const PhaseSummary& p : phases) {
    absl::StrAppendFormat(&out, "  %-20s %6d %10.1f %10.1f %10.1f..%-10.1f %8d\n", p.name, p.rounds,
                          p.cycles_per_sec, p.rpcs_per_sec, p.rpcs_per_sec_min, p.rpcs_per_sec_max,
                          p.errors);
  }
  absl::StrAppend(&out, "\nLatency per operation, microseconds (p50 / p99, median over rounds):\n");
  absl::StrAppendFormat(&out, "  %-20s", "phase");
  for (const char* op : kOpNames) absl::StrAppendFormat(&out, " %-17s", op);
  absl::StrAppend(&out, "\n");
  for (const PhaseSummary& p : phases) {
    absl::StrAppendFormat(&out, "  %-20s", p.name);
    for (int i = 0; i < kOpsPerCycle; ++i) {
      absl::StrAppendFormat(&out, " %8.0f/%-8.0f", p.p50_us[i], p.p99_us[i]);
    }
    absl::StrAppend(&out, "\n");
  }
  bool any_errors = false;
  for (const PhaseSummary& p : phases) {
    for (int i = 0; i < kOpsPerCycle; ++i) {
      if (p.op_errors[i].empty()) continue;
      if (!any_errors) absl::StrAppend(&out, "\nErrors by operation and code:\n");
      any_errors = true;
      absl::StrAppendFormat(&out, "  %-20s %-10s %s\n", p.name, kOpNames[i],
                            ErrorsText(p.op_errors[i]));
    }
    if (p.warmup_errors > 0) {
      any_errors = true;
      absl::StrAppendFormat(&out, "  %-20s warm-up errors: %d\n", p.name, p.warmup_errors);
    }
  }
  if (!any_errors) absl::StrAppend(&out, "\nErrors: none\n");
  if (!ratios.empty()) {
    absl::StrAppend(&out, "\nRatios of RPC rates (median of per-round ratios):\n");
    for (const RatioSummary& r : ratios) {
      std::vector<std::string> each;
      for (double v : r.per_round) each.push_back(absl::StrFormat("%.3f", v));
      std::string verdict = "";
      if (r.spec.target > 0) {
        verdict = absl::StrFormat("target >= %.2f: %s", r.spec.target, r.met ? "MET" : "MISSED");
      }
      absl::StrAppendFormat(&out, "  %-42s %6.3f  %-24s rounds [%s]\n",
                            absl::StrCat(r.spec.numerator, " / ", r.spec.denominator), r.median,
                            verdict, absl::StrJoin(each, " "));
    }
  }
  return out;
}

json ReportJson(const json& config, const json& machine, const Rounds& rounds,
                const std::vector<PhaseSummary>& phases, const std::vector<RatioSummary>& ratios) {
  json doc;
  doc["config"] = config;
  doc["machine"] = machine;
  json jr = json::array();
  for (size_t i = 0; i < rounds.size(); ++i) {
    json phases_json = json::array();
    for (const PhaseResult& r : rounds[i]) {
      phases_json.push_back({{"phase", r.name},
                             {"elapsed_s", absl::ToDoubleSeconds(r.elapsed)},
                             {"cycles_ok", r.cycles_ok},
                             {"cycles_failed", r.cycles_failed},
                             {"rpcs_ok", r.rpcs_ok},
                             {"rpcs_failed", r.rpcs_failed},
                             {"warmup_errors", r.warmup_errors},
                             {"cycles_per_sec", r.cycles_per_sec()},
                             {"rpcs_per_sec", r.rpcs_per_sec()},
                             {"ops", OpsJson(r)}});
    }
    jr.push_back({{"round", i + 1}, {"phases", phases_json}});
  }
  doc["rounds"] = jr;
  json js = json::array();
  for (const PhaseSummary& p : phases) {
    json ops = json::object();
    for (int i = 0; i < kOpsPerCycle; ++i) {
      ops[kOpNames[i]] = {{"samples", p.samples[i]},
                          {"p50_us", p.p50_us[i]},
                          {"p99_us", p.p99_us[i]},
                          {"errors", p.op_errors[i]}};
    }
    js.push_back({{"phase", p.name},
                  {"rounds", p.rounds},
                  {"cycles_per_sec", p.cycles_per_sec},
                  {"rpcs_per_sec", p.rpcs_per_sec},
                  {"rpcs_per_sec_min", p.rpcs_per_sec_min},
                  {"rpcs_per_sec_max", p.rpcs_per_sec_max},
                  {"cycles_ok", p.cycles_ok},
                  {"rpcs_ok", p.rpcs_ok},
                  {"errors", p.errors},
                  {"warmup_errors", p.warmup_errors},
                  {"ops", ops}});
  }
  doc["summary"] = js;
  json jratios = json::array();
  for (const RatioSummary& r : ratios) {
    json entry = {{"numerator", r.spec.numerator},
                  {"denominator", r.spec.denominator},
                  {"median", r.median},
                  {"per_round", r.per_round}};
    if (r.spec.target > 0) {
      entry["target"] = r.spec.target;
      entry["met"] = r.met;
    }
    jratios.push_back(entry);
  }
  doc["ratios"] = jratios;
  return doc;
}

json MachineInfo() {
  json m;
  m["nproc"] = static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (absl::StartsWith(line, "model name")) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        m["cpu_model"] = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (absl::StartsWith(line, "MemTotal:")) {
      m["mem_total"] = std::string(absl::StripAsciiWhitespace(line.substr(9)));
      break;
    }
  }
  std::ifstream load("/proc/loadavg");
  if (std::getline(load, line)) m["loadavg"] = line;
  return m;
}

}  // namespace sct::relay::loadgen

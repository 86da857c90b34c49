#include "scenarios/experiment/report/csv.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using scenario::v1::PointResult;

std::string Number(double v) { return absl::StrFormat("%.15g", v); }

std::vector<std::string> PointColumns(const ExperimentResult& r, uint32_t index) {
  std::vector<std::string> out = {absl::StrCat(index)};
  const PointResult* point = index < static_cast<uint32_t>(r.points_size()) ? &r.points(index)
                                                                              : nullptr;
  for (int i = 0; i < r.parameters_size(); ++i) {
    std::string label;
    if (point != nullptr && i < point->labels_size() && !point->labels(i).empty()) {
      label = point->labels(i);
    } else if (point != nullptr && i < point->values_size()) {
      label = point->values(i);
    }
    out.push_back(label);
  }
  return out;
}

std::vector<std::string> Header(const ExperimentResult& r, std::vector<std::string> tail) {
  std::vector<std::string> out = {"point"};
  for (const auto& p : r.parameters()) out.push_back(p.parameter().name());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

void AppendSampleRows(std::string& out, std::vector<std::string> lead,
                      const scenario::v1::SampleSummary& s) {
  lead.push_back(s.measure());
  const std::string n = absl::StrCat(s.n());
  auto row = [&](const std::string& statistic, double value, const std::string& lo,
                 const std::string& hi) {
    std::vector<std::string> f = lead;
    f.insert(f.end(), {statistic, s.n() == 0 ? "" : Number(value), lo, hi, "", n, s.unit()});
    out += CsvRecord(f);
  };
  const bool none = s.n() == 0;
  row("mean", s.mean(), none ? "" : Number(s.mean_ci_low()), none ? "" : Number(s.mean_ci_high()));
  row("stddev", s.stddev(), "", "");
  row("min", s.min(), "", "");
  row("p50", s.p50(), "", "");
  row("p90", s.p90(), "", "");
  row("p95", s.p95(), "", "");
  row("p99", s.p99(), "", "");
  row("max", s.max(), "", "");
}

}  // namespace

std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(s);
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

std::string CsvRecord(const std::vector<std::string>& fields) {
  std::vector<std::string> escaped;
  escaped.reserve(fields.size());
  for (const std::string& f : fields) escaped.push_back(CsvField(f));
  return absl::StrCat(absl::StrJoin(escaped, ","), "\r\n");
}

std::string RunsCsv(const ExperimentResult& r) {
  std::vector<std::string> tail = {"repetition", "seed", "errored", "error", "duration_ms"};
  for (const auto& m : r.measures()) tail.push_back(m.name());
  std::string out = CsvRecord(Header(r, tail));
  for (const auto& run : r.runs()) {
    std::vector<std::string> f = PointColumns(r, run.point());
    f.push_back(absl::StrCat(run.repetition()));
    f.push_back(absl::StrCat(run.seed()));
    f.push_back(run.errored() ? "true" : "false");
    f.push_back(run.error());
    f.push_back(run.has_duration()
                    ? Number(absl::ToDoubleMilliseconds(absl::Seconds(run.duration().seconds()) +
                                                        absl::Nanoseconds(run.duration().nanos())))
                    : "");
    for (const auto& m : r.measures()) {
      const auto c = run.categories().find(m.name());
      const auto v = run.values().find(m.name());
      f.push_back(c != run.categories().end() ? c->second
                  : v != run.values().end()   ? Number(v->second)
                                              : "");
    }
    out += CsvRecord(f);
  }
  return out;
}

std::string PointsCsv(const ExperimentResult& r) {
  std::string out = CsvRecord(Header(r, {"runs", "errored", "measure", "statistic", "value",
                                         "ci_low", "ci_high", "count", "trials", "unit"}));
  for (int i = 0; i < r.points_size(); ++i) {
    const PointResult& point = r.points(i);
    std::vector<std::string> lead = PointColumns(r, static_cast<uint32_t>(i));
    lead.push_back(absl::StrCat(point.runs()));
    lead.push_back(absl::StrCat(point.errored()));
    for (const auto& o : point.outcomes()) {
      for (const auto& c : o.categories()) {
        std::vector<std::string> f = lead;
        f.insert(f.end(), {o.measure(), c.category(), Number(c.estimate()), Number(c.ci_low()),
                           Number(c.ci_high()), absl::StrCat(c.count()),
                           absl::StrCat(c.trials()), "fraction"});
        out += CsvRecord(f);
      }
    }
    for (const auto& s : point.samples()) AppendSampleRows(out, lead, s);
  }
  return out;
}

}  // namespace sct::scenarios::experiment

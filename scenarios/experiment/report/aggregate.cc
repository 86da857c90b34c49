#include "scenarios/experiment/report/aggregate.h"

#include <algorithm>
#include <string>
#include <vector>

#include "scenarios/experiment/report/stats.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using scenario::v1::Measure;
using scenario::v1::PointResult;
using scenario::v1::RunRecord;

void AddOutcome(const Measure& m, const std::vector<const RunRecord*>& runs, PointResult& point) {
  auto* outcome = point.add_outcomes();
  outcome->set_measure(m.name());
  for (const std::string& category : MeasureCategories(m)) {
    uint64_t count = 0;
    for (const RunRecord* run : runs) {
      const auto it = run->categories().find(m.name());
      if (it != run->categories().end() && it->second == category) ++count;
    }
    const Proportion p = WilsonInterval(count, runs.size());
    auto* f = outcome->add_categories();
    f->set_category(category);
    f->set_count(static_cast<uint32_t>(count));
    f->set_trials(static_cast<uint32_t>(runs.size()));
    f->set_estimate(p.estimate);
    f->set_ci_low(p.low);
    f->set_ci_high(p.high);
  }
}

void AddSample(const Measure& m, const std::vector<const RunRecord*>& runs, PointResult& point) {
  std::vector<double> values;
  for (const RunRecord* run : runs) {
    const auto it = run->values().find(m.name());
    if (it != run->values().end()) values.push_back(it->second);
  }
  const Summary s = Summarize(values);
  auto* out = point.add_samples();
  out->set_measure(m.name());
  out->set_unit(MeasureUnit(m));
  out->set_n(s.n);
  out->set_mean(s.mean);
  out->set_stddev(s.stddev);
  out->set_mean_ci_low(s.mean_ci_low);
  out->set_mean_ci_high(s.mean_ci_high);
  out->set_min(s.min);
  out->set_p50(s.p50);
  out->set_p90(s.p90);
  out->set_p95(s.p95);
  out->set_p99(s.p99);
  out->set_max(s.max);
}

}  // namespace

std::vector<std::string> MeasureCategories(const Measure& measure) {
  if (measure.has_learned()) return {"yes", "no"};
  if (!measure.has_outcome()) return {};
  std::vector<std::string> out;
  for (const auto& c : measure.outcome().categories()) out.push_back(c.name());
  const std::string otherwise =
      measure.outcome().otherwise().empty() ? "other" : measure.outcome().otherwise();
  if (std::find(out.begin(), out.end(), otherwise) == out.end()) out.push_back(otherwise);
  return out;
}

std::string MeasureUnit(const Measure& measure) {
  if (measure.has_latency()) return "ms";
  if (measure.has_count()) return "count";
  return "";
}

void Aggregate(ExperimentResult& r) {
  std::vector<std::vector<const RunRecord*>> counted(r.points_size());
  for (const RunRecord& run : r.runs()) {
    if (run.errored() || run.point() >= static_cast<uint32_t>(r.points_size())) continue;
    counted[run.point()].push_back(&run);
  }
  for (int i = 0; i < r.points_size(); ++i) {
    PointResult& point = *r.mutable_points(i);
    point.clear_outcomes();
    point.clear_samples();
    for (const Measure& m : r.measures()) {
      if (m.has_outcome() || m.has_learned()) AddOutcome(m, counted[i], point);
      if (m.has_latency() || m.has_count()) AddSample(m, counted[i], point);
    }
  }
}

}  // namespace sct::scenarios::experiment

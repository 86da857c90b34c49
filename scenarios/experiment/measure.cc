#include "scenarios/experiment/measure.h"

#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sct::scenarios::experiment {
namespace {

namespace sv1 = ::scenario::v1;

using Steps = std::map<std::string, const sv1::StepResult*>;

// Steps that ran (PASSED or FAILED: an observed outcome), by id.
Steps RanSteps(const sv1::ScenarioResult& r) {
  Steps out;
  for (const sv1::StepResult& s : r.steps()) {
    if (s.status() == sv1::PASSED || s.status() == sv1::FAILED) out[s.step_id()] = &s;
  }
  return out;
}

bool Holds(const sv1::StepCondition& c, const Steps& steps) {
  auto it = steps.find(c.step());
  if (it == steps.end()) return false;
  const sv1::StepResult& s = *it->second;
  if (c.has_ok()) {
    const bool ok =
        s.code() == "OK" && (s.action() != "use" || s.access() == ::access_point::v1::GRANTED);
    if (ok != c.ok()) return false;
  }
  if (!c.code().empty() && s.code() != c.code()) return false;
  if (!c.reason().empty() && s.reason() != c.reason()) return false;
  return true;
}

std::string Category(const sv1::OutcomeMeasure& o, const Steps& steps) {
  for (const sv1::OutcomeCategory& cat : o.categories()) {
    bool all = true;
    for (const sv1::StepCondition& c : cat.when()) all = all && Holds(c, steps);
    if (all) return cat.name();
  }
  return o.otherwise().empty() ? "other" : o.otherwise();
}

double Millis(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds()) * 1e3 + t.nanos() / 1e6;
}
double Millis(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) * 1e3 + d.nanos() / 1e6;
}

std::optional<double> Latency(const sv1::LatencyMeasure& l, const Steps& steps) {
  auto from = steps.find(l.from_step());
  auto to = steps.find(l.to_step().empty() ? l.from_step() : l.to_step());
  if (from == steps.end() || to == steps.end()) return std::nullopt;
  return Millis(to->second->started_at()) + Millis(to->second->duration()) -
         Millis(from->second->started_at());
}

bool Matches(const sv1::TraceFilter& f, const ::common::v1::TraceEvent& e) {
  return (f.from().empty() || e.from() == f.from()) && (f.to().empty() || e.to() == f.to()) &&
         (f.rpc().empty() || absl::StrContains(e.rpc(), f.rpc()));
}

std::optional<double> Count(const sv1::CountMeasure& c, const sv1::ScenarioResult& r,
                            const Steps& steps) {
  switch (c.what_case()) {
    case sv1::CountMeasure::kTrace: {
      double n = 0;
      for (const auto& e : r.trace()) n += Matches(c.trace(), e) ? 1 : 0;
      return n;
    }
    case sv1::CountMeasure::kAttemptsOfStep: {
      auto it = steps.find(c.attempts_of_step());
      if (it == steps.end()) return std::nullopt;
      return it->second->attempts();
    }
    case sv1::CountMeasure::kStepDetail: {
      const size_t dot = c.step_detail().find('.');
      auto it = steps.find(c.step_detail().substr(0, dot));
      if (it == steps.end()) return std::nullopt;
      auto d = it->second->details().find(c.step_detail().substr(dot + 1));
      double v = 0;
      if (d == it->second->details().end() || !absl::SimpleAtod(d->second, &v)) {
        return std::nullopt;
      }
      return v;
    }
    default:
      return std::nullopt;
  }
}

std::string Learned(const sv1::LearnedMeasure& l, const sv1::ScenarioResult& r) {
  for (const sv1::KnowledgeAuditRow& row : r.knowledge_audit()) {
    if (row.actor() == l.actor() && row.item() == l.item()) return row.learned() ? "yes" : "no";
  }
  return "no";
}

}  // namespace

void AddLearnedAssertions(const sv1::Experiment& e, sv1::Scenario& s) {
  for (const sv1::Measure& m : e.measures()) {
    if (!m.has_learned()) continue;
    sv1::Assertion* a = s.add_assertions();
    a->set_name(absl::StrCat(kLearnedAssertionPrefix, m.name()));
    a->mutable_knowledge()->set_actor(m.learned().actor());
    a->mutable_knowledge()->add_must_learn(m.learned().item());
  }
}

bool RunErrored(const sv1::ScenarioResult& r, bool judge_expectations, std::string* why) {
  auto say = [&](std::string s) {
    if (why != nullptr) *why = std::move(s);
    return true;
  };
  if (r.not_applicable()) return say(r.first_failure());
  bool ran = false;
  for (const sv1::StepResult& s : r.steps()) {
    if (s.status() == sv1::ERRORED) {
      return say(absl::StrCat("step ", s.step_id(), ": ", s.observed()));
    }
    ran = ran || s.status() == sv1::PASSED || s.status() == sv1::FAILED;
  }
  if (!ran && r.steps_size() > 0) return say(r.first_failure());
  if (judge_expectations && !r.passed()) return say(r.first_failure());
  return false;
}

void MeasureRun(const sv1::Experiment& e, const sv1::ScenarioResult& r, sv1::RunRecord& record) {
  const Steps steps = RanSteps(r);
  auto& cats = *record.mutable_categories();
  auto& values = *record.mutable_values();
  for (const sv1::Measure& m : e.measures()) {
    switch (m.kind_case()) {
      case sv1::Measure::kOutcome:
        cats[m.name()] = Category(m.outcome(), steps);
        break;
      case sv1::Measure::kLearned:
        cats[m.name()] = Learned(m.learned(), r);
        break;
      case sv1::Measure::kLatency:
        if (auto v = Latency(m.latency(), steps)) values[m.name()] = *v;
        break;
      case sv1::Measure::kCount:
        if (auto v = Count(m.count(), r, steps)) values[m.name()] = *v;
        break;
      default:
        break;
    }
  }
}

bool NeedsTrace(const sv1::Experiment& e) {
  for (const sv1::Measure& m : e.measures()) {
    if (m.has_count() && m.count().has_trace()) return true;
  }
  return false;
}

bool NeedsAudit(const sv1::Experiment& e) {
  if (e.judge_expectations()) return true;
  for (const sv1::Measure& m : e.measures()) {
    if (m.has_learned()) return true;
  }
  return false;
}

}  // namespace sct::scenarios::experiment

#include "scenarios/experiment/point_checks.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scenarios/engine/parse.h"
#include "scenarios/experiment/measure.h"
#include "scenarios/experiment/param_path.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios::experiment {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

std::pair<int, int> Pos(const Loc& l, const std::string& field, int index) {
  if (l.tree == nullptr || l.type == nullptr) return {l.line, l.col};
  const FieldDescriptor* f = l.type->FindFieldByName(field);
  if (f == nullptr) return {l.line, l.col};
  TextFormat::ParseLocation p = l.tree->GetLocation(f, f->is_repeated() ? index : -1);
  // A list ("values: [a, b]") records where it starts, not each element.
  if (p.line < 0 && f->is_repeated() && index > 0) p = l.tree->GetLocation(f, 0);
  if (p.line < 0) return {l.line, l.col};
  return {p.line, p.column};
}

std::set<std::string> StepIds(const sv1::Scenario& s) {
  std::set<std::string> ids;
  for (const sv1::Step& st : s.steps()) ids.insert(st.id());
  return ids;
}

bool IsCodeName(const std::string& code) {
  sv1::StatusCode c;
  return code == "OK" || (sv1::StatusCode_Parse(code, &c) && c != sv1::ANY_ERROR_CODE);
}

void CheckOutcome(const sv1::OutcomeMeasure& o, const std::set<std::string>& steps, const Loc& ml,
                  const std::string& path, Checker& c) {
  const Loc ol = Nested(ml, "outcome");
  if (o.categories_size() == 0) c.Err(ml, "outcome", -1, path, "needs at least one category");
  std::set<std::string> names = {o.otherwise().empty() ? "other" : o.otherwise()};
  for (int k = 0; k < o.categories_size(); ++k) {
    const sv1::OutcomeCategory& cat = o.categories(k);
    const Loc cl = Nested(ol, "categories", k);
    const std::string cp = absl::StrCat(path, ".categories[", k, "]");
    if (cat.name().empty()) c.Err(cl, "name", -1, cp + ".name", "required");
    if (!cat.name().empty() && !names.insert(cat.name()).second) {
      c.Err(cl, "name", -1, cp + ".name", absl::StrCat("duplicate category \"", cat.name(), "\""));
    }
    for (int w = 0; w < cat.when_size(); ++w) {
      const sv1::StepCondition& cond = cat.when(w);
      const Loc wl = Nested(cl, "when", w);
      const std::string wp = absl::StrCat(cp, ".when[", w, "]");
      if (steps.count(cond.step()) == 0) {
        c.Err(wl, "step", -1, wp + ".step", absl::StrCat("no step \"", cond.step(), "\""));
      }
      if (!cond.code().empty() && !IsCodeName(cond.code())) {
        c.Err(wl, "code", -1, wp + ".code",
              absl::StrCat("\"", cond.code(), "\" is not a status code name (OK, NOT_FOUND, ...)"));
      }
    }
  }
}

void CheckCount(const sv1::CountMeasure& n, const std::set<std::string>& steps, const Loc& ml,
                const std::string& path, Checker& c) {
  const Loc nl = Nested(ml, "count");
  switch (n.what_case()) {
    case sv1::CountMeasure::kAttemptsOfStep:
      if (steps.count(n.attempts_of_step()) == 0) {
        c.Err(nl, "attempts_of_step", -1, path + ".attempts_of_step",
              absl::StrCat("no step \"", n.attempts_of_step(), "\""));
      }
      break;
    case sv1::CountMeasure::kStepDetail: {
      const size_t dot = n.step_detail().find('.');
      if (dot == std::string::npos || dot + 1 == n.step_detail().size()) {
        c.Err(nl, "step_detail", -1, path + ".step_detail", "write STEP.KEY, e.g. guess.guess_hits");
      } else if (steps.count(n.step_detail().substr(0, dot)) == 0) {
        c.Err(nl, "step_detail", -1, path + ".step_detail",
              absl::StrCat("no step \"", n.step_detail().substr(0, dot), "\""));
      }
      break;
    }
    case sv1::CountMeasure::kTrace:
      break;
    default:
      c.Err(ml, "count", -1, path, "says nothing to count (trace, attempts_of_step, step_detail)");
  }
}

void CheckOneMeasure(const sv1::Measure& m, const sv1::Scenario& base, const std::string& file,
                     const std::set<std::string>& steps, const Loc& ml, const std::string& path,
                     Checker& c) {
  switch (m.kind_case()) {
    case sv1::Measure::kOutcome:
      CheckOutcome(m.outcome(), steps, ml, path + ".outcome", c);
      break;
    case sv1::Measure::kLatency: {
      const Loc ll = Nested(ml, "latency");
      if (steps.count(m.latency().from_step()) == 0) {
        c.Err(ll, "from_step", -1, path + ".latency.from_step",
              absl::StrCat("no step \"", m.latency().from_step(), "\""));
      }
      if (!m.latency().to_step().empty() && steps.count(m.latency().to_step()) == 0) {
        c.Err(ll, "to_step", -1, path + ".latency.to_step",
              absl::StrCat("no step \"", m.latency().to_step(), "\""));
      }
      break;
    }
    case sv1::Measure::kCount:
      CheckCount(m.count(), steps, ml, path + ".count", c);
      break;
    case sv1::Measure::kLearned: {
      sv1::Experiment one;
      *one.add_measures() = m;
      sv1::Scenario s = base;
      AddLearnedAssertions(one, s);
      const std::string problem = ScenarioProblem(s, file, false);
      if (!problem.empty()) c.Err(ml, "learned", -1, path + ".learned", problem);
      break;
    }
    default:
      c.Err(ml, "name", -1, path, "measures nothing (outcome, latency, count or learned)");
  }
}

}  // namespace

Loc Nested(const Loc& l, const std::string& field, int index) {
  Loc out;
  auto [line, col] = Pos(l, field, index);
  out.line = line;
  out.col = col;
  const FieldDescriptor* f = l.type == nullptr ? nullptr : l.type->FindFieldByName(field);
  if (f == nullptr || f->message_type() == nullptr) return out;
  out.type = f->message_type();
  if (l.tree != nullptr) out.tree = l.tree->GetTreeForNested(f, f->is_repeated() ? index : -1);
  return out;
}

Loc Checker::Root(const TextFormat::ParseInfoTree* tree) const {
  Loc l;
  l.tree = tree;
  l.type = sv1::Experiment::descriptor();
  return l;
}

void Checker::Err(const Loc& l, const std::string& field, int index, const std::string& path,
                  const std::string& problem) {
  auto [line, col] = Pos(l, field, index);
  errors_.push_back(absl::StrCat(file_, ":", line + 1, ":", col + 1, ": ", path, ": ", problem));
}

std::string ScenarioProblem(const sv1::Scenario& s, const std::string& file, bool resolve) {
  std::vector<std::string> errors = ValidateScenario(s, nullptr, file);
  if (!errors.empty()) {
    // Without a parse tree every line reads "FILE:1:1: field: problem".
    std::string first = errors.front();
    if (absl::StartsWith(first, file + ":")) {
      const size_t at = first.find(": ", file.size());
      if (at != std::string::npos) first = first.substr(at + 2);
    }
    return first;
  }
  if (!resolve) return "";
  absl::StatusOr<ResolvedTopology> t = ResolveTopology(s.topology());
  return t.ok() ? "" : std::string(t.status().message());
}

void CheckParameters(const sv1::Experiment& e, const sv1::Scenario& base,
                     const std::string& scenario_file, const Loc& root, Checker& c) {
  std::set<std::string> names;
  for (int i = 0; i < e.parameters_size(); ++i) {
    const sv1::Parameter& p = e.parameters(i);
    const Loc pl = Nested(root, "parameters", i);
    const std::string pp = absl::StrCat("parameters[", i, "]");
    if (p.name().empty()) c.Err(pl, "name", -1, pp + ".name", "required");
    if (!p.name().empty() && !names.insert(p.name()).second) {
      c.Err(pl, "name", -1, pp + ".name", absl::StrCat("duplicate parameter \"", p.name(), "\""));
    }
    if (p.path().empty()) c.Err(pl, "name", -1, pp + ".path", "required");
    if (p.values_size() == 0) c.Err(pl, "name", -1, pp + ".values", "at least one value");
    if (p.labels_size() != 0 && p.labels_size() != p.values_size()) {
      c.Err(pl, "labels", 0, pp + ".labels",
            absl::StrCat(p.labels_size(), " labels for ", p.values_size(), " values"));
    }
    if (p.path().empty()) continue;
    const bool topo = IsTopologyPath(p.path());
    std::set<std::string> reported;
    for (int j = 0; j < p.values_size(); ++j) {
      sv1::Scenario s = base;
      absl::Status st = ApplyPath(s, p.path(), p.values(j));
      for (const std::string& also : p.also_paths()) {
        if (st.ok()) st = ApplyPath(s, also, p.values(j));
      }
      const std::string vp = absl::StrCat(pp, ".values[", j, "]");
      std::string problem;
      if (!st.ok()) {
        problem = std::string(st.message());
      } else if (std::string bad = ScenarioProblem(s, scenario_file, topo); !bad.empty()) {
        problem = absl::StrCat("value \"", p.values(j), "\" makes the scenario invalid: ", bad);
      }
      if (!problem.empty() && reported.insert(problem).second) {
        c.Err(pl, "values", j, vp, problem);
      }
    }
  }
}

void CheckMeasures(const sv1::Experiment& e, const sv1::Scenario& base,
                   const std::string& scenario_file, const Loc& root, Checker& c) {
  const std::set<std::string> steps = StepIds(base);
  std::set<std::string> names;
  for (int i = 0; i < e.measures_size(); ++i) {
    const sv1::Measure& m = e.measures(i);
    const Loc ml = Nested(root, "measures", i);
    const std::string mp = absl::StrCat("measures[", i, "]");
    if (m.name().empty()) c.Err(ml, "name", -1, mp + ".name", "required");
    if (!m.name().empty() && !names.insert(m.name()).second) {
      c.Err(ml, "name", -1, mp + ".name", absl::StrCat("duplicate measure \"", m.name(), "\""));
    }
    CheckOneMeasure(m, base, scenario_file, steps, ml, mp, c);
  }
}

void CheckCharts(const sv1::Experiment& e, const Loc& root, Checker& c) {
  std::map<std::string, const sv1::Measure*> measures;
  for (const sv1::Measure& m : e.measures()) measures[m.name()] = &m;
  std::set<std::string> params;
  for (const sv1::Parameter& p : e.parameters()) params.insert(p.name());
  const std::set<std::string> statistics = {"", "mean", "p50", "p90", "p95", "p99"};
  for (int i = 0; i < e.charts_size(); ++i) {
    const sv1::Chart& ch = e.charts(i);
    const Loc cl = Nested(root, "charts", i);
    const std::string cp = absl::StrCat("charts[", i, "]");
    auto it = measures.find(ch.measure());
    if (it == measures.end()) {
      c.Err(cl, "measure", -1, cp + ".measure", absl::StrCat("no measure \"", ch.measure(), "\""));
    } else if (it->second->has_outcome() || it->second->has_learned()) {
      std::set<std::string> cats = {"yes", "no"};
      if (it->second->has_outcome()) {
        const sv1::OutcomeMeasure& o = it->second->outcome();
        cats = {o.otherwise().empty() ? "other" : o.otherwise()};
        for (const auto& k : o.categories()) cats.insert(k.name());
      }
      if (cats.count(ch.category()) == 0) {
        c.Err(cl, "category", -1, cp + ".category",
              absl::StrCat("\"", ch.category(), "\" is not a category of ", ch.measure(), " (",
                           absl::StrJoin(cats, ", "), ")"));
      }
      if (!ch.statistic().empty()) {
        c.Err(cl, "statistic", -1, cp + ".statistic", "only for latency and count measures");
      }
    } else if (statistics.count(ch.statistic()) == 0) {
      c.Err(cl, "statistic", -1, cp + ".statistic",
            absl::StrCat("\"", ch.statistic(), "\": write mean, p50, p90, p95 or p99"));
    }
    if (params.count(ch.x()) == 0) {
      c.Err(cl, "x", -1, cp + ".x", absl::StrCat("no parameter \"", ch.x(), "\""));
    }
    if (!ch.series().empty() && (params.count(ch.series()) == 0 || ch.series() == ch.x())) {
      c.Err(cl, "series", -1, cp + ".series",
            absl::StrCat("\"", ch.series(), "\" is not a parameter other than x"));
    }
  }
}

void CheckPoints(const LoadedExperiment& e, const Loc& root, Checker& c) {
  if (e.parameters.size() < 2) return;
  bool resolve = false;
  for (const auto& p : e.parameters) resolve = resolve || p.forces_relaunch();
  std::set<std::string> reported;
  const int last = static_cast<int>(e.parameters.size()) - 1;
  for (const std::vector<int>& point : e.points) {
    absl::StatusOr<sv1::Scenario> s = PointScenario(e, point, 1);
    std::string problem = s.ok() ? ScenarioProblem(*s, e.scenario_file, resolve)
                                 : std::string(s.status().message());
    if (problem.empty() || !reported.insert(problem).second) continue;
    std::vector<std::string> at;
    for (size_t i = 0; i < point.size(); ++i) {
      const sv1::Parameter& p = e.parameters[i].parameter();
      at.push_back(absl::StrCat(p.name(), "=\"", p.values(point[i]), "\""));
    }
    c.Err(Nested(root, "parameters", last), "values", point[last],
          absl::StrCat("parameters[", last, "].values[", point[last], "]"),
          absl::StrCat("the point ", absl::StrJoin(at, ", "), " makes the scenario invalid: ",
                       problem));
  }
}

}  // namespace sct::scenarios::experiment

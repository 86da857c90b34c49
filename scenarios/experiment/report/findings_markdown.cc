#include "scenarios/experiment/report/findings_markdown.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "scenarios/experiment/report/aggregate.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using scenario::v1::Measure;
using scenario::v1::PointResult;
using sct::findings::ExperimentAnswer;
using sct::findings::Question;

// Text from a result, safe in a Markdown paragraph or table cell: one line
// (so never a block quote or heading), no table or code delimiters, no HTML
// tags, no emphasis or links.
std::string Md(const std::string& s) {
  return absl::StrReplaceAll(s, {{"\r", " "},
                                 {"\n", " "},
                                 {"|", "\\|"},
                                 {"`", "'"},
                                 {"<", "&lt;"},
                                 {"*", "\\*"},
                                 {"_", "\\_"},
                                 {"[", "\\["},
                                 {"]", "\\]"}});
}

// A name in a code span (no backticks inside).
std::string Code(const std::string& s) {
  return absl::StrCat("`", absl::StrReplaceAll(s, {{"`", "'"}, {"\n", " "}, {"|", "\\|"}}), "`");
}

std::string Pct(double f) { return absl::StrFormat("%.1f", 100 * f); }

std::string Num(double v) { return absl::StrFormat("%.4g", v); }

std::string FirstSentence(const std::string& text) {
  const size_t end = text.find(". ");
  return end == std::string::npos ? text : text.substr(0, end + 1);
}

const ExperimentResult* FindResult(const FindingsSources& s, const std::string& name) {
  for (const auto& r : s.results) {
    if (r.name() == name) return &r;
  }
  return nullptr;
}

const scenario::v1::ScenarioResult* FindScenario(const FindingsSources& s, const std::string& name) {
  if (!s.scenario_report) return nullptr;
  for (const auto& r : s.scenario_report->scenarios()) {
    if (r.name() == name) return &r;
  }
  return nullptr;
}

std::string PointLabel(const PointResult& p, int i) {
  if (i < p.labels_size() && !p.labels(i).empty()) return p.labels(i);
  return i < p.values_size() ? p.values(i) : "";
}

std::string TableHead(const ExperimentResult& r, const std::vector<std::string>& columns) {
  std::vector<std::string> head;
  for (const auto& p : r.parameters()) head.push_back(Md(p.parameter().name()));
  head.insert(head.end(), columns.begin(), columns.end());
  std::string out = absl::StrCat("| ", absl::StrJoin(head, " | "), " |\n|");
  for (size_t i = 0; i < head.size(); ++i) {
    absl::StrAppend(&out, i < static_cast<size_t>(r.parameters_size()) ? " --- |" : " ---: |");
  }
  return out + "\n";
}

std::string RowStart(const ExperimentResult& r, const PointResult& p) {
  std::string out = "|";
  for (int i = 0; i < r.parameters_size(); ++i) absl::StrAppend(&out, " ", Md(PointLabel(p, i)), " |");
  return out;
}

void AppendOutcomeTable(std::string& out, const ExperimentResult& r, const Measure& m,
                        const std::string& only) {
  std::vector<std::string> categories;
  for (const auto& c : MeasureCategories(m)) {
    if (only.empty() || c == only) categories.push_back(c);
  }
  std::vector<std::string> columns;
  for (const auto& c : categories) {
    columns.push_back(absl::StrCat(Md(m.name()), " = ", Md(c), " (95 % CI)"));
  }
  columns.push_back("runs");
  out += TableHead(r, columns);
  for (const PointResult& p : r.points()) {
    out += RowStart(r, p);
    for (const auto& category : categories) {
      std::string cell = "no runs counted";
      for (const auto& o : p.outcomes()) {
        for (const auto& c : o.categories()) {
          if (o.measure() != m.name() || c.category() != category || c.trials() == 0) continue;
          cell = absl::StrCat(Pct(c.estimate()), " % [", Pct(c.ci_low()), "–", Pct(c.ci_high()),
                              " %] (", c.count(), "/", c.trials(), ")");
        }
      }
      absl::StrAppend(&out, " ", cell, " |");
    }
    absl::StrAppend(&out, " ", p.runs(), p.errored() > 0 ? absl::StrCat(" (", p.errored(), " errored)") : "",
                    " |\n");
  }
}

void AppendSampleTable(std::string& out, const ExperimentResult& r, const Measure& m) {
  const std::string unit = MeasureUnit(m) == "ms" ? " ms" : "";
  out += TableHead(r, {absl::StrCat(Md(m.name()), ": mean (95 % CI)"), "p50", "p95", "n"});
  for (const PointResult& p : r.points()) {
    out += RowStart(r, p);
    const scenario::v1::SampleSummary* s = nullptr;
    for (const auto& candidate : p.samples()) {
      if (candidate.measure() == m.name()) s = &candidate;
    }
    if (s == nullptr || s->n() == 0) {
      absl::StrAppend(&out, " no values | | | 0 |\n");
      continue;
    }
    absl::StrAppend(&out, " ", Num(s->mean()), unit, " [", Num(s->mean_ci_low()), "–",
                    Num(s->mean_ci_high()), "] | ", Num(s->p50()), unit, " | ", Num(s->p95()),
                    unit, " | ", s->n(), " |\n");
  }
}

void AppendExperiment(std::string& out, const ExperimentAnswer& a, const FindingsSources& s) {
  const ExperimentResult* r = FindResult(s, a.experiment());
  const std::string about = a.about().empty() ? "" : absl::StrCat(": ", Md(a.about()));
  if (r == nullptr) {
    absl::StrAppend(&out, "- Experiment ", Code(a.experiment()), about,
                    ". **No result yet** (no result.json of that name under ",
                    Code(s.results_dir), ").\n\n");
    return;
  }
  uint32_t runs = 0, errored = 0;
  for (const auto& p : r->points()) runs += p.runs(), errored += p.errored();
  absl::StrAppend(&out, "- Experiment ", Code(r->name()), about, ". ",
                  r->file().empty() ? "" : absl::StrCat("File ", Code(r->file()), ", "), runs,
                  " runs (", errored, " errored) at ", r->points_size(), " points",
                  r->has_started_at()
                      ? absl::StrCat(", run ", report::FormatUtcTime(r->started_at()))
                      : "",
                  ".\n\n");
  if (!r->error().empty()) {
    absl::StrAppend(&out, "  The experiment stopped: ", Md(r->error()), "\n\n");
  }
  bool any = false;
  for (const Measure& m : r->measures()) {
    if (!a.measure().empty() && m.name() != a.measure()) continue;
    any = true;
    if (m.has_outcome() || m.has_learned()) AppendOutcomeTable(out, *r, m, a.category());
    if (m.has_latency() || m.has_count()) AppendSampleTable(out, *r, m);
    out += "\n";
  }
  if (!any) {
    absl::StrAppend(&out, "  The result has no measure ", Code(a.measure()), ".\n\n");
  }
}

std::string ScenarioLine(const std::string& name, const FindingsSources& s) {
  if (!s.scenario_report) {
    return absl::StrCat("- Scenario ", Code(name), ": **no result yet** (no scenario report).\n");
  }
  if (const scenario::v1::ScenarioResult* found = FindScenario(s, name)) {
    const scenario::v1::ScenarioResult& r = *found;
    const std::string verdict = r.not_applicable() ? "not applicable"
                                : r.passed()       ? "passed"
                                                   : "FAILED";
    std::string line = absl::StrCat("- Scenario ", Code(name), ": **", verdict, "**");
    if (!r.description().empty()) absl::StrAppend(&line, ". ", Md(FirstSentence(r.description())));
    if (!r.passed() && !r.not_applicable() && !r.first_failure().empty()) {
      absl::StrAppend(&line, " First failure: ", Md(r.first_failure()));
    }
    // Its knowledge assertions (who must or must not learn what), and its
    // timing assertions, measured in that one seeded run.
    int held = 0, violated = 0;
    for (const auto& a : r.knowledge_audit()) {
      held += a.verdict() == scenario::v1::AUDIT_OK;
      violated += a.verdict() == scenario::v1::AUDIT_VIOLATED;
    }
    if (held + violated > 0) {
      absl::StrAppend(&line, " Knowledge audit: ", held, " of ", held + violated,
                      " assertions held.");
    }
    for (const auto& t : r.timings()) {
      absl::StrAppend(&line, " Timing \"", Md(t.name()), "\": ",
                      report::ShortDuration(t.measured()), " (bound ",
                      report::ShortDuration(t.max()), t.passed() ? ", met" : ", MISSED", ").");
    }
    return line + "\n";
  }
  return absl::StrCat("- Scenario ", Code(name), ": **no result yet** (not in ",
                      Code(s.scenario_report_path), ").\n");
}

// One row per question: how many of its experiments have a result, how many
// of its scenarios were run and passed.
void AppendOverview(std::string& out, const sct::findings::FindingsQuestions& questions,
                    const FindingsSources& s) {
  out += "| Question | Experiments with a result | Scenarios passed |\n| --- | ---: | ---: |\n";
  for (const Question& q : questions.questions()) {
    int results = 0, run = 0, passed = 0;
    for (const auto& a : q.experiments()) results += FindResult(s, a.experiment()) != nullptr;
    for (const auto& sc : q.scenarios()) {
      const auto* r = FindScenario(s, sc.scenario());
      run += r != nullptr;
      passed += r != nullptr && r->passed();
    }
    absl::StrAppend(&out, "| ", Md(q.title()), " | ",
                    q.experiments_size() == 0
                        ? "none named"
                        : absl::StrCat(results, " of ", q.experiments_size()),
                    " | ",
                    q.scenarios_size() == 0
                        ? "none named"
                        : absl::StrCat(passed, " of ", q.scenarios_size(),
                                       run < q.scenarios_size()
                                           ? absl::StrCat(" (", q.scenarios_size() - run,
                                                          " not run)")
                                           : ""),
                    " |\n");
  }
  out += "\n";
}

void AppendQuestion(std::string& out, const Question& q, const FindingsSources& s) {
  absl::StrAppend(&out, "## ", Md(q.title()), "\n\n*", Md(q.question()), "*\n\n");
  if (q.experiments_size() == 0 && q.scenarios_size() == 0) {
    out += "No experiment or scenario answers this question yet.\n\n";
    return;
  }
  for (const auto& a : q.experiments()) AppendExperiment(out, a, s);
  for (const auto& sc : q.scenarios()) out += ScenarioLine(sc.scenario(), s);
  if (q.scenarios_size() > 0) out += "\n";
}

}  // namespace

std::string FindingsMarkdown(const sct::findings::FindingsQuestions& questions,
                             const FindingsSources& s) {
  std::string out = absl::StrCat(
      "# Findings\n\n"
      "<!-- Generated by ./sct findings from ", s.questions_file, ", the experiment results under ",
      s.results_dir, " and the scenario report ", s.scenario_report_path,
      ". Do not edit: change the questions file or run the experiments again. -->\n\n"
      "The working group's open questions, each with the experiments and suite scenarios that "
      "answer it. Every number below is taken from a result file: frequencies with their 95 % "
      "Wilson score interval and count, latencies and counts with the mean and its 95 % t "
      "interval (docs/experiments.md, \"Statistics\"). Regenerate with `./sct experiment run "
      "scenarios/experiments/*.textproto`, `./sct demo` (the suite's scenario report) and "
      "`./sct findings`.\n\n");
  absl::StrAppend(&out, "Sources: ", s.results.size(), " experiment result",
                  s.results.size() == 1 ? "" : "s", " under ", Code(s.results_dir), "; ");
  if (s.scenario_report) {
    absl::StrAppend(&out, "the scenario report ", Code(s.scenario_report_path), " (",
                    s.scenario_report->scenarios_size(),
                    s.scenario_report->scenarios_size() == 1 ? " scenario" : " scenarios",
                    s.scenario_report->has_started_at()
                        ? absl::StrCat(", run ",
                                       report::FormatUtcTime(s.scenario_report->started_at()))
                        : "",
                    ").\n\n");
  } else {
    absl::StrAppend(&out, "no scenario report at ", Code(s.scenario_report_path), ".\n\n");
  }
  AppendOverview(out, questions, s);
  for (const Question& q : questions.questions()) AppendQuestion(out, q, s);
  return out;
}

}  // namespace sct::scenarios::experiment

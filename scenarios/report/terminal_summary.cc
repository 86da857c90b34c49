#include "scenarios/report/terminal_summary.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/scenario_outcome.h"
#include "scenarios/report/text.h"

namespace sct::scenarios {
namespace {

using report::CodePoints;
using report::ShortDuration;
using report::TerminalSafe;
using report::Truncate;
using scenario::v1::Report;
using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;

constexpr int kMaxNameWidth = 48;

// ANSI codes, all empty without colour.
struct Colors {
  explicit Colors(bool color)
      : green(color ? "\033[1;32m" : ""),
        red(color ? "\033[1;31m" : ""),
        yellow(color ? "\033[1;33m" : ""),
        dim(color ? "\033[2m" : ""),
        bold(color ? "\033[1m" : ""),
        reset(color ? "\033[0m" : "") {}
  const char* green;
  const char* red;
  const char* yellow;
  const char* dim;
  const char* bold;
  const char* reset;
};

// `s` padded with spaces to `width` code points.
std::string Pad(const std::string& s, int width) {
  return absl::StrCat(s, std::string(std::max(0, width - CodePoints(s)), ' '));
}

// "Scenario suite NAME — N scenarios in D" and the column headings.
void AppendHeading(std::string* out, const Report& report, int name_w, const Colors& c) {
  absl::StrAppend(out, c.bold, "Scenario suite ",
                  report.suite().empty() ? "(unnamed)" : TerminalSafe(report.suite()), c.reset,
                  c.dim, " \u2014 ", report.scenarios_size(),
                  report.scenarios_size() == 1 ? " scenario" : " scenarios");
  if (report.has_duration()) absl::StrAppend(out, " in ", ShortDuration(report.duration()));
  absl::StrAppend(out, c.reset, "\n");
  for (const std::string& line : report::RelayHeadline(report)) {
    absl::StrAppend(out, "  ", TerminalSafe(line), "\n");
  }
  // The engine's deadlines were stretched (SCT_TIME_SCALE, e.g. a sanitizer
  // build): the verdicts hold for slower services than usual.
  auto scale = report.environment().find("time_scale");
  if (scale != report.environment().end()) {
    absl::StrAppend(out, "  time scale: ", TerminalSafe(scale->second), "\n");
  }
  absl::StrAppend(out, "\n");
  absl::StrAppend(out, "  ", c.bold, "RESULT  ", Pad("SCENARIO", name_w), "  ",
                  absl::StrFormat("%9s  %7s", "DURATION", "STEPS"), c.reset, "\n");
}

void AppendScenarioRow(std::string* out, const ScenarioResult& r, int name_w, const Colors& c) {
  int steps_ok = 0;
  for (const StepResult& s : r.steps()) steps_ok += s.status() == scenario::v1::PASSED;
  const std::string dur = r.has_duration() ? ShortDuration(r.duration()) : "-";
  const report::Verdict v = report::ScenarioVerdict(r);
  const char* color = v == report::Verdict::kPass            ? c.green
                      : v == report::Verdict::kNotApplicable ? c.yellow
                                                             : c.red;
  absl::StrAppend(out, "  ", color, Pad(report::VerdictLabel(v), 6), c.reset, "  ",
                  Pad(Truncate(TerminalSafe(r.name()), kMaxNameWidth), name_w), "  ",
                  absl::StrFormat("%9s  %7s", dur, absl::StrCat(steps_ok, "/", r.steps_size())),
                  "\n");
}

// The first failing step: id, action and actor, expected and observed.
void AppendFailingStep(std::string* out, const StepResult& first, const std::string& indent,
                       const Colors& c) {
  absl::StrAppend(out, indent, "first failing step: ", c.bold, TerminalSafe(first.step_id()),
                  c.reset);
  std::vector<std::string> what;
  if (!first.action().empty()) what.push_back(TerminalSafe(first.action()));
  if (!first.actor().empty()) what.push_back(TerminalSafe(first.actor()));
  if (!what.empty()) absl::StrAppend(out, c.dim, " (", absl::StrJoin(what, ", "), ")", c.reset);
  if (first.status() == scenario::v1::ERRORED) absl::StrAppend(out, c.red, " ERRORED", c.reset);
  const std::string observed = report::ObservedText(first);
  absl::StrAppend(out, "\n", indent, "  expected: ",
                  first.expected().empty() ? "success" : TerminalSafe(first.expected()), "\n",
                  indent, "  observed: ", c.red,
                  observed.empty() ? "(nothing)" : TerminalSafe(observed), c.reset, "\n");
}

// A failed scenario without a failing step failed an assertion: which.
void AppendFailedAssertions(std::string* out, const ScenarioResult& r, const std::string& indent) {
  for (const auto& t : r.timings()) {
    if (!t.passed()) {
      absl::StrAppend(out, indent, "timing ", TerminalSafe(t.name()), ": ",
                      ShortDuration(t.measured()), " > ", ShortDuration(t.max()), "\n");
    }
  }
  for (const auto& a : r.knowledge_audit()) {
    if (a.verdict() == scenario::v1::AUDIT_VIOLATED) {
      absl::StrAppend(out, indent, "knowledge: ", TerminalSafe(a.actor()),
                      a.must_not_learn() ? " learned " : " did not learn ",
                      common::v1::KnowledgeItem_Name(a.item()), "\n");
    }
  }
  for (const auto& a : r.linkability_audit()) {
    if (a.verdict() == scenario::v1::AUDIT_VIOLATED) {
      absl::StrAppend(out, indent, "linkability: ", TerminalSafe(absl::StrJoin(a.actors(), " + ")),
                      a.must_not_link() ? " can link " : " cannot link ",
                      scenario::v1::Link_Name(a.link()), " of ", TerminalSafe(a.subject()),
                      a.object().empty() ? "" : " and " + TerminalSafe(a.object()), "\n");
    }
  }
}

// Why a scenario failed: its first failing step, then first_failure when it
// adds something, else the failed assertions.
void AppendFailure(std::string* out, const ScenarioResult& r, const Colors& c) {
  const std::string indent(10, ' ');
  const StepResult* first = report::FirstFailingStep(r);
  if (first != nullptr) AppendFailingStep(out, *first, indent, c);
  const bool why_repeats_step = first != nullptr && report::FailureRepeatsStep(r, *first);
  if (!r.first_failure().empty() && !why_repeats_step) {
    absl::StrAppend(out, indent, "why: ", TerminalSafe(r.first_failure()), "\n");
  } else if (first == nullptr) {
    AppendFailedAssertions(out, r, indent);
  }
}

// Why a scenario is not applicable: one line per reason.
void AppendNotApplicable(std::string* out, const ScenarioResult& r) {
  const std::string indent(10, ' ');
  absl::StrAppend(out, indent, "not applicable to the relay under test:\n");
  for (const std::string& why : r.not_applicable_reasons()) {
    absl::StrAppend(out, indent, "  - ", TerminalSafe(why), "\n");
  }
}

}  // namespace

std::string TerminalSummary(const Report& report, bool color) {
  const Colors c(color);
  int passed = 0, failed = 0, not_applicable = 0;
  int name_w = 8;
  for (const ScenarioResult& r : report.scenarios()) {
    const report::Verdict v = report::ScenarioVerdict(r);
    (v == report::Verdict::kPass ? passed
     : v == report::Verdict::kFail ? failed
                                   : not_applicable)++;
    name_w = std::max(name_w, std::min(CodePoints(r.name()), kMaxNameWidth));
  }
  std::string out;
  AppendHeading(&out, report, name_w, c);
  for (const ScenarioResult& r : report.scenarios()) {
    AppendScenarioRow(&out, r, name_w, c);
    if (r.not_applicable()) {
      AppendNotApplicable(&out, r);
    } else if (!r.passed()) {
      AppendFailure(&out, r, c);
    }
  }
  absl::StrAppend(&out, "\n", passed > 0 ? c.green : "", passed, " passed", c.reset, ", ",
                  failed > 0 ? c.red : "", failed, " failed", c.reset);
  if (not_applicable > 0) {
    absl::StrAppend(&out, ", ", c.yellow, not_applicable, " not applicable", c.reset);
  }
  absl::StrAppend(&out, "\n");
  return out;
}

}  // namespace sct::scenarios

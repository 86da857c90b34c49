#include "scenarios/report/report_html.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/page_style.h"
#include "scenarios/report/scenario_outcome.h"
#include "scenarios/report/sequence_diagram_svg.h"
#include "scenarios/report/text.h"

namespace sct::scenarios {
namespace report {
namespace {

using scenario::v1::Report;
using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;
using scenario::v1::StepStatus;

// A protobuf map's entries in key order.
template <typename Map>
std::vector<std::pair<std::string, std::string>> Sorted(const Map& m) {
  std::vector<std::pair<std::string, std::string>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end());
  return v;
}

// The rows of a two-column table of a map (environment, endpoints): key, then the value
// as code.
template <typename Map>
void AppendKeyValueRows(std::string* out, const Map& m) {
  for (const auto& [k, v] : Sorted(m)) {
    absl::StrAppend(out, "<tr><td>", XmlEscape(k), "</td><td><code>", XmlEscape(v),
                    "</code></td></tr>\n");
  }
}

int StepsPassed(const ScenarioResult& r) {
  int ok = 0;
  for (const StepResult& s : r.steps()) ok += s.status() == scenario::v1::PASSED;
  return ok;
}

std::string StepStatusName(StepStatus s) {
  switch (s) {
    case scenario::v1::PASSED:
      return "passed";
    case scenario::v1::FAILED:
      return "FAILED";
    case scenario::v1::SKIPPED:
      return "skipped";
    case scenario::v1::ERRORED:
      return "ERRORED";
    default:
      return "not run";
  }
}

std::string StepClass(StepStatus s) {
  if (s == scenario::v1::PASSED) return "pass-t";
  if (IsFailed(s)) return "fail-t";
  return "skip-t";
}

// "8 OK" / "1 violated, 2 OK" / "—", coloured, for the summary table.
std::string AuditSummary(const ScenarioResult& r) {
  int ok = 0, violated = 0, unknown = 0;
  for (const auto& a : r.knowledge_audit()) {
    if (a.verdict() == scenario::v1::AUDIT_OK) ++ok;
    if (a.verdict() == scenario::v1::AUDIT_VIOLATED) ++violated;
    if (a.verdict() == scenario::v1::AUDIT_UNKNOWN) ++unknown;
  }
  std::vector<std::string> parts;
  if (violated > 0) {
    parts.push_back(absl::StrCat("<span class=\"fail-t\">", violated, " violated</span>"));
  }
  if (ok > 0) parts.push_back(absl::StrCat("<span class=\"pass-t\">", ok, " OK</span>"));
  if (unknown > 0) {
    parts.push_back(absl::StrCat("<span class=\"warn-t\">", unknown, " unknown</span>"));
  }
  if (parts.empty()) return "\u2014";
  return absl::StrJoin(parts, ", ");
}

// Heading (number, name, verdict badge, file, start, duration) and
// description.
// The verdict badge: PASS, FAIL or N/A.
std::string VerdictBadge(const ScenarioResult& r) {
  const Verdict v = ScenarioVerdict(r);
  const char* cls = v == Verdict::kPass ? "pass" : v == Verdict::kFail ? "fail" : "na";
  return absl::StrCat("<span class=\"badge ", cls, "\">", VerdictLabel(v), "</span>");
}

void AppendSectionHead(std::string* out, const ScenarioResult& r, int index) {
  absl::StrAppend(out, "<section class=\"scenario\" id=\"", ScenarioAnchor(index, r.name()),
                  "\">\n");
  absl::StrAppend(out, "<div class=\"head\"><h2>", index + 1, ". ", XmlEscape(r.name()),
                  "</h2> ", VerdictBadge(r));
  std::vector<std::string> meta;
  if (!r.file().empty()) meta.push_back(absl::StrCat("<code>", XmlEscape(r.file()), "</code>"));
  if (r.has_started_at()) meta.push_back(XmlEscape(FormatUtcTime(r.started_at())));
  if (r.has_duration()) meta.push_back(XmlEscape(ShortDuration(r.duration())));
  absl::StrAppend(out, " <span class=\"meta\">", absl::StrJoin(meta, " \u00b7 "),
                  "</span></div>\n");
  if (!r.description().empty()) {
    absl::StrAppend(out, "<p class=\"desc\">", XmlEscape(r.description()), "</p>\n");
  }
}

// The red box: first_failure, and the first failing step's expected and
// observed outcome unless first_failure already says it.
void AppendFailureBox(std::string* out, const ScenarioResult& r) {
  if (r.not_applicable()) {
    absl::StrAppend(out, "<div class=\"na-box\"><b>Not applicable</b> to the relay under test "
                         "(not run; neither passed nor failed):<ul>");
    for (const std::string& why : r.not_applicable_reasons()) {
      absl::StrAppend(out, "<li>", XmlEscape(why), "</li>");
    }
    absl::StrAppend(out, "</ul></div>\n");
    return;
  }
  const StepResult* first = FirstFailingStep(r);
  if (r.first_failure().empty() && first == nullptr) return;
  absl::StrAppend(out, "<div class=\"failure\"><b>First failure:</b> ");
  if (!r.first_failure().empty()) absl::StrAppend(out, XmlEscape(r.first_failure()));
  if (first != nullptr && (r.first_failure().empty() || !FailureRepeatsStep(r, *first))) {
    if (!r.first_failure().empty()) absl::StrAppend(out, "<br>");
    absl::StrAppend(out, "step <code>", XmlEscape(first->step_id()), "</code>: expected <b>",
                    XmlEscape(first->expected().empty() ? "success" : first->expected()),
                    "</b>, observed <b>", XmlEscape(ObservedText(*first)), "</b>");
  }
  absl::StrAppend(out, "</div>\n");
}

void AppendStepRow(std::string* out, const StepResult& s) {
  absl::StrAppend(out, "<tr", IsFailed(s.status()) ? " class=\"failed\"" : "", "><td><code>",
                  XmlEscape(s.step_id()), "</code>");
  if (!s.note().empty())
    absl::StrAppend(out, "<div class=\"note\">", XmlEscape(s.note()), "</div>");
  absl::StrAppend(out, "</td><td>", XmlEscape(s.actor().empty() ? "engine" : s.actor()),
                  "</td><td>", XmlEscape(s.action()), "</td><td>",
                  XmlEscape(s.expected().empty() ? "success" : s.expected()), "</td><td>",
                  XmlEscape(ObservedText(s)));
  if (s.details_size() > 0) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : Sorted(s.details())) kv.push_back(XmlEscape(absl::StrCat(k, "=", v)));
    absl::StrAppend(out, "<div class=\"details\">", absl::StrJoin(kv, " \u00b7 "), "</div>");
  }
  absl::StrAppend(out, "</td><td class=\"", StepClass(s.status()), "\">",
                  StepStatusName(s.status()), "</td><td class=\"num\">",
                  s.has_duration() ? XmlEscape(ShortDuration(s.duration())) : "",
                  "</td>"
                  "<td class=\"num\">",
                  s.attempts(), "</td><td class=\"num\">", s.messages_traced(), "</td></tr>\n");
}

void AppendStepsTable(std::string* out, const ScenarioResult& r) {
  absl::StrAppend(out,
                  "<h3>Steps</h3>\n<table class=\"steps\"><thead><tr><th>Step</th>"
                  "<th>Actor</th><th>Action</th><th>Expected</th><th>Observed</th>"
                  "<th>Status</th><th class=\"num\">Duration</th><th class=\"num\">Attempts"
                  "</th><th class=\"num\">Msgs</th></tr></thead><tbody>\n");
  for (const StepResult& s : r.steps()) AppendStepRow(out, s);
  if (r.steps().empty()) absl::StrAppend(out, "<tr><td colspan=\"9\">no steps</td></tr>\n");
  absl::StrAppend(out, "</tbody></table>\n");
}

void AppendTimingsTable(std::string* out, const ScenarioResult& r) {
  if (r.timings_size() == 0) return;
  absl::StrAppend(out,
                  "<h3>Timing assertions</h3>\n<table class=\"timings\"><thead><tr>"
                  "<th>Assertion</th><th>From (start)</th><th>To (end)</th>"
                  "<th class=\"num\">Measured</th><th class=\"num\">Bound</th>"
                  "<th>Verdict</th></tr></thead><tbody>\n");
  for (const auto& t : r.timings()) {
    absl::StrAppend(out, "<tr", t.passed() ? "" : " class=\"failed\"", "><td>", XmlEscape(t.name()),
                    "</td><td><code>", XmlEscape(t.from_step()), "</code></td><td><code>",
                    XmlEscape(t.to_step()), "</code></td><td class=\"num\">",
                    XmlEscape(ShortDuration(t.measured())), "</td><td class=\"num\">\u2264 ",
                    XmlEscape(ShortDuration(t.max())), "</td><td class=\"",
                    t.passed() ? "pass-t\">held" : "fail-t\">exceeded", "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

// An audit verdict's text and CSS class.
struct VerdictCell {
  const char* text;
  const char* css;
};

VerdictCell VerdictOf(scenario::v1::AuditVerdict v) {
  switch (v) {
    case scenario::v1::AUDIT_OK:
      return {"OK", "pass-t"};
    case scenario::v1::AUDIT_VIOLATED:
      return {"VIOLATED", "fail-t"};
    case scenario::v1::AUDIT_UNKNOWN:
      return {"unknown", "warn-t"};
    case scenario::v1::AUDIT_INFO:
      return {"info", "skip-t"};
    default:
      return {"not evaluated", "skip-t"};
  }
}

void AppendAuditTable(std::string* out, const ScenarioResult& r) {
  absl::StrAppend(out, "<h3>Knowledge audit</h3>\n");
  if (r.knowledge_audit_size() == 0) {
    absl::StrAppend(out, "<p class=\"note\">No knowledge assertions in this scenario.</p>\n");
    return;
  }
  absl::StrAppend(out,
                  "<table class=\"audit\"><thead><tr><th>Actor</th><th>Item</th>"
                  "<th>Rule</th><th>Learned</th><th>Verdict</th><th>Evidence</th></tr>"
                  "</thead><tbody>\n");
  for (const auto& a : r.knowledge_audit()) {
    const char* rule = a.must_not_learn()                        ? "must not learn"
                       : a.verdict() == scenario::v1::AUDIT_INFO ? "info"
                                                                 : "must learn";
    const VerdictCell verdict = VerdictOf(a.verdict());
    absl::StrAppend(out, "<tr",
                    a.verdict() == scenario::v1::AUDIT_VIOLATED ? " class=\"failed\"" : "", "><td>",
                    XmlEscape(a.actor()), "</td><td><code>",
                    XmlEscape(common::v1::KnowledgeItem_Name(a.item())), "</code></td><td>", rule,
                    "</td><td>", a.learned() ? "yes" : "no", "</td><td class=\"", verdict.css,
                    "\">", verdict.text, "</td><td>", XmlEscape(a.evidence()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

// The linkability rows: who (alone or colluding) links what, and the chain
// of calls that shows it (never a value).
void AppendLinkabilityTable(std::string* out, const ScenarioResult& r) {
  if (r.linkability_audit_size() == 0) return;
  absl::StrAppend(out,
                  "<h3>Linkability audit</h3>\n<table class=\"audit\"><thead><tr><th>Actors</th>"
                  "<th>Link</th><th>Of</th><th>Rule</th><th>Linked</th><th>Alone</th>"
                  "<th>Verdict</th><th>Evidence</th></tr></thead><tbody>\n");
  for (const auto& a : r.linkability_audit()) {
    const char* rule = a.verdict() == scenario::v1::AUDIT_INFO ? "info (collusion)"
                       : a.must_not_link()                     ? "must not link"
                                                               : "must link";
    const VerdictCell verdict = VerdictOf(a.verdict());
    const std::string alone = a.collusion_only() ? "none: only together"
                              : a.linked_alone().empty()
                                  ? "\u2014"
                                  : absl::StrJoin(a.linked_alone(), ", ");
    absl::StrAppend(
        out, "<tr", a.verdict() == scenario::v1::AUDIT_VIOLATED ? " class=\"failed\"" : "",
        "><td>", XmlEscape(absl::StrJoin(a.actors(), " + ")), "</td><td><code>",
        XmlEscape(scenario::v1::Link_Name(a.link())), "</code></td><td>", XmlEscape(a.subject()),
        a.object().empty() ? "" : " / ", XmlEscape(a.object()), "</td><td>", rule, "</td><td>",
        a.linked() ? "yes" : "no", "</td><td>", XmlEscape(alone), "</td><td class=\"",
        verdict.css, "\">", verdict.text, "</td><td>", XmlEscape(a.evidence()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

// Who had which loopback address (to read captures and the audit by).
void AppendAddressPlanTable(std::string* out, const ScenarioResult& r) {
  if (r.actor_addresses_size() == 0) return;
  absl::StrAppend(out,
                  "<h3>Address plan</h3>\n<table class=\"endpoints\"><thead><tr>"
                  "<th>Actor</th><th>Loopback address</th></tr></thead><tbody>\n");
  AppendKeyValueRows(out, r.actor_addresses());
  absl::StrAppend(out, "</tbody></table>\n");
}

void AppendEndpointsTable(std::string* out, const ScenarioResult& r) {
  if (r.endpoints_size() == 0) return;
  absl::StrAppend(out,
                  "<h3>Endpoints</h3>\n<table class=\"endpoints\"><thead><tr>"
                  "<th>Actor</th><th>Address</th></tr></thead><tbody>\n");
  AppendKeyValueRows(out, r.endpoints());
  absl::StrAppend(out, "</tbody></table>\n");
}

// How the launched processes ended, when any did not stop cleanly (a crash,
// a sanitizer's report at exit, a SIGKILL after the shutdown grace).
void AppendServiceExitsTable(std::string* out, const ScenarioResult& r) {
  bool any = false;
  for (const auto& e : r.service_exits()) any |= e.kind() != scenario::v1::STOPPED_CLEANLY;
  if (!any) return;
  absl::StrAppend(out,
                  "<h3>Processes that did not stop cleanly</h3>\n<table class=\"endpoints\">"
                  "<thead><tr><th>Service</th><th>Exit status</th><th>What happened</th></tr>"
                  "</thead><tbody>\n");
  for (const auto& e : r.service_exits()) {
    if (e.kind() == scenario::v1::STOPPED_CLEANLY) continue;
    absl::StrAppend(out, "<tr><td>", XmlEscape(e.service()), "</td><td>", e.exit_status(),
                    "</td><td>", XmlEscape(e.detail()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

// Token model PER_OEM_FORMAT: agreements needed for N vendors against those
// declared, and the vendor pairs that cannot share.
void AppendAgreementCensus(std::string* out, const ScenarioResult& r) {
  if (!r.has_agreements() || r.agreements().vendors() == 0) return;
  const scenario::v1::AgreementCensus& c = r.agreements();
  absl::StrAppend(out,
                  "<h3>Provisioning agreements (per-vendor formats)</h3>\n"
                  "<table class=\"agreements\"><thead><tr><th class=\"num\">Vendors</th>"
                  "<th class=\"num\">Needed (directed)</th><th class=\"num\">Needed (mutual)</th>"
                  "<th class=\"num\">Declared (directed)</th><th>Pairs that cannot share</th>"
                  "</tr></thead><tbody>\n<tr><td class=\"num\">",
                  c.vendors(), "</td><td class=\"num\">", c.needed_directed(),
                  "</td><td class=\"num\">", c.needed_mutual(), "</td><td class=\"num\">",
                  c.declared_directed(), "</td><td>");
  std::vector<std::string> missing;
  for (const auto& p : c.missing()) {
    missing.push_back(absl::StrCat(XmlEscape(p.issuer()), " \u2192 ", XmlEscape(p.redeemer())));
  }
  absl::StrAppend(out, missing.empty() ? "none" : absl::StrJoin(missing, ", "),
                  "</td></tr>\n</tbody></table>\n");
}

void AppendScenarioSection(std::string* out, const ScenarioResult& r, int index) {
  AppendSectionHead(out, r, index);
  AppendFailureBox(out, r);
  absl::StrAppend(out, "<h3>Sequence diagram (traced messages)</h3>\n<div class=\"diagram\">",
                  InlineSequenceDiagramSvg(r), "</div>\n");
  AppendStepsTable(out, r);
  AppendTimingsTable(out, r);
  AppendAuditTable(out, r);
  AppendAgreementCensus(out, r);
  AppendLinkabilityTable(out, r);
  AppendServiceExitsTable(out, r);
  AppendEndpointsTable(out, r);
  AppendAddressPlanTable(out, r);
  absl::StrAppend(out, "</section>\n");
}

// Document head, title, meta line (start, duration, count) and totals.
void AppendPageHead(std::string* out, const Report& report) {
  int passed = 0, failed = 0, not_applicable = 0;
  for (const ScenarioResult& r : report.scenarios()) {
    const Verdict v = ScenarioVerdict(r);
    (v == Verdict::kPass ? passed : v == Verdict::kFail ? failed : not_applicable)++;
  }
  const std::string title = absl::StrCat("SCT Lab scenario report \u2014 ",
                                         report.suite().empty() ? "suite" : report.suite());
  absl::StrAppend(out, HtmlPageHead(title));
  absl::StrAppend(out, "<h1>", XmlEscape(title), "</h1>\n<p class=\"meta\">");
  std::vector<std::string> meta;
  if (report.has_started_at()) meta.push_back(XmlEscape(FormatUtcTime(report.started_at())));
  if (report.has_duration()) {
    meta.push_back(absl::StrCat("took ", XmlEscape(ShortDuration(report.duration()))));
  }
  meta.push_back(absl::StrCat(report.scenarios_size(), " scenarios"));
  absl::StrAppend(out, absl::StrJoin(meta, " \u00b7 "), "</p>\n");
  absl::StrAppend(out, "<p class=\"totals\"><span class=\"badge pass\">", passed,
                  " passed</span> <span class=\"badge ", failed > 0 ? "fail" : "pass", "\">",
                  failed, " failed</span>");
  if (not_applicable > 0) {
    absl::StrAppend(out, " <span class=\"badge na\">", not_applicable, " not applicable</span>");
  }
  absl::StrAppend(out, "</p>\n");
  const std::vector<std::string> relay = RelayHeadline(report);
  if (!relay.empty()) {
    std::vector<std::string> escaped;
    for (const std::string& line : relay) escaped.push_back(XmlEscape(line));
    absl::StrAppend(out, "<p class=\"relay-under-test\"><b>Relay under test</b> \u2014 ",
                    absl::StrJoin(escaped, " \u00b7 "), "</p>\n");
  }
}

void AppendEnvironment(std::string* out, const Report& report) {
  if (report.environment_size() == 0) return;
  absl::StrAppend(out, "<h3>Environment</h3>\n<table class=\"env\"><tbody>\n");
  AppendKeyValueRows(out, report.environment());
  absl::StrAppend(out, "</tbody></table>\n");
}

// One summary row: number, linked name, verdict, duration, steps passed,
// messages, audit summary, first failure (or the first failing step).
void AppendSummaryRow(std::string* out, const ScenarioResult& r, int index) {
  std::string why = r.first_failure();
  if (r.not_applicable()) why = absl::StrJoin(r.not_applicable_reasons(), "; ");
  if (why.empty() && !r.passed()) {
    if (const StepResult* f = FirstFailingStep(r)) {
      why = absl::StrCat("step ", f->step_id(), ": expected ",
                         f->expected().empty() ? "success" : f->expected(), ", got ",
                         ObservedText(*f));
    }
  }
  const bool failed = ScenarioVerdict(r) == Verdict::kFail;
  absl::StrAppend(
      out, "<tr", failed ? " class=\"failed\"" : "", "><td>", index + 1, "</td><td><a href=\"#",
      ScenarioAnchor(index, r.name()), "\">", XmlEscape(r.name()), "</a></td><td>", VerdictBadge(r),
      "</td><td class=\"num\">", r.has_duration() ? XmlEscape(ShortDuration(r.duration())) : "",
      "</td><td class=\"num\">", StepsPassed(r), "/", r.steps_size(), "</td><td class=\"num\">",
      r.trace_size(), "</td><td>", AuditSummary(r), "</td><td>", XmlEscape(why), "</td></tr>\n");
}

void AppendSummaryTable(std::string* out, const Report& report) {
  absl::StrAppend(out,
                  "<h3>Summary</h3>\n<table class=\"summary\"><thead><tr><th>#</th>"
                  "<th>Scenario</th><th>Result</th><th class=\"num\">Duration</th>"
                  "<th class=\"num\">Steps passed</th><th class=\"num\">Messages</th>"
                  "<th>Knowledge audit</th><th>First failure</th></tr></thead><tbody>\n");
  for (int i = 0; i < report.scenarios_size(); ++i) {
    AppendSummaryRow(out, report.scenarios(i), i);
  }
  absl::StrAppend(out, "</tbody></table>\n");
}

}  // namespace

std::string ScenarioAnchor(int index, const std::string& name) {
  std::string slug;
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      slug += c;
    } else if (c >= 'A' && c <= 'Z') {
      slug += static_cast<char>(c - 'A' + 'a');
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
    if (slug.size() >= 48) break;
  }
  return absl::StrCat("s", index + 1, slug.empty() ? "" : "-", slug);
}

}  // namespace report

std::string ReportHtml(const scenario::v1::Report& report) {
  std::string out;
  report::AppendPageHead(&out, report);
  report::AppendEnvironment(&out, report);
  report::AppendSummaryTable(&out, report);
  for (int i = 0; i < report.scenarios_size(); ++i) {
    report::AppendScenarioSection(&out, report.scenarios(i), i);
  }
  absl::StrAppend(&out,
                  "<p class=\"note\">Generated by SCT Lab. Diagrams show messages "
                  "recorded by the services (callee side), not the script. Data: "
                  "report.json (scenario.v1.Report).</p>\n</body>\n</html>\n");
  return out;
}

}  // namespace sct::scenarios

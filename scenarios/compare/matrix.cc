#include "scenarios/compare/matrix.h"

#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "scenarios/engine/expect.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;

using Key = std::pair<std::string, cv1::KnowledgeItem>;

// What one run's audit says about (actor, item).
struct Seen {
  bool learned = false;
  bool unknown = false;
  sv1::AuditVerdict verdict = sv1::AUDIT_VERDICT_UNSPECIFIED;  // asserted rows only
};

std::map<Key, Seen> SeenIn(const sv1::ScenarioResult& r) {
  std::map<Key, Seen> out;
  for (const sv1::KnowledgeAuditRow& row : r.knowledge_audit()) {
    Seen& s = out[{row.actor(), row.item()}];
    s.learned |= row.learned();
    if (row.verdict() == sv1::AUDIT_UNKNOWN) s.unknown = true;
    if (row.verdict() != sv1::AUDIT_INFO && row.verdict() != sv1::AUDIT_UNKNOWN) {
      s.verdict = row.verdict();
    }
  }
  return out;
}

std::string VerdictWord(sv1::AuditVerdict v) {
  switch (v) {
    case sv1::AUDIT_OK:
      return "ok";
    case sv1::AUDIT_VIOLATED:
      return "violated";
    default:
      return absl::AsciiStrToLower(sv1::AuditVerdict_Name(v));
  }
}

absl::Duration Seconds(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

std::optional<FlowSpan> FlowSpanOf(const sv1::ScenarioResult& run) {
  int share = -1;
  for (int i = 0; i < run.steps_size() && share < 0; ++i) {
    const sv1::StepResult& s = run.steps(i);
    if (s.action() == "share" && s.status() == sv1::PASSED) share = i;
  }
  if (share < 0) return std::nullopt;
  int end = -1;
  for (int i = share + 1; i < run.steps_size() && end < 0; ++i) {
    const sv1::StepResult& s = run.steps(i);
    if (s.action() == "use" && s.status() == sv1::PASSED &&
        s.access() == ::access_point::v1::GRANTED) {
      end = i;
    }
  }
  for (int i = share + 1; i < run.steps_size() && end < 0; ++i) {
    const sv1::StepResult& s = run.steps(i);
    if (s.action() == "accept" && s.status() == sv1::PASSED) end = i;
  }
  if (end < 0) return std::nullopt;
  FlowSpan span{absl::ZeroDuration(),
                absl::StrCat(run.steps(share).step_id(), " -> ", run.steps(end).step_id())};
  for (int i = share; i <= end; ++i) span.latency += Seconds(run.steps(i).duration());
  return span;
}

std::vector<sv1::AuditDifference> AuditDifferences(const sv1::ScenarioResult& run,
                                                   const sv1::ScenarioResult& baseline) {
  const std::map<Key, Seen> here = SeenIn(run);
  const std::map<Key, Seen> base = SeenIn(baseline);
  std::map<Key, std::pair<Seen, Seen>> both;
  for (const auto& [k, s] : here) both[k].first = s;
  for (const auto& [k, s] : base) both[k].second = s;
  std::vector<sv1::AuditDifference> out;
  for (const auto& [k, pair] : both) {
    const auto& [h, b] = pair;
    if (h.unknown || b.unknown) continue;
    sv1::AuditDifference d;
    d.set_actor(k.first);
    d.set_item(k.second);
    d.set_learned(h.learned);
    d.set_baseline_learned(b.learned);
    d.set_verdict(h.verdict);
    d.set_baseline_verdict(b.verdict);
    const std::string item = cv1::KnowledgeItem_Name(k.second);
    if (h.learned != b.learned) {
      d.set_text(absl::StrCat(k.first, ": ", h.learned ? "+" : "-", item));
    } else if (h.verdict != b.verdict && h.verdict != sv1::AUDIT_VERDICT_UNSPECIFIED &&
               b.verdict != sv1::AUDIT_VERDICT_UNSPECIFIED) {
      d.set_text(absl::StrCat(k.first, ": ", item, " ", VerdictWord(b.verdict), " -> ",
                              VerdictWord(h.verdict)));
    } else {
      continue;
    }
    out.push_back(std::move(d));
  }
  return out;
}

sv1::CompareCell CellOfRun(const sv1::Variant& variant, const sv1::Scenario& scenario,
                           const sv1::ScenarioResult& run) {
  sv1::CompareCell c;
  c.set_variant(variant.name());
  if (run.not_applicable()) {
    c.set_outcome(sv1::COMPARE_NOT_APPLICABLE);
    for (const std::string& r : run.not_applicable_reasons()) c.add_not_applicable_reasons(r);
  } else if (run.passed()) {
    c.set_outcome(sv1::COMPARE_PASSED);
  } else {
    c.set_outcome(sv1::COMPARE_FAILED);
    c.set_first_failure(run.first_failure());
  }
  *c.mutable_duration() = run.duration();
  if (std::optional<FlowSpan> span = FlowSpanOf(run)) {
    *c.mutable_flow_latency() = ToProtoDuration(span->latency);
    c.set_flow_span(span->label);
  }
  c.set_steps_total(run.steps_size());
  std::map<std::string, const sv1::StepResult*> by_id;
  for (const sv1::StepResult& s : run.steps()) {
    by_id[s.step_id()] = &s;
    if (s.status() == sv1::PASSED) c.set_steps_passed(c.steps_passed() + 1);
  }
  for (const sv1::Step& st : scenario.steps()) {
    auto it = st.variant_expect().find(variant.name());
    if (it == st.variant_expect().end()) continue;
    sv1::VariantStep* v = c.add_variant_steps();
    v->set_step_id(st.id());
    v->set_expected(DescribeExpectation(it->second, st.has_use()));
    v->set_default_expected(DescribeExpectation(st.expect(), st.has_use()));
    auto r = by_id.find(st.id());
    if (r != by_id.end()) {
      v->set_observed(r->second->observed());
      v->set_passed(r->second->status() == sv1::PASSED);
    }
  }
  return c;
}

sv1::CompareCell NotApplicableCell(const std::string& variant,
                                   const std::vector<std::string>& reasons) {
  sv1::CompareCell c;
  c.set_variant(variant);
  c.set_outcome(sv1::COMPARE_NOT_APPLICABLE);
  for (const std::string& r : reasons) c.add_not_applicable_reasons(r);
  return c;
}

sv1::CompareCell FailedCell(const std::string& variant, const std::string& why) {
  sv1::CompareCell c;
  c.set_variant(variant);
  c.set_outcome(sv1::COMPARE_FAILED);
  c.set_first_failure(why);
  return c;
}

void CountCells(sv1::CompareResult& result) {
  uint32_t passed = 0, failed = 0, na = 0;
  for (const sv1::CompareRow& row : result.rows()) {
    for (const sv1::CompareCell& c : row.cells()) {
      if (c.outcome() == sv1::COMPARE_PASSED) ++passed;
      if (c.outcome() == sv1::COMPARE_FAILED) ++failed;
      if (c.outcome() == sv1::COMPARE_NOT_APPLICABLE) ++na;
    }
  }
  result.set_passed(passed);
  result.set_failed(failed);
  result.set_not_applicable(na);
}

std::string OutcomeWord(sv1::CompareOutcome outcome) {
  switch (outcome) {
    case sv1::COMPARE_PASSED:
      return "passed";
    case sv1::COMPARE_FAILED:
      return "FAILED";
    case sv1::COMPARE_NOT_APPLICABLE:
      return "not applicable";
    default:
      return "not run";
  }
}

}  // namespace sct::scenarios::compare

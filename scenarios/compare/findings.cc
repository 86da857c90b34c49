#include "scenarios/compare/findings.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "scenarios/compare/matrix.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::string Ms(absl::Duration d) {
  return absl::StrFormat("%.0f ms", absl::ToDoubleMilliseconds(d));
}

absl::Duration Median(std::vector<absl::Duration> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Scenarios(const std::vector<std::string>& names) {
  return absl::StrCat("(", absl::StrJoin(names, ", "), ")");
}

void OutcomeFindings(const sv1::CompareResult& r, int col, std::vector<std::string>& out) {
  const std::string& name = r.variants(col).name();
  int passed = 0, failed = 0, na = 0;
  std::set<std::string> reasons;
  for (const sv1::CompareRow& row : r.rows()) {
    const sv1::CompareCell& c = row.cells(col);
    passed += c.outcome() == sv1::COMPARE_PASSED;
    failed += c.outcome() == sv1::COMPARE_FAILED;
    if (c.outcome() == sv1::COMPARE_NOT_APPLICABLE) {
      ++na;
      reasons.insert(absl::StrJoin(c.not_applicable_reasons(), "; "));
    }
  }
  std::string line = absl::StrCat(name, ": ", passed, " of ", r.rows_size(), " scenarios passed, ",
                                  failed, " failed, ", na, " not applicable");
  if (na == r.rows_size() && reasons.size() == 1) {
    absl::StrAppend(&line, " (every one: ", *reasons.begin(), ")");
  }
  out.push_back(absl::StrCat(line, "."));
}

void AuditFindings(const sv1::CompareResult& r, int col, std::vector<std::string>& out) {
  const std::string& name = r.variants(col).name();
  const std::string& base = r.variants(0).name();
  std::map<std::string, std::vector<std::string>> by_text;
  int both_ran = 0;
  for (const sv1::CompareRow& row : r.rows()) {
    const sv1::CompareCell& c = row.cells(col);
    const sv1::CompareCell& b = row.cells(0);
    // Both run (a cell not run has no duration) and applicable.
    if (!c.has_duration() || !b.has_duration() || c.outcome() == sv1::COMPARE_NOT_APPLICABLE ||
        b.outcome() == sv1::COMPARE_NOT_APPLICABLE) {
      continue;
    }
    ++both_ran;
    for (const sv1::AuditDifference& d : c.audit_differences()) {
      by_text[d.text()].push_back(row.scenario());
    }
  }
  for (const auto& [text, rows] : by_text) {
    out.push_back(absl::StrCat("Under ", name, " against ", base, ", ", text, " in ", rows.size(),
                               " of ", both_ran, " scenarios run under both ", Scenarios(rows),
                               "."));
  }
}

void StepFindings(const sv1::CompareResult& r, int col, std::vector<std::string>& out) {
  const std::string& name = r.variants(col).name();
  for (const sv1::CompareRow& row : r.rows()) {
    const sv1::CompareCell& c = row.cells(col);
    for (const sv1::VariantStep& s : c.variant_steps()) {
      out.push_back(absl::StrCat("Under ", name, ", ", row.scenario(), " step ", s.step_id(),
                                 " expects ", s.expected(), " instead of ", s.default_expected(),
                                 "; observed ",
                                 s.observed().empty() ? "nothing (not run)" : s.observed(),
                                 s.passed() ? "." : " (did not match)."));
    }
  }
}

void LatencyFindings(const sv1::CompareResult& r, int col, std::vector<std::string>& out) {
  std::vector<absl::Duration> here, base;
  for (const sv1::CompareRow& row : r.rows()) {
    const sv1::CompareCell& c = row.cells(col);
    const sv1::CompareCell& b = row.cells(0);
    if (c.outcome() != sv1::COMPARE_PASSED || b.outcome() != sv1::COMPARE_PASSED ||
        !c.has_flow_latency() || !b.has_flow_latency()) {
      continue;
    }
    here.push_back(ToDuration(c.flow_latency()));
    base.push_back(ToDuration(b.flow_latency()));
  }
  if (here.empty()) return;
  const absl::Duration mh = Median(here), mb = Median(base);
  std::string change;
  if (mb > absl::ZeroDuration()) {
    change = absl::StrFormat(" (%+.0f%%)", 100.0 * (absl::FDivDuration(mh, mb) - 1.0));
  }
  out.push_back(absl::StrCat("Median share -> use latency over the ", here.size(),
                             " scenarios both passed: ", r.variants(0).name(), " ", Ms(mb), ", ",
                             r.variants(col).name(), " ", Ms(mh), change, "."));
}

}  // namespace

std::vector<std::string> Findings(const sv1::CompareResult& result) {
  std::vector<std::string> out;
  if (result.variants().empty()) return out;
  for (const sv1::CompareRow& row : result.rows()) {
    if (row.cells_size() != result.variants_size()) {
      out.push_back(absl::StrCat("The matrix is incomplete: ", row.scenario(), " has ",
                                 row.cells_size(), " cells for ", result.variants_size(),
                                 " variants."));
      return out;
    }
  }
  for (int c = 0; c < result.variants_size(); ++c) OutcomeFindings(result, c, out);
  for (int c = 1; c < result.variants_size(); ++c) {
    AuditFindings(result, c, out);
    LatencyFindings(result, c, out);
  }
  for (int c = 0; c < result.variants_size(); ++c) StepFindings(result, c, out);
  for (const sv1::CompareRow& row : result.rows()) {
    for (const sv1::CompareCell& c : row.cells()) {
      if (c.outcome() != sv1::COMPARE_FAILED) continue;
      out.push_back(absl::StrCat("Under ", c.variant(), ", ", row.scenario(), " ",
                                 OutcomeWord(c.outcome()), ": ", c.first_failure()));
    }
  }
  return out;
}

}  // namespace sct::scenarios::compare

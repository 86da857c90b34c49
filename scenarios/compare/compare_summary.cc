#include "scenarios/compare/compare_summary.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::compare {
namespace {

namespace sv1 = ::scenario::v1;
using report::TerminalSafe;

std::string CellText(const sv1::CompareCell& c) {
  switch (c.outcome()) {
    case sv1::COMPARE_PASSED: {
      std::string t = "pass";
      if (c.has_flow_latency()) absl::StrAppend(&t, " ", report::ShortDuration(c.flow_latency()));
      if (!c.audit_differences().empty()) absl::StrAppend(&t, " +", c.audit_differences_size());
      return t;
    }
    case sv1::COMPARE_FAILED:
      return "FAIL";
    case sv1::COMPARE_NOT_APPLICABLE:
      return "n/a";
    default:
      return "-";
  }
}

std::string Pad(const std::string& s, size_t width) {
  const size_t w = report::CodePoints(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

}  // namespace

std::string CompareSummary(const sv1::CompareResult& r) {
  size_t first = 8;
  for (const sv1::CompareRow& row : r.rows()) first = std::max(first, row.scenario().size());
  first = std::min<size_t>(first, 48);
  std::vector<size_t> widths;
  std::string out = Pad("scenario", first + 2);
  for (const sv1::Variant& v : r.variants()) {
    widths.push_back(std::max<size_t>(v.name().size(), 13) + 2);
    absl::StrAppend(&out, Pad(TerminalSafe(v.name()), widths.back()));
  }
  absl::StrAppend(&out, "\n");
  for (const sv1::CompareRow& row : r.rows()) {
    absl::StrAppend(&out, Pad(report::Truncate(TerminalSafe(row.scenario()), first), first + 2));
    for (int i = 0; i < row.cells_size() && i < static_cast<int>(widths.size()); ++i) {
      absl::StrAppend(&out, Pad(CellText(row.cells(i)), widths[i]));
    }
    absl::StrAppend(&out, "\n");
  }
  // Each distinct not-applicable reason once, with the variants it concerns.
  std::map<std::string, std::set<std::string>> reasons;
  std::vector<std::string> failures;
  std::vector<std::string> diffs;
  for (const sv1::CompareRow& row : r.rows()) {
    for (const sv1::CompareCell& c : row.cells()) {
      for (const std::string& why : c.not_applicable_reasons()) reasons[why].insert(c.variant());
      if (c.outcome() == sv1::COMPARE_FAILED) {
        failures.push_back(
            absl::StrCat("  ", row.scenario(), " under ", c.variant(), ": ", c.first_failure()));
      }
      for (const sv1::AuditDifference& d : c.audit_differences()) {
        diffs.push_back(absl::StrCat("  ", row.scenario(), " under ", c.variant(), ": ", d.text()));
      }
    }
  }
  if (!diffs.empty()) absl::StrAppend(&out, "knowledge-audit differences (+N above):\n");
  for (const std::string& d : diffs) absl::StrAppend(&out, TerminalSafe(d), "\n");
  if (!reasons.empty()) absl::StrAppend(&out, "not applicable:\n");
  for (const auto& [why, variants] : reasons) {
    absl::StrAppend(&out, "  ", TerminalSafe(absl::StrJoin(variants, ", ")), ": ",
                    TerminalSafe(why), "\n");
  }
  if (!failures.empty()) absl::StrAppend(&out, "failed:\n");
  for (const std::string& f : failures) absl::StrAppend(&out, TerminalSafe(f), "\n");
  absl::StrAppend(&out, r.passed() + r.failed() + r.not_applicable(), " cells: ", r.passed(),
                  " passed, ", r.failed(), " failed, ", r.not_applicable(), " not applicable\n");
  return out;
}

}  // namespace sct::scenarios::compare

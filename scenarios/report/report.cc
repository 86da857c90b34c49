#include "scenarios/report/report.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct::scenarios {

std::string TerminalSummary(const scenario::v1::Report& report, bool color) {
  return absl::StrCat(report.passed(), " passed, ", report.failed(),
                      " failed\n");
}

std::string SequenceDiagramSvg(const scenario::v1::ScenarioResult& result) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>";
}

std::string ReportHtml(const scenario::v1::Report& report) {
  return "<!DOCTYPE html><html><body></body></html>";
}

absl::Status WriteReport(const scenario::v1::Report& report,
                         const std::string& out_dir) {
  return MakeError(absl::StatusCode::kUnimplemented, "unimplemented",
                   "WriteReport: skeleton");
}

}  // namespace sct::scenarios

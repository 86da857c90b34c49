// LintScenarioFile: a strict parse, then the checks of lint_checks.h section
// by section over one LintContext.
#include "scenarios/suite/suite_lint.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/text_format_errors.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "scenarios/suite/lint_checks.h"
#include "scenarios/suite/lint_context.h"

namespace sct::scenarios::suite {
namespace {

}  // namespace

LintResult LintScenarioFile(const std::string& path, const std::string& text) {
  LintContext c(path, text);
  LintResult result;
  {
    LineErrorCollector collector(c.file, &c.problems, /*warnings=*/true);
    google::protobuf::TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.AllowPartialMessage(false);
    parser.WriteLocationsTo(&c.tree);
    result.parsed = parser.ParseFromString(text, &c.sc);
  }
  if (result.parsed) {
    CheckHeader(c);
    CheckTopLevel(c);
    CheckTopology(c);
    CheckAdversaries(c);
    CheckSteps(c);
    CheckFaults(c);
    CheckAssertions(c);
    result.scenario = c.sc;
  } else if (c.problems.empty()) {
    c.problems.push_back(absl::StrCat(c.file, ":1:1: does not parse"));
  }
  result.problems = std::move(c.problems);
  return result;
}

}  // namespace sct::scenarios::suite

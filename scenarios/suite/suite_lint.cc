// LintScenarioFile: a strict parse, then the checks of lint_checks.h section
// by section over one LintContext.
#include "scenarios/suite/suite_lint.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "scenarios/suite/lint_checks.h"
#include "scenarios/suite/lint_context.h"

namespace sct::scenarios::suite {
namespace {

// Parse errors as "FILE:LINE:COLUMN: message" (one-based).
class Collector : public google::protobuf::io::ErrorCollector {
 public:
  Collector(std::string file, std::vector<std::string>* out) : file_(std::move(file)), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": warning: ", message));
  }

 private:
  std::string file_;
  std::vector<std::string>* out_;
};

}  // namespace

LintResult LintScenarioFile(const std::string& path, const std::string& text) {
  LintContext c(path, text);
  LintResult result;
  {
    Collector collector(c.file, &c.problems);
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

#include "proto/contracts_test_util.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sct::contracts {

std::string Runfile(absl::string_view relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir ? srcdir : ".", "/", workspace ? workspace : "sct_lab", "/",
                      relative);
}

bool ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *contents = buffer.str();
  return true;
}

void RecordingErrorCollector::AddError(int line, google::protobuf::io::ColumnNumber column,
                                       const std::string& message) {
  errors_.push_back({line + 1, column + 1, message});
}

void RecordingErrorCollector::AddWarning(int line, google::protobuf::io::ColumnNumber column,
                                         const std::string& message) {
  warnings_.push_back({line + 1, column + 1, message});
}

std::string RecordingErrorCollector::Describe(absl::string_view file) const {
  std::vector<std::string> lines;
  for (const Error& e : errors_) {
    lines.push_back(absl::StrCat(file, ":", e.line, ":", e.column, ": ", e.message));
  }
  return absl::StrJoin(lines, "\n");
}

bool ParseScenario(const std::string& text, scenario::v1::Scenario* scenario,
                   RecordingErrorCollector* errors,
                   google::protobuf::TextFormat::ParseInfoTree* tree) {
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(errors);
  parser.AllowPartialMessage(false);
  if (tree != nullptr) parser.WriteLocationsTo(tree);
  return parser.ParseFromString(text, scenario);
}

}  // namespace sct::contracts

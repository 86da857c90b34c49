// Helpers shared by the contract tests: runfile paths, whole-file reads, and
// strict text-format parsing of scenario files with errors at one-based
// line and column ("FILE:LINE:COLUMN: message", as the engine reports them).
#ifndef SCT_PROTO_CONTRACTS_TEST_UTIL_H_
#define SCT_PROTO_CONTRACTS_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::contracts {

// Path of a runfile given relative to the workspace root.
std::string Runfile(absl::string_view relative);

// Reads a whole file; false if it cannot be opened.
bool ReadFile(const std::string& path, std::string* contents);

// Collects text-format parse errors with one-based line and column.
class RecordingErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  struct Error {
    int line;
    int column;
    std::string message;
  };

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override;
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override;

  const std::vector<Error>& errors() const { return errors_; }
  const std::vector<Error>& warnings() const { return warnings_; }

  // One "FILE:LINE:COLUMN: message" line per error.
  std::string Describe(absl::string_view file) const;

 private:
  std::vector<Error> errors_;
  std::vector<Error> warnings_;
};

// Parses a scenario strictly (unknown fields and extensions are errors).
bool ParseScenario(const std::string& text, scenario::v1::Scenario* scenario,
                   RecordingErrorCollector* errors,
                   google::protobuf::TextFormat::ParseInfoTree* tree = nullptr);

}  // namespace sct::contracts

#endif  // SCT_PROTO_CONTRACTS_TEST_UTIL_H_

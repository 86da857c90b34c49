// Protobuf text-format syntax errors as "FILE:LINE:COL: message" lines, the
// form every file of the lab (scenario, experiment, findings questions)
// reports its errors in.
#ifndef SCT_COMMON_TEXT_FORMAT_ERRORS_H_
#define SCT_COMMON_TEXT_FORMAT_ERRORS_H_

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/io/tokenizer.h"

namespace sct {

// Appends each error to `out` as "FILE:LINE:COL: message" (1-based line and
// column); with `warnings`, warnings too, as "FILE:LINE:COL: warning: ...".
class LineErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  LineErrorCollector(std::string file, std::vector<std::string>* out, bool warnings = false)
      : file_(std::move(file)), out_(out), warnings_(warnings) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override;
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override;

 private:
  std::string file_;
  std::vector<std::string>* out_;
  bool warnings_;
};

}  // namespace sct

#endif  // SCT_COMMON_TEXT_FORMAT_ERRORS_H_

#include "common/text_format_errors.h"

#include "absl/strings/str_cat.h"

namespace sct {

void LineErrorCollector::AddError(int line, google::protobuf::io::ColumnNumber column,
                                  const std::string& message) {
  out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
}

void LineErrorCollector::AddWarning(int line, google::protobuf::io::ColumnNumber column,
                                    const std::string& message) {
  if (!warnings_) return;
  out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": warning: ", message));
}

}  // namespace sct

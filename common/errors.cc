#include "common/errors.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace sct {

absl::Status MakeError(absl::StatusCode code, absl::string_view reason,
                       absl::string_view message) {
  absl::Status status(code, message);
  // An OK status cannot carry a payload (absl ignores it); a reason only makes
  // sense on an error.
  if (!status.ok() && !reason.empty()) {
    status.SetPayload(kReasonTypeUrl, absl::Cord(reason));
  }
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  if (status.ok()) return "ok";
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonTypeUrl);
  if (payload.has_value() && !payload->empty()) {
    return std::string(*payload);
  }
  // absl::StatusCodeToString gives "NOT_FOUND"; reasons are lower case.
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

absl::Status InvalidField(absl::string_view field, absl::string_view problem) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                   absl::StrCat(field, ": ", problem));
}

}  // namespace sct

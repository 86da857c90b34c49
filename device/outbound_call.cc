#include "device/outbound_call.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"

namespace sct::device {

absl::Status TranslateRpcStatus(const grpc::Status& status, absl::string_view service) {
  if (status.ok()) return absl::OkStatus();
  absl::Status st = FromGrpcStatus(status);
  // The generic code names are what ReasonOf gives when neither gRPC nor the
  // peer said more than the code: the service could not be reached in time.
  const std::string reason = ReasonOf(st);
  if ((st.code() == absl::StatusCode::kUnavailable ||
       st.code() == absl::StatusCode::kDeadlineExceeded) &&
      (reason == "unavailable" || reason == "deadline_exceeded")) {
    return MakeError(absl::StatusCode::kUnavailable, absl::StrCat(service, "_unavailable"),
                     absl::StrCat(service, " unreachable: ", st.message()));
  }
  return st;
}

}  // namespace sct::device

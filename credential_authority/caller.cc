#include "credential_authority/caller.h"

#include "common/errors.h"

namespace sct::ca {

absl::Status RequireOem(const Caller& caller) {
  if (caller.role == CallerRole::kOem) return absl::OkStatus();
  return MakeError(absl::StatusCode::kUnauthenticated, "untrusted_oem",
                   "caller's TLS identity is not a registered OEM");
}

absl::Status RequireAdmin(const Caller& caller) {
  if (caller.role == CallerRole::kAdmin) return absl::OkStatus();
  return MakeError(absl::StatusCode::kPermissionDenied, "not_admin", "admin identity required");
}

absl::StatusOr<std::string> RequireAccessPoint(const Caller& caller,
                                               const std::string& access_point_id) {
  if (caller.role == CallerRole::kAdmin) {
    if (access_point_id.empty()) return InvalidField("access_point_id", "required");
    return access_point_id;
  }
  if (caller.role == CallerRole::kAccessPoint &&
      (access_point_id.empty() || access_point_id == caller.id)) {
    return caller.id;
  }
  return MakeError(absl::StatusCode::kUnauthenticated, "untrusted_access_point",
                   "caller's TLS identity is not this registered access point");
}

}  // namespace sct::ca

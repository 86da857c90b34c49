// Who is calling the authority, as the transport established it (the TLS
// client certificate's common name, classified by CaService::Identify), and
// the checks an RPC makes on the caller before anything else.
//
// Thread-safety: plain values and pure functions.
// Errors: RequireOem: UNAUTHENTICATED "untrusted_oem". RequireAdmin:
// PERMISSION_DENIED "not_admin". RequireAccessPoint: UNAUTHENTICATED
// "untrusted_access_point", or INVALID_ARGUMENT "invalid_field" when the
// admin names no access point.
#ifndef SCT_CREDENTIAL_AUTHORITY_CALLER_H_
#define SCT_CREDENTIAL_AUTHORITY_CALLER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sct::ca {

enum class CallerRole { kAnonymous, kAdmin, kOem, kAccessPoint };

struct Caller {
  CallerRole role = CallerRole::kAnonymous;
  std::string id;  // OEM id, access point id or admin CN; empty if anonymous
};

// OK for a registered OEM.
absl::Status RequireOem(const Caller& caller);

// OK for the admin identity.
absl::Status RequireAdmin(const Caller& caller);

// The access point a call concerns: `access_point_id` for the admin (who must
// name one); the caller itself for a registered access point asking about
// itself (`access_point_id` empty or its own id).
absl::StatusOr<std::string> RequireAccessPoint(const Caller& caller,
                                               const std::string& access_point_id);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CALLER_H_

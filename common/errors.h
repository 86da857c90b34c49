// Errors with a stable, machine-readable reason code.
//
// Every error the project returns is an absl::Status whose code follows
// Abseil's rules (STYLE.md) and which may carry a stable reason string, e.g.
// "invalid_field", "mailbox_not_found", "share_already_redeemed". Clients and
// scenarios match on the reason, never on the message text. The reason rides in
// the status payload under kReasonTypeUrl; the transport mappings
// (status_mapping.h) put it on the wire. All functions are pure and
// thread-safe.
#ifndef SCT_COMMON_ERRORS_H_
#define SCT_COMMON_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sct {

inline constexpr absl::string_view kReasonTypeUrl = "type.sct-lab/reason";

// A status with `code`, `message` and the stable `reason`.
absl::Status MakeError(absl::StatusCode code, absl::string_view reason,
                       absl::string_view message);

// The reason attached by MakeError; otherwise the lower-case canonical code
// name ("not_found", "invalid_argument", ...); "ok" for an OK status.
std::string ReasonOf(const absl::Status& status);

// INVALID_ARGUMENT with reason "invalid_field" and a message that names the
// field: "<field>: <problem>". Use for every bad input.
absl::Status InvalidField(absl::string_view field, absl::string_view problem);

}  // namespace sct

#endif  // SCT_COMMON_ERRORS_H_

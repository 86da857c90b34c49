// RFC 3339 timestamps in UTC, as the draft's `expiration` field uses them.
// Pure functions; thread-safe.
#ifndef SCT_COMMON_RFC3339_H_
#define SCT_COMMON_RFC3339_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct {

// "2025-01-01T00:00:00Z" (whole seconds, as the draft shows) or with
// fractional seconds when `t` has them, in groups of 3 digits ("...00.250Z",
// "...00.000001Z"; sub-nanosecond parts are truncated). RFC 3339 covers years
// 0000-9999 only; times outside that range do not format to parseable text.
std::string FormatRfc3339(absl::Time t);

// Parses RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)",
// 'T'/'t' and 'Z'/'z' accepted, offsets converted to UTC. Rejects anything
// else (INVALID_ARGUMENT naming `field`), including out-of-range fields
// (month 13, Feb 30, Feb 29 outside leap years, hour 24, second 61) and more
// than 9 fractional digits. Second 60 is accepted only as a leap second
// (23:59:60 once converted to UTC) and is read as the following second, since
// absl::Time has no leap seconds.
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view s,
                                        absl::string_view field = "expiration");

}  // namespace sct

#endif  // SCT_COMMON_RFC3339_H_

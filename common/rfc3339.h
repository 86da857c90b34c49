// RFC 3339 timestamps in UTC, as the draft's `expiration` field uses them.
#ifndef SCT_COMMON_RFC3339_H_
#define SCT_COMMON_RFC3339_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct {

// "2025-01-01T00:00:00Z" (whole seconds, as the draft shows) or with
// fractional seconds when `t` has them ("...00.250Z").
std::string FormatRfc3339(absl::Time t);

// Parses RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)",
// 'T'/'t' and 'Z'/'z' accepted, offsets converted to UTC. Rejects anything
// else (INVALID_ARGUMENT naming `field`), including out-of-range fields
// (month 13, Feb 30, hour 24, second 61).
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view s,
                                        absl::string_view field = "expiration");

}  // namespace sct

#endif  // SCT_COMMON_RFC3339_H_

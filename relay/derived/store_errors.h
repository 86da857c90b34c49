// The two errors every DerivedStore returns, built in one place so that the
// reasons stay the same across implementations. Pure; thread-safe.
#ifndef SCT_RELAY_DERIVED_STORE_ERRORS_H_
#define SCT_RELAY_DERIVED_STORE_ERRORS_H_

#include "absl/status/status.h"
#include "common/errors.h"

namespace sct::relay::derived {

inline constexpr char kLocationOccupied[] = "location_occupied";
inline constexpr char kMessageNotFound[] = "message_not_found";

inline absl::Status LocationOccupied() {
  return MakeError(absl::StatusCode::kAlreadyExists, kLocationOccupied,
                   "location: a message is already stored there");
}

inline absl::Status MessageNotFound() {
  return MakeError(absl::StatusCode::kNotFound, kMessageNotFound,
                   "location: no message is stored there");
}

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_STORE_ERRORS_H_

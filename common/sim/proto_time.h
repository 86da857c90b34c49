// Conversions between absl time types and google.protobuf.Timestamp /
// Duration for the sim package, with range checks for values a client sent.
// Pure functions; thread-safe.
#ifndef SCT_COMMON_SIM_PROTO_TIME_H_
#define SCT_COMMON_SIM_PROTO_TIME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace sct::sim {

void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(absl::Duration d, google::protobuf::Duration* out);

// INVALID_ARGUMENT (reason "invalid_field", naming `field`) when nanos is
// out of range or its sign disagrees with seconds, or the value is outside
// +-10000 years.
absl::StatusOr<absl::Time> FromProto(const google::protobuf::Timestamp& t,
                                     absl::string_view field);
absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field);

}  // namespace sct::sim

#endif  // SCT_COMMON_SIM_PROTO_TIME_H_

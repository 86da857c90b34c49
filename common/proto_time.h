// The one home of conversions between absl time types and the protobuf
// well-known types google.protobuf.Timestamp / Duration.
//
// Values that come from outside (a request, a file) go through the checked
// FromProto overloads: they enforce the ranges the well-known types define
// (Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z;
// Duration: +-315,576,000,000 s) and the nanos rules, so that a converted
// value can be turned into microseconds or nanoseconds-since-epoch without
// overflow. Values the process made itself may use the unchecked
// ToAbslTime / ToAbslDuration.
//
// Errors: INVALID_ARGUMENT, reason "invalid_field", naming `field`.
// Pure functions; thread-safe.
#ifndef SCT_COMMON_PROTO_TIME_H_
#define SCT_COMMON_PROTO_TIME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace sct {

// absl -> proto. An infinite time or duration saturates at the range limit
// of the proto type.
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(absl::Duration d, google::protobuf::Duration* out);
google::protobuf::Timestamp ToProtoTimestamp(absl::Time t);
google::protobuf::Duration ToProtoDuration(absl::Duration d);

// proto -> absl, checked (for input from outside the process).
absl::StatusOr<absl::Time> FromProto(const google::protobuf::Timestamp& t, absl::string_view field);
absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field);

// proto -> absl, checked as above and then against [min, max] (both
// inclusive; for a field that must not be negative or absurd, e.g. a delay
// of at most 24h): the message says "must be between <min> and <max>".
absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field, absl::Duration min,
                                         absl::Duration max);

// absl -> proto for a time that came from outside in another form (an RFC
// 3339 string from a peer): the range check of FromProto instead of the
// saturation of ToProto, naming `field`.
absl::StatusOr<google::protobuf::Timestamp> ToProtoChecked(absl::Time t, absl::string_view field);

// proto -> absl, unchecked (for values the process wrote itself).
absl::Time ToAbslTime(const google::protobuf::Timestamp& t);
absl::Duration ToAbslDuration(const google::protobuf::Duration& d);

// The earliest and latest instants a Timestamp may hold.
absl::Time MinProtoTime();
absl::Time MaxProtoTime();

}  // namespace sct

#endif  // SCT_COMMON_PROTO_TIME_H_

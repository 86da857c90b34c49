#include "common/proto_time.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// Ten thousand years, the Duration type's documented limit.
constexpr int64_t kMaxDurationSeconds = 315576000000;

}  // namespace

absl::Time MinProtoTime() { return absl::FromUnixSeconds(kMinTimestampSeconds); }

absl::Time MaxProtoTime() {
  return absl::FromUnixSeconds(kMaxTimestampSeconds) + absl::Nanoseconds(999999999);
}

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  if (t < MinProtoTime()) t = MinProtoTime();
  if (t > MaxProtoTime()) t = MaxProtoTime();
  const absl::Duration since = t - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(absl::Floor(since, absl::Seconds(1)));
  const int64_t nanos = absl::ToInt64Nanoseconds(since - absl::Seconds(seconds));
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const absl::Duration limit = absl::Seconds(kMaxDurationSeconds);
  if (d > limit) d = limit;
  if (d < -limit) d = -limit;
  const int64_t seconds = absl::ToInt64Seconds(absl::Trunc(d, absl::Seconds(1)));
  const int64_t nanos = absl::ToInt64Nanoseconds(d - absl::Seconds(seconds));
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t) {
  google::protobuf::Timestamp out;
  ToProto(t, &out);
  return out;
}

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  ToProto(d, &out);
  return out;
}

absl::StatusOr<absl::Time> FromProto(const google::protobuf::Timestamp& t,
                                     absl::string_view field) {
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return InvalidField(field, "nanos must be in [0, 999999999]");
  }
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds) {
    return InvalidField(field, "must be between 0001-01-01 and 9999-12-31 (UTC)");
  }
  return ToAbslTime(t);
}

absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field) {
  if (d.nanos() < -999999999 || d.nanos() > 999999999) {
    return InvalidField(field, "nanos must be in [-999999999, 999999999]");
  }
  if ((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return InvalidField(field, "seconds and nanos must have the same sign");
  }
  if (d.seconds() > kMaxDurationSeconds || d.seconds() < -kMaxDurationSeconds) {
    return InvalidField(field, "seconds out of range (at most 10000 years)");
  }
  return ToAbslDuration(d);
}

absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field, absl::Duration min,
                                         absl::Duration max) {
  absl::StatusOr<absl::Duration> converted = FromProto(d, field);
  if (!converted.ok()) return converted.status();
  if (*converted < min || *converted > max) {
    return InvalidField(field, absl::StrCat("must be between ", absl::FormatDuration(min), " and ",
                                            absl::FormatDuration(max)));
  }
  return converted;
}

absl::StatusOr<google::protobuf::Timestamp> ToProtoChecked(absl::Time t, absl::string_view field) {
  if (t < MinProtoTime() || t > MaxProtoTime()) {
    return InvalidField(field, "must be between 0001-01-01 and 9999-12-31 (UTC)");
  }
  return ToProtoTimestamp(t);
}

absl::Time ToAbslTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration ToAbslDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace sct

#include "common/sim/proto_time.h"

#include <cstdint>
#include <cstdlib>

#include "common/errors.h"

namespace sct::sim {
namespace {
constexpr int64_t kMaxSeconds = 315576000000;  // 10000 years
}  // namespace

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const absl::Duration since = t - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(absl::Floor(since, absl::Seconds(1)));
  const int64_t nanos =
      absl::ToInt64Nanoseconds(since - absl::Seconds(seconds));
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t seconds = absl::ToInt64Seconds(absl::Trunc(d, absl::Seconds(1)));
  const int64_t nanos = absl::ToInt64Nanoseconds(d - absl::Seconds(seconds));
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

absl::StatusOr<absl::Time> FromProto(const google::protobuf::Timestamp& t,
                                     absl::string_view field) {
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return InvalidField(field, "nanos must be in [0, 999999999]");
  }
  if (std::llabs(t.seconds()) > kMaxSeconds) {
    return InvalidField(field, "seconds out of range");
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::StatusOr<absl::Duration> FromProto(const google::protobuf::Duration& d,
                                         absl::string_view field) {
  if (d.nanos() < -999999999 || d.nanos() > 999999999) {
    return InvalidField(field, "nanos must be in [-999999999, 999999999]");
  }
  if ((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return InvalidField(field, "seconds and nanos must have the same sign");
  }
  if (std::llabs(d.seconds()) > kMaxSeconds) {
    return InvalidField(field, "seconds out of range");
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace sct::sim

#include "common/proto_time.h"

#include <cstdint>
#include <limits>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

google::protobuf::Duration Dur(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

TEST(ProtoTimeTest, TimestampRoundTripsWithNanos) {
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  google::protobuf::Timestamp ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1700000000);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(*FromProto(ts, "t"), t);
  EXPECT_EQ(ToAbslTime(ts), t);
}

TEST(ProtoTimeTest, TimeBeforeEpochHasNonNegativeNanos) {
  const absl::Time t = absl::UnixEpoch() - absl::Milliseconds(1500);
  google::protobuf::Timestamp ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(ToAbslTime(ts), t);
}

TEST(ProtoTimeTest, DurationRoundTripsBothSigns) {
  for (absl::Duration d :
       {absl::Milliseconds(1500), -absl::Milliseconds(1500), absl::ZeroDuration()}) {
    google::protobuf::Duration p = ToProtoDuration(d);
    EXPECT_EQ(*FromProto(p, "d"), d);
    EXPECT_EQ(ToAbslDuration(p), d);
  }
  EXPECT_EQ(ToProtoDuration(-absl::Milliseconds(1500)).nanos(), -500000000);
}

TEST(ProtoTimeTest, TimestampLimitsAreYearsOneAndNineThousandNineHundredNinetyNine) {
  EXPECT_TRUE(FromProto(Ts(-62135596800), "t").ok());             // 0001-01-01T00:00:00Z
  EXPECT_TRUE(FromProto(Ts(253402300799, 999999999), "t").ok());  // 9999-12-31T23:59:59.999999999Z
  EXPECT_FALSE(FromProto(Ts(-62135596801), "t").ok());
  EXPECT_FALSE(FromProto(Ts(253402300800), "t").ok());
}

TEST(ProtoTimeTest, OutOfRangeTimestampNamesTheField) {
  // now + 2^58 s: the value that wraps when turned into microseconds.
  absl::StatusOr<absl::Time> t =
      FromProto(Ts(1700000000 + (int64_t{1} << 58)), "validity.not_after");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(t.status()), "invalid_field");
  EXPECT_NE(t.status().message().find("validity.not_after"), std::string::npos);
  EXPECT_FALSE(FromProto(Ts(std::numeric_limits<int64_t>::min()), "t").ok());
}

TEST(ProtoTimeTest, BadNanosAreRefused) {
  EXPECT_FALSE(FromProto(Ts(0, -1), "t").ok());
  EXPECT_FALSE(FromProto(Ts(0, 1000000000), "t").ok());
  EXPECT_FALSE(FromProto(Dur(1, -1), "d").ok());
  EXPECT_FALSE(FromProto(Dur(-1, 1), "d").ok());
  EXPECT_FALSE(FromProto(Dur(0, 1000000000), "d").ok());
  EXPECT_TRUE(FromProto(Dur(0, -999999999), "d").ok());
}

TEST(ProtoTimeTest, DurationLimitIsTenThousandYears) {
  EXPECT_TRUE(FromProto(Dur(315576000000), "d").ok());
  EXPECT_TRUE(FromProto(Dur(-315576000000), "d").ok());
  EXPECT_FALSE(FromProto(Dur(315576000001), "d").ok());
  EXPECT_FALSE(FromProto(Dur(std::numeric_limits<int64_t>::max()), "d").ok());
}

TEST(ProtoTimeTest, BoundedDurationRefusesNegativeAndAbsurdNamingTheField) {
  const absl::Duration min = absl::ZeroDuration(), max = absl::Hours(24);
  EXPECT_EQ(*FromProto(Dur(0), "delay", min, max), absl::ZeroDuration());
  EXPECT_EQ(*FromProto(Dur(86400), "delay", min, max), absl::Hours(24));
  for (const google::protobuf::Duration& d :
       {Dur(-1), Dur(0, -1), Dur(86400, 1), Dur(315576000000)}) {
    absl::StatusOr<absl::Duration> r = FromProto(d, "config.delay", min, max);
    ASSERT_FALSE(r.ok()) << d.ShortDebugString();
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(r.status()), "invalid_field");
    EXPECT_EQ(r.status().message(), "config.delay: must be between 0 and 24h");
  }
  // The unbounded checks still come first.
  EXPECT_NE(FromProto(Dur(1, -1), "d", min, max).status().message().find("same sign"),
            std::string::npos);
}

TEST(ProtoTimeTest, CheckedToProtoRefusesInsteadOfSaturating) {
  absl::StatusOr<google::protobuf::Timestamp> ok = ToProtoChecked(MaxProtoTime(), "expiration");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->seconds(), 253402300799);
  for (absl::Time t : {MaxProtoTime() + absl::Nanoseconds(1), MinProtoTime() - absl::Seconds(1),
                       absl::InfiniteFuture()}) {
    absl::StatusOr<google::protobuf::Timestamp> r = ToProtoChecked(t, "expiration");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(ReasonOf(r.status()), "invalid_field");
    EXPECT_NE(r.status().message().find("expiration"), std::string::npos);
  }
}

TEST(ProtoTimeTest, InfiniteValuesSaturate) {
  EXPECT_EQ(ToProtoTimestamp(absl::InfiniteFuture()).seconds(), 253402300799);
  EXPECT_EQ(ToProtoTimestamp(absl::InfinitePast()).seconds(), -62135596800);
  EXPECT_EQ(ToProtoDuration(absl::InfiniteDuration()).seconds(), 315576000000);
  EXPECT_EQ(ToProtoDuration(-absl::InfiniteDuration()).seconds(), -315576000000);
}

}  // namespace
}  // namespace sct

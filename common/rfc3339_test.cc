#include "common/rfc3339.h"

#include <string>
#include <vector>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(FormatRfc3339Test, WholeSecondsAndFractions) {
  struct Case {
    absl::Time t;
    std::string want;
  };
  const absl::Time base = Utc(2025, 1, 1, 0, 0, 0);
  const std::vector<Case> cases = {
      {base, "2025-01-01T00:00:00Z"},
      {absl::UnixEpoch(), "1970-01-01T00:00:00Z"},
      {base + absl::Milliseconds(250), "2025-01-01T00:00:00.250Z"},
      {base + absl::Milliseconds(1), "2025-01-01T00:00:00.001Z"},
      {base + absl::Microseconds(123456), "2025-01-01T00:00:00.123456Z"},
      {base + absl::Nanoseconds(5), "2025-01-01T00:00:00.000000005Z"},
      {Utc(2024, 2, 29, 23, 59, 59), "2024-02-29T23:59:59Z"},
      {Utc(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59Z"},
      {Utc(1, 1, 1, 0, 0, 0), "0001-01-01T00:00:00Z"},
      {base - absl::Milliseconds(500), "2024-12-31T23:59:59.500Z"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatRfc3339(c.t), c.want);
}

TEST(ParseRfc3339Test, AcceptsValidForms) {
  struct Case {
    std::string in;
    absl::Time want;
  };
  const absl::Time base = Utc(2025, 1, 1, 0, 0, 0);
  const std::vector<Case> cases = {
      {"2025-01-01T00:00:00Z", base},
      {"2025-01-01t00:00:00z", base},
      {"2025-01-01T00:00:00+00:00", base},
      {"2025-01-01T00:00:00-00:00", base},
      {"2025-01-01T01:00:00+01:00", base},
      {"2024-12-31T19:00:00-05:00", base},
      {"2025-01-01T05:30:00+05:30", base},
      {"2024-12-31T10:00:00-14:00", base},
      {"2025-01-01T23:59:00+23:59", base},
      {"2025-01-01T00:00:00.250Z", base + absl::Milliseconds(250)},
      {"2025-01-01T00:00:00.5Z", base + absl::Milliseconds(500)},
      {"2025-01-01T00:00:00.000000001Z", base + absl::Nanoseconds(1)},
      {"2025-01-01T00:00:00.123456789+00:00",
       base + absl::Nanoseconds(123456789)},
      {"2025-01-01T00:00:00.000Z", base},
      {"2024-02-29T12:00:00Z", Utc(2024, 2, 29, 12, 0, 0)},  // leap year
      {"2000-02-29T12:00:00Z", Utc(2000, 2, 29, 12, 0, 0)},  // 400-year rule
      {"1970-01-01T00:00:00Z", absl::UnixEpoch()},
      {"0000-01-01T00:00:00Z", Utc(0, 1, 1, 0, 0, 0)},
      {"9999-12-31T23:59:59Z", Utc(9999, 12, 31, 23, 59, 59)},
      {"2025-04-30T00:00:00Z", Utc(2025, 4, 30, 0, 0, 0)},
      // Leap second: 23:59:60 UTC becomes the following second.
      {"2016-12-31T23:59:60Z", Utc(2017, 1, 1, 0, 0, 0)},
      {"2016-12-31T15:59:60-08:00", Utc(2017, 1, 1, 0, 0, 0)},
  };
  for (const Case& c : cases) {
    auto t = ParseRfc3339(c.in);
    ASSERT_TRUE(t.ok()) << c.in << ": " << t.status();
    EXPECT_EQ(*t, c.want) << c.in << " parsed as " << FormatRfc3339(*t);
  }
}

TEST(ParseRfc3339Test, RoundTripsFormat) {
  absl::Time t = Utc(2031, 7, 15, 8, 9, 10);
  for (absl::Duration d :
       {absl::ZeroDuration(), absl::Milliseconds(7), absl::Microseconds(70),
        absl::Nanoseconds(700000007)}) {
    auto back = ParseRfc3339(FormatRfc3339(t + d));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, t + d);
  }
}

TEST(ParseRfc3339Test, RejectsBadInput) {
  struct Case {
    std::string in;
    std::string problem;
  };
  const std::vector<Case> bad = {
      {"", "4-digit year"},
      {"2025", "'-' after the year"},
      {"25-01-01T00:00:00Z", "4-digit year"},
      {"20250-01-01T00:00:00Z", "'-' after the year"},
      {"2025-1-01T00:00:00Z", "2-digit month"},
      {"2025-01-1T00:00:00Z", "2-digit day"},
      {"2025/01/01T00:00:00Z", "'-' after the year"},
      {"2025-01-01 00:00:00Z", "'T' between date and time"},
      {"2025-01-01", "'T' between date and time"},
      {"2025-01-01T00:00Z", "':' after the minutes"},
      {"2025-01-01T0:00:00Z", "2-digit hour"},
      {"2025-01-01T00:00:00", "'Z' or a"},
      {"2025-01-01T00:00:00UTC", "'Z' or a"},
      {"2025-01-01T00:00:00 Z", "'Z' or a"},
      {"2025-01-01T00:00:00Z ", "unexpected characters"},
      {" 2025-01-01T00:00:00Z", "4-digit year"},
      {"2025-01-01T00:00:00ZZ", "unexpected characters"},
      {"2025-01-01T00:00:00.Z", "digits after '.'"},
      {"2025-01-01T00:00:00,5Z", "'Z' or a"},
      {"2025-01-01T00:00:00.1234567890Z", "more than 9 fractional digits"},
      {"2025-01-01T00:00:00+0100", "':' in the offset"},
      {"2025-01-01T00:00:00+01", "':' in the offset"},
      {"2025-01-01T00:00:00+1:00", "2-digit offset hour"},
      {"2025-01-01T00:00:00+24:00", "offset hour out of range"},
      {"2025-01-01T00:00:00+01:60", "offset minutes out of range"},
      {"2025-13-01T00:00:00Z", "month out of range"},
      {"2025-00-01T00:00:00Z", "month out of range"},
      {"2025-01-00T00:00:00Z", "day out of range"},
      {"2025-01-32T00:00:00Z", "day out of range"},
      {"2025-02-29T00:00:00Z", "day out of range for 2025-02"},  // not leap
      {"2025-02-30T00:00:00Z", "day out of range"},
      {"1900-02-29T00:00:00Z", "day out of range"},  // century, not leap
      {"2025-04-31T00:00:00Z", "day out of range"},
      {"2025-06-31T00:00:00Z", "day out of range"},
      {"2025-09-31T00:00:00Z", "day out of range"},
      {"2025-11-31T00:00:00Z", "day out of range"},
      {"2025-01-01T24:00:00Z", "hour out of range"},
      {"2025-01-01T00:60:00Z", "minutes out of range"},
      {"2025-01-01T00:00:61Z", "seconds out of range"},
      {"2025-01-01T00:00:99Z", "seconds out of range"},
      {"2025-01-01T12:00:60Z", "only valid at 23:59:60 UTC"},
      {"2016-12-31T23:59:60+01:00", "only valid at 23:59:60 UTC"},
      {"+2025-01-01T00:00:00Z", "4-digit year"},
      {"-025-01-01T00:00:00Z", "4-digit year"},
      {"2025-01-01T00:00:00.12a4Z", "'Z' or a"},
      {std::string("2025-01-01T00:00:00Z\0", 21), "unexpected characters"},
      {"２０２５-01-01T00:00:00Z", "4-digit year"},
  };
  for (const Case& c : bad) {
    auto t = ParseRfc3339(c.in, "mailboxConfiguration.expiration");
    ASSERT_FALSE(t.ok()) << "accepted: " << c.in;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(t.status()), "invalid_field");
    EXPECT_EQ(
        t.status().message().rfind("mailboxConfiguration.expiration: ", 0), 0u)
        << t.status();
    EXPECT_NE(t.status().message().find(c.problem), std::string::npos)
        << c.in << " gave: " << t.status();
  }
}

TEST(ParseRfc3339Test, DefaultFieldIsExpiration) {
  auto t = ParseRfc3339("tomorrow");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("expiration: ", 0), 0u) << t.status();
}

}  // namespace
}  // namespace sct

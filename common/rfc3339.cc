#include "common/rfc3339.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"

namespace sct {
namespace {

bool IsLeapYear(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// A cursor over the input that reads fixed-width decimal fields.
class Reader {
 public:
  explicit Reader(absl::string_view s) : s_(s) {}
  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  // Reads exactly `n` ASCII digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
      if (AtEnd() || s_[pos_] < '0' || s_[pos_] > '9') return false;
      v = v * 10 + (s_[pos_] - '0');
      ++pos_;
    }
    *out = v;
    return true;
  }
  bool Char(char c) {
    if (AtEnd() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool CharEither(char a, char b) { return Char(a) || Char(b); }

 private:
  absl::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string FormatRfc3339(absl::Time t) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::TimeZone::CivilInfo ci = utc.At(t);
  const absl::CivilSecond& cs = ci.cs;
  std::string out =
      absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cs.year(), cs.month(),
                      cs.day(), cs.hour(), cs.minute(), cs.second());
  // Fractional seconds in groups of three digits (ms, us, ns); absl::Time's
  // sub-nanosecond part is truncated.
  int64_t nanos = absl::ToInt64Nanoseconds(ci.subsecond);
  if (nanos != 0) {
    if (nanos % 1000000 == 0) {
      absl::StrAppendFormat(&out, ".%03d", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      absl::StrAppendFormat(&out, ".%06d", nanos / 1000);
    } else {
      absl::StrAppendFormat(&out, ".%09d", nanos);
    }
  }
  out.push_back('Z');
  return out;
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view s,
                                        absl::string_view field) {
  auto bad = [&](absl::string_view problem) {
    return InvalidField(field,
                        absl::StrCat("not an RFC 3339 date-time: ", problem));
  };
  Reader r(s);
  int year, month, day, hour, minute, second;
  if (!r.Digits(4, &year)) return bad("expected a 4-digit year");
  if (!r.Char('-')) return bad("expected '-' after the year");
  if (!r.Digits(2, &month)) return bad("expected a 2-digit month");
  if (!r.Char('-')) return bad("expected '-' after the month");
  if (!r.Digits(2, &day)) return bad("expected a 2-digit day");
  if (!r.CharEither('T', 't')) return bad("expected 'T' between date and time");
  if (!r.Digits(2, &hour)) return bad("expected a 2-digit hour");
  if (!r.Char(':')) return bad("expected ':' after the hour");
  if (!r.Digits(2, &minute)) return bad("expected 2-digit minutes");
  if (!r.Char(':')) return bad("expected ':' after the minutes");
  if (!r.Digits(2, &second)) return bad("expected 2-digit seconds");

  int64_t nanos = 0;
  if (r.Char('.')) {
    int digits = 0;
    while (r.Peek() >= '0' && r.Peek() <= '9') {
      int d;
      r.Digits(1, &d);
      if (++digits > 9) return bad("more than 9 fractional digits");
      nanos = nanos * 10 + d;
    }
    if (digits == 0) return bad("expected digits after '.'");
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }

  int offset_seconds = 0;
  if (r.CharEither('Z', 'z')) {
    // UTC
  } else if (r.Peek() == '+' || r.Peek() == '-') {
    int sign = r.Peek() == '-' ? -1 : 1;
    r.Char(r.Peek());
    int oh, om;
    if (!r.Digits(2, &oh)) return bad("expected a 2-digit offset hour");
    if (!r.Char(':')) return bad("expected ':' in the offset");
    if (!r.Digits(2, &om)) return bad("expected 2-digit offset minutes");
    if (oh > 23) return bad("offset hour out of range (00-23)");
    if (om > 59) return bad("offset minutes out of range (00-59)");
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return bad("expected 'Z' or a '+HH:MM'/'-HH:MM' offset");
  }
  if (!r.AtEnd()) return bad("unexpected characters after the time");

  if (month < 1 || month > 12) return bad("month out of range (01-12)");
  if (day < 1 || day > DaysInMonth(year, month)) {
    return bad(absl::StrCat("day out of range for ",
                            absl::StrFormat("%04d-%02d", year, month)));
  }
  if (hour > 23) return bad("hour out of range (00-23)");
  if (minute > 59) return bad("minutes out of range (00-59)");
  if (second > 60) return bad("seconds out of range (00-60)");

  const bool leap_second = second == 60;
  absl::CivilSecond local(year, month, day, hour, minute,
                          leap_second ? 59 : second);
  absl::Time t = absl::FromCivil(local, absl::UTCTimeZone()) -
                 absl::Seconds(offset_seconds);
  if (leap_second) {
    // RFC 3339 allows :60 only for a leap second, which happens at 23:59:60
    // UTC. absl::Time has no leap seconds; the instant is the next second.
    absl::CivilSecond utc = absl::ToCivilSecond(t, absl::UTCTimeZone());
    if (utc.hour() != 23 || utc.minute() != 59) {
      return bad("second 60 is only valid at 23:59:60 UTC (a leap second)");
    }
    t += absl::Seconds(1);
  }
  return t + absl::Nanoseconds(nanos);
}

}  // namespace sct

#include "scenarios/report/text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"

namespace sct::scenarios::report {
namespace {

// Length of a UTF-8 sequence starting with `c` (1 for stray bytes).
int Utf8Len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

int CodePoints(absl::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); i += Utf8Len(s[i])) ++n;
  return n;
}

std::string Truncate(absl::string_view s, int max) {
  if (max < 1) max = 1;
  if (CodePoints(s) <= max) return std::string(s);
  size_t i = 0;
  for (int n = 0; n < max - 1 && i < s.size(); ++n) i += Utf8Len(s[i]);
  if (i > s.size()) i = s.size();
  return absl::StrCat(s.substr(0, i), "\u2026");
}

std::string XmlEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += "\xEF\xBF\xBD";
        } else if (c == 0x7F) {
          out += "\xEF\xBF\xBD";
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string TerminalSafe(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

std::string ShortDuration(absl::Duration d) {
  if (d < absl::ZeroDuration()) return absl::StrCat("-", ShortDuration(-d));
  const int64_t us = absl::ToInt64Microseconds(d);
  if (us < 1000) return absl::StrCat(us, "\u00b5s");
  if (us < 10000) return absl::StrFormat("%.1fms", us / 1000.0);
  if (us < 1000000) return absl::StrCat(us / 1000, "ms");
  if (us < 60000000) return absl::StrFormat("%.2fs", us / 1e6);
  const int64_t s = us / 1000000;
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

std::string ShortDuration(const google::protobuf::Duration& d) {
  return ShortDuration(ToAbslDuration(d));
}

std::string FormatUtcTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", ToAbslTime(t), absl::UTCTimeZone());
}

}  // namespace sct::scenarios::report

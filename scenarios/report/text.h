// Text helpers shared by the report's renderers: display width of UTF-8
// text, truncation, XML/HTML escaping, terminal-safe text and the short
// duration and time formats used in every output.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_REPORT_TEXT_H_
#define SCT_SCENARIOS_REPORT_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace sct::scenarios::report {

// Number of code points in UTF-8 text (the display width estimate used for
// column and label sizes). A stray byte counts as one.
int CodePoints(absl::string_view s);

// At most `max` code points of `s` (at least 1), ending in "…" when cut.
std::string Truncate(absl::string_view s, int max);

// XML/HTML text and attribute escaping (& < > " '). Control characters that
// XML 1.0 forbids, and DEL, become U+FFFD so names from files cannot break
// the document.
std::string XmlEscape(absl::string_view s);

// Terminal-safe text: control characters (ANSI escapes, newlines) become '?',
// so a scenario file cannot drive the user's terminal.
std::string TerminalSafe(absl::string_view s);

// "850µs", "12ms", "2.5ms", "4.21s", "1m05s", "2h03m"; negative values get a
// leading "-".
std::string ShortDuration(absl::Duration d);
std::string ShortDuration(const google::protobuf::Duration& d);

// "2026-11-28 01:00:00 UTC"; empty for the zero Timestamp (unset).
std::string FormatUtcTime(const google::protobuf::Timestamp& t);

}  // namespace sct::scenarios::report

#endif  // SCT_SCENARIOS_REPORT_TEXT_H_

// Test helpers shared by the report's tests: hostile markup, a small
// scenario with repeated calls, an error and a self call, and substring
// counting.
#ifndef SCT_SCENARIOS_REPORT_REPORT_TEST_UTIL_H_
#define SCT_SCENARIOS_REPORT_REPORT_TEST_UTIL_H_

#include <string>

#include "proto/common/v1/audit.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::report_test {

inline constexpr char kEvil[] = "<script>alert(1)</script>";
inline constexpr char kEvilEscaped[] = "&lt;script&gt;alert(1)&lt;/script&gt;";

// Non-overlapping occurrences of `needle` in `haystack`.
int Count(const std::string& haystack, const std::string& needle);

// Appends a trace event at t = 1000 s + (its position, from 1), lasting 2 ms.
common::v1::TraceEvent* AddEvent(scenario::v1::ScenarioResult* r, const std::string& from,
                                 const std::string& to, const std::string& rpc,
                                 const std::string& code = "OK", const std::string& step = "s1");

// Scenario "small": actors alice-phone, relay, oem-a; three identical reads
// and a NOT_FOUND read in step s1 (t = 1001..1004 s), an oem-a self call in
// step s2 (t = 1005 s).
scenario::v1::ScenarioResult Small();

}  // namespace sct::scenarios::report_test

#endif  // SCT_SCENARIOS_REPORT_REPORT_TEST_UTIL_H_

// The lines printed at the end of `./sct scenario run`: one aligned row per
// scenario (PASS/FAIL, name, duration, steps passed), for a failed scenario
// the first failing step with what was expected and observed (or the
// assertions that failed), and a closing "N passed, M failed" line.
//
// Pure function; thread-safe. Control characters from the report are printed
// as '?', so a scenario file cannot drive the terminal.
#ifndef SCT_SCENARIOS_REPORT_TERMINAL_SUMMARY_H_
#define SCT_SCENARIOS_REPORT_TERMINAL_SUMMARY_H_

#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// Lines for the terminal: per scenario PASS/FAIL, duration and, when failed,
// the first failing step and why; a closing "N passed, M failed" line.
// `color` adds ANSI colours.
std::string TerminalSummary(const scenario::v1::Report& report, bool color);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_TERMINAL_SUMMARY_H_

// The comparison for a terminal (what `sct compare` prints): one line per
// scenario, one column per variant ("pass 1.21s +2" = passed, share -> use
// latency, two knowledge-audit differences against the first column;
// "FAIL"; "n/a"), then the reasons cells were not applicable (each distinct
// reason once, with its variants), every failure, and a closing "N cells:
// P passed, F failed, A not applicable" line.
//
// Pure function; thread-safe. Control characters from the result are
// printed as '?', so a scenario file cannot drive the terminal.
#ifndef SCT_SCENARIOS_COMPARE_COMPARE_SUMMARY_H_
#define SCT_SCENARIOS_COMPARE_COMPARE_SUMMARY_H_

#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::compare {

// The lines, each ending in '\n'.
std::string CompareSummary(const scenario::v1::CompareResult& result);

}  // namespace sct::scenarios::compare

#endif  // SCT_SCENARIOS_COMPARE_COMPARE_SUMMARY_H_

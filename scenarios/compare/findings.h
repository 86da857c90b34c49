// The findings a comparison supports, as sentences generated from its
// scenario.v1.CompareResult (what `sct compare --findings` prints and
// docs/comparison.md quotes): so that no finding is typed by hand.
//
// In order: per variant, its outcomes (and, when every cell is not
// applicable for one reason, that reason); per non-baseline variant, each
// knowledge-audit difference against the baseline with the scenarios it
// shows in; the steps whose expectation the variant changes and what was
// observed; the median share -> use latency against the baseline's over the
// scenarios both passed; then every failed cell.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_COMPARE_FINDINGS_H_
#define SCT_SCENARIOS_COMPARE_FINDINGS_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::compare {

// One sentence per finding (no trailing newline).
std::vector<std::string> Findings(const scenario::v1::CompareResult& result);

}  // namespace sct::scenarios::compare

#endif  // SCT_SCENARIOS_COMPARE_FINDINGS_H_

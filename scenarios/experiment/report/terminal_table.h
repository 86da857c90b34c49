// The lines `./sct experiment run` can print when an experiment ends: a
// heading (runs, errored, points, duration, launches) and one aligned row per
// sweep point with its parameter labels and, per measure, the headline
// number: for an outcome or learned measure the frequency of the category
// its first chart shows (else its first category) with the 95 % Wilson
// interval and count; for a latency or count measure the mean with its 95 %
// t interval.
//
// Pure function; thread-safe. Text from the result is terminal-safe (control
// characters become '?'). The result should be aggregated (Aggregate).
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_TERMINAL_TABLE_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_TERMINAL_TABLE_H_

#include <string>

#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

std::string ExperimentTerminalTable(const scenario::v1::ExperimentResult& r);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_TERMINAL_TABLE_H_

// The experiment report's CSV files (RFC 4180: comma-separated, CRLF line
// ends, a field with a comma, quote or line break is quoted and its quotes
// doubled; docs/experiments.md, "Outputs"):
//   runs.csv    one row per run;
//   points.csv  one row per sweep point and measure statistic (long form).
//
// Pure functions; thread-safe. Numbers are printed with up to 15
// significant digits; an absent value is an empty field.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_CSV_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_CSV_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// One field, quoted when RFC 4180 requires it.
std::string CsvField(absl::string_view s);

// The fields as one record, ending in CRLF.
std::string CsvRecord(const std::vector<std::string>& fields);

// Header: point, one column per parameter (its name; the value's label),
// repetition, seed, errored (true/false), error, duration_ms, then one
// column per measure (its name; the category, or the value).
std::string RunsCsv(const scenario::v1::ExperimentResult& r);

// Header: point, one column per parameter (labels), runs, errored, measure,
// statistic, value, ci_low, ci_high, count, trials, unit. Outcome and
// learned measures give one row per category (statistic = the category,
// value = the frequency, its Wilson interval, count of trials, unit
// "fraction"); latency and count measures one row each for mean (with its
// t interval), stddev, min, p50, p90, p95, p99 and max, with trials = the
// number of values and the measure's unit (value empty when there are none).
std::string PointsCsv(const scenario::v1::ExperimentResult& r);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_CSV_H_

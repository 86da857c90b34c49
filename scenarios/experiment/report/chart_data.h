// What a chart of an experiment file shows, taken from its result: the
// x positions (the x parameter's values), one series per value of the series
// parameter (and of any other swept parameter), and per point the chosen
// category's frequency with its Wilson interval, or the chosen statistic of
// a latency or count measure (docs/experiments.md, "Charts").
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_CHART_DATA_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_CHART_DATA_H_

#include "absl/status/statusor.h"
#include "proto/scenario/v1/experiment.pb.h"
#include "scenarios/experiment/report/svg_chart.h"

namespace sct::scenarios::experiment {

// The spec of `chart` over `r.points` (aggregated: see Aggregate).
//
// Defaults: no `x` → the first parameter (no parameter: one position, "all
// runs"); no `category` → the measure's first; no `statistic` → "p50". An x
// parameter whose values are all numbers, or all durations (then in ms), is
// a numeric axis; otherwise its labels are categories.
//
// Errors (kInvalidArgument, the message naming the chart's field): a measure,
// x or series parameter, category or statistic the experiment does not have;
// the same parameter as x and series.
absl::StatusOr<ChartSpec> ChartSpecFor(const scenario::v1::ExperimentResult& r,
                                       const scenario::v1::Chart& chart);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_CHART_DATA_H_

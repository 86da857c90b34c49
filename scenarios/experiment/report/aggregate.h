// Turns an experiment's runs into per-point numbers: for every sweep point,
// the frequency of each outcome category with its Wilson interval, and a
// summary of each latency and count measure (docs/experiments.md,
// "Statistics").
//
// Pure function; thread-safe for distinct results.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_AGGREGATE_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_AGGREGATE_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// The categories an outcome or learned measure reports, in order: an
// outcome's categories then its `otherwise` ("other" when empty; not
// repeated when a category has its name); "yes", "no" for a learned
// measure; empty for a latency or count measure.
std::vector<std::string> MeasureCategories(const scenario::v1::Measure& measure);

// "ms" for a latency measure, "count" for a count measure, empty otherwise.
std::string MeasureUnit(const scenario::v1::Measure& measure);

// Replaces every point's `outcomes` and `samples` with those computed from
// `r.runs` and `r.measures`:
//   - per outcome/learned measure, one CategoryFrequency per category of
//     MeasureCategories, counting the point's non-errored runs whose
//     `categories[measure]` is that category; trials = the point's
//     non-errored runs (a run without a category for the measure counts in
//     trials but in no category);
//   - per latency/count measure, a SampleSummary of the values of the
//     point's non-errored runs that have the measure.
// Runs naming a point that does not exist are ignored. `points[].runs` and
// `errored` are left as the runner set them.
void Aggregate(scenario::v1::ExperimentResult& r);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_AGGREGATE_H_

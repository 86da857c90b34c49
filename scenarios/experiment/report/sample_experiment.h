// Made-up experiment results for the report's tests and for
// render_experiment_sample (a look at the report without running anything):
// the numbers come from a fixed pseudo-random sequence, not from a run.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_REPORT_SAMPLE_EXPERIMENT_H_
#define SCT_SCENARIOS_EXPERIMENT_REPORT_SAMPLE_EXPERIMENT_H_

#include "proto/scenario/v1/experiment.pb.h"

namespace sct::scenarios::experiment {

// "interceptor-win-rate-vs-channel-delay": SMS delay (4 durations, forces a
// relaunch) × PIN ("no PIN", "PIN"), 20 repetitions, a few errored runs;
// measures: who-got-the-key (receiver/attacker/nobody), eve-learned-key,
// share-latency, reads. Charts: a line chart by delay per PIN, a bar chart
// of latency means, and one naming a measure the experiment lacks.
// Aggregated.
scenario::v1::ExperimentResult SampleInterceptionExperiment();

// "polls-with-and-without-push": one parameter (push: "true"/"false"
// labelled "push"/"no push"), 10 repetitions; a count and a latency measure;
// a bar chart. Aggregated.
scenario::v1::ExperimentResult SamplePollingExperiment();

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REPORT_SAMPLE_EXPERIMENT_H_

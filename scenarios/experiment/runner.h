// Running an experiment: every sweep point x repetition through the scenario
// engine, measured (measure.h), on launched ecosystems that are reused
// between runs (docs/experiments.md "## Running").
//
// Reuse: each worker launches the point's topology once and hands the engine
// a non-owning wrapper of it (EngineOptions::launch; the wrapper's Shutdown
// does nothing) for every run whose topology is the same; a new topology (a
// parameter under `topology.`) shuts the old ecosystem down and launches
// again. Between runs on one ecosystem: the engine clears its faults and
// disarms its adversaries at the end of each run and PrepareAudit resets
// the audit at the start of the next; the runner sets every sim service's
// clock offset back to zero after a run with advance_clock steps (the
// relay's rate limiter then drops the windows of that undone future); an
// errored run discards its ecosystem (the next run launches a fresh one).
// What carries over: ledgers and wallets grow (ids are per run), the channel
// keeps delivered messages, a service's random state moves on.
//
// Thread-safety: RunExperiment is thread-compatible; it starts `jobs`
// worker threads, each with its own ecosystem.
#ifndef SCT_SCENARIOS_EXPERIMENT_RUNNER_H_
#define SCT_SCENARIOS_EXPERIMENT_RUNNER_H_

#include <cstdint>
#include <iosfwd>

#include "proto/scenario/v1/experiment.pb.h"
#include "scenarios/engine/engine.h"
#include "scenarios/experiment/load.h"

namespace sct::scenarios::experiment {

struct ExperimentOptions {
  // binaries_dir and work_dir (the parent of the workers' launch
  // directories) are used; launch, collect_trace and audits are set per
  // experiment.
  EngineOptions engine;
  // Runs per point; 0: the file's (default 20).
  uint32_t repetitions = 0;
  // Workers, each with its own ecosystem.
  int jobs = 1;
  // false: every run launches its own ecosystem (the engine's default), the
  // baseline of docs/BENCHMARKS.md.
  bool reuse = true;
  // Where the progress line ("\r"-updated) and notes go; null: nowhere.
  std::ostream* progress = nullptr;
};

// Runs every point x repetition of `e`; never fails (errored runs are data).
// The result has the experiment's copies, one PointResult per point (values,
// labels, runs, errored; outcomes and samples are left to the report's
// Aggregate) and one RunRecord per run, in sweep order.
scenario::v1::ExperimentResult RunExperiment(const LoadedExperiment& e,
                                             const ExperimentOptions& options);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_RUNNER_H_

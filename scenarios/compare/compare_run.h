// Running the comparison: every scenario under every variant, each run a
// fresh topology (the engine's RunScenario, `jobs` at a time), into a
// scenario.v1.CompareResult.
//
// A cell is NOT APPLICABLE, not failed, when the scenario with the variant's
// architecture overlaid (variant_overlay.h) is refused by validation (e.g.
// "topology.architecture.ohttp: this variant is not implemented yet", or a
// combination that makes no sense) or by the launcher's topology checks, or
// when the engine reports it not applicable; so the matrix works with
// whatever variants have landed. A file that does not load fails its whole
// row (its "FILE:LINE:COL: ..." lines in every cell).
//
// Thread-safe; RunCompare blocks until every run has finished and writes
// each run's own report under `out_dir`/runs/.
#ifndef SCT_SCENARIOS_COMPARE_COMPARE_RUN_H_
#define SCT_SCENARIOS_COMPARE_COMPARE_RUN_H_

#include <set>
#include <string>
#include <vector>

#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/engine.h"

namespace sct::scenarios {

struct CompareOptions {
  // Options of every run (its `variant` is set per cell).
  EngineOptions engine;
  // Runs at once; at least 1.
  int jobs = 1;
  // Where each run's report goes (`out_dir`/runs/<variant>/<NN>-<scenario>/;
  // CompareCell.report is relative to `out_dir`). Empty: none written.
  std::string out_dir;
  // The names a scenario may use in variant_expect / only_variants /
  // except_variants: those of the variant file in use (not only the
  // selected columns).
  std::set<std::string> known_variants;
  // Recorded in CompareResult.environment["variant_file"].
  std::string variant_file;
};

// Runs every file under every variant of `variants` (columns in order; the
// first is the baseline) and returns the matrix with counts and environment.
scenario::v1::CompareResult RunCompare(const std::vector<std::string>& files,
                                       const scenario::v1::VariantSet& variants,
                                       const CompareOptions& options);

// The reasons a scenario cannot run under a variant, before anything is
// launched: the overlaid scenario's validation errors ("FILE:1:1: "
// prefixes removed) or the launcher's topology refusal. Empty: run it.
std::vector<std::string> NotApplicableBeforeRun(const scenario::v1::Scenario& overlaid,
                                                const std::string& file,
                                                const std::set<std::string>& known_variants);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_COMPARE_COMPARE_RUN_H_

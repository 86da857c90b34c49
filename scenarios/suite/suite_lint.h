// Static checks for scenario files of the default suite (scenarios/suite):
// what can be verified without launching anything. Used by
// //scenarios/suite:suite_files_test so that a broken file fails with
// FILE:LINE:COLUMN before the (slow) engine ever runs it.
//
// Checked: strict text-format parse; `name` equals the file stem; a leading
// comment block that says what the file demonstrates and cites
// ARCHITECTURE.md; description, tags (one of happy-path / lifecycle /
// failure-mode) and at least one step; unique ids; every reference resolves
// (step actors are topology devices or adversaries, credentials are owner
// credentials or saved by an earlier step and held by the acting device,
// shares are saved by an earlier step, personas exist on the device, fault
// and timing step ids exist and are in order, fault/assertion services exist);
// every duration parses; and the suite's speed budget (channel delay <= 200ms,
// poll intervals <= 500ms, waits <= 10s, pauses <= 500ms).
//
// Thread-safe (no state). Never crashes on bad input: every problem is a
// returned message.
#ifndef SCT_SCENARIOS_SUITE_SUITE_LINT_H_
#define SCT_SCENARIOS_SUITE_SUITE_LINT_H_

#include <string>
#include <vector>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::suite {

// Result of linting one file.
struct LintResult {
  // Whether the text parsed (strictly) as a scenario.v1.Scenario.
  bool parsed = false;
  // The parsed scenario (valid when `parsed`).
  scenario::v1::Scenario scenario;
  // Problems, each "FILE:LINE:COLUMN: problem" (LINE/COLUMN one-based; the
  // location of the offending field, or of its enclosing element).
  std::vector<std::string> problems;
};

// Lints `text`, the contents of the file at `path` (only its base name is used
// in messages and for the name check: "dir/x.textproto" must be named "x").
LintResult LintScenarioFile(const std::string& path, const std::string& text);

}  // namespace sct::scenarios::suite

#endif  // SCT_SCENARIOS_SUITE_SUITE_LINT_H_

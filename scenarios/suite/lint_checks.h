// The checks of one scenario file, section by section, in the order
// LintScenarioFile runs them (each may rely on the names the earlier ones
// recorded in the LintContext). Private to the suite_lint library.
#ifndef SCT_SCENARIOS_SUITE_LINT_CHECKS_H_
#define SCT_SCENARIOS_SUITE_LINT_CHECKS_H_

#include "scenarios/suite/lint_context.h"

namespace sct::scenarios::suite {

// lint_sections.cc
void CheckHeader(LintContext& c);    // the leading comment block
void CheckTopLevel(LintContext& c);  // name, description, tags, steps, timeout
// lint_topology.cc
void CheckTopology(LintContext& c);
// lint_sections.cc
void CheckAdversaries(LintContext& c);
// lint_steps.cc
void CheckSteps(LintContext& c);
// lint_sections.cc
void CheckFaults(LintContext& c);
void CheckAssertions(LintContext& c);

}  // namespace sct::scenarios::suite

#endif  // SCT_SCENARIOS_SUITE_LINT_CHECKS_H_

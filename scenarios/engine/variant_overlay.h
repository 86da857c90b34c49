// A scenario as run under a named variant of `sct compare` (docs/comparison.md):
// the variant's ArchitectureSpec overlaid on the scenario's, the step
// expectations the variant states (Step.variant_expect) in place of the
// default ones, and only the assertions meant for the variant
// (Assertion.only_variants / except_variants).
//
// The engine calls SelectForVariant on every run (EngineOptions::variant; ""
// outside sct compare), so that a plain `sct_scenario run` and a compare cell
// judge a scenario by the same rules.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_ENGINE_VARIANT_OVERLAY_H_
#define SCT_SCENARIOS_ENGINE_VARIANT_OVERLAY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// `base` with every field that `overlay` sets put over it: a scalar or enum
// set to a non-zero value wins, a non-empty repeated or map field replaces
// the base's whole field, a set message field is overlaid the same way, field
// by field. Fields `overlay` leaves at zero keep the base's value (so a
// variant cannot switch a scenario's own choice back to zero; the enums'
// explicit reference values, e.g. STANDARD_TOKEN or MAILBOX, can).
scenario::v1::ArchitectureSpec OverlayArchitecture(const scenario::v1::ArchitectureSpec& base,
                                                   const scenario::v1::ArchitectureSpec& overlay);

// Makes `s` the scenario as judged in a run of variant `name` ("": a run
// outside sct compare): each step's variant_expect[name], when present,
// replaces its expect; an assertion stays when its only_variants is empty or
// names `name` and its except_variants does not name it (a run outside sct
// compare keeps only assertions without only_variants). Every
// variant_expect, only_variants and except_variants is then cleared, so a
// second call changes nothing.
void SelectForVariant(absl::string_view name, scenario::v1::Scenario& s);

// The scenario as run under `variant`: its architecture overlaid
// (OverlayArchitecture; the topology gets an architecture only when either
// has one) and SelectForVariant(variant.name()).
scenario::v1::Scenario ApplyVariant(const scenario::v1::Scenario& s,
                                    const scenario::v1::Variant& variant);

// OK when `name` is a variant name: 1 to 40 characters, a lower-case letter
// first, then lower-case letters, digits and '-'. INVALID_ARGUMENT
// "invalid_field" saying what is wrong otherwise (the message names no
// field: callers add the field path).
absl::Status CheckVariantName(absl::string_view name);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_VARIANT_OVERLAY_H_

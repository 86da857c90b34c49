// Loading and validating scenario files (text-format scenario.v1.Scenario).
//
// Every problem is reported as "FILE:LINE:COLUMN: message", one per line, with
// the line and column of the offending field (from TextFormat's ParseInfoTree)
// and the field named in the message. Syntax errors come from protobuf's
// parser; semantic errors (unknown actor, credential, share, step, adversary or
// service ids; a share used before the step that saves it; duplicate ids; bad
// durations; missing required fields; expectations the action cannot produce)
// from ValidateScenario (scenarios/engine/validator.h); what the launcher
// would refuse (ResolveTopology) last, once everything else is valid. All
// errors of a stage are collected, not just the first.
//
// Pure functions (apart from reading the file); thread-safe.
#ifndef SCT_SCENARIOS_ENGINE_PARSE_H_
#define SCT_SCENARIOS_ENGINE_PARSE_H_

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {

// A scenario that passed every check, with its topology resolved: what the
// engine runs (it resolves nothing again).
struct CheckedScenario {
  scenario::v1::Scenario scenario;
  ResolvedTopology topology;
};

// Parses and validates scenario text and resolves its topology; `file` only
// names it in messages. `known_variants` (null: any well-formed name) are
// the `sct compare` variant names the file may use (Step.variant_expect,
// Assertion.only_variants / except_variants). INVALID_ARGUMENT whose message
// is every "FILE:LINE:COL: ..." line.
absl::StatusOr<CheckedScenario> ParseCheckedScenario(
    const std::string& text, const std::string& file,
    const std::set<std::string>* known_variants = nullptr);

// The largest file of the lab's own formats (scenario, experiment, variant
// set) read as a whole: 1 MiB (the largest checked-in one is under 6 KiB).
inline constexpr size_t kMaxLabFileBytes = 1 << 20;

// Reads a scenario, experiment or variant-set file (`what` names the kind in
// messages), bounded by kMaxLabFileBytes: NOT_FOUND "file_not_found"
// ("PATH: cannot read WHAT file") or INVALID_ARGUMENT "file_too_large".
absl::StatusOr<std::string> ReadLabFile(const std::string& path, absl::string_view what);

// Reads `path` (ReadLabFile) and calls ParseCheckedScenario.
absl::StatusOr<CheckedScenario> LoadCheckedScenario(
    const std::string& path, const std::set<std::string>* known_variants = nullptr);

// ParseCheckedScenario, keeping only the scenario (same errors).
absl::StatusOr<scenario::v1::Scenario> ParseScenarioText(const std::string& text,
                                                         const std::string& file);

// LoadCheckedScenario, keeping only the scenario (same errors).
absl::StatusOr<scenario::v1::Scenario> LoadScenarioFile(const std::string& path);

// Semantic checks of a parsed scenario. `tree` (may be null) gives locations;
// without it errors read "FILE:0:0: ...". Returns the error lines (empty: ok).
// `known_variants` as for ParseCheckedScenario.
std::vector<std::string> ValidateScenario(const scenario::v1::Scenario& scenario,
                                          const google::protobuf::TextFormat::ParseInfoTree* tree,
                                          const std::string& file,
                                          const std::set<std::string>* known_variants = nullptr);

// A duration the file's validation already accepted: ParseScenarioDuration,
// or `fallback` when `text` is empty or (never, after validation) bad.
absl::Duration DurationOr(absl::string_view text, absl::Duration fallback,
                          bool allow_negative = false);

// A duration in absl::ParseDuration syntax ("300ms", "1.5s", "48h", "-3h").
// INVALID_ARGUMENT "<field>: bad duration ..." for anything else, and for a
// negative value unless `allow_negative`. Empty text gives `fallback`.
absl::StatusOr<absl::Duration> ParseScenarioDuration(absl::string_view text,
                                                     absl::string_view field,
                                                     absl::Duration fallback,
                                                     bool allow_negative = false);

// The name of the oneof action a step holds ("share", "use", ...), or "" when
// none is set.
std::string ActionName(const scenario::v1::Step& step);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_PARSE_H_

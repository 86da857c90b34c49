// Parameter paths of experiment files: a field of a scenario named by a
// dotted path, set by protobuf reflection.
//
//   topology.channels[kind=SMS].delay
//   adversaries[name=eve].link_interceptor.reaction_time
//   steps[id=share].share.pin
//   faults[0].channel.delay
//
// Each part names a field of the message the path has reached; a repeated
// field takes a selector: an index ("[0]") or "[field=value]" (every element
// whose scalar `field` prints as `value`: an enum by its name, a bool as
// true/false). The last part is a scalar or enum field (or an element of a
// repeated one), or a singular message field. Message fields on the way are
// created when unset, except a member of a oneof whose other member is set
// (e.g. link_interceptor of an id_guesser): that is an error, not a silent
// switch.
//
// Values are text-format scalars: "200ms" (a string field), "0.25",
// "true", "SMS" (an enum by name or number); "" clears the field. For a
// message field the value is the whole message in text format, which
// replaces the field's content (topology.architecture:
// "relay_design: MAILBOX  relay_verifies_attestation: true"): one parameter
// can then switch between combinations of several fields.
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_EXPERIMENT_PARAM_PATH_H_
#define SCT_SCENARIOS_EXPERIMENT_PARAM_PATH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace sct::scenarios::experiment {

// One part of a path: a field name and an optional selector.
struct PathPart {
  std::string field;
  enum class Select { kNone, kIndex, kMatch } select = Select::kNone;
  int index = -1;          // kIndex
  std::string key, value;  // kMatch: "[key=value]"
};

// Splits `path` into parts. INVALID_ARGUMENT "invalid_field" naming the
// problem (empty part, unclosed "[", bad index) for a malformed path.
absl::StatusOr<std::vector<PathPart>> ParsePath(absl::string_view path);

// Sets the field `path` names in `message` to `value`. INVALID_ARGUMENT
// "invalid_field" whose message names the part that failed: unknown field,
// index out of range, a selector matching nothing, a repeated field without
// a selector, an element of a repeated message field as last part, a value
// not of the field's type (for a message field: not its text format; the
// parser's "value:LINE:COL: problem" is quoted), a oneof member whose
// sibling is set.
absl::Status ApplyPath(google::protobuf::Message& message, absl::string_view path,
                       absl::string_view value);

// Whether `path` lies under the scenario's topology (changing it needs a new
// ecosystem).
bool IsTopologyPath(absl::string_view path);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_PARAM_PATH_H_

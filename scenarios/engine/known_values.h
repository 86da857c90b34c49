// What the engine learns during a run, kept for the knowledge audit
// (RunContext::known): secrets and identities the services must or must not
// see. Values are never logged; labels name them without the value.
// Functions on the run's RunContext; the engine's thread only.
#ifndef SCT_SCENARIOS_ENGINE_KNOWN_VALUES_H_
#define SCT_SCENARIOS_ENGINE_KNOWN_VALUES_H_

#include <string>

#include "proto/common/v1/types.pb.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios {

// Records `value` as an `item` the engine knows (once per item and value;
// an empty value is ignored), identifying `owner` (KnownValue::owner).
void Know(RunContext& ctx, ::common::v1::KnowledgeItem item, const std::string& value,
          const std::string& label, const std::string& owner = "");

// Records the link of share `name`: the whole link (FULL_LINK) and its
// fragment, as written and decoded (MAILBOX_SECRET). Sets `share.link` when
// it has none yet. An empty link is ignored.
void KnowLink(RunContext& ctx, const std::string& name, SavedShare& share, const std::string& link);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_KNOWN_VALUES_H_

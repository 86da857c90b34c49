// What a service learns from a message: classification of fields and the
// walk that records an Observation for every string and bytes value.
//
// FieldItems maps a field to the KnowledgeItem it carries. A key is either a
// bare field name ("mailbox_id") or a qualified one ("relay.v1.Payload.data");
// the qualified entry wins. A field with no entry is
// KNOWLEDGE_ITEM_UNSPECIFIED: "a value that passed through", still
// fingerprinted so the engine can match it against anything it knows.
//
// ObserveMessage walks a message by protobuf reflection (nested messages,
// repeated fields and maps, up to 32 levels) and, for each non-empty value:
//   - records the whole value under the field's item;
//   - for strings, also every token between the separators "#?&=/ \n\t"
//     (item UNSPECIFIED), the URL fragment after each '#' up to white space
//     (item MAILBOX_SECRET), and each white-space-separated word holding
//     "://" and '#' (item FULL_LINK).
// Pure functions apart from the Recorder calls; thread-safe.
#ifndef SCT_COMMON_SIM_KNOWLEDGE_H_
#define SCT_COMMON_SIM_KNOWLEDGE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/sim/recorder.h"
#include "google/protobuf/message.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::sim {

using FieldItems = std::map<std::string, ::common::v1::KnowledgeItem>;

// The project-wide table (ids, tokens, PINs, addresses, relay ciphertext).
FieldItems DefaultFieldItems();

// Distinct non-empty tokens of `text` split at "#?&=/ \n\t", in order of
// first appearance.
std::vector<std::string> Tokens(absl::string_view text);

// Records `value` as described above (`tokenize` false: whole value only).
void ObserveValue(Recorder* recorder, ::common::v1::KnowledgeItem item,
                  absl::string_view value, bool tokenize, absl::string_view where);

// Records every string/bytes value in `message`.
void ObserveMessage(Recorder* recorder, const FieldItems& items,
                    const google::protobuf::Message& message, absl::string_view where);

}  // namespace sct::sim

#endif  // SCT_COMMON_SIM_KNOWLEDGE_H_

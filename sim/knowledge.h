// What a service learns from a message: the walk that records an
// Observation for every string and bytes value it carries.
//
// A field's class is the (common.v1.knowledge) option on its declaration in
// the contract (proto/common/v1/knowledge.proto); a map field's option
// applies to its keys and values; a field without it is
// KNOWLEDGE_ITEM_UNSPECIFIED: "a value that passed through", still
// fingerprinted so the engine can match it against anything it knows.
//
// ObserveMessage walks a message by protobuf reflection (nested messages,
// repeated fields and maps, up to 32 levels) and, for each non-empty value:
//   - records the whole value under the field's class;
//   - for strings, also every token between the separators "#?&=/ \n\t"
//     (class UNSPECIFIED), and for each URL in the text (common/share_link.h)
//     that has a fragment, the URL (FULL_LINK) and the fragment
//     (MAILBOX_SECRET).
// Pure functions apart from the Recorder calls; thread-safe.
#ifndef SCT_SIM_KNOWLEDGE_H_
#define SCT_SIM_KNOWLEDGE_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "sim/recorder.h"
#include "google/protobuf/message.h"
#include "proto/common/v1/knowledge.pb.h"

namespace sct::sim {

// The class a field's (common.v1.knowledge) option gives it.
::common::v1::KnowledgeItem KnowledgeOf(const google::protobuf::FieldDescriptor* field);

// Distinct non-empty tokens of `text` split at "#?&=/ \n\t", in order of
// first appearance.
std::vector<std::string> Tokens(absl::string_view text);

// Records `value` as described above (`tokenize` false: whole value only).
// With `together`, every recorded fingerprint is also added to it (the values
// of one call, Recorder::ObserveTogether).
void ObserveValue(Recorder* recorder, ::common::v1::KnowledgeItem item,
                  absl::string_view value, bool tokenize, absl::string_view where,
                  std::set<std::string>* together = nullptr);

// Records every string/bytes value in `message` (and adds their fingerprints
// to `together` when given).
void ObserveMessage(Recorder* recorder, const google::protobuf::Message& message,
                    absl::string_view where, std::set<std::string>* together = nullptr);

// The client address of a gRPC peer ("ipv4:127.0.0.11:5000",
// "ipv6:[::ffff:127.0.0.11]:5000") or an HTTP remote address ("127.0.0.11",
// "::ffff:127.0.0.11"): the IP without port, brackets or the IPv4-mapped
// prefix; "" for a peer without an IP (e.g. "unix:...").
std::string ClientAddressOf(absl::string_view peer);

}  // namespace sct::sim

#endif  // SCT_SIM_KNOWLEDGE_H_

#include "sim/knowledge.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/share_link.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace sct::sim {
namespace {

using ::common::v1::KnowledgeItem;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 32;
constexpr absl::string_view kSeparators = "#?&=/ \n\t";

void ObserveString(Recorder* recorder, KnowledgeItem item, const Message& message,
                   const FieldDescriptor* field, absl::string_view where,
                   std::set<std::string>* together) {
  const Reflection* reflection = message.GetReflection();
  const bool tokenize = field->type() == FieldDescriptor::TYPE_STRING;
  std::string scratch;
  if (!field->is_repeated()) {
    ObserveValue(recorder, item, reflection->GetStringReference(message, field, &scratch), tokenize,
                 where, together);
    return;
  }
  const int n = reflection->FieldSize(message, field);
  for (int i = 0; i < n; ++i) {
    ObserveValue(recorder, item,
                 reflection->GetRepeatedStringReference(message, field, i, &scratch), tokenize,
                 where, together);
  }
}

void Walk(Recorder* recorder, const Message& message, KnowledgeItem inherited,
          absl::string_view where, int depth, std::set<std::string>* together) {
  if (depth > kMaxDepth) return;
  const Reflection* reflection = message.GetReflection();
  const bool map_entry = message.GetDescriptor()->options().map_entry();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    KnowledgeItem item = KnowledgeOf(field);
    // Map keys and values take the class of the map field itself.
    if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED && map_entry) item = inherited;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      ObserveString(recorder, item, message, field, where, together);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        const int n = reflection->FieldSize(message, field);
        for (int i = 0; i < n; ++i) {
          Walk(recorder, reflection->GetRepeatedMessage(message, field, i), item, where, depth + 1,
               together);
        }
      } else {
        Walk(recorder, reflection->GetMessage(message, field), item, where, depth + 1, together);
      }
    }
    // Numbers, bools and enums carry no secrets.
  }
}

}  // namespace

KnowledgeItem KnowledgeOf(const FieldDescriptor* field) {
  return field->options().GetExtension(::common::v1::knowledge);
}

std::vector<std::string> Tokens(absl::string_view text) {
  std::vector<std::string> out;
  std::set<absl::string_view> seen;
  for (absl::string_view t :
       absl::StrSplit(text, absl::ByAnyChar(kSeparators), absl::SkipEmpty())) {
    if (seen.insert(t).second) out.emplace_back(t);
  }
  return out;
}

void ObserveValue(Recorder* recorder, KnowledgeItem item, absl::string_view value, bool tokenize,
                  absl::string_view where, std::set<std::string>* together) {
  if (value.empty()) return;
  const std::vector<std::string> urls = tokenize ? FindUrls(value) : std::vector<std::string>();
  if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED && urls.size() == 1 && urls[0] == value &&
      absl::StrContains(value, '#')) {
    item = ::common::v1::FULL_LINK;
  }
  recorder->Observe(item, value, where, together);
  if (!tokenize) return;
  for (const std::string& token : Tokens(value)) {
    if (token != value) {
      recorder->Observe(::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, token, where, together);
    }
  }
  for (const std::string& url : urls) {
    if (url.find('#') == std::string::npos) continue;
    if (url != value) recorder->Observe(::common::v1::FULL_LINK, url, where, together);
    recorder->Observe(::common::v1::MAILBOX_SECRET, FragmentOf(url), where, together);
  }
}

void ObserveMessage(Recorder* recorder, const Message& message, absl::string_view where,
                    std::set<std::string>* together) {
  if (!recorder->has_audit_key()) return;  // nothing would be kept
  Walk(recorder, message, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, where, 0, together);
}

std::string ClientAddressOf(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    return std::string(peer.substr(0, peer.rfind(':')));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    if (absl::ConsumePrefix(&peer, "[")) peer = peer.substr(0, peer.find(']'));
  } else if (absl::StrContains(peer, ':') && !absl::StrContains(peer, "::") &&
             absl::StrContains(peer, '.')) {
    return "";  // another scheme ("unix:/path")
  }
  absl::ConsumePrefix(&peer, "::ffff:");
  return std::string(peer);
}

}  // namespace sct::sim

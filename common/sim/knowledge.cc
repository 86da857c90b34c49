#include "common/sim/knowledge.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
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

KnowledgeItem Classify(const FieldItems& items, const FieldDescriptor* field) {
  auto it = items.find(field->full_name());
  if (it != items.end()) return it->second;
  it = items.find(field->name());
  if (it != items.end()) return it->second;
  return ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
}

void Walk(Recorder* recorder, const FieldItems& items, const Message& message,
          KnowledgeItem inherited, absl::string_view where, int depth) {
  if (depth > kMaxDepth) return;
  const Reflection* reflection = message.GetReflection();
  const bool map_entry = message.GetDescriptor()->options().map_entry();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    KnowledgeItem item = Classify(items, field);
    // Map keys and values take the class of the map field itself.
    if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED && map_entry) item = inherited;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        const bool tokenize = field->type() == FieldDescriptor::TYPE_STRING;
        std::string scratch;
        if (field->is_repeated()) {
          const int n = reflection->FieldSize(message, field);
          for (int i = 0; i < n; ++i) {
            const std::string& v =
                reflection->GetRepeatedStringReference(message, field, i, &scratch);
            ObserveValue(recorder, item, v, tokenize, where);
          }
        } else {
          const std::string& v = reflection->GetStringReference(message, field, &scratch);
          ObserveValue(recorder, item, v, tokenize, where);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (field->is_repeated()) {
          const int n = reflection->FieldSize(message, field);
          for (int i = 0; i < n; ++i) {
            Walk(recorder, items, reflection->GetRepeatedMessage(message, field, i), item,
                 where, depth + 1);
          }
        } else {
          Walk(recorder, items, reflection->GetMessage(message, field), item, where,
               depth + 1);
        }
        break;
      }
      default:
        break;  // numbers, bools, enums carry no secrets
    }
  }
}

}  // namespace

FieldItems DefaultFieldItems() {
  using namespace ::common::v1;  // NOLINT: enum values
  return {
      {"mailbox_id", MAILBOX_ID},
      {"push_token", PUSH_TOKEN},
      {"token_data", PUSH_TOKEN},
      {"device_id", DEVICE_IDENTITY},
      {"identity_public_key", DEVICE_IDENTITY},
      {"pin", PIN},
      {"share_token", SHARE_TOKEN},
      {"token", SHARE_TOKEN},
      {"persona", PERSON_IDENTITY},
      {"owner_label", PERSON_IDENTITY},
      {"address", PERSON_IDENTITY},
      {"to_address", PERSON_IDENTITY},
      {"from_address", PERSON_IDENTITY},
      {"channel.v1.SendRequest.from", PERSON_IDENTITY},
      {"channel.v1.SendRequest.to", PERSON_IDENTITY},
      {"channel.v1.ChannelMessage.from", PERSON_IDENTITY},
      {"channel.v1.ChannelMessage.to", PERSON_IDENTITY},
      {"relay.v1.Payload.data", CIPHERTEXT},
  };
}

std::vector<std::string> Tokens(absl::string_view text) {
  std::vector<std::string> out;
  std::set<absl::string_view> seen;
  for (absl::string_view t : absl::StrSplit(text, absl::ByAnyChar(kSeparators), absl::SkipEmpty())) {
    if (seen.insert(t).second) out.emplace_back(t);
  }
  return out;
}

void ObserveValue(Recorder* recorder, KnowledgeItem item, absl::string_view value,
                  bool tokenize, absl::string_view where) {
  if (value.empty()) return;
  if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED && tokenize &&
      absl::StrContains(value, "://") && absl::StrContains(value, '#') &&
      value.find_first_of(" \n\t") == absl::string_view::npos) {
    item = ::common::v1::FULL_LINK;
  }
  recorder->Observe(item, value, where);
  if (!tokenize) return;
  for (const std::string& token : Tokens(value)) {
    if (token != value) recorder->Observe(::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, token, where);
  }
  for (absl::string_view word : absl::StrSplit(value, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
    const size_t hash = word.find('#');
    if (hash == absl::string_view::npos) continue;
    if (word != value && absl::StrContains(word.substr(0, hash), "://")) {
      recorder->Observe(::common::v1::FULL_LINK, word, where);
    }
    recorder->Observe(::common::v1::MAILBOX_SECRET, word.substr(hash + 1), where);
  }
}

void ObserveMessage(Recorder* recorder, const FieldItems& items, const Message& message,
                    absl::string_view where) {
  if (!recorder->has_audit_key()) return;  // nothing would be kept
  Walk(recorder, items, message, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, where, 0);
}

}  // namespace sct::sim

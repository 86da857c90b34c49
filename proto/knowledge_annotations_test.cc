// The contracts classify their fields for the knowledge audit: the simulator
// reads the (common.v1.knowledge) option, so a field that carries a mailbox
// id, a PIN, a person's address or a device identity and lacks the option
// would silently drop out of every audit. This test holds the contract
// authors to the naming rule below and pins the classes that the suite's
// knowledge assertions rely on.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/channel/v1/channel.pb.h"
#include "proto/common/v1/knowledge.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"
#include "proto/device/v1/device.pb.h"
#include "proto/oem/v1/oem.pb.h"
#include "proto/relay/v1/relay.pb.h"

namespace {

using ::common::v1::KnowledgeItem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// A scalar field with one of these names carries this class, in every
// contract.
const std::map<std::string, KnowledgeItem>& NamingRule() {
  static const auto* rule = new std::map<std::string, KnowledgeItem>{
      {"mailbox_id", ::common::v1::MAILBOX_ID},
      {"token_data", ::common::v1::PUSH_TOKEN},
      {"push_token", ::common::v1::PUSH_TOKEN},
      {"device_id", ::common::v1::DEVICE_IDENTITY},
      {"identity_public_key", ::common::v1::DEVICE_IDENTITY},
      {"pin", ::common::v1::PIN},
      {"persona", ::common::v1::PERSON_IDENTITY},
      {"owner_label", ::common::v1::PERSON_IDENTITY},
      {"address", ::common::v1::PERSON_IDENTITY},
      {"to_address", ::common::v1::PERSON_IDENTITY},
      {"from_address", ::common::v1::PERSON_IDENTITY},
  };
  return *rule;
}

std::vector<const FileDescriptor*> ServiceContracts() {
  return {
      ::relay::v1::Payload::descriptor()->file(),
      ::oem::v1::EnrolDeviceRequest::descriptor()->file(),
      ::credential_authority::v1::InitiateShareRequest::descriptor()->file(),
      ::device::v1::ShareCredentialRequest::descriptor()->file(),
      ::channel::v1::SendRequest::descriptor()->file(),
      ::access_point::v1::GetChallengeRequest::descriptor()->file(),
  };
}

KnowledgeItem Of(const FieldDescriptor* field) {
  return field->options().GetExtension(::common::v1::knowledge);
}

void CollectFields(const Descriptor* message, std::vector<const FieldDescriptor*>* out) {
  for (int i = 0; i < message->field_count(); ++i) out->push_back(message->field(i));
  for (int i = 0; i < message->nested_type_count(); ++i) {
    if (!message->nested_type(i)->options().map_entry())
      CollectFields(message->nested_type(i), out);
  }
}

TEST(KnowledgeAnnotationsTest, EveryFieldNamedLikeAnIdentityCarriesItsClass) {
  int checked = 0;
  for (const FileDescriptor* file : ServiceContracts()) {
    std::vector<const FieldDescriptor*> fields;
    for (int i = 0; i < file->message_type_count(); ++i)
      CollectFields(file->message_type(i), &fields);
    for (const FieldDescriptor* field : fields) {
      auto rule = NamingRule().find(field->name());
      if (rule == NamingRule().end()) continue;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_map()) continue;
      ++checked;
      EXPECT_EQ(Of(field), rule->second)
          << field->full_name() << " must carry [(common.v1.knowledge) = "
          << ::common::v1::KnowledgeItem_Name(rule->second) << "]";
    }
  }
  EXPECT_GE(checked, 40) << "the contracts lost their identity fields?";
}

TEST(KnowledgeAnnotationsTest, ClassesTheAuditReliesOn) {
  EXPECT_EQ(Of(::relay::v1::Payload::descriptor()->FindFieldByName("data")),
            ::common::v1::CIPHERTEXT);
  for (const Descriptor* d :
       {::channel::v1::SendRequest::descriptor(), ::channel::v1::ChannelMessage::descriptor()}) {
    EXPECT_EQ(Of(d->FindFieldByName("from")), ::common::v1::PERSON_IDENTITY) << d->full_name();
    EXPECT_EQ(Of(d->FindFieldByName("to")), ::common::v1::PERSON_IDENTITY) << d->full_name();
  }
  // The claim is random per mailbox and links nothing: deliberately unclassified.
  EXPECT_EQ(
      Of(::relay::v1::ReadSecureContentRequest::descriptor()->FindFieldByName("device_claim")),
      ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED);
}

}  // namespace

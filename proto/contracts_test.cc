// Contract tests for the actor protos (everything under proto/ except relay/).
//
// - Every generated header (messages, gRPC services, gMock stubs) compiles in
//   one translation unit, and the gRPC code links.
// - Each service's full method list (with streaming kind) is pinned: removing,
//   renaming or adding an RPC fails here, so contract changes are deliberate.
// - Every message, field, oneof, enum, enum value, service and RPC carries a
//   comment (checked on a descriptor set built with source info).
// The example scenario files are checked in scenario_examples_test.cc.
#include <stdlib.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/access_point/v1/access_point_mock.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/channel/v1/channel.pb.h"
#include "proto/channel/v1/channel_mock.grpc.pb.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/common/v1/audit_mock.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/common/v1/control.pb.h"
#include "proto/common/v1/control_mock.grpc.pb.h"
#include "proto/common/v1/types.grpc.pb.h"
#include "proto/common/v1/types.pb.h"
#include "proto/common/v1/types_mock.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "proto/device/v1/device.pb.h"
#include "proto/device/v1/device_mock.grpc.pb.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "proto/oem/v1/oem.pb.h"
#include "proto/oem/v1/oem_mock.grpc.pb.h"
#include "proto/contracts_test_util.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FileDescriptorProto;
using ::google::protobuf::FileDescriptorSet;
using ::google::protobuf::ServiceDescriptor;
using ::google::protobuf::TextFormat;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::sct::contracts::ParseScenario;
using ::sct::contracts::ReadFile;
using ::sct::contracts::RecordingErrorCollector;
using ::sct::contracts::Runfile;

// ---------------------------------------------------------------------------
// Generated code compiles and links.
// ---------------------------------------------------------------------------

TEST(GeneratedCode, ServiceFullNamesMatchPackages) {
  EXPECT_STREQ(oem::v1::Oem::service_full_name(), "oem.v1.Oem");
  EXPECT_STREQ(
      credential_authority::v1::CredentialAuthority::service_full_name(),
      "credential_authority.v1.CredentialAuthority");
  EXPECT_STREQ(access_point::v1::AccessPoint::service_full_name(),
               "access_point.v1.AccessPoint");
  EXPECT_STREQ(device::v1::DeviceAgent::service_full_name(),
               "device.v1.DeviceAgent");
  EXPECT_STREQ(channel::v1::Channel::service_full_name(), "channel.v1.Channel");
  EXPECT_STREQ(common::v1::Audit::service_full_name(), "common.v1.Audit");
  EXPECT_STREQ(common::v1::SimControl::service_full_name(),
               "common.v1.SimControl");
}

TEST(GeneratedCode, MockStubsAreUsable) {
  oem::v1::MockOemStub stub;
  oem::v1::GetOemInfoResponse canned;
  canned.set_oem_id("oem-a");
  EXPECT_CALL(stub, GetOemInfo(testing::_, testing::_, testing::_))
      .WillOnce(testing::DoAll(testing::SetArgPointee<2>(canned),
                               testing::Return(grpc::Status::OK)));
  grpc::ClientContext context;
  oem::v1::GetOemInfoResponse response;
  ASSERT_TRUE(stub.GetOemInfo(&context, {}, &response).ok());
  EXPECT_EQ(response.oem_id(), "oem-a");
}

TEST(GeneratedCode, ServicesCanBeRegisteredOnOneServer) {
  // Every process registers its own service plus Audit and SimControl on
  // the same port: the generated services must coexist in one builder.
  oem::v1::Oem::Service oem_service;
  common::v1::Audit::Service audit_service;
  common::v1::SimControl::Service control_service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&oem_service);
  builder.RegisterService(&audit_service);
  builder.RegisterService(&control_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  EXPECT_GT(port, 0);

  // An unimplemented RPC answers UNIMPLEMENTED through the real stub.
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto stub = common::v1::Audit::NewStub(channel);
  grpc::ClientContext context;
  common::v1::GetTraceResponse response;
  grpc::Status status = stub->GetTrace(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  server->Shutdown();
}

// ---------------------------------------------------------------------------
// Pinned method lists.
// ---------------------------------------------------------------------------

struct ServiceContract {
  std::string full_name;
  // "Method" for unary, "Method (server stream)" for server streaming.
  std::vector<std::string> methods;
};

std::vector<std::string> MethodsOf(const ServiceDescriptor& service) {
  std::vector<std::string> methods;
  for (int i = 0; i < service.method_count(); ++i) {
    const auto* method = service.method(i);
    std::string entry = method->name();
    if (method->client_streaming()) absl::StrAppend(&entry, " (client stream)");
    if (method->server_streaming()) absl::StrAppend(&entry, " (server stream)");
    methods.push_back(entry);
  }
  return methods;
}

const std::vector<ServiceContract>& Contracts() {
  static const auto* const kContracts = new std::vector<ServiceContract>{
      {"oem.v1.Oem",
       {"GetChallenge", "EnrolDevice", "AttestKey", "RequestShare",
        "ProvisionCredential", "RevokeShare", "RevokeCredential", "ListShares",
        "MintPushToken", "Notify", "SubscribeNotifications (server stream)",
        "GetOemInfo"}},
      {"credential_authority.v1.CredentialAuthority",
       {"RegisterAccessPoint", "RegisterOem", "BootstrapOwner", "InitiateShare",
        "RedeemShare", "RevokeShare", "RevokeCredential", "ListShares",
        "GetRevocationList", "WatchRevocations (server stream)",
        "GetAccessPointKeys", "GetAuthorityInfo"}},
      {"access_point.v1.AccessPoint",
       {"GetChallenge", "Authenticate", "GetStatus", "Refresh"}},
      {"device.v1.DeviceAgent",
       {"Enrol", "AddPersona", "PrepareKey", "InstallCredential",
        "ShareCredential", "AcceptLink", "Reply", "UseCredential", "Revoke",
        "CancelShare", "Relinquish", "ListShares", "GetState",
        "WatchEvents (server stream)"}},
      {"channel.v1.Channel",
       {"Send", "Receive", "WatchInbox (server stream)", "Tap (server stream)",
        "Configure", "GetDeliveryLog"}},
      {"common.v1.Audit", {"GetObservations", "GetTrace", "ResetAudit"}},
      {"common.v1.SimControl",
       {"SetClock", "SetLinkFaults", "SetOutage", "SetAuditKey", "GetMemory"}},
  };
  return *kContracts;
}

class ServiceMethodsTest : public testing::TestWithParam<ServiceContract> {};

TEST_P(ServiceMethodsTest, MethodListIsExactlyTheContract) {
  const ServiceContract& contract = GetParam();
  const ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(contract.full_name);
  ASSERT_NE(service, nullptr) << contract.full_name << " is not linked in";
  EXPECT_THAT(MethodsOf(*service), ElementsAreArray(contract.methods))
      << "the RPC list of " << contract.full_name
      << " changed; update the contract table here and in docs/contracts.md";
}

INSTANTIATE_TEST_SUITE_P(
    AllServices, ServiceMethodsTest, testing::ValuesIn(Contracts()),
    [](const testing::TestParamInfo<ServiceContract>& info) {
      std::string name = info.param.full_name;
      for (char& c : name) {
        if (c == '.') c = '_';
      }
      return name;
    });

TEST(ServiceMethods, EveryServiceInTheContractPackagesIsPinned) {
  // A new service in one of these packages must be added to the table above.
  std::set<std::string> pinned;
  for (const auto& contract : Contracts()) pinned.insert(contract.full_name);
  const std::vector<const google::protobuf::FileDescriptor*> files = {
      oem::v1::DeviceAuth::descriptor()->file(),
      credential_authority::v1::ShareIntent::descriptor()->file(),
      access_point::v1::GetChallengeRequest::descriptor()->file(),
      device::v1::MailboxContent::descriptor()->file(),
      channel::v1::ChannelMessage::descriptor()->file(),
      common::v1::Observation::descriptor()->file(),
      common::v1::SetClockRequest::descriptor()->file(),
      common::v1::Credential::descriptor()->file(),
      scenario::v1::Scenario::descriptor()->file(),
  };
  for (const auto* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      EXPECT_TRUE(pinned.count(file->service(i)->full_name()))
          << file->service(i)->full_name() << " is not pinned";
    }
  }
}

// The fields that keep the authority's answers bounded: a polled revocation
// delta and ListShares paging (wire numbers are the contract).
TEST(ServiceMethods, BoundedAnswersArePinned) {
  namespace cav1 = credential_authority::v1;
  const auto* rev = cav1::GetRevocationListResponse::descriptor();
  const auto* delta = rev->FindFieldByName("delta");
  ASSERT_NE(delta, nullptr);
  EXPECT_EQ(delta->number(), 4);
  EXPECT_EQ(delta->message_type(), cav1::SignedRevocationDelta::descriptor());
  const auto* req = cav1::ListSharesRequest::descriptor();
  ASSERT_NE(req->FindFieldByName("page_size"), nullptr);
  EXPECT_EQ(req->FindFieldByName("page_size")->number(), 6);
  ASSERT_NE(req->FindFieldByName("page_token"), nullptr);
  EXPECT_EQ(req->FindFieldByName("page_token")->number(), 7);
  const auto* resp = cav1::ListSharesResponse::descriptor();
  ASSERT_NE(resp->FindFieldByName("next_page_token"), nullptr);
  EXPECT_EQ(resp->FindFieldByName("next_page_token")->number(), 2);
  const auto* dreq = device::v1::ListSharesRequest::descriptor();
  ASSERT_NE(dreq->FindFieldByName("page_token"), nullptr);
  EXPECT_EQ(dreq->FindFieldByName("page_size")->number(), 4);
  EXPECT_EQ(dreq->FindFieldByName("page_token")->number(), 5);
}

// ---------------------------------------------------------------------------
// Every element is commented.
// ---------------------------------------------------------------------------

// Field numbers in descriptor.proto used to build SourceCodeInfo paths.
constexpr int kFileMessageType = 4;
constexpr int kFileEnumType = 5;
constexpr int kFileService = 6;
constexpr int kMessageField = 2;
constexpr int kMessageNested = 3;
constexpr int kMessageEnum = 4;
constexpr int kMessageOneof = 8;
constexpr int kEnumValue = 2;
constexpr int kServiceMethod = 2;

class CommentChecker {
 public:
  // Returns the elements of `file` without a leading comment; `checked` counts
  // the elements looked at.
  static std::vector<std::string> Uncommented(const FileDescriptorProto& file,
                                              int* checked) {
    CommentChecker checker(file);
    for (int i = 0; i < file.message_type_size(); ++i) {
      checker.Message(file.message_type(i), {kFileMessageType, i},
                      file.package());
    }
    for (int i = 0; i < file.enum_type_size(); ++i) {
      checker.Enum(file.enum_type(i), {kFileEnumType, i}, file.package());
    }
    for (int i = 0; i < file.service_size(); ++i) {
      const auto& service = file.service(i);
      std::string name = absl::StrCat(file.package(), ".", service.name());
      checker.Require({kFileService, i}, name);
      for (int j = 0; j < service.method_size(); ++j) {
        checker.Require({kFileService, i, kServiceMethod, j},
                        absl::StrCat(name, ".", service.method(j).name()));
      }
    }
    *checked = checker.checked_;
    return checker.missing_;
  }

 private:
  explicit CommentChecker(const FileDescriptorProto& file) {
    for (const auto& location : file.source_code_info().location()) {
      if (absl::StripAsciiWhitespace(location.leading_comments()).empty()) {
        continue;
      }
      commented_.insert(
          std::vector<int>(location.path().begin(), location.path().end()));
    }
  }

  void Require(const std::vector<int>& path, const std::string& name) {
    ++checked_;
    if (!commented_.count(path)) missing_.push_back(name);
  }

  static std::vector<int> Extend(std::vector<int> path, int a, int b) {
    path.push_back(a);
    path.push_back(b);
    return path;
  }

  void Message(const google::protobuf::DescriptorProto& message,
               const std::vector<int>& path, const std::string& scope) {
    const std::string name = absl::StrCat(scope, ".", message.name());
    if (message.options().map_entry()) return;  // synthesized for map<,>
    Require(path, name);
    for (int i = 0; i < message.field_size(); ++i) {
      Require(Extend(path, kMessageField, i),
              absl::StrCat(name, ".", message.field(i).name()));
    }
    for (int i = 0; i < message.oneof_decl_size(); ++i) {
      // proto3 `optional` fields get a synthetic oneof named "_<field>".
      if (absl::StartsWith(message.oneof_decl(i).name(), "_")) continue;
      Require(Extend(path, kMessageOneof, i),
              absl::StrCat(name, ".", message.oneof_decl(i).name()));
    }
    for (int i = 0; i < message.nested_type_size(); ++i) {
      Message(message.nested_type(i), Extend(path, kMessageNested, i), name);
    }
    for (int i = 0; i < message.enum_type_size(); ++i) {
      Enum(message.enum_type(i), Extend(path, kMessageEnum, i), name);
    }
  }

  void Enum(const google::protobuf::EnumDescriptorProto& enum_type,
            const std::vector<int>& path, const std::string& scope) {
    const std::string name = absl::StrCat(scope, ".", enum_type.name());
    Require(path, name);
    for (int i = 0; i < enum_type.value_size(); ++i) {
      Require(Extend(path, kEnumValue, i),
              absl::StrCat(name, ".", enum_type.value(i).name()));
    }
  }

  std::set<std::vector<int>> commented_;
  std::vector<std::string> missing_;
  int checked_ = 0;
};

constexpr char kFileWithBareField[] = R"pb(
  package: "t"
  message_type {
    name: "M"
    field { name: "documented" }
    field { name: "bare" }
  }
  source_code_info {
    location {
      path: [ 4, 0 ]
      leading_comments: " A message.\n"
    }
    location {
      path: [ 4, 0, 2, 0 ]
      leading_comments: " A field.\n"
    }
    location {
      path: [ 4, 0, 2, 1 ]
      leading_comments: "  \n"
    }
  }
)pb";

TEST(Comments, CheckerReportsAnUncommentedField) {
  // The checker itself must be able to fail.
  FileDescriptorProto file;
  ASSERT_TRUE(TextFormat::ParseFromString(kFileWithBareField, &file));
  int checked = 0;
  EXPECT_THAT(CommentChecker::Uncommented(file, &checked),
              ElementsAreArray({"t.M.bare"}));
  EXPECT_EQ(checked, 3);
}

TEST(Comments, EveryContractElementHasALeadingComment) {
  std::string bytes;
  ASSERT_TRUE(ReadFile(Runfile("proto/contracts_descriptor_set.pb"), &bytes));
  FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(bytes));
  ASSERT_EQ(set.file_size(), 15) << "expected the fifteen contract files";
  int total = 0;
  for (const auto& file : set.file()) {
    ASSERT_TRUE(file.has_source_code_info()) << file.name();
    int checked = 0;
    EXPECT_THAT(CommentChecker::Uncommented(file, &checked), IsEmpty())
        << "uncommented elements in " << file.name();
    total += checked;
  }
  EXPECT_GT(total, 500) << "suspiciously few elements checked";
}

}  // namespace

// Service tests: the real adapter on an in-process gRPC server bound to
// 127.0.0.1:0 with mutual TLS (throw-away certificates in $TEST_TMPDIR), a
// real SQLite registry, and a gMock authority stub behind the bridge.
#include "oem_server/oem_grpc.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "common/status_mapping.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"
#include "proto/oem/v1/oem.grpc.pb.h"

namespace sct::oem {
namespace {

namespace ca = ::credential_authority::v1;
namespace ov1 = ::oem::v1;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;

class OemGrpcTest : public ::testing::Test {
 protected:
  static std::string Path(absl::string_view name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return absl::StrCat(tmp ? tmp : "/tmp", "/", name);
  }
  static void Write(absl::string_view name, const std::string& contents) {
    ASSERT_TRUE(WriteTestFile(Path(name), contents).ok()) << name;
  }

  void SetUp() override {
    auto dev_ca = MakeTestCa("SCT Lab dev CA").value();
    auto other_ca = MakeTestCa("Some other CA").value();
    auto server =
        IssueTestCert(dev_ca, "oem-a", {"localhost"}, {"127.0.0.1"}).value();
    auto relay = IssueTestCert(dev_ca, "relay", {}, {}).value();
    auto mallory = IssueTestCert(dev_ca, "mallory", {}, {}).value();
    auto stranger = IssueTestCert(other_ca, "relay", {}, {}).value();
    Write("ca.pem", dev_ca.cert_pem);
    Write("server.pem", server.cert_pem);
    Write("server.key", server.key_pem);
    for (auto& [name, cert] : {std::pair<std::string, TestCert>{"relay", relay},
                               {"mallory", mallory},
                               {"stranger", stranger}}) {
      Write(name + ".pem", cert.cert_pem);
      Write(name + ".key", cert.key_pem);
    }

    ca_ = std::make_unique<AttestationCa>(
        AttestationCa::Create("oem-a", clock_.Now()).value());
    registry_ = SqliteDeviceRegistry::Open(Path("grpc.db")).value();
    authority_ = std::make_unique<GrpcAuthorityClient>(&stub_);
    OemServiceOptions options;
    options.oem_id = "oem-a";
    options.relay_cn = "relay";
    service_ = std::make_unique<OemService>(options, clock_, registry_.get(),
                                            ca_.get(), authority_.get());
    adapter_ = std::make_unique<OemGrpcService>(service_.get());

    GrpcServerOptions server_options;
    server_options.address = "127.0.0.1:0";
    server_options.services = {adapter_.get()};
    server_options.credentials =
        LoadServerCredentials({Path("server.pem"), Path("server.key"),
                               Path("ca.pem"), /*require_client_cert=*/false})
            .value();
    server_ = GrpcServer::Start(server_options).value();
  }

  void TearDown() override {
    service_->Shutdown();
    server_->Shutdown();
  }

  // A client stub; `identity` names a client certificate ("" = none).
  std::unique_ptr<ov1::Oem::Stub> Client(const std::string& identity) {
    TlsClientFiles files;
    files.ca_file = Path("ca.pem");
    if (!identity.empty()) {
      files.cert_file = Path(identity + ".pem");
      files.key_file = Path(identity + ".key");
    }
    auto creds = LoadClientCredentials(files).value();
    return ov1::Oem::NewStub(grpc::CreateChannel(server_->address(), creds));
  }

  struct EnrolledDevice {
    crypto::EcdsaP256PrivateKey identity =
        crypto::EcdsaP256PrivateKey::Generate().value();
    ov1::DeviceAuth auth;
  };

  EnrolledDevice Enrol(ov1::Oem::Stub& stub) {
    EnrolledDevice d;
    ov1::GetChallengeResponse challenge;
    {
      grpc::ClientContext ctx;
      EXPECT_TRUE(stub.GetChallenge(&ctx, {}, &challenge).ok());
    }
    grpc::ClientContext ctx;
    ov1::EnrolDeviceResponse enrolled;
    grpc::Status s = stub.EnrolDevice(
        &ctx, testing::MakeEnrolRequest("oem-a", challenge.nonce(), d.identity),
        &enrolled);
    EXPECT_TRUE(s.ok()) << s.error_message();
    d.auth.set_device_id(enrolled.device_id());
    d.auth.set_device_token(enrolled.device_token());
    return d;
  }

  std::string MintToken(ov1::Oem::Stub& stub, const EnrolledDevice& d) {
    grpc::ClientContext ctx;
    ov1::MintPushTokenRequest req;
    *req.mutable_auth() = d.auth;
    ov1::MintPushTokenResponse resp;
    EXPECT_TRUE(stub.MintPushToken(&ctx, req, &resp).ok());
    return resp.token_data();
  }

  absl::Status Notify(ov1::Oem::Stub& stub, const std::string& token,
                      const std::string& mailbox) {
    grpc::ClientContext ctx;
    ov1::NotifyRequest req;
    req.set_token_type("sct-push/oem-a");
    req.set_token_data(token);
    req.set_mailbox_id(mailbox);
    ov1::NotifyResponse resp;
    return FromGrpcStatus(stub.Notify(&ctx, req, &resp));
  }

  FakeClock clock_;
  NiceMock<ca::MockCredentialAuthorityStub> stub_;
  std::unique_ptr<AttestationCa> ca_;
  std::unique_ptr<SqliteDeviceRegistry> registry_;
  std::unique_ptr<GrpcAuthorityClient> authority_;
  std::unique_ptr<OemService> service_;
  std::unique_ptr<OemGrpcService> adapter_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(OemGrpcTest, RelayIdentityNotifiesAndTheDeviceStreamReceives) {
  auto device = Client("");  // devices use server-authenticated TLS
  EnrolledDevice d = Enrol(*device);
  std::string token = MintToken(*device, d);

  grpc::ClientContext stream_ctx;
  ov1::SubscribeNotificationsRequest sub;
  *sub.mutable_auth() = d.auth;
  auto reader = device->SubscribeNotifications(&stream_ctx, sub);
  ov1::DeviceNotification n;
  ASSERT_TRUE(reader->Read(&n));
  EXPECT_EQ(n.kind(), ov1::SUBSCRIBED);

  auto relay = Client("relay");
  ASSERT_TRUE(Notify(*relay, token, "mailbox-42").ok());
  ASSERT_TRUE(reader->Read(&n));
  EXPECT_EQ(n.kind(), ov1::MAILBOX_CHANGED);
  EXPECT_EQ(n.mailbox_id(), "mailbox-42");
  EXPECT_EQ(n.token_data(), token);

  stream_ctx.TryCancel();
  while (reader->Read(&n)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(OemGrpcTest, OtherIdentitiesCannotNotify) {
  auto device = Client("");
  EnrolledDevice d = Enrol(*device);
  std::string token = MintToken(*device, d);
  for (std::string who : {"mallory", ""}) {
    absl::Status s = Notify(*Client(who), token, "m");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << who;
    EXPECT_EQ(ReasonOf(s), "untrusted_relay") << who;
  }
  absl::Status unknown = Notify(*Client("relay"), "bm9wZQ", "m");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(unknown), "unknown_push_token");
}

TEST_F(OemGrpcTest, ClientWithCertificateFromAnotherCaIsRefused) {
  auto stranger = Client("stranger");  // CN "relay", but the wrong CA
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ov1::GetOemInfoResponse info;
  grpc::Status s = stranger->GetOemInfo(&ctx, {}, &info);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_TRUE(info.oem_id().empty());
  // The same request from a trusted relay certificate works.
  grpc::ClientContext ok_ctx;
  ASSERT_TRUE(Client("relay")->GetOemInfo(&ok_ctx, {}, &info).ok());
  EXPECT_EQ(info.oem_id(), "oem-a");
  EXPECT_EQ(info.attestation_root_der(), ca_->root_der());
}

TEST_F(OemGrpcTest, AuthorityReasonsReachTheDevice) {
  EXPECT_CALL(stub_, InitiateShare(_, _, _))
      .WillOnce(Return(ToGrpcStatus(
          MakeError(absl::StatusCode::kPermissionDenied,
                    "entitlement_escalation", "drive is not yours to share"))));
  auto device = Client("");
  EnrolledDevice d = Enrol(*device);
  grpc::ClientContext ctx;
  ov1::RequestShareRequest req;
  *req.mutable_auth() = d.auth;
  req.mutable_share()->set_request_id("r1");
  ca::InitiateShareResponse resp;
  absl::Status s = FromGrpcStatus(device->RequestShare(&ctx, req, &resp));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "entitlement_escalation");
  EXPECT_EQ(s.message(), "drive is not yours to share");
}

TEST_F(OemGrpcTest, ShutdownEndsOpenStreamsCleanly) {
  auto device = Client("");
  EnrolledDevice d = Enrol(*device);
  grpc::ClientContext stream_ctx;
  ov1::SubscribeNotificationsRequest sub;
  *sub.mutable_auth() = d.auth;
  auto reader = device->SubscribeNotifications(&stream_ctx, sub);
  ov1::DeviceNotification n;
  ASSERT_TRUE(reader->Read(&n));
  service_->Shutdown();
  EXPECT_FALSE(reader->Read(&n));
  EXPECT_TRUE(reader->Finish().ok());
  server_->Shutdown();
}

TEST_F(OemGrpcTest, BadDeviceAuthOnTheStreamIsUnauthenticated) {
  auto device = Client("");
  EnrolledDevice d = Enrol(*device);
  std::string token = d.auth.device_token();
  token[3] ^= 0x40;
  d.auth.set_device_token(token);
  grpc::ClientContext ctx;
  ov1::SubscribeNotificationsRequest sub;
  *sub.mutable_auth() = d.auth;
  auto reader = device->SubscribeNotifications(&ctx, sub);
  ov1::DeviceNotification n;
  EXPECT_FALSE(reader->Read(&n));
  absl::Status s = FromGrpcStatus(reader->Finish());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(s), "bad_device_token");
}

}  // namespace
}  // namespace sct::oem

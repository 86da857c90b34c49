// Service tier: the real gRPC adapter on an in-process server on port 0 with
// mutual TLS (a throw-away PKI in $TEST_TMPDIR) and a real SQLite ledger.
#include "credential_authority/ca_grpc.h"

#include <cstdlib>
#include <memory>
#include <thread>

#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "common/status_mapping.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"
#include "common/uuid.h"
#include "credential_authority/ca_test_util.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using Stub = cav1::CredentialAuthority::Stub;

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

class CaGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = testing::Env::Create("grpc_test.db");
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto ca = MakeTestCa("sct dev root");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    auto server_cert = IssueTestCert(ca_, "ca", {"localhost"}, {"127.0.0.1"});
    ASSERT_TRUE(server_cert.ok());
    ASSERT_TRUE(WriteTestFile(Tmp("ca.pem"), ca_.cert_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp("server.pem"), server_cert->cert_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp("server.key"), server_cert->key_pem).ok());
    auto creds = LoadServerCredentials(TlsServerFiles{
        Tmp("server.pem"), Tmp("server.key"), Tmp("ca.pem"), true});
    ASSERT_TRUE(creds.ok()) << creds.status();
    grpc_service_ = std::make_unique<CaGrpcService>(env_->service.get());
    GrpcServerOptions options;
    options.address = "127.0.0.1:0";
    options.credentials = *creds;
    options.services = {grpc_service_.get()};
    auto server = GrpcServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  void TearDown() override {
    if (env_ != nullptr) env_->service->Shutdown();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  }

  // A stub authenticating as `cn` with a certificate from `issuer`.
  std::unique_ptr<Stub> StubFor(const std::string& cn,
                                const TestCert* issuer = nullptr) {
    const TestCert& ca = issuer != nullptr ? *issuer : ca_;
    TlsClientFiles files;
    files.ca_file = Tmp("ca.pem");
    if (!cn.empty()) {
      auto cert = IssueTestCert(ca, cn, {}, {});
      EXPECT_TRUE(cert.ok());
      std::string base = Tmp("client-" + cn + (issuer ? "-other" : ""));
      EXPECT_TRUE(WriteTestFile(base + ".pem", cert->cert_pem).ok());
      EXPECT_TRUE(WriteTestFile(base + ".key", cert->key_pem).ok());
      files.cert_file = base + ".pem";
      files.key_file = base + ".key";
    }
    auto creds = LoadClientCredentials(files);
    EXPECT_TRUE(creds.ok()) << creds.status();
    return cav1::CredentialAuthority::NewStub(
        grpc::CreateChannel(server_->address(), *creds));
  }

  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(20));
    return ctx;
  }

  std::unique_ptr<testing::Env> env_;
  TestCert ca_;
  std::unique_ptr<CaGrpcService> grpc_service_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(CaGrpcTest, ShareRedeemOverMutualTls) {
  auto admin = StubFor("admin");
  auto oem_a = StubFor("oem-a");
  auto oem_b = StubFor("oem-b");
  auto dev = testing::MakeDevice(env_->oems[0], env_->clock.Now());
  ASSERT_TRUE(dev.ok());
  cav1::BootstrapOwnerRequest boot;
  boot.set_request_id(NewUuidV4());
  boot.set_access_point_id("car-1");
  boot.set_oem_id("oem-a");
  boot.set_holder_public_key(dev->spki);
  *boot.mutable_holder_attestation() = dev->attestation;
  boot.set_kind(common::v1::ASYMMETRIC);
  boot.add_entitlements("unlock");
  boot.add_entitlements("drive");
  *boot.mutable_validity() =
      testing::Window(env_->clock.Now(), -absl::Hours(1), absl::Hours(48));
  boot.set_resharing_allowed(true);
  cav1::BootstrapOwnerResponse owner;
  ASSERT_TRUE(admin->BootstrapOwner(Ctx().get(), boot, &owner).ok());
  // The OEM identity is not admin.
  cav1::BootstrapOwnerResponse unused;
  grpc::Status denied = oem_a->BootstrapOwner(Ctx().get(), boot, &unused);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(denied)), "not_admin");

  auto share_req = testing::SignedShare(
      dev->key, env_->Intent(owner.credential(), {"unlock"}), "");
  ASSERT_TRUE(share_req.ok());
  cav1::InitiateShareResponse share;
  grpc::Status s = oem_a->InitiateShare(Ctx().get(), *share_req, &share);
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto redeem = env_->Redeem(share.token(), env_->oems[1]);
  ASSERT_TRUE(redeem.ok());
  cav1::RedeemShareResponse credential;
  s = oem_b->RedeemShare(Ctx().get(), redeem->second, &credential);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(credential.credential().parent_share_id(), share.share_id());

  auto again = env_->Redeem(share.token(), env_->oems[1]);
  ASSERT_TRUE(again.ok());
  s = oem_b->RedeemShare(Ctx().get(), again->second, &credential);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "share_already_redeemed");

  cav1::GetAuthorityInfoResponse info;
  ASSERT_TRUE(oem_a->GetAuthorityInfo(Ctx().get(), {}, &info).ok());
  EXPECT_EQ(info.key_id(), env_->service->key_id());
  EXPECT_EQ(info.signing_public_key(),
            env_->signing_key->PublicKey().SpkiDer());
}

TEST_F(CaGrpcTest, ClientsWithoutAValidCertificateAreRefused) {
  auto other_ca = MakeTestCa("someone else's root");
  ASSERT_TRUE(other_ca.ok());
  cav1::GetAuthorityInfoResponse info;
  auto wrong_ca = StubFor("oem-a", &*other_ca);
  grpc::Status s = wrong_ca->GetAuthorityInfo(Ctx().get(), {}, &info);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  auto no_cert = StubFor("");
  s = no_cert->GetAuthorityInfo(Ctx().get(), {}, &info);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // A certificate from the right CA but an unregistered name.
  auto stranger = StubFor("oem-z");
  ASSERT_TRUE(stranger->GetAuthorityInfo(Ctx().get(), {}, &info).ok());
  cav1::RedeemShareResponse resp;
  s = stranger->RedeemShare(Ctx().get(), cav1::RedeemShareRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "untrusted_oem");
  cav1::GetRevocationListRequest lreq;
  lreq.set_access_point_id("car-1");
  cav1::GetRevocationListResponse lresp;
  s = stranger->GetRevocationList(Ctx().get(), lreq, &lresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "untrusted_access_point");
}

TEST_F(CaGrpcTest, WatchStreamsRevocationsAndEndsOnShutdown) {
  auto admin = StubFor("admin");
  auto car = StubFor("car-1");
  auto owner = env_->Owner("car-1", common::v1::ASYMMETRIC, {"unlock"});
  ASSERT_TRUE(owner.ok());
  grpc::ClientContext ctx;
  cav1::WatchRevocationsRequest req;
  req.set_access_point_id("car-1");
  auto reader = car->WatchRevocations(&ctx, req);
  cav1::RevocationUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_snapshot());

  cav1::RevokeCredentialRequest rev;
  rev.set_credential_id(owner->second.credential_id());
  cav1::RevokeResponse revoked;
  ASSERT_TRUE(admin->RevokeCredential(Ctx().get(), rev, &revoked).ok());
  do {
    ASSERT_TRUE(reader->Read(&update));
  } while (!update.has_delta());
  cav1::RevocationDeltaBody body;
  ASSERT_TRUE(body.ParseFromString(update.delta().body()));
  ASSERT_EQ(body.entries_size(), 1);
  EXPECT_EQ(body.entries(0).credential_id(), owner->second.credential_id());
  EXPECT_EQ(body.to_version(), revoked.revocation_list_version());

  env_->service->Shutdown();
  server_->Shutdown(absl::Seconds(1));
  while (reader->Read(&update)) {
  }
  grpc::Status end = reader->Finish();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace sct::ca

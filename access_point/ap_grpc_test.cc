// Service tier: the real adapter on an in-process gRPC server (port 0).
#include "access_point/ap_grpc.h"

#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace sct::access_point {
namespace {

namespace apv1 = ::access_point::v1;

class ApGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = FakeAuthority::Create("ca", clock_.Now());
    ASSERT_TRUE(ca.ok());
    ca_ = std::make_unique<FakeAuthority>(*std::move(ca));
    list_ =
        std::make_unique<RevocationList>("ca", ca_->key().PublicKey(), clock_);
    auto l = ca_->SignList(1, {}, clock_.Now(), clock_.Now() + absl::Hours(1));
    ASSERT_TRUE(l.ok());
    ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
    VerifierOptions o;
    o.access_point_id = "car-1";
    verifier_ = std::make_unique<Verifier>(
        o, std::vector<crypto::Certificate>{ca_->root()}, list_.get(), clock_);
    service_ = std::make_unique<AccessPointGrpcService>(
        verifier_.get(), list_.get(), nullptr, nullptr, "ca", clock_);
    GrpcServerOptions g;
    g.services = {service_.get()};
    auto server = GrpcServer::Start(g);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = apv1::AccessPoint::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
    auto cred = ca_->Issue({"cred-1",
                            "car-1",
                            "",
                            {"unlock"},
                            clock_.Now() - absl::Hours(1),
                            clock_.Now() + absl::Hours(1)});
    ASSERT_TRUE(cred.ok());
    cred_ = std::make_unique<IssuedCredential>(*std::move(cred));
  }

  apv1::AuthenticateRequest Answer(const apv1::GetChallengeResponse& c,
                                   const std::string& action) {
    apv1::AuthenticateRequest r;
    r.set_nonce(c.nonce());
    r.set_action(action);
    r.mutable_certificate()->set_certificate_der(cred_->certificate_der);
    r.set_signature(*cred_->holder_key.Sign(
        ChallengeTranscript(c.access_point_id(), c.nonce(), action),
        crypto::SignatureEncoding::kDer));
    return r;
  }

  FakeClock clock_;
  std::unique_ptr<FakeAuthority> ca_;
  std::unique_ptr<RevocationList> list_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<AccessPointGrpcService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<apv1::AccessPoint::Stub> stub_;
  std::unique_ptr<IssuedCredential> cred_;
};

TEST_F(ApGrpcTest, ChallengeAuthenticateReplayAndStatus) {
  grpc::ClientContext c1;
  apv1::GetChallengeResponse ch;
  ASSERT_TRUE(stub_->GetChallenge(&c1, {}, &ch).ok());
  EXPECT_EQ(ch.access_point_id(), "car-1");
  EXPECT_EQ(ch.nonce().size(), 32u);
  EXPECT_EQ(ch.kind(), ::common::v1::CAR);
  EXPECT_EQ(ch.expires_at().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Seconds(30)));

  apv1::AuthenticateRequest req = Answer(ch, "unlock");
  grpc::ClientContext c2;
  apv1::AuthenticateResponse resp;
  ASSERT_TRUE(stub_->Authenticate(&c2, req, &resp).ok());
  EXPECT_TRUE(resp.granted());
  EXPECT_EQ(resp.reason(), apv1::GRANTED);
  EXPECT_EQ(resp.credential_id(), "cred-1");

  grpc::ClientContext c3;
  apv1::AuthenticateResponse replay;
  ASSERT_TRUE(stub_->Authenticate(&c3, req, &replay).ok());
  EXPECT_FALSE(replay.granted());
  EXPECT_EQ(replay.reason(), apv1::DENIED_REPLAY);

  grpc::ClientContext c4;
  apv1::GetStatusResponse st;
  ASSERT_TRUE(stub_->GetStatus(&c4, {}, &st).ok());
  EXPECT_EQ(st.access_point_id(), "car-1");
  EXPECT_EQ(st.authority_id(), "ca");
  uint64_t granted = 0, replays = 0;
  for (const auto& d : st.decisions()) {
    if (d.reason() == apv1::GRANTED) granted = d.count();
    if (d.reason() == apv1::DENIED_REPLAY) replays = d.count();
  }
  EXPECT_EQ(granted, 1u);
  EXPECT_EQ(replays, 1u);
}

TEST_F(ApGrpcTest, MalformedRequestsAreInvalidArgumentWithReason) {
  grpc::ClientContext c1;
  apv1::AuthenticateRequest req;
  req.set_nonce("n");
  req.set_action("unlock");
  apv1::AuthenticateResponse resp;
  grpc::Status s = stub_->Authenticate(&c1, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "invalid_field");

  grpc::ClientContext c2;
  req.set_credential_id("x");
  req.set_signature("sig");  // symmetric credential with an ECDSA proof
  s = stub_->Authenticate(&c2, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sct::access_point

// The access point's wiring: configuration checks, trust anchors from a
// certificate or from the authority over a pinned key, and a started server
// answering on port 0 (the authority is a gMock stub; no real time).
#include "access_point/server.h"

#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::access_point {
namespace {

namespace apv1 = ::access_point::v1;
namespace cav1 = ::credential_authority::v1;
using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StartsWith;

AccessPointConfig ValidConfig() {
  AccessPointConfig config;
  config.verifier.access_point_id = "car-1";
  config.ca_target = "127.0.0.1:1";
  config.revocation_mode = RevocationMode::kPoll;
  config.poll_interval = absl::Hours(1);  // the test drives every pull itself
  return config;
}

TEST(AccessPointConfigTest, KindsAndModesParseAndOthersNameTheFlag) {
  EXPECT_EQ(*ParseAccessPointKind("car"), ::common::v1::CAR);
  EXPECT_EQ(*ParseAccessPointKind("door"), ::common::v1::DOOR);
  EXPECT_EQ(*ParseAccessPointKind("hotel_lock"), ::common::v1::HOTEL_LOCK);
  EXPECT_THAT(std::string(ParseAccessPointKind("boat").status().message()), StartsWith("--kind: "));
  EXPECT_EQ(*ParseRevocationMode("watch"), RevocationMode::kWatch);
  EXPECT_EQ(*ParseRevocationMode("poll"), RevocationMode::kPoll);
  EXPECT_EQ(ReasonOf(ParseRevocationMode("push").status()), "invalid_field");
}

TEST(AccessPointConfigTest, ValidateNamesTheFirstBadFlag) {
  EXPECT_TRUE(ValidateConfig(ValidConfig()).ok());
  struct Case {
    const char* flag;
    void (*spoil)(AccessPointConfig&);
  };
  const Case cases[] = {
      {"--ap_id", [](AccessPointConfig& c) { c.verifier.access_point_id.clear(); }},
      {"--challenge_ttl",
       [](AccessPointConfig& c) { c.verifier.challenge_ttl = absl::ZeroDuration(); }},
      {"--max_outstanding_challenges",
       [](AccessPointConfig& c) { c.verifier.max_outstanding_challenges = 0; }},
      {"--poll_interval", [](AccessPointConfig& c) { c.poll_interval = -absl::Seconds(1); }},
      {"--ca_target", [](AccessPointConfig& c) { c.ca_target.clear(); }},
      {"--ca_target", [](AccessPointConfig& c) { c.ca_target = "no-port"; }},
  };
  for (const Case& bad : cases) {
    AccessPointConfig config = ValidConfig();
    bad.spoil(config);
    absl::Status s = ValidateConfig(config);
    EXPECT_EQ(ReasonOf(s), "invalid_field") << bad.flag;
    EXPECT_THAT(std::string(s.message()), StartsWith(bad.flag)) << s;
  }
}

class AccessPointServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = FakeAuthority::Create("ca", clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::make_unique<FakeAuthority>(*std::move(ca));
    cav1::GetRevocationListResponse list;
    *list.mutable_list() = *ca_->SignList(3, {"c9"}, clock_.Now(), clock_.Now() + absl::Hours(2));
    list.set_version(3);
    ON_CALL(stub_, GetRevocationList(_, _, _))
        .WillByDefault(DoAll(SetArgPointee<2>(list), Return(grpc::Status::OK)));
  }

  AccessPointDeps Deps() { return AccessPointDeps{&stub_, &clock_, nullptr}; }

  // The config of an access point that trusts only the authority's key.
  AccessPointConfig PinnedKeyConfig() {
    AccessPointConfig config = ValidConfig();
    config.trust_anchor_pem = "-----BEGIN PUBLIC KEY-----\n...";
    config.pinned_key = ca_->key().PublicKey();
    return config;
  }

  void ExpectAuthorityRoot(const crypto::Certificate& root) {
    cav1::GetAuthorityInfoResponse info;
    info.set_root_certificate_der(*root.ToDer());
    EXPECT_CALL(stub_, GetAuthorityInfo(_, _, _))
        .WillOnce(DoAll(SetArgPointee<2>(info), Return(grpc::Status::OK)));
  }

  FakeClock clock_;
  std::unique_ptr<FakeAuthority> ca_;
  NiceMock<cav1::MockCredentialAuthorityStub> stub_;
};

TEST_F(AccessPointServerTest, TrustAnchorWithoutCertificateOrKeyIsRefused) {
  AccessPointConfig config = ValidConfig();
  config.trust_anchor_pem = "not pem at all";
  auto server = AccessPointServer::Create(config, Deps());
  EXPECT_EQ(ReasonOf(server.status()), "invalid_field");
  EXPECT_THAT(std::string(server.status().message()), StartsWith("--ca_trust_anchor: "));

  config.trust_anchor_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  server = AccessPointServer::Create(config, Deps());
  EXPECT_THAT(std::string(server.status().message()), StartsWith("--ca_trust_anchor: "));
}

TEST_F(AccessPointServerTest, ServesWithTheRootCertificateAsAnchor) {
  AccessPointConfig config = ValidConfig();
  config.trust_anchor_pem = *ca_->root().ToPem();
  auto server = AccessPointServer::Create(config, Deps());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_CALL(stub_, GetAuthorityInfo(_, _, _)).Times(0);
  ASSERT_TRUE((*server)->Start().ok());
  EXPECT_EQ((*server)->revocation_list_version(), 3u);  // the first pull

  auto client = apv1::AccessPoint::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  apv1::GetStatusResponse status;
  ASSERT_TRUE(client->GetStatus(&context, {}, &status).ok());
  EXPECT_EQ(status.access_point_id(), "car-1");
  EXPECT_EQ(status.revocation_list_version(), 3u);
  EXPECT_EQ(status.revocation_source(), apv1::POLL);
  (*server)->Shutdown();
  (*server)->Shutdown();  // idempotent
}

TEST_F(AccessPointServerTest, PinnedKeyFetchesTheRootFromTheAuthority) {
  auto server = AccessPointServer::Create(PinnedKeyConfig(), Deps());
  ASSERT_TRUE(server.ok()) << server.status();
  ExpectAuthorityRoot(ca_->root());
  absl::Status started = (*server)->Start();
  EXPECT_TRUE(started.ok()) << started;
  EXPECT_FALSE((*server)->address().empty());
}

TEST_F(AccessPointServerTest, RootNotOverThePinnedKeyStopsTheStart) {
  auto other = FakeAuthority::Create("ca", clock_.Now());
  ASSERT_TRUE(other.ok());
  auto server = AccessPointServer::Create(PinnedKeyConfig(), Deps());
  ASSERT_TRUE(server.ok()) << server.status();
  ExpectAuthorityRoot(other->root());
  absl::Status started = (*server)->Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(started.message()), HasSubstr("pinned --ca_trust_anchor key"));
  EXPECT_TRUE((*server)->address().empty());
}

TEST_F(AccessPointServerTest, UnreachableAuthorityStopsAPinnedKeyStart) {
  auto server = AccessPointServer::Create(PinnedKeyConfig(), Deps());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_CALL(stub_, GetAuthorityInfo(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")));
  absl::Status started = (*server)->Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(started.message()), StartsWith("GetAuthorityInfo: "));
}

}  // namespace
}  // namespace sct::access_point

// End-to-end proof that the authority and the access points work together:
// the real ca_server and access_point binaries as separate processes over
// mutual TLS. An owner
// credential is bootstrapped at the authority, opens the car, is revoked, and
// the access point denies it (DENIED_REVOKED) once its revocation version
// reaches the one the revoke call returned: with the streaming watch and with
// polling. Also: the symmetric (HPKE-delivered, HMAC) path across both
// services, replay across processes, and clean SIGTERM shutdown (exit 0).
#include <cstdlib>
#include <string>

#include "access_point/verifier.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/ca_ap_ecosystem.h"

namespace sct::integration {
namespace {

namespace apv1 = ::access_point::v1;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

class CaApTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    EcosystemOptions o;
    o.ca_binary = Runfile("credential_authority/ca_server");
    o.ap_binary = Runfile("access_point/access_point");
    o.work_dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + GetParam();
    o.revocation_mode = GetParam();
    o.poll_interval = absl::Milliseconds(200);
    auto e = Ecosystem::Start(o);
    ASSERT_TRUE(e.ok()) << e.status();
    eco_ = *std::move(e);
  }
  std::unique_ptr<Ecosystem> eco_;
};

TEST_P(CaApTest, OwnerOpensTheCarUntilRevokedThenIsDenied) {
  auto owner =
      eco_->BootstrapOwner(::common::v1::ASYMMETRIC, {"unlock", "drive"});
  ASSERT_TRUE(owner.ok()) << owner.status();

  auto granted = eco_->Authenticate(*owner, "unlock");
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_TRUE(granted->granted())
      << apv1::AuthReason_Name(granted->reason()) << ": " << granted->detail();
  EXPECT_EQ(granted->credential_id(), owner->credential_id);
  auto not_entitled = eco_->Authenticate(*owner, "open_trunk");
  ASSERT_TRUE(not_entitled.ok());
  EXPECT_EQ(not_entitled->reason(), apv1::DENIED_ENTITLEMENT);

  auto version = eco_->RevokeCredential(owner->credential_id);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_GT(*version, 0u);
  ASSERT_TRUE(eco_->WaitForApVersion(*version, absl::Seconds(30)).ok());
  auto st = eco_->ApStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->revocation_source(),
            GetParam() == "watch" ? apv1::WATCH : apv1::POLL);
  EXPECT_GE(st->revoked_count(), 1u);

  auto denied = eco_->Authenticate(*owner, "unlock");
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_FALSE(denied->granted());
  EXPECT_EQ(denied->reason(), apv1::DENIED_REVOKED) << denied->detail();
  EXPECT_GE(denied->revocation_list_version(), *version);

  // Another owner of the same car is unaffected.
  auto other = eco_->BootstrapOwner(::common::v1::ASYMMETRIC, {"unlock"});
  ASSERT_TRUE(other.ok()) << other.status();
  auto ok = eco_->Authenticate(*other, "unlock");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->reason(), apv1::GRANTED) << ok->detail();

  auto codes = eco_->Stop();
  EXPECT_EQ(codes.first, 0) << "access_point exit code";
  EXPECT_EQ(codes.second, 0) << "ca_server exit code";
}

TEST_P(CaApTest, SymmetricCredentialKeyReachesTheAccessPoint) {
  auto guest = eco_->BootstrapOwner(::common::v1::SYMMETRIC, {"unlock"});
  ASSERT_TRUE(guest.ok()) << guest.status();
  ASSERT_EQ(guest->symmetric_key.size(), 32u);
  // The key grant reaches the AP on its next pull; Refresh forces it.
  grpc::ClientContext ctx;
  apv1::RefreshResponse r;
  ASSERT_TRUE(eco_->ap().Refresh(&ctx, {}, &r).ok());
  EXPECT_GE(r.key_grant_sequence(), 1u);
  auto granted = eco_->Authenticate(*guest, "unlock");
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(granted->reason(), apv1::GRANTED) << granted->detail();

  auto version = eco_->RevokeCredential(guest->credential_id);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE(eco_->WaitForApVersion(*version, absl::Seconds(30)).ok());
  auto denied = eco_->Authenticate(*guest, "unlock");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->reason(), apv1::DENIED_REVOKED);
}

TEST_P(CaApTest, ReplayedResponseIsDeniedAcrossTheWire) {
  auto owner = eco_->BootstrapOwner(::common::v1::ASYMMETRIC, {"unlock"});
  ASSERT_TRUE(owner.ok()) << owner.status();
  grpc::ClientContext c1;
  apv1::GetChallengeResponse ch;
  ASSERT_TRUE(eco_->ap().GetChallenge(&c1, {}, &ch).ok());
  apv1::AuthenticateRequest req;
  req.set_nonce(ch.nonce());
  req.set_action("unlock");
  req.mutable_certificate()->set_certificate_der(owner->certificate_der);
  req.set_signature(
      *owner->se_key->Sign(access_point::ChallengeTranscript(
                               ch.access_point_id(), ch.nonce(), "unlock"),
                           crypto::SignatureEncoding::kDer));
  for (apv1::AuthReason want : {apv1::GRANTED, apv1::DENIED_REPLAY}) {
    grpc::ClientContext c;
    apv1::AuthenticateResponse resp;
    ASSERT_TRUE(eco_->ap().Authenticate(&c, req, &resp).ok());
    EXPECT_EQ(resp.reason(), want);
  }
}

INSTANTIATE_TEST_SUITE_P(RevocationModes, CaApTest,
                         ::testing::Values("watch", "poll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sct::integration

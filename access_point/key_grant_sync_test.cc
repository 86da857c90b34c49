#include "access_point/key_grant_sync.h"

#include <cstdint>
#include <string>

#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "crypto/pem.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;
namespace apv1 = ::access_point::v1;
using ::testing::_;
using ::testing::Invoke;

cav1::SymmetricKeyGrant Grant(uint64_t seq, const std::string& cred_id,
                              const std::string& info, const std::string& key,
                              const crypto::EcdsaP256PublicKey& to,
                              absl::Time now) {
  auto ctx = crypto::HpkeSetupSender(crypto::kHpkeP256Sha256Aes128Gcm,
                                     to.UncompressedPoint(), info);
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  auto ct = ctx->Seal("", key);
  cav1::SymmetricKeyGrant g;
  g.set_sequence(seq);
  g.set_credential_id(cred_id);
  g.add_entitlements("enter");
  g.mutable_validity()->mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(now - absl::Hours(1)));
  g.mutable_validity()->mutable_not_after()->set_seconds(
      absl::ToUnixSeconds(now + absl::Hours(1)));
  g.mutable_sealed()->set_hpke_enc(ctx->enc());
  g.mutable_sealed()->set_sealed_key(*ct);
  g.mutable_sealed()->set_hpke_info(info);
  return g;
}

TEST(KeyGrantSyncTest, OpensGrantsAndTheLockAcceptsTheHmac) {
  FakeClock clock;
  auto ca = FakeAuthority::Create("ca", clock.Now());
  ASSERT_TRUE(ca.ok());
  RevocationList list("ca", ca->key().PublicKey(), clock);
  ASSERT_TRUE(
      list.ApplySnapshot(*ca->SignList(1, {}, clock.Now(), clock.Now() + absl::Hours(1))).ok());
  VerifierOptions o;
  o.access_point_id = "room-101";
  o.kind = ::common::v1::HOTEL_LOCK;
  Verifier lock(o, {ca->root()}, &list, clock);

  auto ap_key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(ap_key.ok());
  // The scalar as the binary gets it: from the --ap_key PEM file.
  auto scalar = crypto::P256PrivateScalarFromPem(
      *crypto::P256PrivateKeyToPem(*ap_key), "--ap_key");
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ(scalar->size(), 32u);
  EXPECT_FALSE(crypto::P256PrivateScalarFromPem("garbage", "--ap_key").ok());

  const std::string key(32, '\x11');
  auto wrong_ap = crypto::EcdsaP256PrivateKey::Generate();
  cav1::GetAccessPointKeysResponse resp;
  *resp.add_grants() = Grant(1, "cred-a", CredentialHpkeInfo("cred-a"), key,
                             ap_key->PublicKey(), clock.Now());
  // Sealed to someone else, and one whose info names another credential.
  *resp.add_grants() = Grant(2, "cred-b", CredentialHpkeInfo("cred-b"), key,
                             wrong_ap->PublicKey(), clock.Now());
  *resp.add_grants() = Grant(3, "cred-c", CredentialHpkeInfo("cred-a"), key,
                             ap_key->PublicKey(), clock.Now());
  resp.set_last_sequence(3);

  cav1::MockCredentialAuthorityStub stub;
  EXPECT_CALL(stub, GetAccessPointKeys(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const cav1::GetAccessPointKeysRequest& req,
                           cav1::GetAccessPointKeysResponse* out) {
        EXPECT_EQ(req.access_point_id(), "room-101");
        EXPECT_EQ(req.after_sequence(), 0u);
        *out = resp;
        return grpc::Status::OK;
      }))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const cav1::GetAccessPointKeysRequest& req,
                           cav1::GetAccessPointKeysResponse* out) {
        EXPECT_EQ(req.after_sequence(), 3u);
        out->set_last_sequence(3);
        return grpc::Status::OK;
      }));
  KeyGrantSync sync(&stub, "room-101", *scalar, &lock);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(sync.last_sequence(), 3u);
  EXPECT_EQ(sync.rejected_grants(), 2u);
  EXPECT_EQ(lock.Counters().symmetric_key_count, 1u);
  ASSERT_TRUE(sync.SyncNow().ok());

  auto c = lock.IssueChallenge();
  AuthAttempt a;
  a.kind = AuthAttempt::Kind::kSymmetric;
  a.nonce = c->nonce;
  a.action = "enter";
  a.credential_id = "cred-a";
  a.proof = *crypto::HmacSha256(
      key, ChallengeTranscript("room-101", a.nonce, "enter"));
  EXPECT_EQ(lock.Authenticate(a)->reason, apv1::GRANTED);
}

// A grant whose validity lies outside 0001-9999 is refused (its key is never
// installed) and counted; the grants around it are installed.
TEST(KeyGrantSyncTest, RefusesAGrantWithValidityOutsideTheTimestampRange) {
  FakeClock clock;
  auto ca = FakeAuthority::Create("ca", clock.Now());
  ASSERT_TRUE(ca.ok());
  RevocationList list("ca", ca->key().PublicKey(), clock);
  ASSERT_TRUE(
      list.ApplySnapshot(*ca->SignList(1, {}, clock.Now(), clock.Now() + absl::Hours(1))).ok());
  VerifierOptions o;
  o.access_point_id = "room-101";
  o.kind = ::common::v1::HOTEL_LOCK;
  Verifier lock(o, {ca->root()}, &list, clock);
  auto ap_key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(ap_key.ok());
  auto scalar = crypto::P256PrivateScalarFromPem(*crypto::P256PrivateKeyToPem(*ap_key), "k");
  ASSERT_TRUE(scalar.ok());
  const std::string key(32, '\x22');
  cav1::GetAccessPointKeysResponse resp;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    const std::string id = "cred-" + std::to_string(seq);
    *resp.add_grants() = Grant(seq, id, CredentialHpkeInfo(id), key, ap_key->PublicKey(),
                               clock.Now());
  }
  resp.mutable_grants(0)->mutable_validity()->mutable_not_after()->set_seconds(
      absl::ToUnixSeconds(clock.Now()) + (int64_t{1} << 58) + 60);
  resp.mutable_grants(1)->mutable_validity()->mutable_not_before()->set_nanos(-1);
  resp.set_last_sequence(3);
  cav1::MockCredentialAuthorityStub stub;
  EXPECT_CALL(stub, GetAccessPointKeys(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*, const cav1::GetAccessPointKeysRequest&,
                           cav1::GetAccessPointKeysResponse* out) {
        *out = resp;
        return grpc::Status::OK;
      }));
  KeyGrantSync sync(&stub, "room-101", *scalar, &lock);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(sync.last_sequence(), 3u);
  EXPECT_EQ(sync.rejected_grants(), 2u);
  EXPECT_EQ(lock.Counters().symmetric_key_count, 1u);
}

}  // namespace
}  // namespace sct::access_point

#include "credential_authority/ca_service.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/uuid.h"
#include "credential_authority/ca_test_expect.h"
#include "credential_authority/ca_service_test_fixture.h"
#include "credential_authority/ca_test_util.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/hpke.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using ::testing::ElementsAre;
using testing::Env;
using testing::ExpectError;
using testing::TestDevice;
using ::testing::UnorderedElementsAre;

TEST_F(CaServiceTest, OwnerCertificateChainsToRootWithClaims) {
  MakeOwner();
  ASSERT_TRUE(owner_cred_.has_asymmetric());
  ASSERT_OK_AND_ASSIGN(
      crypto::Certificate cert,
      crypto::Certificate::FromDer(owner_cred_.asymmetric().certificate_der()));
  ASSERT_OK(crypto::VerifyCertificateChain(cert, {}, {*env_->root},
                                           env_->clock.Now()));
  ASSERT_OK_AND_ASSIGN(crypto::EcdsaP256PublicKey pub, cert.PublicKey());
  EXPECT_EQ(pub, owner_device_->key.PublicKey());
  EXPECT_EQ(cert.SubjectCommonName(), owner_cred_.credential_id());
  ASSERT_OK_AND_ASSIGN(std::string ext,
                       cert.ExtensionValue(crypto::kOidEntitlements));
  EXPECT_TRUE(cert.ExtensionIsCritical(crypto::kOidEntitlements));
  cav1::CredentialCertificateClaims claims;
  ASSERT_TRUE(claims.ParseFromString(ext));
  EXPECT_EQ(claims.credential_id(), owner_cred_.credential_id());
  EXPECT_EQ(claims.access_point_id(), "car-1");
  EXPECT_THAT(claims.entitlements(), ElementsAre("unlock", "lock", "drive"));
  EXPECT_EQ(cert.NotAfter(), absl::FromUnixSeconds(
                                 owner_cred_.validity().not_after().seconds()));
}

TEST_F(CaServiceTest, BootstrapRejectsKeyAttestedByAnotherOem) {
  ASSERT_OK_AND_ASSIGN(TestDevice dev,
                       testing::MakeDevice(env_->oems[1], env_->clock.Now()));
  cav1::BootstrapOwnerRequest req;
  req.set_access_point_id("car-1");
  req.set_oem_id("oem-a");  // but oem-b attested it
  req.set_holder_public_key(dev.spki);
  *req.mutable_holder_attestation() = dev.attestation;
  req.set_kind(common::v1::ASYMMETRIC);
  req.add_entitlements("unlock");
  *req.mutable_validity() =
      testing::Window(env_->clock.Now(), absl::ZeroDuration(), absl::Hours(1));
  ExpectError(env_->service->BootstrapOwner(env_->admin, req).status(),
              absl::StatusCode::kPermissionDenied, "bad_attestation");
  ExpectError(env_->service->BootstrapOwner(env_->oem_a, req).status(),
              absl::StatusCode::kPermissionDenied, "not_admin");
}

TEST_F(CaServiceTest, ShareRedeemsOnceAndSecondRedemptionFails) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(
      auto share,
      Share(owner_device_->key, env_->Intent(owner_cred_, {"unlock", "lock"})));
  ASSERT_OK_AND_ASSIGN(auto redeemed, RedeemB(share.token()));
  const common::v1::Credential& c = redeemed.second.credential();
  EXPECT_EQ(c.parent_share_id(), share.share_id());
  EXPECT_THAT(c.entitlements(), ElementsAre("unlock", "lock"));
  EXPECT_EQ(c.holder_public_key(), redeemed.first.spki);
  ASSERT_OK_AND_ASSIGN(
      crypto::Certificate cert,
      crypto::Certificate::FromDer(c.asymmetric().certificate_der()));
  ASSERT_OK(crypto::VerifyCertificateChain(cert, {}, {*env_->root},
                                           env_->clock.Now()));
  ExpectError(RedeemB(share.token()).status(),
              absl::StatusCode::kFailedPrecondition, "share_already_redeemed");
}

TEST_F(CaServiceTest, HundredConcurrentRedemptionsYieldExactlyOne) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto share,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  std::vector<cav1::RedeemShareRequest> requests;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, env_->Redeem(share.token(), env_->oems[1]));
    requests.push_back(r.second);
  }
  std::atomic<int> ok{0}, already{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = env_->service->RedeemShare(env_->oem_b, requests[i]);
      if (r.ok()) {
        ++ok;
      } else if (ReasonOf(r.status()) == "share_already_redeemed") {
        ++already;
      } else {
        ++other;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already.load(), 99);
  EXPECT_EQ(other.load(), 0);
  ASSERT_OK_AND_ASSIGN(ShareRow row, env_->ledger->GetShare(share.share_id(),
                                                            env_->clock.Now()));
  EXPECT_EQ(row.record.redemptions(), 1u);
  EXPECT_EQ(row.record.issued_credential_ids_size(), 1);
  EXPECT_EQ(row.record.state(), common::v1::REDEEMED);
}

TEST_F(CaServiceTest, EscalatedEntitlementsRejected) {
  MakeOwner();
  ExpectError(Share(owner_device_->key,
                    env_->Intent(owner_cred_, {"unlock", "open_trunk"}))
                  .status(),
              absl::StatusCode::kPermissionDenied, "entitlement_escalation");
  // A receiver with "unlock" only cannot re-share "drive".
  cav1::ShareIntent intent = env_->Intent(owner_cred_, {"unlock"});
  intent.set_resharing_allowed(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent));
  ASSERT_OK_AND_ASSIGN(auto b, RedeemB(share.token()));
  ExpectError(Share(b.first.key,
                    env_->Intent(b.second.credential(), {"unlock", "drive"}))
                  .status(),
              absl::StatusCode::kPermissionDenied, "entitlement_escalation");
  ExpectError(
      Share(owner_device_->key, env_->Intent(owner_cred_, {"fly"})).status(),
      absl::StatusCode::kInvalidArgument, "unknown_entitlement");
}

TEST_F(CaServiceTest, EscalatedValidityRejected) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  *intent.mutable_validity() = testing::Window(
      env_->clock.Now(), absl::ZeroDuration(), absl::Hours(24 * 400));
  ExpectError(Share(owner_device_->key, intent).status(),
              absl::StatusCode::kPermissionDenied, "validity_escalation");
  *intent.mutable_validity() =
      testing::Window(env_->clock.Now(), -absl::Hours(2), absl::Hours(1));
  ExpectError(Share(owner_device_->key, intent).status(),
              absl::StatusCode::kPermissionDenied, "validity_escalation");
}

TEST_F(CaServiceTest, ExpiredTokenRejected) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  *intent.mutable_token_ttl() = ToProtoDuration(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent));
  env_->clock.Advance(absl::Minutes(61));
  ExpectError(RedeemB(share.token()).status(),
              absl::StatusCode::kFailedPrecondition, "share_expired");
}

TEST_F(CaServiceTest, TamperedOrForeignTokenRejected) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto share,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  common::v1::SignedShareToken bad = share.token();
  common::v1::ShareTokenBody body;
  ASSERT_TRUE(body.ParseFromString(bad.body()));
  body.add_entitlements("open_trunk");
  bad.set_body(body.SerializeAsString());
  ExpectError(RedeemB(bad).status(), absl::StatusCode::kPermissionDenied,
              "bad_token_signature");
  // Correctly signed, but for a share the ledger never recorded.
  body.set_share_id(NewUuidV4());
  common::v1::SignedShareToken unknown = share.token();
  unknown.set_body(body.SerializeAsString());
  ASSERT_OK_AND_ASSIGN(
      *unknown.mutable_signature(),
      env_->signing_key->Sign(SignedBytes(kShareTokenContext, unknown.body()),
                              crypto::SignatureEncoding::kDer));
  ExpectError(RedeemB(unknown).status(), absl::StatusCode::kNotFound,
              "share_not_found");
}

TEST_F(CaServiceTest, RedeemChecksCallerOemAttestation) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto share,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  // Device attested by oem-a, redeemed by oem-b: not oem-b's key.
  ASSERT_OK_AND_ASSIGN(auto r, env_->Redeem(share.token(), env_->oems[0]));
  ExpectError(env_->service->RedeemShare(env_->oem_b, r.second).status(),
              absl::StatusCode::kPermissionDenied, "bad_attestation");
  // Attestation of another key.
  ASSERT_OK_AND_ASSIGN(auto r2, env_->Redeem(share.token(), env_->oems[1]));
  ASSERT_OK_AND_ASSIGN(TestDevice other,
                       testing::MakeDevice(env_->oems[1], env_->clock.Now()));
  r2.second.set_receiver_public_key(other.spki);
  ExpectError(env_->service->RedeemShare(env_->oem_b, r2.second).status(),
              absl::StatusCode::kPermissionDenied, "bad_attestation");
  // An unknown TLS identity.
  ExpectError(
      env_->service->RedeemShare(env_->service->Identify("oem-z"), r.second)
          .status(),
      absl::StatusCode::kUnauthenticated, "untrusted_oem");
  // The share is still redeemable after those failures.
  ASSERT_OK(RedeemB(share.token()).status());
}

TEST_F(CaServiceTest, RevokingAShareRevokesItsResharesTransitively) {
  MakeOwner();
  cav1::ShareIntent to_b = env_->Intent(owner_cred_);
  to_b.set_resharing_allowed(true);
  ASSERT_OK_AND_ASSIGN(auto share_b, Share(owner_device_->key, to_b));
  ASSERT_OK_AND_ASSIGN(auto b, RedeemB(share_b.token()));
  cav1::ShareIntent to_c = env_->Intent(b.second.credential(), {"unlock"});
  to_c.set_resharing_allowed(true);
  ASSERT_OK_AND_ASSIGN(auto share_c, Share(b.first.key, to_c));
  ASSERT_OK_AND_ASSIGN(auto c, RedeemB(share_c.token()));
  ASSERT_OK_AND_ASSIGN(auto share_d,  // pending re-share from C
                       Share(c.first.key, env_->Intent(c.second.credential())));
  ASSERT_OK_AND_ASSIGN(auto other,  // unrelated share by the owner
                       Share(owner_device_->key, env_->Intent(owner_cred_)));

  // C's device may not revoke B's share; the owner may.
  cav1::RevokeShareRequest req;
  req.set_share_id(share_b.share_id());
  ASSERT_OK_AND_ASSIGN(
      *req.mutable_holder(),
      testing::MakeHolderProof(
          c.first.key, c.second.credential().credential_id(), "RevokeShare",
          share_b.share_id(), env_->clock.Now()));
  ExpectError(env_->service->RevokeShare(env_->oem_b, req).status(),
              absl::StatusCode::kPermissionDenied, "not_holder");
  ASSERT_OK_AND_ASSIGN(
      *req.mutable_holder(),
      testing::MakeHolderProof(owner_device_->key, owner_cred_.credential_id(),
                               "RevokeShare", share_b.share_id(),
                               env_->clock.Now()));
  const uint64_t before = env_->service->revocation_version();
  ASSERT_OK_AND_ASSIGN(auto revoked,
                       env_->service->RevokeShare(env_->oem_a, req));
  EXPECT_THAT(revoked.revoked_share_ids(),
              UnorderedElementsAre(share_b.share_id(), share_c.share_id(),
                                   share_d.share_id()));
  EXPECT_THAT(revoked.revoked_credential_ids(),
              UnorderedElementsAre(b.second.credential().credential_id(),
                                   c.second.credential().credential_id()));
  EXPECT_EQ(revoked.revocation_list_version(), before + 1);
  ExpectError(RedeemB(share_d.token()).status(),
              absl::StatusCode::kFailedPrecondition, "share_revoked");
  // C can no longer share; the unrelated share is untouched.
  ExpectError(Share(c.first.key, env_->Intent(c.second.credential())).status(),
              absl::StatusCode::kFailedPrecondition, "credential_revoked");
  ASSERT_OK(RedeemB(other.token()).status());

  // The signed list carries both credentials and the pending share.
  cav1::GetRevocationListRequest list_req;
  list_req.set_access_point_id("car-1");
  ASSERT_OK_AND_ASSIGN(auto list,
                       env_->service->GetRevocationList(env_->car, list_req));
  ASSERT_OK(env_->service->signing_public_key().Verify(
      SignedBytes(kRevocationListContext, list.list().body()),
      list.list().signature(), crypto::SignatureEncoding::kDer));
  cav1::RevocationListBody body;
  ASSERT_TRUE(body.ParseFromString(list.list().body()));
  EXPECT_EQ(body.version(), before + 1);
  std::vector<std::string> creds, shares;
  for (const auto& e : body.entries()) {
    creds.push_back(e.credential_id());
    shares.push_back(e.share_id());
  }
  EXPECT_THAT(creds,
              UnorderedElementsAre(b.second.credential().credential_id(),
                                   c.second.credential().credential_id(), ""));
  EXPECT_THAT(shares,
              UnorderedElementsAre(share_b.share_id(), share_c.share_id(),
                                   share_d.share_id()));
  // Revoking again changes nothing.
  ASSERT_OK_AND_ASSIGN(
      *req.mutable_holder(),
      testing::MakeHolderProof(owner_device_->key, owner_cred_.credential_id(),
                               "RevokeShare", share_b.share_id(),
                               env_->clock.Now()));
  ASSERT_OK_AND_ASSIGN(auto again,
                       env_->service->RevokeShare(env_->oem_a, req));
  EXPECT_TRUE(again.revoked_share_ids().empty());
  EXPECT_EQ(again.revocation_list_version(), before + 1);
}

TEST_F(CaServiceTest, AdminRevokesCredentialAndReshareIsForbiddenByPolicy) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto share,  // resharing not allowed (default)
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  ASSERT_OK_AND_ASSIGN(auto b, RedeemB(share.token()));
  ExpectError(Share(b.first.key, env_->Intent(b.second.credential())).status(),
              absl::StatusCode::kPermissionDenied, "resharing_forbidden");
  cav1::RevokeCredentialRequest req;
  req.set_credential_id(b.second.credential().credential_id());
  ExpectError(env_->service->RevokeCredential(env_->oem_a, req).status(),
              absl::StatusCode::kPermissionDenied, "not_admin");
  ASSERT_OK_AND_ASSIGN(auto r,
                       env_->service->RevokeCredential(env_->admin, req));
  EXPECT_THAT(r.revoked_credential_ids(),
              ElementsAre(b.second.credential().credential_id()));
}

TEST_F(CaServiceTest, FiveWrongPinsLockEvenAgainstTheRightPin) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  intent.set_pin_required(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent, "493817"));
  ExpectError(RedeemB(share.token()).status(),
              absl::StatusCode::kPermissionDenied, "pin_required");
  for (int i = 0; i < 5; ++i) {
    ExpectError(RedeemB(share.token(), "000000").status(),
                absl::StatusCode::kPermissionDenied, "wrong_pin");
  }
  ExpectError(RedeemB(share.token(), "493817").status(),
              absl::StatusCode::kFailedPrecondition, "share_locked");
  ASSERT_OK_AND_ASSIGN(ShareRow row, env_->ledger->GetShare(share.share_id(),
                                                            env_->clock.Now()));
  EXPECT_EQ(row.record.state(), common::v1::LOCKED);
  EXPECT_EQ(row.record.failed_pin_attempts(), 5u);
}

TEST_F(CaServiceTest, ParallelPinGuessesCountNoMoreThanFive) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  intent.set_pin_required(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent, "493817"));
  std::vector<cav1::RedeemShareRequest> guesses;
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r,
                         env_->Redeem(share.token(), env_->oems[1],
                                      "00000" + std::to_string(i % 10)));
    guesses.push_back(r.second);
  }
  std::atomic<int> wrong{0}, locked{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      std::string reason = ReasonOf(
          env_->service->RedeemShare(env_->oem_b, guesses[i]).status());
      if (reason == "wrong_pin") {
        ++wrong;
      } else if (reason == "share_locked") {
        ++locked;
      } else {
        ++other;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 5);
  EXPECT_EQ(locked.load(), 15);
  EXPECT_EQ(other.load(), 0);
  ExpectError(RedeemB(share.token(), "493817").status(),
              absl::StatusCode::kFailedPrecondition, "share_locked");
}

TEST_F(CaServiceTest, RightPinAfterFourWrongRedeems) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  intent.set_pin_required(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent, "493817"));
  for (int i = 0; i < 4; ++i) {
    ExpectError(RedeemB(share.token(), "493818").status(),
                absl::StatusCode::kPermissionDenied, "wrong_pin");
  }
  ASSERT_OK(RedeemB(share.token(), "493817").status());
  ASSERT_OK_AND_ASSIGN(ShareRow row, env_->ledger->GetShare(share.share_id(),
                                                            env_->clock.Now()));
  EXPECT_EQ(row.record.failed_pin_attempts(),
            4u);  // the right one is not counted
  EXPECT_EQ(row.record.state(), common::v1::REDEEMED);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(CaServiceTest, DatabaseHoldsNoPinAndNoPrivateKey) {
  MakeOwner(common::v1::SYMMETRIC);
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  intent.set_pin_required(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent, "493817"));
  ASSERT_OK(RedeemB(share.token(), "493817").status());
  const std::string db =
      ReadAll(env_->db_path) + ReadAll(env_->db_path + "-wal");
  ASSERT_GT(db.size(), 1000u);
  EXPECT_EQ(db.find("493817"), std::string::npos);
  EXPECT_EQ(db.find(env_->signing_key->ToPkcs8Der().substr(36, 32)),
            std::string::npos);
  EXPECT_EQ(db.find(owner_device_->raw_private), std::string::npos);
  EXPECT_EQ(db.find(std::string(env_->pin_key->bytes())), std::string::npos);
  // The share's verifier is the keyed one: the ledger alone cannot test a PIN.
  ASSERT_OK_AND_ASSIGN(ShareRow row, env_->ledger->GetShare(share.share_id(),
                                                            env_->clock.Now()));
  EXPECT_EQ(row.pin_iterations, 0u);
  EXPECT_EQ(row.pin_hash.substr(0, 8), env_->pin_key->id());
}

TEST_F(CaServiceTest, SymmetricKeyReachesHolderAndAccessPointAlike) {
  MakeOwner(common::v1::SYMMETRIC);
  ASSERT_TRUE(owner_cred_.has_symmetric());
  const auto& sym = owner_cred_.symmetric();
  EXPECT_EQ(sym.hpke_info(), CredentialHpkeInfo(owner_cred_.credential_id()));
  ASSERT_OK_AND_ASSIGN(auto holder_ctx,
                       crypto::HpkeSetupRecipient(
                           crypto::kHpkeP256Sha256Aes128Gcm, sym.hpke_enc(),
                           owner_device_->raw_private, sym.hpke_info()));
  ASSERT_OK_AND_ASSIGN(std::string holder_key,
                       holder_ctx.Open("", sym.sealed_key()));
  EXPECT_EQ(holder_key.size(), 32u);

  cav1::GetAccessPointKeysRequest req;
  req.set_access_point_id("room-1");
  Caller room{CallerRole::kAccessPoint, "room-1"};
  ASSERT_OK_AND_ASSIGN(auto keys, env_->service->GetAccessPointKeys(room, req));
  ASSERT_EQ(keys.grants_size(), 1);
  EXPECT_EQ(keys.last_sequence(), keys.grants(0).sequence());
  const auto& g = keys.grants(0);
  EXPECT_EQ(g.credential_id(), owner_cred_.credential_id());
  ASSERT_OK_AND_ASSIGN(
      auto ap_ctx, crypto::HpkeSetupRecipient(
                       crypto::kHpkeP256Sha256Aes128Gcm, g.sealed().hpke_enc(),
                       env_->ap_raw_private, g.sealed().hpke_info()));
  ASSERT_OK_AND_ASSIGN(std::string ap_key,
                       ap_ctx.Open("", g.sealed().sealed_key()));
  EXPECT_EQ(ap_key, holder_key);
  // Another access point may not pull room-1's keys.
  ExpectError(env_->service->GetAccessPointKeys(env_->car, req).status(),
              absl::StatusCode::kUnauthenticated, "untrusted_access_point");
  req.set_after_sequence(keys.last_sequence());
  ASSERT_OK_AND_ASSIGN(auto none, env_->service->GetAccessPointKeys(room, req));
  EXPECT_EQ(none.grants_size(), 0);
}

TEST_F(CaServiceTest, RetriedRedeemReturnsTheSameCredential) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto share,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  ASSERT_OK_AND_ASSIGN(auto r, env_->Redeem(share.token(), env_->oems[1]));
  ASSERT_OK_AND_ASSIGN(auto first,
                       env_->service->RedeemShare(env_->oem_b, r.second));
  ASSERT_OK_AND_ASSIGN(auto again,
                       env_->service->RedeemShare(env_->oem_b, r.second));
  EXPECT_EQ(first.credential().credential_id(),
            again.credential().credential_id());
  cav1::RedeemShareRequest changed = r.second;
  changed.set_receiver_public_key(owner_device_->spki);
  ExpectError(env_->service->RedeemShare(env_->oem_b, changed).status(),
              absl::StatusCode::kAlreadyExists, "request_id_conflict");
}

TEST_F(CaServiceTest, RestartOnTheSameDatabaseLosesNothing) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto redeemed_share,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  ASSERT_OK_AND_ASSIGN(auto b, RedeemB(redeemed_share.token()));
  ASSERT_OK_AND_ASSIGN(auto pending,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  ASSERT_OK_AND_ASSIGN(auto revoked,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  cav1::RevokeShareRequest rev;
  rev.set_share_id(revoked.share_id());
  ASSERT_OK(env_->service->RevokeShare(env_->admin, rev).status());
  const uint64_t version = env_->service->revocation_version();

  ASSERT_OK(env_->Restart());
  EXPECT_EQ(env_->service->revocation_version(), version);
  ExpectError(RedeemB(redeemed_share.token()).status(),
              absl::StatusCode::kFailedPrecondition, "share_already_redeemed");
  ExpectError(RedeemB(revoked.token()).status(),
              absl::StatusCode::kFailedPrecondition, "share_revoked");
  ASSERT_OK(RedeemB(pending.token()).status());
  cav1::ListSharesRequest list;
  list.set_credential_id(owner_cred_.credential_id());
  ASSERT_OK_AND_ASSIGN(auto shares,
                       env_->service->ListShares(env_->admin, list));
  ASSERT_EQ(shares.shares_size(), 3);
  EXPECT_EQ(shares.shares(0).share_id(), redeemed_share.share_id());
  EXPECT_EQ(shares.shares(0).state(), common::v1::REDEEMED);
  EXPECT_THAT(shares.shares(0).issued_credential_ids(),
              ElementsAre(b.second.credential().credential_id()));
  EXPECT_EQ(shares.shares(0).receiver_oem_id(), "oem-b");
  EXPECT_EQ(shares.shares(1).state(), common::v1::REDEEMED);
  EXPECT_EQ(shares.shares(2).state(), common::v1::REVOKED);
  ASSERT_OK(env_->ledger->GetCredential(b.second.credential().credential_id())
                .status());
}

TEST_F(CaServiceTest, ListSharesNeedsTheHoldersProof) {
  MakeOwner();
  ASSERT_OK(Share(owner_device_->key, env_->Intent(owner_cred_)).status());
  cav1::ListSharesRequest list;
  list.set_credential_id(owner_cred_.credential_id());
  ExpectError(env_->service->ListShares(env_->oem_a, list).status(),
              absl::StatusCode::kPermissionDenied, "not_admin");
  ASSERT_OK_AND_ASSIGN(
      *list.mutable_holder(),
      testing::MakeHolderProof(owner_device_->key, owner_cred_.credential_id(),
                               "ListShares", owner_cred_.credential_id(),
                               env_->clock.Now()));
  ASSERT_OK_AND_ASSIGN(auto shares,
                       env_->service->ListShares(env_->oem_a, list));
  EXPECT_EQ(shares.shares_size(), 1);
  env_->clock.Advance(absl::Minutes(6));
  ExpectError(env_->service->ListShares(env_->oem_a, list).status(),
              absl::StatusCode::kPermissionDenied, "stale_holder_proof");
}

TEST_F(CaServiceTest, EndorsementRequiredAndChecked) {
  MakeOwner();
  cav1::ShareIntent intent = env_->Intent(owner_cred_);
  intent.set_endorsement_required(true);
  ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, intent));
  ASSERT_OK_AND_ASSIGN(auto r, env_->Redeem(share.token(), env_->oems[1]));
  ExpectError(env_->service->RedeemShare(env_->oem_b, r.second).status(),
              absl::StatusCode::kPermissionDenied, "endorsement_required");
  const std::string nul(1, '\0');
  std::string msg = std::string(kEndorseContext) + nul + share.share_id() +
                    nul + r.second.receiver_public_key();
  ASSERT_OK_AND_ASSIGN(std::string wrong,
                       r.first.key.Sign(msg, crypto::SignatureEncoding::kDer));
  r.second.set_sender_endorsement(wrong);
  ExpectError(env_->service->RedeemShare(env_->oem_b, r.second).status(),
              absl::StatusCode::kPermissionDenied, "bad_endorsement");
  ASSERT_OK_AND_ASSIGN(
      std::string right,
      owner_device_->key.Sign(msg, crypto::SignatureEncoding::kDer));
  r.second.set_sender_endorsement(right);
  r.second.set_request_id(NewUuidV4());
  ASSERT_OK(env_->service->RedeemShare(env_->oem_b, r.second).status());
}

TEST_F(CaServiceTest, WatchDeliversEachRevocationAsItHappens) {
  MakeOwner();
  ASSERT_OK_AND_ASSIGN(auto s1,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  ASSERT_OK_AND_ASSIGN(auto s2,
                       Share(owner_device_->key, env_->Intent(owner_cred_)));
  absl::Mutex mu;
  std::vector<cav1::RevocationUpdate> updates;
  std::atomic<bool> stop{false};
  cav1::WatchRevocationsRequest req;
  req.set_access_point_id("car-1");
  absl::Status watch_status;
  std::thread watcher([&] {
    watch_status = env_->service->WatchRevocations(
        env_->car, req,
        [&](const cav1::RevocationUpdate& u) {
          absl::MutexLock l(&mu);
          updates.push_back(u);
          return true;
        },
        [&] { return stop.load(); });
  });
  auto wait_for = [&](size_t n) {
    absl::MutexLock l(&mu);
    auto enough = [&] { return updates.size() >= n; };
    mu.Await(absl::Condition(&enough));
  };
  wait_for(1);  // the snapshot
  for (const auto& id : {s1.share_id(), s2.share_id()}) {
    cav1::RevokeShareRequest rev;
    rev.set_share_id(id);
    ASSERT_OK(env_->service->RevokeShare(env_->admin, rev).status());
  }
  wait_for(3);
  stop = true;
  watcher.join();
  EXPECT_EQ(watch_status.code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(updates[0].has_snapshot());
  std::vector<std::string> revoked;
  uint64_t version = 0;
  for (size_t i = 1; i < updates.size(); ++i) {
    if (!updates[i].has_delta()) continue;
    ASSERT_OK(env_->service->signing_public_key().Verify(
        SignedBytes(kRevocationDeltaContext, updates[i].delta().body()),
        updates[i].delta().signature(), crypto::SignatureEncoding::kDer));
    cav1::RevocationDeltaBody body;
    ASSERT_TRUE(body.ParseFromString(updates[i].delta().body()));
    EXPECT_EQ(body.from_version(), version);
    version = body.to_version();
    for (const auto& e : body.entries()) revoked.push_back(e.share_id());
  }
  EXPECT_EQ(version, 2u);
  EXPECT_THAT(revoked, ElementsAre(s1.share_id(), s2.share_id()));
}

TEST_F(CaServiceTest, WatchEndsOnShutdownAndRejectsFutureVersion) {
  cav1::WatchRevocationsRequest req;
  req.set_access_point_id("car-1");
  req.set_from_version(7);
  ExpectError(
      env_->service->WatchRevocations(
          env_->car, req, [](const cav1::RevocationUpdate&) { return true; },
          [] { return false; }),
      absl::StatusCode::kOutOfRange, "unknown_revocation_version");
  req.set_from_version(0);
  std::atomic<int> sent{0};
  absl::Status st;
  std::thread watcher([&] {
    st = env_->service->WatchRevocations(
        env_->car, req,
        [&](const cav1::RevocationUpdate&) {
          ++sent;
          return true;
        },
        [] { return false; });
  });
  while (sent.load() == 0) std::this_thread::yield();
  env_->service->Shutdown();
  watcher.join();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
}

TEST_F(CaServiceTest, EmptyOrGarbageRequestsGetClearErrors) {
  CaService& ca = *env_->service;
  ExpectError(ca.RegisterOem(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.RegisterAccessPoint(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.BootstrapOwner(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.InitiateShare(env_->oem_a, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  cav1::InitiateShareRequest garbage;
  garbage.set_intent("\xff\xff\xff");
  ExpectError(ca.InitiateShare(env_->oem_a, garbage).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.RedeemShare(env_->oem_b, {}).status(),
              absl::StatusCode::kPermissionDenied, "bad_token_signature");
  ExpectError(ca.RevokeShare(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.RevokeCredential(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  ExpectError(ca.ListShares(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  cav1::RevokeShareRequest unknown;
  unknown.set_share_id("no-such-share");
  ExpectError(ca.RevokeShare(env_->admin, unknown).status(),
              absl::StatusCode::kNotFound, "share_not_found");
  ExpectError(ca.GetRevocationList(env_->oem_a, {}).status(),
              absl::StatusCode::kUnauthenticated, "untrusted_access_point");
  ExpectError(ca.GetRevocationList(env_->admin, {}).status(),
              absl::StatusCode::kInvalidArgument, "invalid_field");
  cav1::GetRevocationListRequest list;
  list.set_access_point_id("car-9");
  ExpectError(ca.GetRevocationList(env_->admin, list).status(),
              absl::StatusCode::kNotFound, "access_point_not_found");
}

}  // namespace
}  // namespace sct::ca

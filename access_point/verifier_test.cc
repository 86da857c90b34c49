#include "access_point/verifier.h"

#include "absl/strings/str_cat.h"
#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "common/errors.h"
#include "crypto/hmac.h"
#include "gtest/gtest.h"

namespace sct::access_point {
namespace {

namespace apv1 = ::access_point::v1;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = FakeAuthority::Create("ca", clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::make_unique<FakeAuthority>(*std::move(ca));
    list_ =
        std::make_unique<RevocationList>("ca", ca_->key().PublicKey(), clock_);
    auto l = ca_->SignList(1, {}, clock_.Now(), clock_.Now() + absl::Hours(1));
    ASSERT_TRUE(l.ok());
    ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
    verifier_ = MakeVerifier("car-1");
    auto cred = ca_->Issue({"cred-1",
                            "car-1",
                            "share-1",
                            {"unlock", "lock"},
                            clock_.Now() - absl::Hours(1),
                            clock_.Now() + absl::Hours(1)});
    ASSERT_TRUE(cred.ok()) << cred.status();
    cred_ = std::make_unique<IssuedCredential>(*std::move(cred));
  }

  std::unique_ptr<Verifier> MakeVerifier(const std::string& id) {
    VerifierOptions o;
    o.access_point_id = id;
    o.kind = ::common::v1::CAR;
    o.challenge_ttl = absl::Seconds(30);
    return std::make_unique<Verifier>(
        o, std::vector<crypto::Certificate>{ca_->root()}, list_.get(), clock_);
  }

  // A device's answer to `nonce` for `action` with `cred`, signed for `ap_id`.
  AuthAttempt Sign(const IssuedCredential& cred, const std::string& nonce,
                   const std::string& action,
                   const std::string& ap_id = "car-1") {
    AuthAttempt a;
    a.nonce = nonce;
    a.action = action;
    a.certificate_der = cred.certificate_der;
    auto sig = cred.holder_key.Sign(ChallengeTranscript(ap_id, nonce, action),
                                    crypto::SignatureEncoding::kDer);
    EXPECT_TRUE(sig.ok());
    a.proof = *sig;
    return a;
  }

  AuthReason Run(Verifier& v, const IssuedCredential& cred,
                 const std::string& action) {
    auto c = v.IssueChallenge();
    EXPECT_TRUE(c.ok());
    auto d = v.Authenticate(Sign(cred, c->nonce, action));
    EXPECT_TRUE(d.ok()) << d.status();
    return d->reason;
  }

  IssuedCredential IssueOrDie(CredentialRequest r) {
    auto c = ca_->Issue(r);
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  FakeClock clock_;
  std::unique_ptr<FakeAuthority> ca_;
  std::unique_ptr<RevocationList> list_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<IssuedCredential> cred_;
};

TEST_F(VerifierTest, GrantsAValidCredential) {
  auto c = verifier_->IssueChallenge();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->nonce.size(), 32u);
  EXPECT_EQ(c->expires_at, clock_.Now() + absl::Seconds(30));
  auto d = verifier_->Authenticate(Sign(*cred_, c->nonce, "unlock"));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->granted());
  EXPECT_EQ(d->credential_id, "cred-1");
  EXPECT_EQ(d->revocation_list_version, 1u);
  EXPECT_EQ(d->decided_at, clock_.Now());
  EXPECT_EQ(verifier_->Counters().decisions[apv1::GRANTED], 1u);
}

TEST_F(VerifierTest, NoncesAreFreshAndDistinct) {
  auto a = verifier_->IssueChallenge();
  auto b = verifier_->IssueChallenge();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->nonce, b->nonce);
  EXPECT_EQ(verifier_->Counters().outstanding_challenges, 2u);
}

TEST_F(VerifierTest, ExpiredCredentialIsDenied) {
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::DENIED_EXPIRED);
}

TEST_F(VerifierTest, NotYetValidCredentialIsDenied) {
  auto future = IssueOrDie({"cred-f",
                            "car-1",
                            "",
                            {"unlock"},
                            clock_.Now() + absl::Hours(1),
                            clock_.Now() + absl::Hours(2)});
  EXPECT_EQ(Run(*verifier_, future, "unlock"), apv1::DENIED_NOT_YET_VALID);
  clock_.Advance(absl::Minutes(61));
  EXPECT_EQ(Run(*verifier_, future, "unlock"), apv1::GRANTED);
}

TEST_F(VerifierTest, ActionOutsideEntitlementsIsDenied) {
  EXPECT_EQ(Run(*verifier_, *cred_, "drive"), apv1::DENIED_ENTITLEMENT);
  EXPECT_EQ(Run(*verifier_, *cred_, "lock"), apv1::GRANTED);
}

TEST_F(VerifierTest, ActionTheAccessPointDoesNotSupportIsDenied) {
  EXPECT_EQ(Run(*verifier_, *cred_, "enter"), apv1::DENIED_UNSUPPORTED_ACTION);
}

TEST_F(VerifierTest, BadSignatureIsDenied) {
  auto c = verifier_->IssueChallenge();
  ASSERT_TRUE(c.ok());
  AuthAttempt a = Sign(*cred_, c->nonce, "unlock");
  // Signed by another key (an attacker holding only the certificate).
  auto other = crypto::EcdsaP256PrivateKey::Generate();
  a.proof = *other->Sign(ChallengeTranscript("car-1", c->nonce, "unlock"),
                         crypto::SignatureEncoding::kDer);
  EXPECT_EQ(verifier_->Authenticate(a)->reason, apv1::DENIED_BAD_SIGNATURE);
  // A genuine signature over another action does not authorise this one.
  auto c2 = verifier_->IssueChallenge();
  AuthAttempt b = Sign(*cred_, c2->nonce, "lock");
  b.action = "unlock";
  EXPECT_EQ(verifier_->Authenticate(b)->reason, apv1::DENIED_BAD_SIGNATURE);
}

TEST_F(VerifierTest, CertificateFromAnotherAuthorityIsBadChain) {
  auto rogue = FakeAuthority::Create("ca", clock_.Now());
  ASSERT_TRUE(rogue.ok());
  auto cred = rogue->Issue({"cred-r",
                            "car-1",
                            "",
                            {"unlock"},
                            clock_.Now() - absl::Hours(1),
                            clock_.Now() + absl::Hours(1)});
  ASSERT_TRUE(cred.ok());
  EXPECT_EQ(Run(*verifier_, *cred, "unlock"), apv1::DENIED_BAD_CHAIN);
}

TEST_F(VerifierTest, GarbageCertificateIsMalformed) {
  auto c = verifier_->IssueChallenge();
  AuthAttempt a = Sign(*cred_, c->nonce, "unlock");
  a.certificate_der = "not a certificate";
  EXPECT_EQ(verifier_->Authenticate(a)->reason,
            apv1::DENIED_MALFORMED_CREDENTIAL);
}

TEST_F(VerifierTest, CredentialForAnotherAccessPointIsDenied) {
  auto door = IssueOrDie({"cred-d",
                          "car-2",
                          "",
                          {"unlock"},
                          clock_.Now() - absl::Hours(1),
                          clock_.Now() + absl::Hours(1)});
  EXPECT_EQ(Run(*verifier_, door, "unlock"), apv1::DENIED_WRONG_ACCESS_POINT);
}

TEST_F(VerifierTest, RevokedCredentialIsDeniedOnceTheListHasIt) {
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  auto l =
      ca_->SignList(2, {"cred-1"}, clock_.Now(), clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
  auto c = verifier_->IssueChallenge();
  auto d = verifier_->Authenticate(Sign(*cred_, c->nonce, "unlock"));
  EXPECT_EQ(d->reason, apv1::DENIED_REVOKED);
  EXPECT_EQ(d->revocation_list_version, 2u);
}

TEST_F(VerifierTest, RevokedParentShareDeniesTheCredential) {
  credential_authority::v1::RevocationListBody body;
  // Share-only entry (share revoked, credential id not listed).
  auto d = ca_->SignDelta(1, 2, {}, clock_.Now());
  ASSERT_TRUE(d.ok());
  credential_authority::v1::RevocationDeltaBody db;
  ASSERT_TRUE(db.ParseFromString(d->body()));
  db.add_entries()->set_share_id("share-1");
  d->set_body(db.SerializeAsString());
  d->set_signature(
      *ca_->key().Sign(absl::StrCat(kRevocationDeltaContext, d->body()),
                       crypto::SignatureEncoding::kDer));
  ASSERT_TRUE(list_->ApplyDelta(*d).ok());
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::DENIED_REVOKED);
}

TEST_F(VerifierTest, ReplayedResponseIsDenied) {
  auto c = verifier_->IssueChallenge();
  AuthAttempt a = Sign(*cred_, c->nonce, "unlock");
  EXPECT_EQ(verifier_->Authenticate(a)->reason, apv1::GRANTED);
  EXPECT_EQ(verifier_->Authenticate(a)->reason, apv1::DENIED_REPLAY);
  EXPECT_EQ(verifier_->Counters().decisions[apv1::DENIED_REPLAY], 1u);
}

TEST_F(VerifierTest, FailedAttemptStillConsumesTheNonce) {
  auto c = verifier_->IssueChallenge();
  AuthAttempt bad = Sign(*cred_, c->nonce, "unlock");
  bad.proof[bad.proof.size() - 1] ^= 1;
  EXPECT_NE(verifier_->Authenticate(bad)->reason, apv1::GRANTED);
  EXPECT_EQ(verifier_->Authenticate(Sign(*cred_, c->nonce, "unlock"))->reason,
            apv1::DENIED_REPLAY);
}

TEST_F(VerifierTest, ExpiredOrUnknownChallengeIsDenied) {
  auto c = verifier_->IssueChallenge();
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(verifier_->Authenticate(Sign(*cred_, c->nonce, "unlock"))->reason,
            apv1::DENIED_UNKNOWN_CHALLENGE);
  EXPECT_EQ(
      verifier_->Authenticate(Sign(*cred_, std::string(32, 'x'), "unlock"))
          ->reason,
      apv1::DENIED_UNKNOWN_CHALLENGE);
}

TEST_F(VerifierTest, NonceFromAnotherAccessPointIsDenied) {
  // car-2 serves the same authority; the credential is valid there too.
  std::unique_ptr<Verifier> car2 = MakeVerifier("car-2");
  auto c2 = car2->IssueChallenge();
  ASSERT_TRUE(c2.ok());
  // The device answers car-2's challenge; the answer is relayed to car-1.
  EXPECT_EQ(verifier_->Authenticate(Sign(*cred_, c2->nonce, "unlock", "car-2"))
                ->reason,
            apv1::DENIED_UNKNOWN_CHALLENGE);
  // Even with car-1's own nonce, a response bound to car-2's id fails.
  auto c1 = verifier_->IssueChallenge();
  EXPECT_EQ(verifier_->Authenticate(Sign(*cred_, c1->nonce, "unlock", "car-2"))
                ->reason,
            apv1::DENIED_BAD_SIGNATURE);
}

TEST_F(VerifierTest, MissingFieldsAreInvalidArgument) {
  AuthAttempt a;
  EXPECT_EQ(verifier_->Authenticate(a).status().code(),
            absl::StatusCode::kInvalidArgument);
  a.nonce = "n";
  a.action = "unlock";
  a.certificate_der = cred_->certificate_der;
  EXPECT_EQ(verifier_->Authenticate(a).status().code(),
            absl::StatusCode::kInvalidArgument);  // no proof
}

TEST_F(VerifierTest, FailClosedPolicyDeniesOnStaleList) {
  VerifierOptions o;
  o.access_point_id = "car-1";
  o.revocation_fail_closed = true;
  Verifier strict(o, {ca_->root()}, list_.get(), clock_);
  EXPECT_EQ(Run(strict, *cred_, "unlock"), apv1::GRANTED);
  clock_.Advance(absl::Minutes(59));
  // Still inside the credential window but past the list's next_update.
  clock_.Advance(absl::Minutes(2));
  auto fresh = IssueOrDie({"cred-2",
                           "car-1",
                           "",
                           {"unlock"},
                           clock_.Now() - absl::Hours(1),
                           clock_.Now() + absl::Hours(1)});
  EXPECT_EQ(Run(strict, fresh, "unlock"), apv1::DENIED_REVOCATION_STALE);
  EXPECT_EQ(Run(*verifier_, fresh, "unlock"), apv1::GRANTED);  // fail-open
}

// A certificate valid to the last second X.509 and Timestamp allow
// (9999-12-31T23:59:59Z) is read without overflow: granted, and denied once
// the list revokes it.
TEST_F(VerifierTest, CertificateValidUntilYear9999IsGrantedThenRevoked) {
  auto last = IssueOrDie({"cred-9999",
                          "car-1",
                          "",
                          {"unlock"},
                          clock_.Now() - absl::Hours(1),
                          absl::FromUnixSeconds(253402300799)});
  EXPECT_EQ(Run(*verifier_, last, "unlock"), apv1::GRANTED);
  auto l = ca_->SignList(2, {"cred-9999"}, clock_.Now(), clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
  EXPECT_EQ(Run(*verifier_, last, "unlock"), apv1::DENIED_REVOKED);
}

// The certificate cache (verifier.h): a credential presented again skips
// the parse and the chain, never the checks made per call.
TEST_F(VerifierTest, CachedCertificateStillFacesEveryPerCallCheck) {
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  EXPECT_EQ(verifier_->Counters().certificate_cache_entries, 1u);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 0u);
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 1u);
  // Another key's signature with the cached certificate.
  auto other = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  IssuedCredential forged{cred_->credential_id, *std::move(other), cred_->certificate,
                          cred_->certificate_der};
  EXPECT_EQ(Run(*verifier_, forged, "unlock"), apv1::DENIED_BAD_SIGNATURE);
  EXPECT_EQ(Run(*verifier_, *cred_, "drive"), apv1::DENIED_ENTITLEMENT);
  // A response signed for another access point.
  auto c = verifier_->IssueChallenge();
  ASSERT_TRUE(c.ok());
  auto d = verifier_->Authenticate(Sign(*cred_, c->nonce, "unlock", "car-2"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, apv1::DENIED_BAD_SIGNATURE);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 4u);
  auto l = ca_->SignList(2, {"cred-1"}, clock_.Now(), clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::DENIED_REVOKED);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 5u);
}

TEST_F(VerifierTest, CachedCertificateExpiresAtItsNotAfter) {
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  clock_.Advance(absl::Minutes(59));
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::DENIED_EXPIRED);
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::DENIED_EXPIRED);
}

// A cached chain holds only while every certificate of it is inside its own
// window: once the root (valid ten years) expires, the chain is verified
// again and fails, as it does without the cache.
TEST_F(VerifierTest, CachedChainIsVerifiedAgainOnceTheAnchorExpires) {
  auto long_lived = IssueOrDie({"cred-long",
                                "car-1",
                                "",
                                {"unlock"},
                                clock_.Now() - absl::Hours(1),
                                clock_.Now() + absl::Hours(24 * 365 * 20)});
  EXPECT_EQ(Run(*verifier_, long_lived, "unlock"), apv1::GRANTED);
  EXPECT_EQ(Run(*verifier_, long_lived, "unlock"), apv1::GRANTED);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 1u);
  clock_.Advance(absl::Hours(24 * 365 * 11));
  auto l = ca_->SignList(2, {}, clock_.Now(), clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
  EXPECT_EQ(Run(*verifier_, long_lived, "unlock"), apv1::DENIED_BAD_CHAIN);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 1u);
}

TEST_F(VerifierTest, OtherCertificateBytesAreNotACacheHit) {
  EXPECT_EQ(Run(*verifier_, *cred_, "unlock"), apv1::GRANTED);
  // The same certificate with its signature's last byte changed.
  IssuedCredential tampered = *cred_;
  tampered.certificate_der.back() ^= 0x01;
  const AuthReason r = Run(*verifier_, tampered, "unlock");
  EXPECT_TRUE(r == apv1::DENIED_BAD_CHAIN || r == apv1::DENIED_MALFORMED_CREDENTIAL)
      << apv1::AuthReason_Name(r);
  EXPECT_EQ(verifier_->Counters().certificate_cache_hits, 0u);
  EXPECT_EQ(verifier_->Counters().certificate_cache_entries, 1u);  // failures are not kept
}

TEST_F(VerifierTest, CertificateCacheIsBoundedOldestFirst) {
  VerifierOptions o;
  o.access_point_id = "car-1";
  o.certificate_cache_size = 2;
  Verifier v(o, {ca_->root()}, list_.get(), clock_);
  std::vector<IssuedCredential> creds;
  for (int i = 0; i < 3; ++i) {
    creds.push_back(IssueOrDie({absl::StrCat("cred-b", i),
                                "car-1",
                                "",
                                {"unlock"},
                                clock_.Now() - absl::Hours(1),
                                clock_.Now() + absl::Hours(1)}));
    EXPECT_EQ(Run(v, creds.back(), "unlock"), apv1::GRANTED);
  }
  EXPECT_EQ(v.Counters().certificate_cache_entries, 2u);
  EXPECT_EQ(Run(v, creds[0], "unlock"), apv1::GRANTED);  // evicted: checked in full
  EXPECT_EQ(v.Counters().certificate_cache_hits, 0u);
  EXPECT_EQ(Run(v, creds[2], "unlock"), apv1::GRANTED);
  EXPECT_EQ(v.Counters().certificate_cache_hits, 1u);

  o.certificate_cache_size = 0;  // off
  Verifier off(o, {ca_->root()}, list_.get(), clock_);
  EXPECT_EQ(Run(off, creds[0], "unlock"), apv1::GRANTED);
  EXPECT_EQ(Run(off, creds[0], "unlock"), apv1::GRANTED);
  EXPECT_EQ(off.Counters().certificate_cache_entries, 0u);
  EXPECT_EQ(off.Counters().certificate_cache_hits, 0u);
}

// Whatever the policy, a lock that has never received a revocation list
// cannot know what was revoked, so it grants nothing.
TEST_F(VerifierTest, NoListEverReceivedDeniesEvenWhenFailOpen) {
  RevocationList empty("ca", ca_->key().PublicKey(), clock_);
  VerifierOptions o;
  o.access_point_id = "car-1";
  ASSERT_FALSE(o.revocation_fail_closed);
  Verifier fresh_lock(o, {ca_->root()}, &empty, clock_);
  EXPECT_EQ(Run(fresh_lock, *cred_, "unlock"), apv1::DENIED_REVOCATION_STALE);
  auto l = ca_->SignList(1, {}, clock_.Now(), clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(empty.ApplySnapshot(*l).ok());
  EXPECT_EQ(Run(fresh_lock, *cred_, "unlock"), apv1::GRANTED);
}

// One client cannot hold the whole challenge table: past its own bound it is
// refused while another client is still served; using or outliving a
// challenge gives the slot back.
TEST_F(VerifierTest, OutstandingChallengesAreBoundedPerClient) {
  VerifierOptions o;
  o.access_point_id = "car-1";
  o.max_challenges_per_client = 3;
  Verifier v(o, {ca_->root()}, list_.get(), clock_);
  std::vector<Challenge> held;
  for (int i = 0; i < 3; ++i) {
    auto c = v.IssueChallenge("addr:ipv4:127.0.0.9");
    ASSERT_TRUE(c.ok()) << c.status();
    held.push_back(*c);
  }
  auto refused = v.IssueChallenge("addr:ipv4:127.0.0.9");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused.status()), "too_many_challenges");
  EXPECT_TRUE(v.IssueChallenge("cn:door-tablet").ok());
  ASSERT_TRUE(v.Authenticate(Sign(*cred_, held[0].nonce, "unlock")).ok());
  EXPECT_TRUE(v.IssueChallenge("addr:ipv4:127.0.0.9").ok());
  EXPECT_FALSE(v.IssueChallenge("addr:ipv4:127.0.0.9").ok());
  clock_.Advance(o.challenge_ttl + absl::Seconds(1));
  EXPECT_TRUE(v.IssueChallenge("addr:ipv4:127.0.0.9").ok());
}

class SymmetricVerifierTest : public VerifierTest {
 protected:
  AuthAttempt Mac(const std::string& key, const std::string& nonce,
                  const std::string& action) {
    AuthAttempt a;
    a.kind = AuthAttempt::Kind::kSymmetric;
    a.nonce = nonce;
    a.action = action;
    a.credential_id = "room-cred";
    a.proof = *crypto::HmacSha256(
        key, ChallengeTranscript("room-101", nonce, action));
    return a;
  }
};

TEST_F(SymmetricVerifierTest, HmacPath) {
  VerifierOptions o;
  o.access_point_id = "room-101";
  o.kind = ::common::v1::HOTEL_LOCK;
  Verifier lock(o, {ca_->root()}, list_.get(), clock_);
  const std::string key(32, '\x42');
  auto c0 = lock.IssueChallenge();
  EXPECT_EQ(lock.Authenticate(Mac(key, c0->nonce, "enter"))->reason,
            apv1::DENIED_UNKNOWN_CREDENTIAL);
  lock.PutSymmetricKey("room-cred", {key,
                                     {"enter"},
                                     clock_.Now() - absl::Hours(1),
                                     clock_.Now() + absl::Hours(1)});
  EXPECT_EQ(lock.Counters().symmetric_key_count, 1u);
  auto c1 = lock.IssueChallenge();
  EXPECT_EQ(lock.Authenticate(Mac(key, c1->nonce, "enter"))->reason,
            apv1::GRANTED);
  auto c2 = lock.IssueChallenge();
  EXPECT_EQ(lock.Authenticate(Mac(std::string(32, '\x43'), c2->nonce, "enter"))
                ->reason,
            apv1::DENIED_BAD_SIGNATURE);
  // Truncated tag is refused even if it is a correct prefix.
  auto c3 = lock.IssueChallenge();
  AuthAttempt t = Mac(key, c3->nonce, "enter");
  t.proof.resize(16);
  EXPECT_EQ(lock.Authenticate(t)->reason, apv1::DENIED_BAD_SIGNATURE);
  // Revocation applies to symmetric credentials too.
  auto l = ca_->SignList(2, {"room-cred"}, clock_.Now(),
                         clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(list_->ApplySnapshot(*l).ok());
  auto c4 = lock.IssueChallenge();
  EXPECT_EQ(lock.Authenticate(Mac(key, c4->nonce, "enter"))->reason,
            apv1::DENIED_REVOKED);
  clock_.Advance(absl::Hours(2));
  auto c5 = lock.IssueChallenge();
  EXPECT_EQ(lock.Authenticate(Mac(key, c5->nonce, "enter"))->reason,
            apv1::DENIED_EXPIRED);
}

}  // namespace
}  // namespace sct::access_point

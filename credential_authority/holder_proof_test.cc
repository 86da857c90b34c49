// Holder proofs speak only for a live credential and only once: a revoked or
// expired holder credential is refused, a proof (or a re-encoding of its
// signature) is refused the second time within the window, a fresh proof is
// accepted, and the memory of proofs is bounded.
#include "credential_authority/holder_proof.h"

#include <string>

#include "common/errors.h"
#include "credential_authority/ca_test_expect.h"
#include "credential_authority/ca_test_util.h"
#include "crypto/ecdsa.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using testing::Env;
using testing::ExpectError;

class HolderProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = Env::ForCurrentTest();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto owner = env_->Owner("car-1", common::v1::ASYMMETRIC, {"unlock"});
    ASSERT_TRUE(owner.ok()) << owner.status();
    key_ = std::make_unique<crypto::EcdsaP256PrivateKey>(owner->first.key);
    owner_ = owner->second;
  }

  cav1::ListSharesRequest List() {
    cav1::ListSharesRequest req;
    req.set_credential_id(owner_.credential_id());
    auto proof = testing::MakeHolderProof(*key_, owner_.credential_id(), "ListShares",
                                          owner_.credential_id(), env_->clock.Now());
    EXPECT_TRUE(proof.ok());
    *req.mutable_holder() = *proof;
    return req;
  }
  absl::Status Call(const cav1::ListSharesRequest& req) {
    return env_->service->ListShares(env_->oem_a, req).status();
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<crypto::EcdsaP256PrivateKey> key_;
  common::v1::Credential owner_;
};

TEST_F(HolderProofTest, AProofIsAcceptedOnceAndAFreshOneAgain) {
  const cav1::ListSharesRequest req = List();
  ASSERT_TRUE(Call(req).ok());
  ExpectError(Call(req), absl::StatusCode::kPermissionDenied, "replayed_holder_proof");
  EXPECT_TRUE(Call(List()).ok());
}

TEST_F(HolderProofTest, AReencodedSignatureIsTheSameProof) {
  cav1::ListSharesRequest req = List();
  ASSERT_TRUE(Call(req).ok());
  auto p1363 = crypto::EcdsaDerToP1363(req.holder().proof());
  ASSERT_TRUE(p1363.ok());
  req.mutable_holder()->set_proof(*p1363);
  ExpectError(Call(req), absl::StatusCode::kPermissionDenied, "replayed_holder_proof");
}

TEST_F(HolderProofTest, ARevokedHolderCredentialSpeaksForNothing) {
  cav1::RevokeCredentialRequest revoke;
  revoke.set_credential_id(owner_.credential_id());
  ASSERT_TRUE(env_->service->RevokeCredential(env_->admin, revoke).ok());
  ExpectError(Call(List()), absl::StatusCode::kFailedPrecondition, "credential_revoked");
}

TEST_F(HolderProofTest, AnExpiredHolderCredentialSpeaksForNothing) {
  env_->clock.Advance(absl::Hours(24 * 366));
  ExpectError(Call(List()), absl::StatusCode::kFailedPrecondition, "credential_expired");
}

TEST(SeenProofsTest, ForgetsWhatLeftTheWindowAndStaysBounded) {
  SeenProofs seen(2);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(seen.Remember("a", t0 + absl::Minutes(5), t0));
  EXPECT_FALSE(seen.Remember("a", t0 + absl::Minutes(5), t0 + absl::Minutes(4)));
  EXPECT_TRUE(seen.Remember("a", t0 + absl::Minutes(11), t0 + absl::Minutes(6)));
  EXPECT_TRUE(seen.Remember("b", t0 + absl::Minutes(12), t0 + absl::Minutes(6)));
  EXPECT_TRUE(seen.Remember("c", t0 + absl::Minutes(13), t0 + absl::Minutes(6)));
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen.Remember("c", t0 + absl::Minutes(13), t0 + absl::Minutes(6)));
}

}  // namespace
}  // namespace sct::ca

#include "credential_authority/share_token.h"

#include "common/errors.h"
#include "common/proto_time.h"
#include "credential_authority/signed_bytes.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

class ShareTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::EcdsaP256PrivateKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::make_unique<crypto::EcdsaP256PrivateKey>(std::move(*key));
    codec_ = std::make_unique<ShareTokenCodec>(key_.get(), "kid-1", "ca");
    terms_.access_point_id = "car-1";
    terms_.credential_kind = common::v1::ASYMMETRIC;
    terms_.entitlements.Add("unlock");
    *terms_.validity.mutable_not_before() = ToProtoTimestamp(kNow);
    *terms_.validity.mutable_not_after() = ToProtoTimestamp(kNow + absl::Hours(24));
    terms_.token_expires_at = kNow + absl::Hours(48);
    terms_.max_redemptions = 2;
    terms_.pin_required = true;
  }

  std::unique_ptr<crypto::EcdsaP256PrivateKey> key_;
  std::unique_ptr<ShareTokenCodec> codec_;
  ShareTerms terms_;
};

TEST_F(ShareTokenTest, MintedTokenOpensToItsTerms) {
  auto token = codec_->Mint("share-1", terms_, kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->key_id(), "kid-1");
  auto body = codec_->Open(*token);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->version(), 1u);
  EXPECT_EQ(body->share_id(), "share-1");
  EXPECT_EQ(body->issuer(), "ca");
  EXPECT_EQ(body->access_point_id(), "car-1");
  EXPECT_EQ(body->credential_kind(), common::v1::ASYMMETRIC);
  ASSERT_EQ(body->entitlements_size(), 1);
  EXPECT_EQ(body->entitlements(0), "unlock");
  EXPECT_EQ(ToAbslTime(body->token_expires_at()), kNow + absl::Hours(48));
  EXPECT_EQ(ToAbslTime(body->issued_at()), kNow);
  EXPECT_EQ(body->max_redemptions(), 2u);
  EXPECT_TRUE(body->pin_required());
  EXPECT_FALSE(body->endorsement_required());
  EXPECT_EQ(body->nonce().size(), 16u);
  auto other = codec_->Mint("share-1", terms_, kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->body(), token->body());  // fresh nonce
}

TEST_F(ShareTokenTest, TamperedForeignOrWrongIssuerTokensAreRejected) {
  auto token = codec_->Mint("share-1", terms_, kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  common::v1::SignedShareToken tampered = *token;
  tampered.mutable_body()->back() ^= 1;
  EXPECT_EQ(ReasonOf(codec_->Open(tampered).status()), "bad_token_signature");
  common::v1::SignedShareToken other_kid = *token;
  other_kid.set_key_id("kid-2");
  EXPECT_EQ(ReasonOf(codec_->Open(other_kid).status()), "bad_token_signature");
  ShareTokenCodec other_issuer(key_.get(), "kid-1", "another-ca");
  EXPECT_EQ(ReasonOf(other_issuer.Open(*token).status()), "bad_token_signature");
  EXPECT_EQ(codec_->Open(tampered).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ShareTokenTest, SignedBodyOfAnotherVersionIsRejected) {
  common::v1::ShareTokenBody body;
  body.set_version(2);
  body.set_issuer("ca");
  body.set_share_id("share-1");
  common::v1::SignedShareToken token;
  token.set_body(body.SerializeAsString());
  auto sig = SignWithContext(*key_, kShareTokenContext, token.body());
  ASSERT_TRUE(sig.ok());
  token.set_signature(*sig);
  token.set_key_id("kid-1");
  EXPECT_EQ(ReasonOf(codec_->Open(token).status()), "bad_token_signature");
}

}  // namespace
}  // namespace sct::ca

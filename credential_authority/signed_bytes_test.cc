#include "credential_authority/signed_bytes.h"

#include <string>

#include "gtest/gtest.h"

namespace sct::ca {
namespace {

using namespace std::string_literals;

TEST(SignedBytesTest, LayoutsAreContextNulSeparated) {
  EXPECT_EQ(SignedBytes(kShareTokenContext, "body"), "sct-share-token-v1\0body"s);
  EXPECT_EQ(HolderProofBytes("RevokeShare", "s-1", 1735689600),
            "sct-holder-v1\0RevokeShare\0s-1\0"
            "1735689600"s);
  EXPECT_EQ(EndorsementBytes("s-1", "\x04key"), "sct-endorse-v1\0s-1\0\x04key"s);
  EXPECT_EQ(CredentialHpkeInfo("c-1"), "sct-credential-v1\0c-1"s);
}

TEST(SignedBytesTest, DeviceSignaturesVerifyAsDerOrP1363) {
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string message = SignedBytes(kShareIntentContext, "intent");
  auto der = key->Sign(message, crypto::SignatureEncoding::kDer);
  auto p1363 = key->Sign(message, crypto::SignatureEncoding::kP1363);
  ASSERT_TRUE(der.ok() && p1363.ok());
  EXPECT_TRUE(VerifyDeviceSignature(key->PublicKey(), message, *der).ok());
  EXPECT_TRUE(VerifyDeviceSignature(key->PublicKey(), message, *p1363).ok());
  EXPECT_EQ(VerifyDeviceSignature(key->PublicKey(), message + "x", *der).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyDeviceSignature(key->PublicKey(), message, "").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(SignedBytesTest, AuthoritySignatureIsDerOverTheContextBytes) {
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  auto sig = SignWithContext(*key, kRevocationListContext, "list");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_TRUE(key->PublicKey()
                  .Verify(SignedBytes(kRevocationListContext, "list"), *sig,
                          crypto::SignatureEncoding::kDer)
                  .ok());
  EXPECT_FALSE(key->PublicKey()
                   .Verify(SignedBytes(kRevocationDeltaContext, "list"), *sig,
                           crypto::SignatureEncoding::kDer)
                   .ok());
}

}  // namespace
}  // namespace sct::ca

#include "device/transcripts.h"

#include <string>

#include "gtest/gtest.h"

namespace sct::device {
namespace {

// Known answers: the exact bytes the OEM, the authority and access points
// verify (docs/device.md). `Z` is one zero byte.
std::string Bytes(const std::string& with_z) {
  std::string out = with_z;
  for (char& c : out) {
    if (c == 'Z') c = '\0';
  }
  return out;
}

TEST(TranscriptsTest, EachPurposeHasItsLabelAndLayout) {
  EXPECT_EQ(EnrolTranscript("oem-a", "N", "K"), Bytes("sct-enrol-v1Zoem-aZNK"));
  EXPECT_EQ(AttestKeyTranscript("N", "K"), Bytes("sct-attest-key-v1ZNK"));
  EXPECT_EQ(ShareIntentTranscript("I"), Bytes("sct-share-intent-v1ZI"));
  EXPECT_EQ(EndorseTranscript("s-1", "K"), Bytes("sct-endorse-v1Zs-1ZK"));
  EXPECT_EQ(HolderTranscript("RevokeShare", "s-1", 1735689600),
            Bytes("sct-holder-v1ZRevokeShareZs-1Z1735689600"));
  EXPECT_EQ(AccessPointTranscript("car-1", "N", "unlock"), Bytes("sct-ap-auth-v1Zcar-1ZNZunlock"));
}

TEST(TranscriptsTest, BinaryFieldsAreCopiedWhole) {
  const std::string nonce("\0\x01\0", 3);
  EXPECT_EQ(AttestKeyTranscript(nonce, "K"), Bytes("sct-attest-key-v1Z") + nonce + "K");
}

}  // namespace
}  // namespace sct::device

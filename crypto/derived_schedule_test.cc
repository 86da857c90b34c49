#include "crypto/derived_schedule.h"

#include <string>

#include "common/errors.h"
#include "crypto/digest.h"
#include "crypto/hkdf.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

const std::string kSecret(32, '\x01');

// The schedule is HKDF-Expand-Label over SHA-256 of the transcript, with the
// labels and lengths the variant page documents.
TEST(DerivedScheduleTest, IsExpandLabelOverTheTranscriptHash) {
  const std::string transcript = "earlier plaintexts";
  EXPECT_EQ(*DerivedLocation(kSecret, transcript),
            *HkdfSha256ExpandLabel(kSecret, "Location", Sha256(transcript), 32));
  EXPECT_EQ(*DerivedMessageKey(kSecret, transcript),
            *HkdfSha256ExpandLabel(kSecret, "Key", Sha256(transcript), 16));
}

TEST(DerivedScheduleTest, LocationAndKeyDifferAndDependOnTheTranscript) {
  EXPECT_EQ(DerivedLocation(kSecret, "")->size(), 32u);
  EXPECT_EQ(DerivedMessageKey(kSecret, "")->size(), 16u);
  EXPECT_NE(DerivedLocation(kSecret, "")->substr(0, 16), *DerivedMessageKey(kSecret, ""));
  EXPECT_NE(*DerivedLocation(kSecret, ""), *DerivedLocation(kSecret, "m0"));
  EXPECT_NE(*DerivedLocation(kSecret, ""), *DerivedLocation(std::string(32, '\x02'), ""));
}

TEST(DerivedScheduleTest, SecretMustBe32Bytes) {
  EXPECT_EQ(ReasonOf(DerivedLocation(std::string(16, 'k'), "").status()), "invalid_field");
  EXPECT_EQ(ReasonOf(DerivedMessageKey("", "").status()), "invalid_field");
}

}  // namespace
}  // namespace sct::crypto

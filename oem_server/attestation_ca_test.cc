#include "oem_server/attestation_ca.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::oem {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1735689600);

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

TEST(AttestationCaTest, CreatesFilesOnceThenLoadsTheSameRoot) {
  std::string key = TempPath("ca1.key"), cert = TempPath("ca1.pem");
  auto first = AttestationCa::LoadOrCreate("oem-a", key, cert, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = AttestationCa::LoadOrCreate("oem-a", key, cert, kNow);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->root_der(), second->root_der());
  EXPECT_TRUE(second->root().IsCa());
  EXPECT_EQ(second->root().SubjectCommonName(), "oem-a attestation root");
  // A key certificate from the reloaded CA verifies under the first root.
  auto k = crypto::EcdsaP256PrivateKey::Generate().value();
  auto leaf = second->IssueKeyCertificate(k.PublicKey(), kNow);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(
      crypto::VerifyCertificateChain(*leaf, {}, {first->root()}, kNow).ok());
  // Not valid before it was issued (minus the back-date) nor after expiry.
  EXPECT_FALSE(crypto::VerifyCertificateChain(*leaf, {}, {first->root()},
                                              kNow - absl::Hours(1))
                   .ok());
  EXPECT_FALSE(crypto::VerifyCertificateChain(
                   *leaf, {}, {first->root()},
                   kNow + AttestationCa::kKeyCertValidity + absl::Hours(1))
                   .ok());
}

TEST(AttestationCaTest, MismatchedOrHalfPresentFilesAreRefused) {
  std::string k1 = TempPath("m1.key"), c1 = TempPath("m1.pem");
  std::string k2 = TempPath("m2.key"), c2 = TempPath("m2.pem");
  ASSERT_TRUE(AttestationCa::LoadOrCreate("oem-a", k1, c1, kNow).ok());
  ASSERT_TRUE(AttestationCa::LoadOrCreate("oem-a", k2, c2, kNow).ok());
  auto mixed = AttestationCa::LoadOrCreate("oem-a", k1, c2, kNow);
  EXPECT_EQ(ReasonOf(mixed.status()), "invalid_field");
  EXPECT_NE(mixed.status().message().find("does not match"),
            absl::string_view::npos);
  auto half =
      AttestationCa::LoadOrCreate("oem-a", k1, TempPath("none.pem"), kNow);
  EXPECT_EQ(ReasonOf(half.status()), "invalid_field");
  EXPECT_NE(half.status().message().find("--attestation_ca_cert"),
            absl::string_view::npos);
  // A certificate file where the key belongs.
  auto swapped = AttestationCa::LoadOrCreate("oem-a", c1, c1, kNow);
  EXPECT_EQ(ReasonOf(swapped.status()), "invalid_field");
}

TEST(AttestationCaTest, UnwritableFilesAreUnavailable) {
  auto ca = AttestationCa::LoadOrCreate("oem-a", "/nonexistent-dir/ca.key",
                                        "/nonexistent-dir/ca.pem", kNow);
  EXPECT_EQ(ca.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(ca.status()), "file_unwritable");
  EXPECT_NE(ca.status().message().find("/nonexistent-dir"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace sct::oem

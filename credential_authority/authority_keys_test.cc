#include "credential_authority/authority_keys.h"

#include <sys/stat.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace sct::ca {
namespace {

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string p = std::string(d != nullptr ? d : "/tmp") + "/" + name;
  std::remove(p.c_str());
  return p;
}

TEST(AuthorityKeysTest, CreatesKeyWithMode0600AndReloadsIt) {
  std::string path = Tmp("key.pem");
  auto k1 = LoadOrCreateSigningKey(path);
  ASSERT_TRUE(k1.ok()) << k1.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto k2 = LoadOrCreateSigningKey(path);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k1->PublicKey(), k2->PublicKey());

  const absl::Time now = absl::FromUnixSeconds(1800000000);
  std::string root_path = Tmp("root.pem");
  auto r1 = LoadOrCreateRootCertificate(root_path, *k1, "ca", now);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_TRUE(r1->IsCa());
  auto r2 = LoadOrCreateRootCertificate(root_path, *k1, "ca", now);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r1->SerialHex(), r2->SerialHex());
  auto other = crypto::EcdsaP256PrivateKey::Generate();
  auto mismatch = LoadOrCreateRootCertificate(root_path, *other, "ca", now);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AuthorityKeysTest, RejectsGarbageKeyFileAndRoundTripsPem) {
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  auto back = PrivateKeyFromPem(PrivateKeyToPem(*key), "k");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->PublicKey(), key->PublicKey());
  EXPECT_EQ(PrivateKeyFromPem("not a key", "k").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KeyIdOf("").size(), 64u);
}

}  // namespace
}  // namespace sct::ca

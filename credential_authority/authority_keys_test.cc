#include "credential_authority/authority_keys.h"

#include <sys/stat.h>

#include <cstdlib>

#include "crypto/pem.h"
#include "gtest/gtest.h"
#include "runtime/files.h"

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
  // A key written as PKCS#8 PEM (as the authority writes it) loads back.
  auto key = crypto::EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  std::string path = Tmp("given.pem");
  ASSERT_TRUE(WriteNewFile(path, *crypto::P256PrivateKeyToPem(*key), 0600).ok());
  auto back = LoadOrCreateSigningKey(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->PublicKey(), key->PublicKey());

  // A file that is not a key is refused, naming the file, and left alone.
  std::string garbage = Tmp("garbage.pem");
  ASSERT_TRUE(WriteNewFile(garbage, "not a key", 0600).ok());
  auto refused = LoadOrCreateSigningKey(garbage);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(garbage), absl::string_view::npos);
  EXPECT_EQ(*ReadWholeFile(garbage), "not a key");
  EXPECT_EQ(KeyIdOf("").size(), 64u);
}

}  // namespace
}  // namespace sct::ca

#include "credential_authority/authority_keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/errors.h"
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

TEST(AuthorityKeysTest, PinKeyIsCreatedPrivateAndReloaded) {
  const std::string path = Tmp("pin.key");
  auto k1 = LoadOrCreatePinKey(path);
  ASSERT_TRUE(k1.ok()) << k1.status();
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(*ReadWholeFile(path), k1->bytes());
  auto k2 = LoadOrCreatePinKey(path);  // a restart: the same key
  ASSERT_TRUE(k2.ok()) << k2.status();
  EXPECT_EQ(k2->bytes(), k1->bytes());
  EXPECT_EQ(k2->id(), k1->id());
  auto elsewhere = LoadOrCreatePinKey(Tmp("other_pin.key"));  // a fresh key
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_NE(elsewhere->bytes(), k1->bytes());
}

TEST(AuthorityKeysTest, PinKeyBehindASymlinkIsRefused) {
  const std::string target = Tmp("real_pin.key");
  ASSERT_TRUE(LoadOrCreatePinKey(target).ok());
  const std::string link = Tmp("link_pin.key");
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  auto through_link = LoadOrCreatePinKey(link);
  EXPECT_EQ(ReasonOf(through_link.status()), "invalid_field");
  EXPECT_NE(through_link.status().message().find("symbolic link"), absl::string_view::npos)
      << through_link.status();
  EXPECT_NE(through_link.status().message().find(link), absl::string_view::npos);

  // A dangling link is not followed to create a key where it points.
  const std::string nowhere = Tmp("nowhere_pin.key");
  const std::string dangling = Tmp("dangling_pin.key");
  ASSERT_EQ(symlink(nowhere.c_str(), dangling.c_str()), 0);
  EXPECT_EQ(ReasonOf(LoadOrCreatePinKey(dangling).status()), "invalid_field");
  struct stat st;
  EXPECT_NE(lstat(nowhere.c_str(), &st), 0);
}

TEST(AuthorityKeysTest, PinKeyOpenToOthersOrOfTheWrongSizeIsRefused) {
  const std::string loose = Tmp("loose_pin.key");
  ASSERT_TRUE(WriteNewFile(loose, std::string(32, 'k'), 0640).ok());
  auto refused = LoadOrCreatePinKey(loose);
  EXPECT_EQ(ReasonOf(refused.status()), "invalid_field");
  EXPECT_NE(refused.status().message().find("0640"), absl::string_view::npos)
      << refused.status();

  const std::string short_key = Tmp("short_pin.key");
  ASSERT_TRUE(WriteNewFile(short_key, std::string(31, 'k'), 0600).ok());
  EXPECT_EQ(ReasonOf(LoadOrCreatePinKey(short_key).status()), "invalid_field");
  const std::string long_key = Tmp("long_pin.key");
  ASSERT_TRUE(WriteNewFile(long_key, std::string(33, 'k'), 0600).ok());
  EXPECT_EQ(ReasonOf(LoadOrCreatePinKey(long_key).status()), "invalid_field");
  // Neither file was replaced.
  EXPECT_EQ(ReadWholeFile(short_key)->size(), 31u);
  EXPECT_EQ(ReadWholeFile(long_key)->size(), 33u);
}

}  // namespace
}  // namespace sct::ca

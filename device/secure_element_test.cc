#include "device/secure_element.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <type_traits>

#include "common/errors.h"
#include "crypto/ecdsa.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "device/device_state.pb.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// The API surface: every method's return type, checked at compile time so an
// added accessor that returns key material has to change this test.
static_assert(std::is_same_v<decltype(&SecureElement::GenerateKey),
                             absl::StatusOr<std::string> (SecureElement::*)(
                                 SecureElement::KeyPersistence)>);
static_assert(std::is_same_v<decltype(&SecureElement::writes), uint64_t (SecureElement::*)() const>);
static_assert(
    std::is_same_v<decltype(&SecureElement::PublicKeySpki),
                   absl::StatusOr<std::string> (SecureElement::*)(absl::string_view) const>);

TEST(SecureElementTest, SignsWithAKeyThatVerifiesUnderItsPublicKey) {
  auto se = SecureElement::Open("");
  ASSERT_TRUE(se.ok()) << se.status();
  auto id = (*se)->GenerateKey();
  ASSERT_TRUE(id.ok()) << id.status();
  auto spki = (*se)->PublicKeySpki(*id);
  ASSERT_TRUE(spki.ok());
  auto pub = crypto::EcdsaP256PublicKey::FromSpkiDer(*spki);
  ASSERT_TRUE(pub.ok());
  auto sig = (*se)->Sign(*id, "nonce");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(pub->Verify("nonce", *sig, crypto::SignatureEncoding::kDer).ok());
  EXPECT_FALSE(pub->Verify("other", *sig, crypto::SignatureEncoding::kDer).ok());
}

TEST(SecureElementTest, UnknownHandleIsKeyNotFound) {
  auto se = *SecureElement::Open("");
  EXPECT_EQ(ReasonOf(se->Sign("k-99", "x").status()), "key_not_found");
  EXPECT_EQ(ReasonOf(se->PublicKeySpki("k-99").status()), "key_not_found");
  EXPECT_EQ(ReasonOf(se->Hmac("s-99", "x").status()), "key_not_found");
  EXPECT_EQ(ReasonOf(se->DeleteKey("k-99")), "key_not_found");
}

TEST(SecureElementTest, KeysAreDistinct) {
  auto se = *SecureElement::Open("");
  auto a = *se->GenerateKey();
  auto b = *se->GenerateKey();
  EXPECT_NE(a, b);
  EXPECT_NE(*se->PublicKeySpki(a), *se->PublicKeySpki(b));
}

TEST(SecureElementTest, OpensAnHpkeSealedKeyInsideAndMacsWithIt) {
  auto se = *SecureElement::Open("");
  std::string id = *se->GenerateKey();
  auto pub = *crypto::EcdsaP256PublicKey::FromSpkiDer(*se->PublicKeySpki(id));
  const std::string credential_key(32, '\x42');
  const std::string info = std::string("sct-credential-v1\0cred-1", 24);
  auto sealed = crypto::HpkeSeal(crypto::kHpkeP256Sha256Aes128Gcm, pub.UncompressedPoint(),
                                 info, "", credential_key);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  std::string enc = sealed->substr(0, 65), ct = sealed->substr(65);
  auto handle = se->OpenSealedKey(id, enc, ct, info);
  ASSERT_TRUE(handle.ok()) << handle.status();
  auto tag = se->Hmac(*handle, "transcript");
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(*tag, *crypto::HmacSha256(credential_key, "transcript"));
  // The wrong info (or key) does not open.
  EXPECT_EQ(ReasonOf(se->OpenSealedKey(id, enc, ct, "other").status()), "unseal_failed");
  std::string other = *se->GenerateKey();
  EXPECT_EQ(ReasonOf(se->OpenSealedKey(other, enc, ct, info).status()), "unseal_failed");
}

// A wallet of every size class (the length's varint takes 1 to 3 bytes),
// then a smaller one over a larger one, survives a restart byte for byte.
TEST(SecureElementTest, WalletOfAnySizeSurvivesRestart) {
  const std::string path = TmpPath("se_wallet_sizes");
  std::string id;
  for (size_t size : {size_t{1}, size_t{127}, size_t{128}, size_t{20000}, size_t{1} << 21,
                      size_t{300}}) {
    std::string wallet(size, '\0');
    for (size_t i = 0; i < size; ++i) wallet[i] = static_cast<char>(i * 131 + size);
    {
      auto se = SecureElement::Open(path);
      ASSERT_TRUE(se.ok()) << se.status();
      if (id.empty()) id = *(*se)->GenerateKey();
      ASSERT_TRUE((*se)->StoreWallet(wallet).ok()) << size;
    }
    auto se = SecureElement::Open(path);
    ASSERT_TRUE(se.ok()) << se.status();
    EXPECT_EQ((*se)->Wallet(), wallet) << size;
    EXPECT_EQ((*se)->KeyIds(), std::vector<std::string>{id}) << size;
  }
}

TEST(SecureElementTest, SurvivesRestartFromTheStateFile) {
  const std::string path = TmpPath("se_restart");
  std::string id, spki, sym;
  {
    auto se = SecureElement::Open(path);
    ASSERT_TRUE(se.ok()) << se.status();
    id = *(*se)->GenerateKey();
    spki = *(*se)->PublicKeySpki(id);
    auto pub = *crypto::EcdsaP256PublicKey::FromSpkiDer(spki);
    auto sealed = *crypto::HpkeSeal(crypto::kHpkeP256Sha256Aes128Gcm, pub.UncompressedPoint(),
                                    "i", "", std::string(32, 'k'));
    sym = *(*se)->OpenSealedKey(id, sealed.substr(0, 65), sealed.substr(65), "i");
    ASSERT_TRUE((*se)->StoreWallet("wallet-bytes").ok());
  }
  auto se = SecureElement::Open(path);
  ASSERT_TRUE(se.ok()) << se.status();
  EXPECT_EQ((*se)->KeyIds(), std::vector<std::string>{id});
  EXPECT_EQ(*(*se)->PublicKeySpki(id), spki);
  auto pub = *crypto::EcdsaP256PublicKey::FromSpkiDer(spki);
  EXPECT_TRUE(pub.Verify("m", *(*se)->Sign(id, "m"), crypto::SignatureEncoding::kDer).ok());
  EXPECT_EQ(*(*se)->Hmac(sym, "d"), *crypto::HmacSha256(std::string(32, 'k'), "d"));
  EXPECT_EQ((*se)->Wallet(), "wallet-bytes");
  // New handles do not collide with restored ones.
  EXPECT_NE(*(*se)->GenerateKey(), id);
}

TEST(SecureElementTest, DeletedKeyStaysDeletedAfterRestart) {
  const std::string path = TmpPath("se_delete");
  std::string id;
  {
    auto se = *SecureElement::Open(path);
    id = *se->GenerateKey();
    ASSERT_TRUE(se->DeleteKey(id).ok());
  }
  auto se = *SecureElement::Open(path);
  EXPECT_EQ(ReasonOf(se->Sign(id, "x").status()), "key_not_found");
}

TEST(SecureElementTest, ADeferredKeyIsWrittenWithTheNextWalletWrite) {
  const std::string path = TmpPath("se_deferred");
  std::string id, spki;
  {
    auto se = *SecureElement::Open(path);
    ASSERT_TRUE(se->StoreWallet("before").ok());
    const uint64_t writes = se->writes();
    id = *se->GenerateKey(SecureElement::KeyPersistence::kWithNextWrite);
    spki = *se->PublicKeySpki(id);
    EXPECT_EQ(se->writes(), writes);  // nothing written for the key alone
    // The wallet now names the key: one write holds both.
    ASSERT_TRUE(se->StoreWallet("names " + id).ok());
    EXPECT_EQ(se->writes(), writes + 1);
  }
  auto se = *SecureElement::Open(path);
  EXPECT_EQ(se->Wallet(), "names " + id);
  EXPECT_EQ(*se->PublicKeySpki(id), spki);
}

TEST(SecureElementTest, ADeferredSymmetricKeyIsWrittenWithTheNextWalletWrite) {
  const std::string path = TmpPath("se_deferred_symmetric");
  std::string sym;
  {
    auto se = *SecureElement::Open(path);
    const std::string id = *se->GenerateKey();
    auto pub = *crypto::EcdsaP256PublicKey::FromSpkiDer(*se->PublicKeySpki(id));
    auto sealed = *crypto::HpkeSeal(crypto::kHpkeP256Sha256Aes128Gcm, pub.UncompressedPoint(),
                                    "i", "", std::string(32, 'k'));
    const uint64_t writes = se->writes();
    sym = *se->OpenSealedKey(id, sealed.substr(0, 65), sealed.substr(65), "i",
                             SecureElement::KeyPersistence::kWithNextWrite);
    EXPECT_EQ(se->writes(), writes);
    ASSERT_TRUE(se->StoreWallet("names " + sym).ok());
    EXPECT_EQ(se->writes(), writes + 1);
  }
  auto se = *SecureElement::Open(path);
  EXPECT_EQ(*se->Hmac(sym, "d"), *crypto::HmacSha256(std::string(32, 'k'), "d"));
}

TEST(SecureElementTest, ADeferredKeyIsWrittenEvenWhenTheWalletBytesAreUnchanged) {
  const std::string path = TmpPath("se_deferred_same");
  std::string id;
  {
    auto se = *SecureElement::Open(path);
    ASSERT_TRUE(se->StoreWallet("same").ok());
    id = *se->GenerateKey(SecureElement::KeyPersistence::kWithNextWrite);
    ASSERT_TRUE(se->StoreWallet("same").ok());
  }
  auto se = *SecureElement::Open(path);
  EXPECT_EQ(se->KeyIds(), std::vector<std::string>{id});
}

TEST(SecureElementTest, StoringTheWalletAlreadyOnDiskWritesNothing) {
  const std::string path = TmpPath("se_unchanged");
  {
    auto se = *SecureElement::Open(path);
    ASSERT_TRUE(se->StoreWallet("w1").ok());
    ASSERT_TRUE(se->StoreWallet("w1").ok());
    EXPECT_EQ(se->writes(), 1u);
    ASSERT_TRUE(se->StoreWallet("w2").ok());
    EXPECT_EQ(se->writes(), 2u);
  }
  // After a restart the file's state counts as written too.
  auto se = *SecureElement::Open(path);
  ASSERT_TRUE(se->StoreWallet("w2").ok());
  EXPECT_EQ(se->writes(), 0u);
  ASSERT_TRUE(se->StoreWallet("w3").ok());
  EXPECT_EQ(se->writes(), 1u);
  EXPECT_EQ((*SecureElement::Open(path))->Wallet(), "w3");
}

TEST(SecureElementTest, AFailedWriteIsRetriedByTheNextStoreOfTheSameBytes) {
  const std::string dir = TmpPath("se_failed_dir");
  ASSERT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
  const std::string path = dir + "/state";
  auto se = *SecureElement::Open(path);
  ASSERT_TRUE(se->StoreWallet("w1").ok());
  // The directory goes away: the write fails and the state is not on disk.
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
  EXPECT_FALSE(se->StoreWallet("w2").ok());
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
  ASSERT_TRUE(se->StoreWallet("w1").ok());
  EXPECT_EQ((*SecureElement::Open(path))->Wallet(), "w1");
}

// A state file of the single-record format (a bare SecureElementState) is
// loaded and converted to the slot file on open; the converted file loads.
TEST(SecureElementTest, ASingleRecordStateFileIsConvertedOnOpen) {
  const std::string path = TmpPath("se_legacy");
  auto key = *crypto::EcdsaP256PrivateKey::Generate();
  ::device::state::SecureElementState legacy;
  legacy.set_version(1);
  legacy.set_next_handle(7);
  auto* k = legacy.add_keys();
  k->set_key_id("k-3");
  k->set_private_pkcs8(key.ToPkcs8Der());
  legacy.set_wallet("old wallet");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << legacy.SerializeAsString();
  {
    auto se = SecureElement::Open(path);
    ASSERT_TRUE(se.ok()) << se.status();
    EXPECT_EQ((*se)->Wallet(), "old wallet");
    EXPECT_EQ((*se)->writes(), 0u);
  }
  std::ifstream in(path, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  EXPECT_EQ(head, "SCTSEAB1");
  auto se = SecureElement::Open(path);
  ASSERT_TRUE(se.ok()) << se.status();
  EXPECT_EQ((*se)->Wallet(), "old wallet");
  EXPECT_EQ((*se)->KeyIds(), std::vector<std::string>{"k-3"});
  EXPECT_EQ(*(*se)->PublicKeySpki("k-3"), key.PublicKey().SpkiDer());
  EXPECT_EQ(*(*se)->GenerateKey(), "k-7");
}

TEST(SecureElementTest, CorruptStateFileIsDataLoss) {
  const std::string path = TmpPath("se_corrupt");
  std::ofstream(path) << "this is not a state file";
  auto se = SecureElement::Open(path);
  EXPECT_EQ(se.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReasonOf(se.status()), "state_file_corrupt");
}

}  // namespace
}  // namespace sct::device

#include "crypto/hpke.h"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/ecdh.h"
#include "crypto/hkdf.h"

namespace sct::crypto {
namespace {

constexpr absl::string_view kHpkeVersion = "HPKE-v1";
constexpr size_t kNsecret = 32;  // DHKEM(*, HKDF-SHA256)
constexpr size_t kNh = 32;       // HKDF-SHA256
constexpr size_t kNk = 16;       // AES-128-GCM
constexpr size_t kNn = 12;
constexpr size_t kP256ScalarBytes = 32;

// The order n of the P-256 group (SEC 2 / FIPS 186-4), big-endian.
constexpr unsigned char kP256Order[kP256ScalarBytes] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// Overwrites a secret before its memory is released.
void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// Holds a secret and wipes it at scope exit.
class ScopedSecret {
 public:
  explicit ScopedSecret(std::string s) : s_(std::move(s)) {}
  ~ScopedSecret() { Wipe(s_); }
  ScopedSecret(const ScopedSecret&) = delete;
  ScopedSecret& operator=(const ScopedSecret&) = delete;
  const std::string& get() const { return s_; }

 private:
  std::string s_;
};

// The ecdh wrappers return either a value or a StatusOr; accept both.
absl::StatusOr<std::string> AsStatusOr(std::string s) { return s; }
absl::StatusOr<std::string> AsStatusOr(absl::StatusOr<std::string> s) {
  return s;
}

std::string I2Osp(uint64_t value, size_t length) {
  std::string out(length, '\0');
  for (size_t i = 0; i < length && i < 8; ++i) {
    out[length - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

std::string KemSuiteId(HpkeKem kem) {
  return absl::StrCat("KEM", I2Osp(static_cast<uint16_t>(kem), 2));
}

std::string HpkeSuiteId(const HpkeSuite& suite) {
  return absl::StrCat("HPKE", I2Osp(static_cast<uint16_t>(suite.kem), 2),
                      I2Osp(static_cast<uint16_t>(suite.kdf), 2),
                      I2Osp(static_cast<uint16_t>(suite.aead), 2));
}

absl::StatusOr<std::string> LabeledExtract(absl::string_view suite_id,
                                           absl::string_view salt,
                                           absl::string_view label,
                                           absl::string_view ikm) {
  ScopedSecret labeled_ikm(absl::StrCat(kHpkeVersion, suite_id, label, ikm));
  return HkdfSha256Extract(salt, labeled_ikm.get());
}

absl::StatusOr<std::string> LabeledExpand(absl::string_view suite_id,
                                          absl::string_view prk,
                                          absl::string_view label,
                                          absl::string_view info,
                                          size_t length) {
  if (length > 0xffff) {
    return InvalidField("length", "exceeds 65535 (I2OSP(L, 2))");
  }
  std::string labeled_info =
      absl::StrCat(I2Osp(length, 2), kHpkeVersion, suite_id, label, info);
  return HkdfSha256Expand(prk, labeled_info, length);
}

bool IsSupportedKem(HpkeKem kem) {
  return kem == HpkeKem::kDhkemP256HkdfSha256 ||
         kem == HpkeKem::kDhkemX25519HkdfSha256;
}

absl::Status CheckSuite(const HpkeSuite& suite) {
  if (!IsSupportedKem(suite.kem)) {
    return absl::UnimplementedError(absl::StrCat(
        "suite.kem: unsupported KEM id ", static_cast<uint16_t>(suite.kem)));
  }
  if (suite.kdf != HpkeKdf::kHkdfSha256) {
    return absl::UnimplementedError(absl::StrCat(
        "suite.kdf: unsupported KDF id ", static_cast<uint16_t>(suite.kdf)));
  }
  if (suite.aead != HpkeAead::kAes128Gcm) {
    return absl::UnimplementedError(absl::StrCat(
        "suite.aead: unsupported AEAD id ", static_cast<uint16_t>(suite.aead)));
  }
  return absl::OkStatus();
}

bool IsValidP256Scalar(absl::string_view s) {
  if (s.size() != kP256ScalarBytes) return false;
  bool all_zero = true;
  for (char c : s) all_zero = all_zero && c == 0;
  if (all_zero) return false;
  return std::memcmp(s.data(), kP256Order, kP256ScalarBytes) < 0;
}

absl::Status CheckPrivateKey(HpkeKem kem, absl::string_view sk,
                             absl::string_view field) {
  if (sk.size() != HpkePrivateKeySize(kem)) {
    return InvalidField(field, absl::StrCat("must be ", HpkePrivateKeySize(kem),
                                            " bytes, got ", sk.size()));
  }
  if (kem == HpkeKem::kDhkemP256HkdfSha256 && !IsValidP256Scalar(sk)) {
    return InvalidField(field, "P-256 scalar out of range [1, n-1]");
  }
  return absl::OkStatus();
}

absl::Status CheckPublicKey(HpkeKem kem, absl::string_view pk,
                            absl::string_view field) {
  if (pk.size() != HpkePublicKeySize(kem)) {
    return InvalidField(field, absl::StrCat("must be ", HpkePublicKeySize(kem),
                                            " bytes, got ", pk.size()));
  }
  if (kem == HpkeKem::kDhkemP256HkdfSha256 && pk[0] != 0x04) {
    return InvalidField(field, "must be an uncompressed P-256 point (0x04...)");
  }
  return absl::OkStatus();
}

// Re-labels an INVALID_ARGUMENT from the DH wrappers with our field name.
absl::Status Relabel(const absl::Status& status, absl::string_view field) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  return InvalidField(field, status.message());
}

// DH(sk, pk): the P-256 x-coordinate or the X25519 output (Ndh = 32).
absl::StatusOr<std::string> Dh(HpkeKem kem, absl::string_view sk,
                               absl::string_view sk_field, absl::string_view pk,
                               absl::string_view pk_field) {
  RETURN_IF_ERROR(CheckPrivateKey(kem, sk, sk_field));
  RETURN_IF_ERROR(CheckPublicKey(kem, pk, pk_field));
  absl::StatusOr<std::string> out;
  if (kem == HpkeKem::kDhkemP256HkdfSha256) {
    auto key = EcdhP256PrivateKey::FromRawScalar(sk);
    if (!key.ok()) return Relabel(key.status(), sk_field);
    out = AsStatusOr(key->ComputeSharedSecret(pk));
  } else {
    auto key = X25519PrivateKey::FromRaw(sk);
    if (!key.ok()) return Relabel(key.status(), sk_field);
    out = AsStatusOr(key->ComputeSharedSecret(pk));
  }
  if (!out.ok()) return Relabel(out.status(), pk_field);
  return out;
}

absl::StatusOr<std::string> PublicOf(HpkeKem kem, absl::string_view sk,
                                     absl::string_view field) {
  RETURN_IF_ERROR(CheckPrivateKey(kem, sk, field));
  if (kem == HpkeKem::kDhkemP256HkdfSha256) {
    auto key = EcdhP256PrivateKey::FromRawScalar(sk);
    if (!key.ok()) return Relabel(key.status(), field);
    return AsStatusOr(key->PublicPoint());
  }
  auto key = X25519PrivateKey::FromRaw(sk);
  if (!key.ok()) return Relabel(key.status(), field);
  return AsStatusOr(key->PublicKey());
}

absl::StatusOr<std::string> ExtractAndExpand(HpkeKem kem, absl::string_view dh,
                                             absl::string_view kem_context) {
  const std::string suite_id = KemSuiteId(kem);
  ASSIGN_OR_RETURN(std::string prk,
                   LabeledExtract(suite_id, "", "eae_prk", dh));
  ScopedSecret eae_prk(std::move(prk));
  return LabeledExpand(suite_id, eae_prk.get(), "shared_secret", kem_context,
                       kNsecret);
}

absl::StatusOr<std::string> EphemeralKey(
    HpkeKem kem, std::optional<absl::string_view> ephemeral_private_key) {
  if (ephemeral_private_key.has_value()) {
    RETURN_IF_ERROR(
        CheckPrivateKey(kem, *ephemeral_private_key, "ephemeral_private_key"));
    return std::string(*ephemeral_private_key);
  }
  ASSIGN_OR_RETURN(HpkeKeyPair pair, HpkeGenerateKeyPair(kem));
  Wipe(pair.public_key);
  return std::move(pair.private_key);
}

bool IsAuthMode(HpkeMode mode) {
  return mode == HpkeMode::kAuth || mode == HpkeMode::kAuthPsk;
}
bool IsPskMode(HpkeMode mode) {
  return mode == HpkeMode::kPsk || mode == HpkeMode::kAuthPsk;
}

absl::Status CheckMode(HpkeMode mode) {
  return HpkeModeFromId(static_cast<uint8_t>(mode)).status();
}

// RFC 9180 VerifyPSKInputs.
absl::Status VerifyPskInputs(HpkeMode mode, absl::string_view psk,
                             absl::string_view psk_id) {
  const bool got_psk = !psk.empty();
  const bool got_psk_id = !psk_id.empty();
  if (got_psk != got_psk_id) {
    return InvalidField(got_psk ? "psk_id" : "psk",
                        "psk and psk_id must be given together");
  }
  if (got_psk && !IsPskMode(mode)) {
    return InvalidField("psk",
                        absl::StrCat("not used in mode ", HpkeModeName(mode)));
  }
  if (!got_psk && IsPskMode(mode)) {
    return InvalidField("psk",
                        absl::StrCat("required in mode ", HpkeModeName(mode)));
  }
  return absl::OkStatus();
}

absl::Status CheckSenderKeyPresence(HpkeMode mode, bool present,
                                    absl::string_view field) {
  if (present && !IsAuthMode(mode)) {
    return InvalidField(field,
                        absl::StrCat("not used in mode ", HpkeModeName(mode)));
  }
  if (!present && IsAuthMode(mode)) {
    return InvalidField(field,
                        absl::StrCat("required in mode ", HpkeModeName(mode)));
  }
  return absl::OkStatus();
}

}  // namespace

// Builds contexts; a friend of the context classes.
class HpkeContextFactory {
 public:
  static absl::StatusOr<HpkeSenderContext> Sender(
      const HpkeSuite& suite, const HpkeKeyScheduleOutput& ks,
      std::string enc) {
    ASSIGN_OR_RETURN(AesGcm aead, AesGcm::Create(ks.key));
    return HpkeSenderContext(std::move(aead), HpkeSuiteId(suite), ks.base_nonce,
                             ks.exporter_secret, std::move(enc));
  }
  static absl::StatusOr<HpkeRecipientContext> Recipient(
      const HpkeSuite& suite, const HpkeKeyScheduleOutput& ks) {
    ASSIGN_OR_RETURN(AesGcm aead, AesGcm::Create(ks.key));
    return HpkeRecipientContext(std::move(aead), HpkeSuiteId(suite),
                                ks.base_nonce, ks.exporter_secret);
  }
};

namespace {

// Wipes the key schedule's secrets at scope exit.
struct ScopedKeySchedule {
  HpkeKeyScheduleOutput ks;
  ~ScopedKeySchedule() {
    Wipe(ks.secret);
    Wipe(ks.key);
    Wipe(ks.base_nonce);
    Wipe(ks.exporter_secret);
  }
};

}  // namespace

absl::StatusOr<HpkeSuite> HpkeSuiteFromIds(uint16_t kem_id, uint16_t kdf_id,
                                           uint16_t aead_id) {
  HpkeSuite suite{static_cast<HpkeKem>(kem_id), static_cast<HpkeKdf>(kdf_id),
                  static_cast<HpkeAead>(aead_id)};
  RETURN_IF_ERROR(CheckSuite(suite));
  return suite;
}

absl::StatusOr<HpkeMode> HpkeModeFromId(uint8_t mode_id) {
  if (mode_id > 3) {
    return InvalidField("mode", absl::StrCat("unknown HPKE mode ", mode_id));
  }
  return static_cast<HpkeMode>(mode_id);
}

absl::string_view HpkeModeName(HpkeMode mode) {
  switch (mode) {
    case HpkeMode::kBase:
      return "Base";
    case HpkeMode::kPsk:
      return "PSK";
    case HpkeMode::kAuth:
      return "Auth";
    case HpkeMode::kAuthPsk:
      return "AuthPSK";
  }
  return "unknown";
}

size_t HpkePrivateKeySize(HpkeKem kem) { return 32; }

size_t HpkePublicKeySize(HpkeKem kem) {
  return kem == HpkeKem::kDhkemP256HkdfSha256 ? 65 : 32;
}

absl::StatusOr<HpkeKeyPair> HpkeGenerateKeyPair(HpkeKem kem) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  HpkeKeyPair pair;
  if (kem == HpkeKem::kDhkemP256HkdfSha256) {
    ASSIGN_OR_RETURN(auto key, EcdhP256PrivateKey::Generate());
    ASSIGN_OR_RETURN(pair.private_key, AsStatusOr(key.RawScalar()));
    ASSIGN_OR_RETURN(pair.public_key, AsStatusOr(key.PublicPoint()));
  } else {
    ASSIGN_OR_RETURN(auto key, X25519PrivateKey::Generate());
    ASSIGN_OR_RETURN(pair.private_key, AsStatusOr(key.Raw()));
    ASSIGN_OR_RETURN(pair.public_key, AsStatusOr(key.PublicKey()));
  }
  return pair;
}

absl::StatusOr<HpkeKeyPair> HpkeDeriveKeyPair(HpkeKem kem,
                                              absl::string_view ikm) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  if (ikm.size() < HpkePrivateKeySize(kem)) {
    return InvalidField("ikm", absl::StrCat("must be at least ",
                                            HpkePrivateKeySize(kem), " bytes"));
  }
  const std::string suite_id = KemSuiteId(kem);
  ASSIGN_OR_RETURN(std::string prk,
                   LabeledExtract(suite_id, "", "dkp_prk", ikm));
  ScopedSecret dkp_prk(std::move(prk));
  HpkeKeyPair pair;
  if (kem == HpkeKem::kDhkemX25519HkdfSha256) {
    ASSIGN_OR_RETURN(pair.private_key,
                     LabeledExpand(suite_id, dkp_prk.get(), "sk", "",
                                   HpkePrivateKeySize(kem)));
  } else {
    // Rejection sampling with bitmask 0xff (RFC 9180 section 7.1.3).
    for (int counter = 0; counter <= 255; ++counter) {
      ASSIGN_OR_RETURN(std::string candidate,
                       LabeledExpand(suite_id, dkp_prk.get(), "candidate",
                                     I2Osp(counter, 1), kP256ScalarBytes));
      candidate[0] = static_cast<char>(candidate[0] & 0xff);
      if (IsValidP256Scalar(candidate)) {
        pair.private_key = std::move(candidate);
        break;
      }
      Wipe(candidate);
    }
    if (pair.private_key.empty()) {
      return absl::InternalError("DeriveKeyPairError: no valid P-256 scalar");
    }
  }
  ASSIGN_OR_RETURN(pair.public_key, PublicOf(kem, pair.private_key, "ikm"));
  return pair;
}

absl::StatusOr<std::string> HpkePublicKeyFromPrivate(HpkeKem kem,
                                                     absl::string_view sk) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  return PublicOf(kem, sk, "private_key");
}

absl::StatusOr<HpkeEncapsulation> HpkeEncap(
    HpkeKem kem, absl::string_view pkR,
    std::optional<absl::string_view> ephemeral_private_key) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  RETURN_IF_ERROR(CheckPublicKey(kem, pkR, "pkR"));
  ASSIGN_OR_RETURN(std::string ske, EphemeralKey(kem, ephemeral_private_key));
  ScopedSecret skE(std::move(ske));
  ASSIGN_OR_RETURN(std::string enc,
                   PublicOf(kem, skE.get(), "ephemeral_private_key"));
  ASSIGN_OR_RETURN(std::string dh_raw,
                   Dh(kem, skE.get(), "ephemeral_private_key", pkR, "pkR"));
  ScopedSecret dh(std::move(dh_raw));
  ASSIGN_OR_RETURN(std::string ss,
                   ExtractAndExpand(kem, dh.get(), absl::StrCat(enc, pkR)));
  return HpkeEncapsulation{std::move(ss), std::move(enc)};
}

absl::StatusOr<std::string> HpkeDecap(HpkeKem kem, absl::string_view enc,
                                      absl::string_view skR) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  ASSIGN_OR_RETURN(std::string pkRm, PublicOf(kem, skR, "skR"));
  ASSIGN_OR_RETURN(std::string dh_raw, Dh(kem, skR, "skR", enc, "enc"));
  ScopedSecret dh(std::move(dh_raw));
  return ExtractAndExpand(kem, dh.get(), absl::StrCat(enc, pkRm));
}

absl::StatusOr<HpkeEncapsulation> HpkeAuthEncap(
    HpkeKem kem, absl::string_view pkR, absl::string_view skS,
    std::optional<absl::string_view> ephemeral_private_key) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  RETURN_IF_ERROR(CheckPublicKey(kem, pkR, "pkR"));
  ASSIGN_OR_RETURN(std::string pkSm, PublicOf(kem, skS, "skS"));
  ASSIGN_OR_RETURN(std::string ske, EphemeralKey(kem, ephemeral_private_key));
  ScopedSecret skE(std::move(ske));
  ASSIGN_OR_RETURN(std::string enc,
                   PublicOf(kem, skE.get(), "ephemeral_private_key"));
  ASSIGN_OR_RETURN(std::string dh1,
                   Dh(kem, skE.get(), "ephemeral_private_key", pkR, "pkR"));
  ASSIGN_OR_RETURN(std::string dh2, Dh(kem, skS, "skS", pkR, "pkR"));
  ScopedSecret dh(absl::StrCat(dh1, dh2));
  Wipe(dh1);
  Wipe(dh2);
  ASSIGN_OR_RETURN(
      std::string ss,
      ExtractAndExpand(kem, dh.get(), absl::StrCat(enc, pkR, pkSm)));
  return HpkeEncapsulation{std::move(ss), std::move(enc)};
}

absl::StatusOr<std::string> HpkeAuthDecap(HpkeKem kem, absl::string_view enc,
                                          absl::string_view skR,
                                          absl::string_view pkS) {
  RETURN_IF_ERROR(CheckSuite(HpkeSuite{kem}));
  ASSIGN_OR_RETURN(std::string pkRm, PublicOf(kem, skR, "skR"));
  ASSIGN_OR_RETURN(std::string dh1, Dh(kem, skR, "skR", enc, "enc"));
  ASSIGN_OR_RETURN(std::string dh2, Dh(kem, skR, "skR", pkS, "pkS"));
  ScopedSecret dh(absl::StrCat(dh1, dh2));
  Wipe(dh1);
  Wipe(dh2);
  return ExtractAndExpand(kem, dh.get(), absl::StrCat(enc, pkRm, pkS));
}

absl::StatusOr<HpkeKeyScheduleOutput> HpkeKeySchedule(
    const HpkeSuite& suite, HpkeMode mode, absl::string_view shared_secret,
    absl::string_view info, absl::string_view psk, absl::string_view psk_id) {
  RETURN_IF_ERROR(CheckSuite(suite));
  RETURN_IF_ERROR(CheckMode(mode));
  RETURN_IF_ERROR(VerifyPskInputs(mode, psk, psk_id));
  const std::string suite_id = HpkeSuiteId(suite);
  ASSIGN_OR_RETURN(std::string psk_id_hash,
                   LabeledExtract(suite_id, "", "psk_id_hash", psk_id));
  ASSIGN_OR_RETURN(std::string info_hash,
                   LabeledExtract(suite_id, "", "info_hash", info));
  HpkeKeyScheduleOutput out;
  out.key_schedule_context = absl::StrCat(I2Osp(static_cast<uint8_t>(mode), 1),
                                          psk_id_hash, info_hash);
  ASSIGN_OR_RETURN(out.secret,
                   LabeledExtract(suite_id, shared_secret, "secret", psk));
  ASSIGN_OR_RETURN(out.key, LabeledExpand(suite_id, out.secret, "key",
                                          out.key_schedule_context, kNk));
  ASSIGN_OR_RETURN(out.base_nonce,
                   LabeledExpand(suite_id, out.secret, "base_nonce",
                                 out.key_schedule_context, kNn));
  ASSIGN_OR_RETURN(out.exporter_secret,
                   LabeledExpand(suite_id, out.secret, "exp",
                                 out.key_schedule_context, kNh));
  return out;
}

HpkeContext::HpkeContext(AesGcm aead, std::string suite_id,
                         std::string base_nonce, std::string exporter_secret)
    : aead_(std::move(aead)),
      suite_id_(std::move(suite_id)),
      base_nonce_(std::move(base_nonce)),
      exporter_secret_(std::move(exporter_secret)) {}

HpkeContext::~HpkeContext() {
  Wipe(base_nonce_);
  Wipe(exporter_secret_);
}

absl::StatusOr<std::string> HpkeContext::Export(
    absl::string_view exporter_context, size_t length) const {
  if (length > 255 * kNh) {
    return InvalidField("length",
                        absl::StrCat("at most ", 255 * kNh, " bytes"));
  }
  // The "sec" label binds exports to this suite (RFC 9180 section 5.3).
  return LabeledExpand(suite_id_, exporter_secret_, "sec", exporter_context,
                       length);
}

std::string HpkeContext::ComputeNonce(uint64_t seq) const {
  std::string nonce = I2Osp(seq, kNn);
  for (size_t i = 0; i < kNn && i < base_nonce_.size(); ++i) {
    nonce[i] = static_cast<char>(nonce[i] ^ base_nonce_[i]);
  }
  return nonce;
}

absl::Status HpkeContext::CheckSequence() const {
  if (seq_ > kMaxSequenceNumber) {
    return MakeError(absl::StatusCode::kResourceExhausted,
                     "hpke_message_limit_reached",
                     "HPKE context sequence number exhausted; set up a new "
                     "context");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> HpkeSenderContext::Seal(
    absl::string_view aad, absl::string_view plaintext) {
  RETURN_IF_ERROR(CheckSequence());
  ASSIGN_OR_RETURN(std::string ct,
                   aead_.Encrypt(ComputeNonce(seq_), plaintext, aad));
  ++seq_;
  return ct;
}

absl::StatusOr<std::string> HpkeRecipientContext::Open(
    absl::string_view aad, absl::string_view ciphertext) {
  RETURN_IF_ERROR(CheckSequence());
  ASSIGN_OR_RETURN(std::string pt,
                   aead_.Decrypt(ComputeNonce(seq_), ciphertext, aad));
  ++seq_;
  return pt;
}

absl::StatusOr<HpkeSenderContext> HpkeSetupSender(
    const HpkeSuite& suite, absl::string_view pkR, absl::string_view info,
    const HpkeSenderParams& params) {
  RETURN_IF_ERROR(CheckSuite(suite));
  RETURN_IF_ERROR(CheckMode(params.mode));
  RETURN_IF_ERROR(VerifyPskInputs(params.mode, params.psk, params.psk_id));
  RETURN_IF_ERROR(CheckSenderKeyPresence(
      params.mode, !params.sender_private_key.empty(), "sender_private_key"));
  std::optional<absl::string_view> eph;
  if (params.ephemeral_private_key.has_value()) {
    eph = *params.ephemeral_private_key;
  }
  HpkeEncapsulation encap;
  if (IsAuthMode(params.mode)) {
    ASSIGN_OR_RETURN(
        encap, HpkeAuthEncap(suite.kem, pkR, params.sender_private_key, eph));
  } else {
    ASSIGN_OR_RETURN(encap, HpkeEncap(suite.kem, pkR, eph));
  }
  ScopedSecret shared_secret(std::move(encap.shared_secret));
  ScopedKeySchedule ks;
  ASSIGN_OR_RETURN(
      ks.ks, HpkeKeySchedule(suite, params.mode, shared_secret.get(), info,
                             params.psk, params.psk_id));
  return HpkeContextFactory::Sender(suite, ks.ks, std::move(encap.enc));
}

absl::StatusOr<HpkeRecipientContext> HpkeSetupRecipient(
    const HpkeSuite& suite, absl::string_view enc, absl::string_view skR,
    absl::string_view info, const HpkeRecipientParams& params) {
  RETURN_IF_ERROR(CheckSuite(suite));
  RETURN_IF_ERROR(CheckMode(params.mode));
  RETURN_IF_ERROR(VerifyPskInputs(params.mode, params.psk, params.psk_id));
  RETURN_IF_ERROR(CheckSenderKeyPresence(
      params.mode, !params.sender_public_key.empty(), "sender_public_key"));
  std::string ss;
  if (IsAuthMode(params.mode)) {
    RETURN_IF_ERROR(CheckPublicKey(suite.kem, params.sender_public_key,
                                   "sender_public_key"));
    ASSIGN_OR_RETURN(
        ss, HpkeAuthDecap(suite.kem, enc, skR, params.sender_public_key));
  } else {
    ASSIGN_OR_RETURN(ss, HpkeDecap(suite.kem, enc, skR));
  }
  ScopedSecret shared_secret(std::move(ss));
  ScopedKeySchedule ks;
  ASSIGN_OR_RETURN(
      ks.ks, HpkeKeySchedule(suite, params.mode, shared_secret.get(), info,
                             params.psk, params.psk_id));
  return HpkeContextFactory::Recipient(suite, ks.ks);
}

absl::StatusOr<std::string> HpkeSeal(const HpkeSuite& suite,
                                     absl::string_view pkR,
                                     absl::string_view info,
                                     absl::string_view aad,
                                     absl::string_view plaintext,
                                     const HpkeSenderParams& params) {
  ASSIGN_OR_RETURN(HpkeSenderContext ctx,
                   HpkeSetupSender(suite, pkR, info, params));
  ASSIGN_OR_RETURN(std::string ct, ctx.Seal(aad, plaintext));
  return absl::StrCat(ctx.enc(), ct);
}

absl::StatusOr<std::string> HpkeOpen(const HpkeSuite& suite,
                                     absl::string_view skR,
                                     absl::string_view info,
                                     absl::string_view aad,
                                     absl::string_view sealed,
                                     const HpkeRecipientParams& params) {
  RETURN_IF_ERROR(CheckSuite(suite));
  const size_t nenc = HpkePublicKeySize(suite.kem);
  if (sealed.size() < nenc + AesGcm::kTagSize) {
    return InvalidField("sealed", absl::StrCat("shorter than enc (", nenc,
                                               ") plus the AEAD tag"));
  }
  ASSIGN_OR_RETURN(
      HpkeRecipientContext ctx,
      HpkeSetupRecipient(suite, sealed.substr(0, nenc), skR, info, params));
  return ctx.Open(aad, sealed.substr(nenc));
}

}  // namespace sct::crypto

// Hybrid Public Key Encryption (RFC 9180), built from the project's HKDF,
// AES-GCM, ECDH P-256 and X25519 wrappers (OpenSSL 3.0 has no HPKE).
//
// Used to seal symmetric (hotel-style) credentials to a device's secure-element
// key. Supported:
//   modes  Base (0x00), PSK (0x01), Auth (0x02), AuthPSK (0x03);
//   KEMs   DHKEM(P-256, HKDF-SHA256) (0x0010), DHKEM(X25519, HKDF-SHA256)
//   (0x0020); KDF    HKDF-SHA256 (0x0001); AEAD   AES-128-GCM (0x0001).
// Keys are raw bytes: P-256 private = 32-byte big-endian scalar, public =
// 65-byte uncompressed point; X25519 private / public = 32 bytes each.
// `enc` is the serialized ephemeral public key (65 or 32 bytes).
//
// Typical use:
//   ASSIGN_OR_RETURN(std::string sealed, HpkeSeal(suite, pkR, info, aad, pt));
//   ASSIGN_OR_RETURN(std::string pt, HpkeOpen(suite, skR, info, aad, sealed));
// or, for several messages / the secret exporter, SetupSender + Seal and
// SetupRecipient + Open.
//
// Thread-safety: the free functions are thread-safe. A context carries a
// sequence number and is not thread-safe: Seal/Open need external locking;
// Export is const. Contexts own copies of their secrets and wipe them on
// destruction.
//
// Errors:
//   INVALID_ARGUMENT (reason "invalid_field", message names the field) -
//       malformed keys / enc, a PSK or sender key given in a mode that does
//       not use it (or missing in one that does), psk without psk_id or
//       vice versa, an export length above 255*32;
//   INVALID_ARGUMENT (reason "decryption_failed") - Open failed to
//       authenticate (wrong key, wrong sender, tampered ciphertext or aad);
//   RESOURCE_EXHAUSTED (reason "hpke_message_limit_reached") - the context's
//       sequence number is exhausted (RFC 9180 MessageLimitReachedError);
//   UNIMPLEMENTED - a suite id the library does not support (HpkeSuiteFromIds);
//   INTERNAL - an OpenSSL failure, or DeriveKeyPair's 256 failed candidates.
#ifndef SCT_CRYPTO_HPKE_H_
#define SCT_CRYPTO_HPKE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"

namespace sct::crypto {

enum class HpkeMode : uint8_t {
  kBase = 0x00,
  kPsk = 0x01,
  kAuth = 0x02,
  kAuthPsk = 0x03,
};

enum class HpkeKem : uint16_t {
  kDhkemP256HkdfSha256 = 0x0010,
  kDhkemX25519HkdfSha256 = 0x0020,
};

enum class HpkeKdf : uint16_t {
  kHkdfSha256 = 0x0001,
};

enum class HpkeAead : uint16_t {
  kAes128Gcm = 0x0001,
};

struct HpkeSuite {
  HpkeKem kem = HpkeKem::kDhkemP256HkdfSha256;
  HpkeKdf kdf = HpkeKdf::kHkdfSha256;
  HpkeAead aead = HpkeAead::kAes128Gcm;
};

// The project's default: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM
// (ARCHITECTURE.md section 4).
inline constexpr HpkeSuite kHpkeP256Sha256Aes128Gcm = {
    HpkeKem::kDhkemP256HkdfSha256, HpkeKdf::kHkdfSha256, HpkeAead::kAes128Gcm};
inline constexpr HpkeSuite kHpkeX25519Sha256Aes128Gcm = {
    HpkeKem::kDhkemX25519HkdfSha256, HpkeKdf::kHkdfSha256,
    HpkeAead::kAes128Gcm};

// The suite for RFC 9180 registry ids; UNIMPLEMENTED when unsupported.
absl::StatusOr<HpkeSuite> HpkeSuiteFromIds(uint16_t kem_id, uint16_t kdf_id,
                                           uint16_t aead_id);
// Mode from its id (0..3); INVALID_ARGUMENT otherwise.
absl::StatusOr<HpkeMode> HpkeModeFromId(uint8_t mode_id);
// "Base", "PSK", "Auth", "AuthPSK".
absl::string_view HpkeModeName(HpkeMode mode);

// Sizes for a KEM: Nsk, Npk (= Nenc), Nsecret.
size_t HpkePrivateKeySize(HpkeKem kem);
size_t HpkePublicKeySize(HpkeKem kem);

struct HpkeKeyPair {
  std::string private_key;  // raw, see the file comment
  std::string public_key;   // raw
};

// A fresh key pair from the CSPRNG.
absl::StatusOr<HpkeKeyPair> HpkeGenerateKeyPair(HpkeKem kem);
// RFC 9180 DeriveKeyPair(ikm) (section 7.1.3). `ikm` must be at least Nsk
// bytes (32).
absl::StatusOr<HpkeKeyPair> HpkeDeriveKeyPair(HpkeKem kem,
                                              absl::string_view ikm);
// The public key of a raw private key (validates it).
absl::StatusOr<std::string> HpkePublicKeyFromPrivate(HpkeKem kem,
                                                     absl::string_view sk);

// ---- KEM (section 4.1). Exposed for known-answer tests and for callers that
// ---- build their own key schedule. `ephemeral_private_key` nullopt = fresh.
struct HpkeEncapsulation {
  std::string shared_secret;
  std::string enc;
};
absl::StatusOr<HpkeEncapsulation> HpkeEncap(
    HpkeKem kem, absl::string_view pkR,
    std::optional<absl::string_view> ephemeral_private_key = std::nullopt);
absl::StatusOr<std::string> HpkeDecap(HpkeKem kem, absl::string_view enc,
                                      absl::string_view skR);
absl::StatusOr<HpkeEncapsulation> HpkeAuthEncap(
    HpkeKem kem, absl::string_view pkR, absl::string_view skS,
    std::optional<absl::string_view> ephemeral_private_key = std::nullopt);
absl::StatusOr<std::string> HpkeAuthDecap(HpkeKem kem, absl::string_view enc,
                                          absl::string_view skR,
                                          absl::string_view pkS);

// ---- Key schedule (section 5.1).
struct HpkeKeyScheduleOutput {
  std::string key_schedule_context;
  std::string secret;
  std::string key;              // Nk = 16
  std::string base_nonce;       // Nn = 12
  std::string exporter_secret;  // Nh = 32
};
absl::StatusOr<HpkeKeyScheduleOutput> HpkeKeySchedule(
    const HpkeSuite& suite, HpkeMode mode, absl::string_view shared_secret,
    absl::string_view info, absl::string_view psk, absl::string_view psk_id);

// ---- Contexts (section 5.2 and 5.3).
class HpkeContext {
 public:
  HpkeContext(const HpkeContext&) = delete;
  HpkeContext& operator=(const HpkeContext&) = delete;
  HpkeContext(HpkeContext&&) = default;
  HpkeContext& operator=(HpkeContext&&) = default;
  ~HpkeContext();

  // Secret export: LabeledExpand(exporter_secret, "sec", exporter_context, L).
  absl::StatusOr<std::string> Export(absl::string_view exporter_context,
                                     size_t length) const;

  // The sequence number of the next Seal/Open.
  uint64_t sequence_number() const { return seq_; }
  // base_nonce XOR I2OSP(seq, 12).
  std::string ComputeNonce(uint64_t seq) const;

  // The highest sequence number this implementation will use. RFC 9180 allows
  // up to 2^96 - 2; a 64-bit counter stops at 2^64 - 2 (documented).
  static constexpr uint64_t kMaxSequenceNumber =
      std::numeric_limits<uint64_t>::max() - 1;

  // Jumps the counter (tests of the nonce and of the overflow error only).
  void SetSequenceNumberForTesting(uint64_t seq) { seq_ = seq; }

 protected:
  HpkeContext(AesGcm aead, std::string suite_id, std::string base_nonce,
              std::string exporter_secret);
  absl::Status CheckSequence() const;

  AesGcm aead_;
  std::string suite_id_;
  std::string base_nonce_;
  std::string exporter_secret_;
  uint64_t seq_ = 0;
};

class HpkeSenderContext : public HpkeContext {
 public:
  // The encapsulated key to send to the recipient.
  const std::string& enc() const { return enc_; }
  // Encrypts and advances the sequence number; ciphertext || tag.
  absl::StatusOr<std::string> Seal(absl::string_view aad,
                                   absl::string_view plaintext);

 private:
  friend class HpkeContextFactory;
  HpkeSenderContext(AesGcm aead, std::string suite_id, std::string base_nonce,
                    std::string exporter_secret, std::string enc)
      : HpkeContext(std::move(aead), std::move(suite_id), std::move(base_nonce),
                    std::move(exporter_secret)),
        enc_(std::move(enc)) {}
  std::string enc_;
};

class HpkeRecipientContext : public HpkeContext {
 public:
  // Decrypts; advances the sequence number only on success.
  absl::StatusOr<std::string> Open(absl::string_view aad,
                                   absl::string_view ciphertext);

 private:
  friend class HpkeContextFactory;
  HpkeRecipientContext(AesGcm aead, std::string suite_id,
                       std::string base_nonce, std::string exporter_secret)
      : HpkeContext(std::move(aead), std::move(suite_id), std::move(base_nonce),
                    std::move(exporter_secret)) {}
};

// Mode inputs. Fields not used by `mode` must stay empty.
struct HpkeSenderParams {
  HpkeMode mode = HpkeMode::kBase;
  std::string psk;                 // PSK, AuthPSK
  std::string psk_id;              // PSK, AuthPSK
  std::string sender_private_key;  // skS: Auth, AuthPSK
  // Deterministic ephemeral key (RFC vector tests). Leave unset otherwise: a
  // fresh one is generated, as the RFC requires for real use.
  std::optional<std::string> ephemeral_private_key;
};

struct HpkeRecipientParams {
  HpkeMode mode = HpkeMode::kBase;
  std::string psk;
  std::string psk_id;
  std::string sender_public_key;  // pkS: Auth, AuthPSK
};

// SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS, chosen by params.mode.
absl::StatusOr<HpkeSenderContext> HpkeSetupSender(
    const HpkeSuite& suite, absl::string_view pkR, absl::string_view info,
    const HpkeSenderParams& params = HpkeSenderParams());

// SetupBaseR / SetupPSKR / SetupAuthR / SetupAuthPSKR, chosen by params.mode.
absl::StatusOr<HpkeRecipientContext> HpkeSetupRecipient(
    const HpkeSuite& suite, absl::string_view enc, absl::string_view skR,
    absl::string_view info,
    const HpkeRecipientParams& params = HpkeRecipientParams());

// Single shot: enc || ciphertext || tag.
absl::StatusOr<std::string> HpkeSeal(
    const HpkeSuite& suite, absl::string_view pkR, absl::string_view info,
    absl::string_view aad, absl::string_view plaintext,
    const HpkeSenderParams& params = HpkeSenderParams());
// Single shot: splits enc (Nenc bytes) from `sealed` and opens.
absl::StatusOr<std::string> HpkeOpen(
    const HpkeSuite& suite, absl::string_view skR, absl::string_view info,
    absl::string_view aad, absl::string_view sealed,
    const HpkeRecipientParams& params = HpkeRecipientParams());

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_HPKE_H_

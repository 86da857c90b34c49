// Fuzz target: HPKE open (crypto/hpke.h), as a secure element opens a key
// grant and an access point opens a symmetric key: `enc || ciphertext || tag`
// under attacker-chosen info and aad, in every mode the code supports.
//
// Input: selector byte, info (field), aad (field), then the sealed bytes.
// Selector bit 0 picks the KEM (P-256 / X25519), bits 1-2 the mode (base,
// psk, auth, auth-psk), bit 3 "seal first": the rest is sealed as plaintext
// to the fixed recipient, must open to itself, and must fail to open once
// one byte (chosen by the next two input bytes) is flipped. The keys are
// derived from fixed test seeds, so any seed sealed to them opens.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "common/fuzz/fuzz_input.h"
#include "crypto/hpke.h"

namespace {

using sct::crypto::HpkeKem;
using sct::crypto::HpkeMode;

struct Keys {
  sct::crypto::HpkeKeyPair recipient;
  sct::crypto::HpkeKeyPair sender;
  sct::crypto::HpkeKeyPair ephemeral;
};

sct::crypto::HpkeKeyPair Derive(HpkeKem kem, char seed) {
  absl::StatusOr<sct::crypto::HpkeKeyPair> pair =
      sct::crypto::HpkeDeriveKeyPair(kem, std::string(32, seed));
  if (!pair.ok()) std::abort();
  return *pair;
}

// Derived once per KEM and kept for the process (fuzzing runs millions).
const Keys& KeysFor(HpkeKem kem) {
  static const Keys* const p256 = new Keys{Derive(HpkeKem::kDhkemP256HkdfSha256, 'r'),
                                           Derive(HpkeKem::kDhkemP256HkdfSha256, 's'),
                                           Derive(HpkeKem::kDhkemP256HkdfSha256, 'e')};
  static const Keys* const x25519 = new Keys{Derive(HpkeKem::kDhkemX25519HkdfSha256, 'r'),
                                             Derive(HpkeKem::kDhkemX25519HkdfSha256, 's'),
                                             Derive(HpkeKem::kDhkemX25519HkdfSha256, 'e')};
  return kem == HpkeKem::kDhkemP256HkdfSha256 ? *p256 : *x25519;
}

bool UsesPsk(HpkeMode mode) { return mode == HpkeMode::kPsk || mode == HpkeMode::kAuthPsk; }
bool UsesAuth(HpkeMode mode) { return mode == HpkeMode::kAuth || mode == HpkeMode::kAuthPsk; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::fuzz::FuzzInput in(data, size);
  uint8_t selector = in.Byte();
  HpkeKem kem = (selector & 1) ? HpkeKem::kDhkemX25519HkdfSha256 : HpkeKem::kDhkemP256HkdfSha256;
  absl::StatusOr<HpkeMode> mode = sct::crypto::HpkeModeFromId((selector >> 1) & 3);
  if (!mode.ok()) std::abort();
  bool seal_first = (selector & 8) != 0;
  sct::crypto::HpkeSuite suite{kem, sct::crypto::HpkeKdf::kHkdfSha256,
                               sct::crypto::HpkeAead::kAes128Gcm};
  const Keys& keys = KeysFor(kem);
  std::string info = in.Field();
  std::string aad = in.Field();

  sct::crypto::HpkeRecipientParams open_params;
  open_params.mode = *mode;
  sct::crypto::HpkeSenderParams seal_params;
  seal_params.mode = *mode;
  if (UsesPsk(*mode)) {
    open_params.psk = seal_params.psk = std::string(32, 'p');
    open_params.psk_id = seal_params.psk_id = "fuzz-psk";
  }
  if (UsesAuth(*mode)) {
    open_params.sender_public_key = keys.sender.public_key;
    seal_params.sender_private_key = keys.sender.private_key;
  }
  seal_params.ephemeral_private_key = keys.ephemeral.private_key;

  if (!seal_first) {
    std::string sealed = in.Rest();
    (void)sct::crypto::HpkeOpen(suite, keys.recipient.private_key, info, aad, sealed, open_params);
    return 0;
  }
  uint16_t flip = in.U16();
  std::string plaintext = in.Rest();
  absl::StatusOr<std::string> sealed =
      sct::crypto::HpkeSeal(suite, keys.recipient.public_key, info, aad, plaintext, seal_params);
  if (!sealed.ok()) std::abort();
  absl::StatusOr<std::string> opened =
      sct::crypto::HpkeOpen(suite, keys.recipient.private_key, info, aad, *sealed, open_params);
  if (!opened.ok() || *opened != plaintext) std::abort();
  std::string tampered = *sealed;
  tampered[flip % tampered.size()] ^= 0x01;
  if (sct::crypto::HpkeOpen(suite, keys.recipient.private_key, info, aad, tampered, open_params)
          .ok()) {
    std::abort();
  }
  return 0;
}

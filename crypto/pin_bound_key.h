// The payload key of the pin-in-key design (docs/variants/pin-in-key.md):
// the mailbox payload is sealed under a key derived from both the link's
// secret (URL fragment) and the share's PIN, so that a reader holding only
// the link cannot open it.
//
//   stretched = PBKDF2-HMAC-SHA256(password = PIN,
//                                  salt = "sct pin-in-key v1" || secret,
//                                  iterations, 32 bytes)
//   key       = HKDF-SHA256(IKM = secret, salt = stretched,
//                           info = "sct pin-in-key v1 payload key",
//                           L = len(secret))
//
// The key has the secret's length, so it fits the payload type the secret
// was chosen for (16 bytes: AEAD_AES_128_GCM, 32: AEAD_AES_256_GCM).
//
// Offline guessing: a 6-digit PIN has 10^6 values. Whoever holds the link
// and the ciphertext can try them all offline; the PBKDF2 stretch
// (kPinKeyIterations per guess) makes that cost about 10^11 HMACs instead of
// 10^6, which slows but does not stop a determined attacker. This is weaker
// than the authority's attempt-limited check, which the design keeps as well.
//
// Thread-safe (stateless). Errors: INVALID_ARGUMENT "invalid_field" naming
// "secret" (not 16 or 32 bytes), "pin" (not 6 ASCII digits) or "iterations"
// (zero); INTERNAL with OpenSSL's error text if OpenSSL fails.
#ifndef SCT_CRYPTO_PIN_BOUND_KEY_H_
#define SCT_CRYPTO_PIN_BOUND_KEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

// PBKDF2 iterations of the PIN stretch (the authority's PIN hash uses the same).
inline constexpr uint32_t kPinKeyIterations = 100000;

// The payload key for `secret` (16 or 32 bytes) and `pin` (6 digits).
absl::StatusOr<std::string> PinBoundPayloadKey(absl::string_view secret, absl::string_view pin,
                                               uint32_t iterations = kPinKeyIterations);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_PIN_BOUND_KEY_H_

// Share PINs: validation, the verifier kept in the ledger, and constant-time
// verification.
//
// A PIN is exactly 6 ASCII digits. The ledger keeps, per share, a random
// 16-byte salt and a verifier:
//
//  - keyed (every new share; iterations == 0): the PIN key's 8-byte id, then
//    HMAC-SHA256(pin_key, "sct-pin-v1\0" || salt || pin). The PIN key is 32
//    random bytes held by the authority in its own file (never in the ledger,
//    never logged; authority_keys.h). With only 10^6 PINs no stretch can stop
//    an offline search by whoever holds both the ledger and the key; without
//    the key, a leaked ledger gives no way to test a PIN at all. A check costs
//    one HMAC (microseconds), so the PIN adds no latency to a flow.
//  - PBKDF2 (read only; iterations > 0): PBKDF2-HMAC-SHA256(pin, salt,
//    iterations), 32 bytes, as authorities wrote before the keyed scheme.
//    Shares recorded then still verify; nothing new is written this way.
//
// Either way the online retry limit (5 wrong tries lock the share, unless the
// authority is configured otherwise; pin_gate.h) is what protects a share
// from guessing through the service.
//
// Thread-safety: free functions and a value type, thread-safe.
#ifndef SCT_CREDENTIAL_AUTHORITY_PIN_H_
#define SCT_CREDENTIAL_AUTHORITY_PIN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::ca {

// Wrong PINs that lock a share, unless the authority is started with another
// limit (--max_pin_attempts, CaServiceOptions::max_pin_attempts).
inline constexpr uint32_t kMaxPinAttempts = 5;
// The range --max_pin_attempts accepts.
inline constexpr uint32_t kMinPinAttemptsLimit = 1;
inline constexpr uint32_t kMaxPinAttemptsLimit = 100;

inline constexpr size_t kPinKeyBytes = 32;
inline constexpr size_t kPinKeyIdBytes = 8;
inline constexpr size_t kPinSaltBytes = 16;
// The largest PBKDF2 iteration count a stored verifier may name (more is
// treated as a malformed record rather than run).
inline constexpr uint32_t kMaxLegacyPinIterations = 10000000;

// The authority's PIN key: 32 secret bytes, wiped on destruction. Its id (the
// first 8 bytes of HMAC-SHA256(key, "sct-pin-key-id-v1")) is not secret and
// is stored with each verifier, so a verifier made under another key is told
// apart from a wrong PIN.
class PinKey {
 public:
  // 32 fresh bytes from RAND_bytes. INTERNAL on an OpenSSL failure.
  static absl::StatusOr<PinKey> Generate();
  // INVALID_ARGUMENT "invalid_field" naming `field` unless exactly 32 bytes.
  static absl::StatusOr<PinKey> FromBytes(absl::string_view bytes, absl::string_view field);

  PinKey(const PinKey& other) = default;
  PinKey& operator=(const PinKey& other) = default;
  PinKey(PinKey&& other) = default;
  PinKey& operator=(PinKey&& other) = default;
  ~PinKey();

  // The secret bytes: only for writing the key file.
  absl::string_view bytes() const { return key_; }
  // 8 bytes, not secret.
  const std::string& id() const { return id_; }

 private:
  PinKey(std::string key, std::string id) : key_(std::move(key)), id_(std::move(id)) {}

  std::string key_;
  std::string id_;
};

// A share's stored verifier (the ledger's pin_salt, pin_hash, pin_iterations).
struct PinHash {
  std::string salt;  // 16 random bytes
  // keyed: key id (8 bytes) || HMAC (32 bytes); PBKDF2: 32 bytes.
  std::string hash;
  // 0: keyed; otherwise the PBKDF2 iterations of a record written before.
  uint32_t iterations = 0;
};

// INVALID_ARGUMENT "invalid_field" (naming `field`) unless exactly 6 digits.
absl::Status ValidatePin(absl::string_view pin, absl::string_view field);

// A keyed verifier with a fresh random salt. INTERNAL on an OpenSSL failure.
absl::StatusOr<PinHash> HashPin(absl::string_view pin, const PinKey& key);

// A PBKDF2 verifier as authorities wrote them before the keyed scheme (kept
// so that tests can make such records; the service never writes one).
absl::StatusOr<PinHash> HashPinPbkdf2(absl::string_view pin, uint32_t iterations);

// OK when VerifyPin can check PINs against `stored` with `key`, without
// computing anything: INTERNAL "pin_verifier_malformed" for a record of the
// wrong shape; FAILED_PRECONDITION "pin_key_mismatch" for a keyed verifier
// made under another PIN key (the authority was started with a different
// --pin_key file).
absl::Status CheckPinVerifier(const PinHash& stored, const PinKey& key);

// True when `pin` matches (constant-time compare). The errors of
// CheckPinVerifier; INTERNAL on an OpenSSL failure.
absl::StatusOr<bool> VerifyPin(absl::string_view pin, const PinHash& stored, const PinKey& key);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_PIN_H_

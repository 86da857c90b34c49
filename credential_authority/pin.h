// Share PINs: validation, salted hashing and constant-time verification.
//
// A PIN is exactly 6 ASCII digits. The ledger keeps only a random 16-byte salt
// and PBKDF2-HMAC-SHA256(pin, salt, iterations) (32 bytes). With only 10^6
// possible PINs, whoever holds the database can still brute-force a PIN
// offline in seconds: the hash keeps PINs out of casual view and out of
// backups, and the online retry limit (5 wrong tries lock the share, unless the
// authority is configured otherwise) is what
// actually protects a share.
//
// Thread-safety: free functions, thread-safe.
#ifndef SCT_CREDENTIAL_AUTHORITY_PIN_H_
#define SCT_CREDENTIAL_AUTHORITY_PIN_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::ca {

inline constexpr uint32_t kDefaultPinIterations = 100000;
// Wrong PINs that lock a share, unless the authority is started with another
// limit (--max_pin_attempts, CaServiceOptions::max_pin_attempts).
inline constexpr uint32_t kMaxPinAttempts = 5;
// The range --max_pin_attempts accepts.
inline constexpr uint32_t kMinPinAttemptsLimit = 1;
inline constexpr uint32_t kMaxPinAttemptsLimit = 100;

struct PinHash {
  std::string salt;  // 16 random bytes
  std::string hash;  // 32 bytes
  uint32_t iterations = 0;
};

// INVALID_ARGUMENT "invalid_field" (naming `field`) unless exactly 6 digits.
absl::Status ValidatePin(absl::string_view pin, absl::string_view field);

// Hashes with a fresh random salt. INTERNAL on an OpenSSL failure.
absl::StatusOr<PinHash> HashPin(absl::string_view pin, uint32_t iterations);

// True when `pin` matches (constant-time compare of the derived hashes).
// INTERNAL on an OpenSSL failure.
absl::StatusOr<bool> VerifyPin(absl::string_view pin, const PinHash& stored);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_PIN_H_

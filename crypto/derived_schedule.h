// The key schedule of draft-rescorla-tigress-http-00 (sections 6 and 7), the
// one home of its derivations (docs/variants/derived-locations.md lists the
// choices where the draft is ambiguous):
//
//   context = SHA-256(transcript)
//   L = HKDF-Expand-Label(R, "Location", context, 32)   the message's location
//   K = HKDF-Expand-Label(R, "Key", context, 16)        its AES-128-GCM key
//
// R is the 32-byte shared secret; the transcript is the concatenation of the
// encoded TigressPlaintext of every earlier message (empty for message 0).
// device/derived_exchange.h runs the protocol on it; the scenario engine uses
// DerivedLocation to recognise a link's first message.
//
// Errors: INVALID_ARGUMENT "invalid_field" naming "secret" when R is not 32
// bytes. Pure functions; thread-safe.
#ifndef SCT_CRYPTO_DERIVED_SCHEDULE_H_
#define SCT_CRYPTO_DERIVED_SCHEDULE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

inline constexpr size_t kDerivedSecretSize = 32;
inline constexpr size_t kDerivedLocationSize = 32;
inline constexpr size_t kDerivedKeySize = 16;  // TLS_AES_128_GCM_SHA256

// L for the message that follows `transcript` (32 bytes).
absl::StatusOr<std::string> DerivedLocation(absl::string_view secret, absl::string_view transcript);
// K for the message that follows `transcript` (16 bytes).
absl::StatusOr<std::string> DerivedMessageKey(absl::string_view secret,
                                              absl::string_view transcript);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_DERIVED_SCHEDULE_H_

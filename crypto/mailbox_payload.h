// The mailbox payload format of draft-vinokurov-tigress-http-00:
//   payload.type = "AEAD_AES_128_GCM" | "AEAD_AES_256_GCM"
//   payload.data = base64( IV(12, random) || ciphertext || tag(16) )
// with the key being the URL-fragment secret (16 or 32 bytes, matching the
// type) and no associated data. Senders and receivers (devices) seal and
// open; the relay only stores the opaque data and never holds the key.
//
// Thread-safe (stateless; IVs come from RAND_bytes).
//
// Errors: INVALID_ARGUMENT with reason "invalid_field" for an unknown type,
// a key whose length does not match the type, data that is not base64 or is
// shorter than IV + tag; INVALID_ARGUMENT with reason "decryption_failed"
// when authentication fails (wrong key, tampered data); INTERNAL with
// OpenSSL's error text if OpenSSL fails.
#ifndef SCT_CRYPTO_MAILBOX_PAYLOAD_H_
#define SCT_CRYPTO_MAILBOX_PAYLOAD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

enum class PayloadCipher { kAes128Gcm, kAes256Gcm };

inline constexpr size_t kPayloadIvSize = 12;
inline constexpr size_t kPayloadTagSize = 16;
// Smallest valid raw payload: IV and tag around an empty plaintext.
inline constexpr size_t kPayloadOverhead = kPayloadIvSize + kPayloadTagSize;

// "AEAD_AES_128_GCM" / "AEAD_AES_256_GCM" (exact, case-sensitive).
absl::StatusOr<PayloadCipher> ParsePayloadType(absl::string_view type);
absl::string_view PayloadTypeName(PayloadCipher cipher);
// 16 for kAes128Gcm, 32 for kAes256Gcm.
size_t PayloadKeySize(PayloadCipher cipher);

// IV(12, fresh random) || ciphertext || tag(16).
absl::StatusOr<std::string> SealMailboxPayload(PayloadCipher cipher,
                                               absl::string_view key,
                                               absl::string_view plaintext);
// Inverse of SealMailboxPayload.
absl::StatusOr<std::string> OpenMailboxPayload(PayloadCipher cipher,
                                               absl::string_view key,
                                               absl::string_view data);

// The same with `data` as standard padded base64 (the JSON field's form).
absl::StatusOr<std::string> SealMailboxPayloadBase64(
    PayloadCipher cipher, absl::string_view key, absl::string_view plaintext);
absl::StatusOr<std::string> OpenMailboxPayloadBase64(
    PayloadCipher cipher, absl::string_view key, absl::string_view data_b64);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_MAILBOX_PAYLOAD_H_

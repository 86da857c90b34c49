// AES-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag, for 128- and
// 256-bit keys: the AEAD of the mailbox payload format and of HPKE.
//
// The caller supplies the IV; it must never repeat under one key (use
// RandomBytes(12) or a counter, as HPKE does). Encrypt returns
// ciphertext || tag(16).
//
// Thread-safety: an AesGcm is immutable; const methods may be called
// concurrently (each call uses its own cipher context). It owns a copy of the
// key, wiped (OPENSSL_cleanse) on destruction.
//
// Errors: Create: INVALID_ARGUMENT (reason "invalid_field") for a key that is
// not 16 or 32 bytes. Encrypt/Decrypt: INVALID_ARGUMENT ("invalid_field") for
// an IV that is not 12 bytes or input shorter than the tag; Decrypt:
// INVALID_ARGUMENT with reason "decryption_failed" when authentication fails
// (wrong key, tampered ciphertext, tag or AAD). INTERNAL with OpenSSL's text
// on OpenSSL failures.
#ifndef SCT_CRYPTO_AEAD_H_
#define SCT_CRYPTO_AEAD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::crypto {

class AesGcm {
 public:
  static constexpr size_t kIvSize = 12;
  static constexpr size_t kTagSize = 16;

  // `key` is 16 (AES-128-GCM) or 32 (AES-256-GCM) bytes.
  static absl::StatusOr<AesGcm> Create(absl::string_view key);

  AesGcm(const AesGcm&) = default;
  AesGcm& operator=(const AesGcm&) = default;
  AesGcm(AesGcm&&) = default;
  AesGcm& operator=(AesGcm&&) = default;
  ~AesGcm();

  size_t key_size() const { return key_.size(); }

  absl::StatusOr<std::string> Encrypt(absl::string_view iv12,
                                      absl::string_view plaintext,
                                      absl::string_view aad) const;
  absl::StatusOr<std::string> Decrypt(absl::string_view iv12,
                                      absl::string_view ciphertext_and_tag,
                                      absl::string_view aad) const;

 private:
  explicit AesGcm(absl::string_view key) : key_(key) {}

  std::string key_;
};

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_AEAD_H_

#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {
namespace {

const EVP_CIPHER* CipherFor(size_t key_size) {
  return key_size == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

unsigned char* Bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckIv(absl::string_view iv) {
  if (iv.size() != AesGcm::kIvSize) {
    return InvalidField(
        "iv", absl::StrCat("AES-GCM IV must be 12 bytes, got ", iv.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AesGcm> AesGcm::Create(absl::string_view key) {
  if (key.size() != 16 && key.size() != 32) {
    return InvalidField("key", absl::StrCat("AES-GCM key must be 16 or 32 "
                                            "bytes, got ",
                                            key.size()));
  }
  return AesGcm(key);
}

AesGcm::~AesGcm() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

absl::StatusOr<std::string> AesGcm::Encrypt(absl::string_view iv12,
                                            absl::string_view plaintext,
                                            absl::string_view aad) const {
  absl::Status status = CheckIv(iv12);
  if (!status.ok()) return status;
  if (plaintext.size() > (size_t{1} << 30)) {
    return InvalidField("plaintext", "too large for one AES-GCM call");
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex(ctx.get(), CipherFor(key_.size()), nullptr,
                         Bytes(absl::string_view(key_)), Bytes(iv12)) != 1) {
    return OpenSslError("EVP_EncryptInit_ex(AES-GCM)");
  }
  int len = 0;
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError("EVP_EncryptUpdate(aad)");
  }
  std::string out(plaintext.size() + kTagSize, '\0');
  size_t written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), Bytes(out), &len, Bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      return OpenSslError("EVP_EncryptUpdate");
    }
    written = static_cast<size_t>(len);
  }
  if (EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + written, &len) != 1) {
    return OpenSslError("EVP_EncryptFinal_ex");
  }
  written += static_cast<size_t>(len);
  if (written != plaintext.size()) {
    return absl::InternalError("AES-GCM wrote an unexpected length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          Bytes(out) + written) != 1) {
    return OpenSslError("EVP_CTRL_GCM_GET_TAG");
  }
  return out;
}

absl::StatusOr<std::string> AesGcm::Decrypt(
    absl::string_view iv12, absl::string_view ciphertext_and_tag,
    absl::string_view aad) const {
  absl::Status status = CheckIv(iv12);
  if (!status.ok()) return status;
  if (ciphertext_and_tag.size() < kTagSize) {
    return InvalidField("ciphertext", "shorter than the 16-byte AES-GCM tag");
  }
  if (ciphertext_and_tag.size() > (size_t{1} << 30)) {
    return InvalidField("ciphertext", "too large for one AES-GCM call");
  }
  absl::string_view ciphertext =
      ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kTagSize);
  // OpenSSL wants a writable tag buffer.
  std::string tag(ciphertext_and_tag.substr(ciphertext.size()));

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex(ctx.get(), CipherFor(key_.size()), nullptr,
                         Bytes(absl::string_view(key_)), Bytes(iv12)) != 1) {
    return OpenSslError("EVP_DecryptInit_ex(AES-GCM)");
  }
  int len = 0;
  if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError("EVP_DecryptUpdate(aad)");
  }
  std::string out(ciphertext.size(), '\0');
  size_t written = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1) {
      return OpenSslError("EVP_DecryptUpdate");
    }
    written = static_cast<size_t>(len);
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize,
                          Bytes(tag)) != 1) {
    return OpenSslError("EVP_CTRL_GCM_SET_TAG");
  }
  unsigned char final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    // A tag mismatch is a verdict on the input, not an OpenSSL fault: wipe
    // the unauthenticated plaintext and leave no stale error behind.
    ERR_clear_error();
    OPENSSL_cleanse(out.data(), out.size());
    return MakeError(absl::StatusCode::kInvalidArgument, "decryption_failed",
                     "AES-GCM authentication failed");
  }
  if (written + static_cast<size_t>(len) != ciphertext.size()) {
    return absl::InternalError("AES-GCM wrote an unexpected length");
  }
  return out;
}

}  // namespace sct::crypto

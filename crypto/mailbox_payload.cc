#include "crypto/mailbox_payload.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace sct::crypto {
namespace {

constexpr absl::string_view kAes128Name = "AEAD_AES_128_GCM";
constexpr absl::string_view kAes256Name = "AEAD_AES_256_GCM";

absl::StatusOr<AesGcm> MakeAead(PayloadCipher cipher, absl::string_view key) {
  if (key.size() != PayloadKeySize(cipher)) {
    return InvalidField("key", absl::StrCat(PayloadTypeName(cipher),
                                            " needs a ", PayloadKeySize(cipher),
                                            "-byte key, got ", key.size()));
  }
  return AesGcm::Create(key);
}

}  // namespace

absl::StatusOr<PayloadCipher> ParsePayloadType(absl::string_view type) {
  if (type == kAes128Name) return PayloadCipher::kAes128Gcm;
  if (type == kAes256Name) return PayloadCipher::kAes256Gcm;
  return InvalidField("payload.type", absl::StrCat("must be ", kAes128Name,
                                                   " or ", kAes256Name));
}

absl::string_view PayloadTypeName(PayloadCipher cipher) {
  return cipher == PayloadCipher::kAes128Gcm ? kAes128Name : kAes256Name;
}

size_t PayloadKeySize(PayloadCipher cipher) {
  return cipher == PayloadCipher::kAes128Gcm ? 16 : 32;
}

absl::StatusOr<std::string> SealMailboxPayload(PayloadCipher cipher,
                                               absl::string_view key,
                                               absl::string_view plaintext) {
  ASSIGN_OR_RETURN(AesGcm aead, MakeAead(cipher, key));
  ASSIGN_OR_RETURN(std::string iv, RandomBytes(kPayloadIvSize));
  ASSIGN_OR_RETURN(std::string sealed, aead.Encrypt(iv, plaintext, ""));
  return absl::StrCat(iv, sealed);
}

absl::StatusOr<std::string> OpenMailboxPayload(PayloadCipher cipher,
                                               absl::string_view key,
                                               absl::string_view data) {
  ASSIGN_OR_RETURN(AesGcm aead, MakeAead(cipher, key));
  if (data.size() < kPayloadOverhead) {
    return InvalidField("payload.data",
                        absl::StrCat("must hold IV(12) and tag(16), got ",
                                     data.size(), " bytes"));
  }
  return aead.Decrypt(data.substr(0, kPayloadIvSize),
                      data.substr(kPayloadIvSize), "");
}

absl::StatusOr<std::string> SealMailboxPayloadBase64(
    PayloadCipher cipher, absl::string_view key, absl::string_view plaintext) {
  ASSIGN_OR_RETURN(std::string raw, SealMailboxPayload(cipher, key, plaintext));
  return Base64Encode(raw);
}

absl::StatusOr<std::string> OpenMailboxPayloadBase64(
    PayloadCipher cipher, absl::string_view key, absl::string_view data_b64) {
  ASSIGN_OR_RETURN(std::string raw, Base64Decode(data_b64, "payload.data"));
  return OpenMailboxPayload(cipher, key, raw);
}

}  // namespace sct::crypto

#include "credential_authority/pin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/constant_time.h"
#include "crypto/hmac.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace sct::ca {
namespace {

// Domain separation: the verifier's MAC and the key id are HMACs under the
// same key over inputs that cannot collide (different fixed prefixes).
constexpr absl::string_view kVerifierContext("sct-pin-v1\0", 11);
constexpr absl::string_view kKeyIdContext = "sct-pin-key-id-v1";
constexpr size_t kPbkdf2Bytes = 32;

absl::StatusOr<std::string> Pbkdf2(absl::string_view pin, absl::string_view salt,
                                   uint32_t iterations) {
  std::string out(kPbkdf2Bytes, '\0');
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return crypto::OpenSslError("PBKDF2-HMAC-SHA256");
  }
  return out;
}

absl::StatusOr<std::string> KeyedMac(absl::string_view pin, absl::string_view salt,
                                     const PinKey& key) {
  return crypto::HmacSha256(key.bytes(), absl::StrCat(kVerifierContext, salt, pin));
}

absl::Status Malformed(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "pin_verifier_malformed",
                   absl::StrCat("stored PIN verifier is malformed: ", what));
}

}  // namespace

absl::StatusOr<PinKey> PinKey::Generate() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(kPinKeyBytes));
  return FromBytes(bytes, "pin key");
}

absl::StatusOr<PinKey> PinKey::FromBytes(absl::string_view bytes, absl::string_view field) {
  if (bytes.size() != kPinKeyBytes) {
    return InvalidField(field, absl::StrCat("must hold exactly ", kPinKeyBytes, " bytes"));
  }
  ASSIGN_OR_RETURN(std::string mac, crypto::HmacSha256(bytes, kKeyIdContext));
  return PinKey(std::string(bytes), mac.substr(0, kPinKeyIdBytes));
}

PinKey::~PinKey() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

absl::Status ValidatePin(absl::string_view pin, absl::string_view field) {
  if (pin.size() != 6) return InvalidField(field, "must be exactly 6 digits");
  for (char c : pin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return InvalidField(field, "must be exactly 6 digits");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PinHash> HashPin(absl::string_view pin, const PinKey& key) {
  PinHash h;
  ASSIGN_OR_RETURN(h.salt, crypto::RandomBytes(kPinSaltBytes));
  ASSIGN_OR_RETURN(std::string mac, KeyedMac(pin, h.salt, key));
  h.hash = absl::StrCat(key.id(), mac);
  h.iterations = 0;
  return h;
}

absl::StatusOr<PinHash> HashPinPbkdf2(absl::string_view pin, uint32_t iterations) {
  if (iterations == 0 || iterations > kMaxLegacyPinIterations) {
    return InvalidField("iterations", "out of range");
  }
  PinHash h;
  ASSIGN_OR_RETURN(h.salt, crypto::RandomBytes(kPinSaltBytes));
  h.iterations = iterations;
  ASSIGN_OR_RETURN(h.hash, Pbkdf2(pin, h.salt, iterations));
  return h;
}

absl::Status CheckPinVerifier(const PinHash& stored, const PinKey& key) {
  if (stored.iterations > 0) {
    if (stored.iterations > kMaxLegacyPinIterations) return Malformed("too many iterations");
    if (stored.hash.size() != kPbkdf2Bytes) return Malformed("PBKDF2 hash of the wrong size");
    return absl::OkStatus();
  }
  if (stored.hash.size() != kPinKeyIdBytes + crypto::kHmacSha256Size) {
    return Malformed("keyed verifier of the wrong size");
  }
  if (absl::string_view(stored.hash).substr(0, kPinKeyIdBytes) != key.id()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "pin_key_mismatch",
                     "the share's PIN verifier was made under another PIN key (--pin_key)");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> VerifyPin(absl::string_view pin, const PinHash& stored, const PinKey& key) {
  RETURN_IF_ERROR(CheckPinVerifier(stored, key));
  if (stored.iterations > 0) {
    ASSIGN_OR_RETURN(std::string derived, Pbkdf2(pin, stored.salt, stored.iterations));
    return crypto::ConstantTimeEquals(derived, stored.hash);
  }
  ASSIGN_OR_RETURN(std::string mac, KeyedMac(pin, stored.salt, key));
  return crypto::ConstantTimeEquals(mac, absl::string_view(stored.hash).substr(kPinKeyIdBytes));
}

}  // namespace sct::ca

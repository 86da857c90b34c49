#include "crypto/pin_bound_key.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/hkdf.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {
namespace {

constexpr absl::string_view kSaltLabel = "sct pin-in-key v1";
constexpr absl::string_view kKeyInfo = "sct pin-in-key v1 payload key";

absl::StatusOr<std::string> Pbkdf2Sha256(absl::string_view password, absl::string_view salt,
                                         uint32_t iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return OpenSslError("PBKDF2-HMAC-SHA256");
  }
  return out;
}

bool IsSixDigits(absl::string_view pin) {
  if (pin.size() != 6) return false;
  for (char c : pin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> PinBoundPayloadKey(absl::string_view secret, absl::string_view pin,
                                               uint32_t iterations) {
  if (secret.size() != 16 && secret.size() != 32) {
    return InvalidField("secret", absl::StrCat("must be 16 or 32 bytes, got ", secret.size()));
  }
  if (!IsSixDigits(pin)) return InvalidField("pin", "must be exactly 6 digits");
  if (iterations == 0) return InvalidField("iterations", "must be at least 1");
  ASSIGN_OR_RETURN(std::string stretched,
                   Pbkdf2Sha256(pin, absl::StrCat(kSaltLabel, secret), iterations));
  return HkdfSha256(secret, stretched, kKeyInfo, secret.size());
}

}  // namespace sct::crypto

#include "credential_authority/pin.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/constant_time.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace sct::ca {
namespace {

absl::StatusOr<std::string> Derive(absl::string_view pin,
                                   absl::string_view salt,
                                   uint32_t iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return crypto::OpenSslError("PBKDF2-HMAC-SHA256");
  }
  return out;
}

}  // namespace

absl::Status ValidatePin(absl::string_view pin, absl::string_view field) {
  if (pin.size() != 6) return InvalidField(field, "must be exactly 6 digits");
  for (char c : pin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return InvalidField(field, "must be exactly 6 digits");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PinHash> HashPin(absl::string_view pin, uint32_t iterations) {
  PinHash h;
  ASSIGN_OR_RETURN(h.salt, crypto::RandomBytes(16));
  h.iterations = iterations;
  ASSIGN_OR_RETURN(h.hash, Derive(pin, h.salt, iterations));
  return h;
}

absl::StatusOr<bool> VerifyPin(absl::string_view pin, const PinHash& stored) {
  if (stored.iterations == 0 || stored.hash.size() != 32) {
    return absl::InternalError("stored PIN verifier is malformed");
  }
  ASSIGN_OR_RETURN(std::string derived,
                   Derive(pin, stored.salt, stored.iterations));
  return crypto::ConstantTimeEquals(derived, stored.hash);
}

}  // namespace sct::ca

#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "crypto/constant_time.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

absl::StatusOr<std::string> HmacSha256(absl::string_view key,
                                       absl::string_view data) {
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (mac == nullptr) return OpenSslError("EVP_MAC_fetch(HMAC)");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (ctx == nullptr) return OpenSslError("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC (zero-padded); pass a non-null pointer so
  // OpenSSL sets it rather than treating it as absent.
  if (EVP_MAC_init(ctx.get(), BytesOrEmpty(key), key.size(), params) != 1) {
    return OpenSslError("EVP_MAC_init(HMAC-SHA256)");
  }
  if (!data.empty() &&
      EVP_MAC_update(ctx.get(),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return OpenSslError("EVP_MAC_update");
  }
  std::string out(kHmacSha256Size, '\0');
  size_t out_len = 0;
  if (EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                    &out_len, out.size()) != 1) {
    return OpenSslError("EVP_MAC_final");
  }
  if (out_len != kHmacSha256Size) {
    return absl::InternalError(
        absl::StrCat("HMAC-SHA256 produced ", out_len, " bytes"));
  }
  return out;
}

absl::Status HmacSha256Verify(absl::string_view key, absl::string_view data,
                              absl::string_view tag) {
  if (tag.size() < kHmacSha256MinTagSize || tag.size() > kHmacSha256Size) {
    return InvalidField("tag", absl::StrCat("HMAC-SHA256 tag must be 16 to 32 "
                                            "bytes, got ",
                                            tag.size()));
  }
  absl::StatusOr<std::string> expected = HmacSha256(key, data);
  if (!expected.ok()) return expected.status();
  if (!ConstantTimeEquals(absl::string_view(*expected).substr(0, tag.size()),
                          tag)) {
    return MakeError(absl::StatusCode::kUnauthenticated, "bad_mac",
                     "HMAC-SHA256 tag does not match");
  }
  return absl::OkStatus();
}

}  // namespace sct::crypto

#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {
namespace {

// Runs EVP_KDF "HKDF" with SHA-256 in `mode`. Empty `salt` is left unset
// (OpenSSL then uses HashLen zeros, as RFC 5869 specifies); empty `info`
// is left unset too.
absl::StatusOr<std::string> RunHkdf(int mode, absl::string_view key,
                                    absl::string_view salt,
                                    absl::string_view info, size_t length) {
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (kdf == nullptr) return OpenSslError("EVP_KDF_fetch(HKDF)");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (ctx == nullptr) return OpenSslError("EVP_KDF_CTX_new");

  char digest[] = "SHA256";
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0));
  params.push_back(OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(BytesOrEmpty(key)),
      key.size()));
  if (!salt.empty()) {
    params.push_back(OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()));
  }
  if (!info.empty()) {
    params.push_back(OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()));
  }
  params.push_back(OSSL_PARAM_construct_end());

  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                     out.size(), params.data()) != 1) {
    return OpenSslError("EVP_KDF_derive(HKDF-SHA256)");
  }
  return out;
}

absl::Status CheckLength(size_t length) {
  if (length > kHkdfSha256MaxOutput) {
    return InvalidField(
        "length", absl::StrCat("HKDF-SHA256 output is at most ",
                               kHkdfSha256MaxOutput, " bytes, got ", length));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> HkdfSha256(absl::string_view ikm,
                                       absl::string_view salt,
                                       absl::string_view info, size_t length) {
  absl::Status status = CheckLength(length);
  if (!status.ok()) return status;
  if (length == 0) return std::string();
  return RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, ikm, salt, info, length);
}

absl::StatusOr<std::string> HkdfSha256Extract(absl::string_view salt,
                                              absl::string_view ikm) {
  return RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, "",
                 kHkdfSha256PrkSize);
}

absl::StatusOr<std::string> HkdfSha256Expand(absl::string_view prk,
                                             absl::string_view info,
                                             size_t length) {
  if (prk.size() < kHkdfSha256PrkSize) {
    return InvalidField("prk", "HKDF-SHA256 PRK must be at least 32 bytes");
  }
  absl::Status status = CheckLength(length);
  if (!status.ok()) return status;
  if (length == 0) return std::string();
  return RunHkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, "", info, length);
}

absl::StatusOr<std::string> HkdfSha256ExpandLabel(absl::string_view secret,
                                                  absl::string_view label,
                                                  absl::string_view context,
                                                  size_t length) {
  constexpr absl::string_view kPrefix = "tls13 ";
  if (label.size() > 255 - kPrefix.size()) {
    return InvalidField("label", "longer than 249 bytes");
  }
  if (context.size() > 255) return InvalidField("context", "longer than 255 bytes");
  if (length > 0xffff) return InvalidField("length", "above 65535");
  std::string info;
  info.push_back(static_cast<char>(length >> 8));
  info.push_back(static_cast<char>(length & 0xff));
  info.push_back(static_cast<char>(kPrefix.size() + label.size()));
  absl::StrAppend(&info, kPrefix, label);
  info.push_back(static_cast<char>(context.size()));
  info.append(context.data(), context.size());
  return HkdfSha256Expand(secret, info, length);
}

}  // namespace sct::crypto

#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace sct::crypto {

void X509StackDeleter::operator()(STACK_OF(X509) * stack) const {
  sk_X509_pop_free(stack, X509_free);
}

std::string DrainOpenSslErrors() {
  std::string text;
  const char* file = nullptr;
  int line = 0;
  const char* func = nullptr;
  const char* data = nullptr;
  int flags = 0;
  unsigned long code;  // NOLINT(runtime/int): OpenSSL's type.
  while ((code = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!text.empty()) absl::StrAppend(&text, "; ");
    absl::StrAppend(&text, buf);
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && data[0] != '\0') {
      absl::StrAppend(&text, " (", data, ")");
    }
  }
  return text;
}

absl::Status OpenSslError(absl::string_view what) {
  std::string errors = DrainOpenSslErrors();
  if (errors.empty()) errors = "no OpenSSL error recorded";
  return absl::InternalError(absl::StrCat(what, ": ", errors));
}

EvpPkeyPtr UpRef(EVP_PKEY* pkey) {
  if (pkey == nullptr || EVP_PKEY_up_ref(pkey) != 1) return nullptr;
  return EvpPkeyPtr(pkey);
}

const unsigned char* BytesOrEmpty(absl::string_view data) {
  static const unsigned char kEmpty[1] = {0};
  return data.empty() ? kEmpty
                      : reinterpret_cast<const unsigned char*>(data.data());
}

}  // namespace sct::crypto

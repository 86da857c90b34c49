#include "crypto/digest.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace sct::crypto {

std::string Sha256(absl::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != kSha256Size) {
    char err[256] = "no OpenSSL error";
    const unsigned long code = ERR_get_error();
    if (code != 0) ERR_error_string_n(code, err, sizeof(err));
    std::fprintf(stderr, "EVP_Digest(SHA-256) failed: %s\n", err);
    std::abort();
  }
  return out;
}

std::string Sha256Hex(absl::string_view data) { return absl::BytesToHexString(Sha256(data)); }

}  // namespace sct::crypto

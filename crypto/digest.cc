#include "crypto/digest.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace sct::crypto {

namespace {

// Fetched once: with OpenSSL 3.0, EVP_sha256() makes EVP_Digest look the
// implementation up on every call, which costs several times the hash of a
// short input (figures in docs/BENCHMARKS.md).
const EVP_MD* FetchedSha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

// SHA-256 cannot fail short of a broken OpenSSL; say what it reported and stop.
[[noreturn]] void AbortOnDigestFailure() {
  char err[256] = "no OpenSSL error";
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, err, sizeof(err));
  std::fprintf(stderr, "EVP_Digest(SHA-256) failed: %s\n", err);
  std::abort();
}

}  // namespace

std::string Sha256(absl::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 FetchedSha256(), nullptr) != 1 ||
      len != kSha256Size) {
    AbortOnDigestFailure();
  }
  return out;
}

std::string Sha256Concat(std::initializer_list<absl::string_view> parts) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, FetchedSha256(), nullptr) == 1;
  for (absl::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), &len) == 1 &&
       len == kSha256Size;
  EVP_MD_CTX_free(ctx);
  if (!ok) AbortOnDigestFailure();
  return out;
}

std::string Sha256Hex(absl::string_view data) { return absl::BytesToHexString(Sha256(data)); }

}  // namespace sct::crypto

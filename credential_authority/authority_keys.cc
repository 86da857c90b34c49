#include "credential_authority/authority_keys.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::ca {
namespace {

constexpr absl::string_view kBegin = "-----BEGIN PRIVATE KEY-----";
constexpr absl::string_view kEnd = "-----END PRIVATE KEY-----";

absl::StatusOr<std::string> ReadFile(const std::string& path, bool* exists) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *exists = false;
    return std::string();
  }
  *exists = true;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes a new file with `mode`; fails if it already exists.
absl::Status WriteNewFile(const std::string& path, absl::string_view data,
                          mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("create ", path, ": ", std::strerror(errno)));
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      close(fd);
      return absl::InternalError(
          absl::StrCat("write ", path, ": ", std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  fsync(fd);
  close(fd);
  return absl::OkStatus();
}

}  // namespace

std::string PrivateKeyToPem(const crypto::EcdsaP256PrivateKey& key) {
  std::string b64 = Base64Encode(key.ToPkcs8Der());
  std::string out = absl::StrCat(kBegin, "\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, b64.substr(i, 64), "\n");
  }
  absl::StrAppend(&out, kEnd, "\n");
  return out;
}

absl::StatusOr<crypto::EcdsaP256PrivateKey> PrivateKeyFromPem(
    absl::string_view pem, absl::string_view field) {
  size_t b = pem.find(kBegin);
  size_t e = pem.find(kEnd);
  if (b == absl::string_view::npos || e == absl::string_view::npos || e < b) {
    return InvalidField(field, "not a PKCS#8 PEM private key");
  }
  std::string body;
  for (absl::string_view line : absl::StrSplit(
           pem.substr(b + kBegin.size(), e - b - kBegin.size()), '\n')) {
    absl::StrAppend(&body, absl::StripAsciiWhitespace(line));
  }
  auto der = Base64Decode(body, field);
  if (!der.ok()) return InvalidField(field, "bad base64 in PEM");
  auto key = crypto::EcdsaP256PrivateKey::FromPkcs8Der(*der);
  if (!key.ok()) return InvalidField(field, "not a P-256 private key");
  return key;
}

absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateSigningKey(
    const std::string& path) {
  bool exists = false;
  ASSIGN_OR_RETURN(std::string pem, ReadFile(path, &exists));
  if (exists) return PrivateKeyFromPem(pem, path);
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  RETURN_IF_ERROR(WriteNewFile(path, PrivateKeyToPem(key), 0600));
  return key;
}

absl::StatusOr<crypto::Certificate> MakeRootCertificate(
    const crypto::EcdsaP256PrivateKey& key, absl::string_view authority_id,
    absl::Time now) {
  crypto::CertificateSpec spec;
  spec.subject_cn = absl::StrCat(authority_id, " credential root");
  spec.not_before = now - absl::Hours(1);
  spec.not_after = now + absl::Hours(24 * 365 * 20);
  spec.is_ca = true;
  spec.key_usage = crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign |
                   crypto::kKeyUsageDigitalSignature;
  return crypto::SelfSignCertificate(spec, key);
}

absl::StatusOr<crypto::Certificate> LoadOrCreateRootCertificate(
    const std::string& path, const crypto::EcdsaP256PrivateKey& key,
    absl::string_view authority_id, absl::Time now) {
  bool exists = false;
  ASSIGN_OR_RETURN(std::string pem, ReadFile(path, &exists));
  if (exists) {
    auto cert = crypto::Certificate::FromPem(pem);
    if (!cert.ok()) return InvalidField(path, "not a PEM certificate");
    ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey pub, cert->PublicKey());
    if (pub != key.PublicKey()) {
      return InvalidField(path, "root certificate is not over the signing key");
    }
    return cert;
  }
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   MakeRootCertificate(key, authority_id, now));
  ASSIGN_OR_RETURN(std::string out, cert.ToPem());
  RETURN_IF_ERROR(WriteNewFile(path, out, 0644));
  return cert;
}

std::string KeyIdOf(absl::string_view spki_der) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(spki_der.data()),
         spki_der.size(), digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace sct::ca

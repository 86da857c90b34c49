#include "credential_authority/authority_keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "runtime/files.h"

namespace sct::ca {
namespace {

absl::Status Unreadable(const std::string& path, absl::string_view what, int err) {
  return MakeError(absl::StatusCode::kInternal, "file_unreadable",
                   absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

// The bytes of the PIN key file at `path` (nullopt when nothing is there),
// refusing a symbolic link, a non-regular file and a file others may open.
absl::StatusOr<std::optional<PinKey>> ReadPinKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<PinKey>();
    if (errno == ELOOP) {
      return InvalidField(path, "is a symbolic link; the PIN key must be a regular file");
    }
    return Unreadable(path, "cannot open", errno);
  }
  struct stat st;
  absl::Status status = absl::OkStatus();
  if (::fstat(fd, &st) != 0) {
    status = Unreadable(path, "cannot stat", errno);
  } else if (!S_ISREG(st.st_mode)) {
    status = InvalidField(path, "is not a regular file");
  } else if ((st.st_mode & 077) != 0) {
    status = InvalidField(path, absl::StrFormat("is open to group or others (mode 0%03o); the "
                                                "PIN key must be mode 0600",
                                                st.st_mode & 0777));
  }
  // One byte more than a key, so that a longer file is noticed.
  char buf[kPinKeyBytes + 1];
  size_t got = 0;
  while (status.ok() && got < sizeof(buf)) {
    ssize_t n = ::read(fd, buf + got, sizeof(buf) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = Unreadable(path, "cannot read", errno);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!status.ok()) {
    OPENSSL_cleanse(buf, sizeof(buf));
    return status;
  }
  absl::StatusOr<PinKey> key = PinKey::FromBytes(absl::string_view(buf, got), path);
  OPENSSL_cleanse(buf, sizeof(buf));
  if (!key.ok()) return key.status();
  return std::optional<PinKey>(*std::move(key));
}

}  // namespace

absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateSigningKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadFileIfExists(path));
  if (pem.has_value()) return crypto::P256PrivateKeyFromPem(*pem, path);
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(std::string out, crypto::P256PrivateKeyToPem(key));
  RETURN_IF_ERROR(WriteNewFile(path, out, 0600));
  return key;
}

absl::StatusOr<PinKey> LoadOrCreatePinKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<PinKey> existing, ReadPinKeyFile(path));
  if (existing.has_value()) return *std::move(existing);
  ASSIGN_OR_RETURN(PinKey key, PinKey::Generate());
  RETURN_IF_ERROR(WriteNewFile(path, key.bytes(), 0600));
  return key;
}

absl::StatusOr<crypto::Certificate> MakeRootCertificate(const crypto::EcdsaP256PrivateKey& key,
                                                        absl::string_view authority_id,
                                                        absl::Time now) {
  crypto::CertificateSpec spec;
  spec.subject_cn = absl::StrCat(authority_id, " credential root");
  spec.not_before = now - absl::Hours(1);
  spec.not_after = now + absl::Hours(24 * 365 * 20);
  spec.is_ca = true;
  spec.key_usage =
      crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign | crypto::kKeyUsageDigitalSignature;
  return crypto::SelfSignCertificate(spec, key);
}

absl::StatusOr<crypto::Certificate> LoadOrCreateRootCertificate(
    const std::string& path, const crypto::EcdsaP256PrivateKey& key, absl::string_view authority_id,
    absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadFileIfExists(path));
  if (pem.has_value()) {
    auto cert = crypto::Certificate::FromPem(*pem);
    if (!cert.ok()) return InvalidField(path, "not a PEM certificate");
    ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey pub, cert->PublicKey());
    if (pub != key.PublicKey()) {
      return InvalidField(path, "root certificate is not over the signing key");
    }
    return cert;
  }
  ASSIGN_OR_RETURN(crypto::Certificate cert, MakeRootCertificate(key, authority_id, now));
  ASSIGN_OR_RETURN(std::string out, cert.ToPem());
  RETURN_IF_ERROR(WriteNewFile(path, out, 0644));
  return cert;
}

std::string KeyIdOf(absl::string_view spki_der) {
  return crypto::Sha256Hex(spki_der);
}

}  // namespace sct::ca

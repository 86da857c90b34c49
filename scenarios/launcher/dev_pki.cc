#include "scenarios/launcher/dev_pki.h"

#include <algorithm>

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/pem.h"
#include "runtime/files.h"

namespace sct::scenarios {
namespace {

constexpr absl::Duration kBackdate = absl::Hours(24);
constexpr absl::Duration kValidity = absl::Hours(24 * 365);

// An OEM attestation root as oem_server's own AttestationCa makes it.
constexpr absl::Duration kAttestationBackdate = absl::Minutes(5);
constexpr absl::Duration kAttestationValidity = absl::Hours(24 * 3650);

absl::Status ValidateCn(absl::string_view cn) {
  if (cn.empty() || cn.size() > 64 || cn[0] == '.') {
    return InvalidField("cn", "must be 1-64 characters, not starting with '.'");
  }
  for (char c : cn) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return InvalidField("cn", absl::StrCat("\"", cn, "\" may only hold [A-Za-z0-9._-]"));
    }
  }
  return absl::OkStatus();
}

// The file at `path`, nullopt when there is none; UNAVAILABLE when it
// cannot be read.
absl::StatusOr<std::optional<std::string>> ReadIfExists(const std::string& path) {
  absl::StatusOr<std::optional<std::string>> data = ReadFileIfExists(path);
  if (!data.ok()) return absl::UnavailableError(data.status().message());
  return data;
}

// Writes `contents` to `path` with exactly `mode`, replacing it atomically
// (a temporary file beside it, created 0600 with O_EXCL, then renamed), but
// without fsync: for the dev PKI, which every launch makes afresh, so no
// later launch reads what a crash could lose. Each fsync costs milliseconds
// (more when other processes write), and they were in series at the start
// of every scenario (four per identity, under the issuing mutex).
absl::Status WriteScratchFile(const std::string& path, absl::string_view contents, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  ::unlink(tmp.c_str());  // left by a launch that died here
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat(tmp, ": cannot create: ", strerror(errno)));
  absl::Status status = absl::OkStatus();
  size_t written = 0;
  while (status.ok() && written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = absl::UnavailableError(
          absl::StrCat(tmp, ": cannot write: ", strerror(n < 0 ? errno : EIO)));
    } else {
      written += static_cast<size_t>(n);
    }
  }
  if (status.ok() && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    status = absl::UnavailableError(absl::StrCat(tmp, ": cannot chmod: ", strerror(errno)));
  }
  if (::close(fd) != 0 && status.ok()) {
    status = absl::UnavailableError(absl::StrCat(tmp, ": cannot close: ", strerror(errno)));
  }
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = absl::UnavailableError(absl::StrCat(path, ": cannot rename onto: ", strerror(errno)));
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

// Whether a key and certificate pair must survive a power loss: an OEM's
// attestation root does (a reused work directory keeps the root the
// authority trusts); the dev PKI does not (WriteScratchFile).
enum class Durability { kDurable, kScratch };

// A key file and its certificate file, as PEM.
absl::Status WriteKeyAndCertificate(const std::string& key_file,
                                    const crypto::EcdsaP256PrivateKey& key,
                                    const std::string& cert_file, const crypto::Certificate& cert,
                                    Durability durability) {
  ASSIGN_OR_RETURN(std::string key_pem, crypto::P256PrivateKeyToPem(key));
  ASSIGN_OR_RETURN(std::string cert_pem, cert.ToPem());
  auto write = durability == Durability::kDurable ? WriteFileWithMode : WriteScratchFile;
  absl::Status key_written = write(key_file, key_pem, 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  RETURN_IF_ERROR(key_written);
  return write(cert_file, cert_pem, 0644);
}

// Both files of an existing attestation root belong together.
absl::Status CheckAttestationRoot(const std::string& key_file, std::string key_pem,
                                  const std::string& cert_file, absl::string_view cert_pem) {
  absl::Status match = crypto::CheckPemKeyMatchesCertificate(cert_pem, key_pem, key_file);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  RETURN_IF_ERROR(match);
  ASSIGN_OR_RETURN(crypto::Certificate root, crypto::Certificate::FromPem(cert_pem));
  if (!root.IsCa()) return InvalidField(cert_file, "not a CA certificate");
  return absl::OkStatus();
}

}  // namespace

absl::Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return absl::OkStatus();
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat("mkdir ", prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileWithMode(const std::string& path, absl::string_view contents, int mode) {
  absl::Status written = WriteFileAtomically(path, contents, static_cast<mode_t>(mode));
  if (written.ok()) return written;
  return absl::UnavailableError(written.message());
}

absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadIfExists(path));
  if (pem.has_value()) {
    absl::StatusOr<crypto::EcdsaP256PrivateKey> key = crypto::P256PrivateKeyFromPem(*pem, path);
    OPENSSL_cleanse(pem->data(), pem->size());
    return key;
  }
  ASSIGN_OR_RETURN(auto key, crypto::EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(std::string out, crypto::P256PrivateKeyToPem(key));
  RETURN_IF_ERROR(WriteFileWithMode(path, out, 0600));
  return key;
}

absl::Status EnsureOemAttestationRoot(absl::string_view oem_id, const std::string& key_file,
                                      const std::string& cert_file, absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<std::string> key_pem, ReadIfExists(key_file));
  ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, ReadIfExists(cert_file));
  if (key_pem.has_value() && cert_pem.has_value()) {
    return CheckAttestationRoot(key_file, *std::move(key_pem), cert_file, *cert_pem);
  }
  if (key_pem.has_value() || cert_pem.has_value()) {
    const std::string& missing = key_pem.has_value() ? cert_file : key_file;
    return InvalidField(missing,
                        "is missing but its key or certificate "
                        "exists; give both or neither");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = absl::StrCat(oem_id, " attestation root");
  spec.not_before = now - kAttestationBackdate;
  spec.not_after = now + kAttestationValidity;
  spec.is_ca = true;
  spec.path_len = 0;
  ASSIGN_OR_RETURN(crypto::Certificate root, crypto::SelfSignCertificate(spec, key));
  return WriteKeyAndCertificate(key_file, key, cert_file, root, Durability::kDurable);
}

DevPki::DevPki(std::string dir, crypto::EcdsaP256PrivateKey root_key, crypto::Certificate root,
               absl::Time now, std::vector<std::string> ip_addresses)
    : dir_(std::move(dir)),
      root_cert_file_(dir_ + "/root.pem"),
      root_key_(std::move(root_key)),
      root_(std::move(root)),
      created_(now),
      ip_addresses_(std::move(ip_addresses)) {}

absl::StatusOr<std::unique_ptr<DevPki>> DevPki::Create(const std::string& dir, absl::Time now,
                                                      std::vector<std::string> ip_addresses) {
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = "SCT Lab development root";
  spec.not_before = now - kBackdate;
  spec.not_after = now + kValidity;
  spec.is_ca = true;
  spec.path_len = 0;
  ASSIGN_OR_RETURN(crypto::Certificate root, crypto::SelfSignCertificate(spec, key));
  RETURN_IF_ERROR(WriteKeyAndCertificate(dir + "/root.key", key, dir + "/root.pem", root,
                                         Durability::kScratch));
  std::vector<std::string> ips = {"127.0.0.1"};
  for (std::string& ip : ip_addresses) {
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(std::move(ip));
  }
  return std::unique_ptr<DevPki>(
      new DevPki(dir, std::move(key), std::move(root), now, std::move(ips)));
}

absl::StatusOr<PkiIdentity> DevPki::Identity(absl::string_view cn) {
  RETURN_IF_ERROR(ValidateCn(cn));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issued_.find(std::string(cn));
  if (it != issued_.end()) return it->second;

  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = std::string(cn);
  spec.not_before = created_ - kBackdate;
  spec.not_after = created_ + kValidity;
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  // gRPC checks the dialled address against these.
  spec.dns_names = {"localhost"};
  spec.ip_addresses = ip_addresses_;
  spec.extended_key_usage = crypto::kExtKeyUsageServerAuth | crypto::kExtKeyUsageClientAuth;
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   crypto::IssueCertificate(spec, key.PublicKey(), root_, root_key_));
  PkiIdentity id;
  id.cert_file = absl::StrCat(dir_, "/", cn, ".pem");
  id.key_file = absl::StrCat(dir_, "/", cn, ".key");
  RETURN_IF_ERROR(
      WriteKeyAndCertificate(id.key_file, key, id.cert_file, cert, Durability::kScratch));
  issued_.emplace(std::string(cn), id);
  return id;
}

}  // namespace sct::scenarios

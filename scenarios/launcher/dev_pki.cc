#include "scenarios/launcher/dev_pki.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/openssl_util.h"

namespace sct::scenarios {
namespace {

using BioPtr = crypto::OpenSslPtr<BIO, BIO_free>;

constexpr absl::Duration kBackdate = absl::Hours(24);
constexpr absl::Duration kValidity = absl::Hours(24 * 365);

// DER of GeneralNames { dNSName "localhost", iPAddress 127.0.0.1 } (RFC 5280
// 4.2.1.6): gRPC checks the target address against these.
std::string SubjectAltNameDer() {
  const std::string dns = "localhost";
  std::string names;
  names += static_cast<char>(0x82);  // [2] IMPLICIT IA5String
  names += static_cast<char>(dns.size());
  names += dns;
  names += std::string("\x87\x04\x7f\x00\x00\x01", 6);  // [7] 127.0.0.1
  std::string out;
  out += static_cast<char>(0x30);  // SEQUENCE
  out += static_cast<char>(names.size());
  out += names;
  return out;
}

// DER of ExtKeyUsageSyntax { serverAuth, clientAuth }.
std::string ExtendedKeyUsageDer() {
  return std::string(
      "\x30\x14"
      "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01"
      "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02",
      22);
}

absl::Status ValidateCn(absl::string_view cn) {
  if (cn.empty() || cn.size() > 64 || cn[0] == '.') {
    return InvalidField("cn", "must be 1-64 characters, not starting with '.'");
  }
  for (char c : cn) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return InvalidField(
          "cn", absl::StrCat("\"", cn, "\" may only hold [A-Za-z0-9._-]"));
    }
  }
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
    if (mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 &&
        errno != EEXIST) {
      return absl::UnavailableError(
          absl::StrCat("mkdir ", prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileWithMode(const std::string& path,
                               absl::string_view contents, int mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                static_cast<mode_t>(mode));
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  // The file may have existed with a wider mode.
  fchmod(fd, static_cast<mode_t>(mode));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PrivateKeyPem(
    const crypto::EcdsaP256PrivateKey& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return crypto::OpenSslError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), key.evp(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    return crypto::OpenSslError("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr)
    return crypto::OpenSslError("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(len));
}

DevPki::DevPki(std::string dir, crypto::EcdsaP256PrivateKey root_key,
               crypto::Certificate root, absl::Time now)
    : dir_(std::move(dir)),
      root_cert_file_(dir_ + "/root.pem"),
      root_key_(std::move(root_key)),
      root_(std::move(root)),
      created_(now) {}

absl::StatusOr<std::unique_ptr<DevPki>> DevPki::Create(const std::string& dir,
                                                       absl::Time now) {
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = "SCT Lab development root";
  spec.not_before = now - kBackdate;
  spec.not_after = now + kValidity;
  spec.is_ca = true;
  spec.path_len = 0;
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   crypto::SelfSignCertificate(spec, key));
  ASSIGN_OR_RETURN(std::string root_pem, root.ToPem());
  ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyPem(key));
  RETURN_IF_ERROR(WriteFileWithMode(dir + "/root.key", key_pem, 0600));
  RETURN_IF_ERROR(WriteFileWithMode(dir + "/root.pem", root_pem, 0644));
  return std::unique_ptr<DevPki>(
      new DevPki(dir, std::move(key), std::move(root), now));
}

absl::StatusOr<PkiIdentity> DevPki::Identity(absl::string_view cn) {
  RETURN_IF_ERROR(ValidateCn(cn));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issued_.find(std::string(cn));
  if (it != issued_.end()) return it->second;

  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = std::string(cn);
  spec.not_before = created_ - kBackdate;
  spec.not_after = created_ + kValidity;
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back({"2.5.29.17", false, SubjectAltNameDer()});
  spec.extensions.push_back({"2.5.29.37", false, ExtendedKeyUsageDer()});
  ASSIGN_OR_RETURN(
      crypto::Certificate cert,
      crypto::IssueCertificate(spec, key.PublicKey(), root_, root_key_));
  ASSIGN_OR_RETURN(std::string cert_pem, cert.ToPem());
  ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyPem(key));
  PkiIdentity id;
  id.cert_file = absl::StrCat(dir_, "/", cn, ".pem");
  id.key_file = absl::StrCat(dir_, "/", cn, ".key");
  RETURN_IF_ERROR(WriteFileWithMode(id.key_file, key_pem, 0600));
  RETURN_IF_ERROR(WriteFileWithMode(id.cert_file, cert_pem, 0644));
  issued_.emplace(std::string(cn), id);
  return id;
}

}  // namespace sct::scenarios

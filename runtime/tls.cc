#include "runtime/tls.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace sct {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// Drains OpenSSL's error queue into one line ("" if empty).
std::string OpenSslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

absl::Status Invalid(absl::string_view role, absl::string_view path,
                     absl::string_view problem) {
  std::string ssl = OpenSslErrors();
  return MakeError(absl::StatusCode::kInvalidArgument, "tls_file_invalid",
                   absl::StrCat(role, " file ", path, ": ", problem,
                                ssl.empty() ? "" : " (OpenSSL: ", ssl,
                                ssl.empty() ? "" : ")"));
}

absl::StatusOr<std::string> ReadFile(absl::string_view path,
                                     absl::string_view role) {
  if (path.empty()) {
    return InvalidField(role, "no file given");
  }
  std::string p(path);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return MakeError(absl::StatusCode::kNotFound, "tls_file_unreadable",
                     absl::StrCat(role, " file ", path,
                                  ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return MakeError(absl::StatusCode::kNotFound, "tls_file_unreadable",
                     absl::StrCat(role, " file ", path, ": read error"));
  }
  // A directory opens on Linux but reads nothing useful.
  std::string data = ss.str();
  if (data.empty()) {
    ERR_clear_error();
    return Invalid(role, path, "empty file (or not a regular file)");
  }
  return data;
}

BioPtr MemBio(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())),
                &BIO_free);
}

// Refuses to prompt for a passphrase: encrypted keys fail to load.
int NoPassword(char*, int, int, void*) { return -1; }

bool LooksLikePem(const std::string& data) {
  return absl::StrContains(data, "-----BEGIN ");
}

}  // namespace

absl::StatusOr<std::string> ReadPemCertificates(absl::string_view path,
                                                absl::string_view role) {
  ASSIGN_OR_RETURN(std::string data, ReadFile(path, role));
  ERR_clear_error();
  if (!LooksLikePem(data))
    return Invalid(role, path, "not PEM (no -----BEGIN line)");
  BioPtr bio = MemBio(data);
  if (!bio) return Invalid(role, path, "out of memory");
  int count = 0;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr),
                 &X509_free);
    if (!cert) break;
    ++count;
  }
  // The loop ends with a "no start line" error at end of input; anything
  // else is a broken block.
  unsigned long last = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM &&
                   ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (count == 0) {
    ERR_clear_error();
    if (absl::StrContains(data, "PRIVATE KEY-----")) {
      return Invalid(role, path, "contains a private key, not a certificate");
    }
    return Invalid(role, path, "no PEM CERTIFICATE block");
  }
  if (last != 0 && !clean_end) {
    return Invalid(role, path,
                   absl::StrCat("certificate ", count + 1, " is malformed"));
  }
  ERR_clear_error();
  return data;
}

absl::StatusOr<std::string> ReadPemPrivateKey(absl::string_view path,
                                              absl::string_view role) {
  ASSIGN_OR_RETURN(std::string data, ReadFile(path, role));
  ERR_clear_error();
  if (!LooksLikePem(data))
    return Invalid(role, path, "not PEM (no -----BEGIN line)");
  if (absl::StrContains(data, "ENCRYPTED")) {
    return Invalid(role, path, "encrypted private keys are not supported");
  }
  BioPtr bio = MemBio(data);
  if (!bio) return Invalid(role, path, "out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr),
              &EVP_PKEY_free);
  if (!key) {
    if (absl::StrContains(data, "BEGIN CERTIFICATE") &&
        !absl::StrContains(data, "PRIVATE KEY-----")) {
      ERR_clear_error();
      return Invalid(role, path, "contains a certificate, not a private key");
    }
    return Invalid(role, path, "no readable PEM private key");
  }
  ERR_clear_error();
  return data;
}

absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem,
                                        const std::string& key_pem,
                                        absl::string_view key_path) {
  ERR_clear_error();
  BioPtr cert_bio = MemBio(cert_pem);
  BioPtr key_bio = MemBio(key_pem);
  X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, NoPassword, nullptr),
               &X509_free);
  PkeyPtr key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr),
      &EVP_PKEY_free);
  if (!cert || !key) return Invalid("private key", key_path, "cannot parse");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Invalid("private key", key_path, "does not match the certificate");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> LoadServerCredentials(
    const TlsServerFiles& files) {
  if (files.require_client_cert && files.client_ca_file.empty()) {
    return InvalidField(
        "client_ca_file",
        "required when client certificates are required (mutual TLS)");
  }
  ASSIGN_OR_RETURN(std::string cert,
                   ReadPemCertificates(files.cert_file, "TLS certificate"));
  ASSIGN_OR_RETURN(std::string key,
                   ReadPemPrivateKey(files.key_file, "TLS private key"));
  RETURN_IF_ERROR(CheckKeyMatchesCertificate(cert, key, files.key_file));

  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!files.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(
        options.pem_root_certs,
        ReadPemCertificates(files.client_ca_file, "TLS client CA"));
    options.client_certificate_request =
        files.require_client_cert
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({key, cert});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LoadClientCredentials(
    const TlsClientFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return InvalidField(
        files.cert_file.empty() ? "cert_file" : "key_file",
        "a client certificate needs both cert_file and key_file");
  }
  grpc::SslCredentialsOptions options;
  if (!files.ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs,
                     ReadPemCertificates(files.ca_file, "TLS CA"));
  }
  if (!files.cert_file.empty()) {
    ASSIGN_OR_RETURN(
        options.pem_cert_chain,
        ReadPemCertificates(files.cert_file, "TLS client certificate"));
    ASSIGN_OR_RETURN(
        options.pem_private_key,
        ReadPemPrivateKey(files.key_file, "TLS client private key"));
    RETURN_IF_ERROR(CheckKeyMatchesCertificate(
        options.pem_cert_chain, options.pem_private_key, files.key_file));
  }
  return grpc::SslCredentials(options);
}

}  // namespace sct

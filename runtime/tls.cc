#include "runtime/tls.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/pem.h"
#include "crypto/x509.h"
#include "runtime/files.h"

namespace sct {
namespace {

absl::Status Invalid(absl::string_view role, absl::string_view path, absl::string_view problem) {
  return MakeError(absl::StatusCode::kInvalidArgument, "tls_file_invalid",
                   absl::StrCat(role, " file ", path, ": ", problem));
}

// How crypto/pem.h and crypto/x509.h name the file in their errors.
std::string FieldOf(absl::string_view role, absl::string_view path) {
  return absl::StrCat(role, " file ", path);
}

// crypto/'s INVALID_ARGUMENT ("invalid_field") as this file's reason; other
// errors (OpenSSL failures) pass through.
absl::Status AsTlsFileError(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  return MakeError(absl::StatusCode::kInvalidArgument, "tls_file_invalid", status.message());
}

absl::StatusOr<std::string> ReadTlsFile(absl::string_view path, absl::string_view role) {
  if (path.empty()) {
    return InvalidField(role, "no file given");
  }
  absl::StatusOr<std::string> data = ReadWholeFile(std::string(path));
  if (!data.ok()) {
    // A directory, which opens on Linux but holds no PEM.
    if (data.status().code() == absl::StatusCode::kFailedPrecondition) {
      return Invalid(role, path, "empty file (or not a regular file)");
    }
    return MakeError(absl::StatusCode::kNotFound, "tls_file_unreadable",
                     absl::StrCat(role, " file ", data.status().message()));
  }
  if (data->empty()) {
    return Invalid(role, path, "empty file (or not a regular file)");
  }
  return data;
}

// OK if the first certificate in `cert_pem` matches `key_pem`.
absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem, const std::string& key_pem,
                                        absl::string_view key_path) {
  return AsTlsFileError(
      crypto::CheckPemKeyMatchesCertificate(cert_pem, key_pem, FieldOf("private key", key_path)));
}

}  // namespace

absl::StatusOr<std::string> ReadPemCertificates(absl::string_view path, absl::string_view role) {
  ASSIGN_OR_RETURN(std::string data, ReadTlsFile(path, role));
  absl::Status parsed = crypto::Certificate::ChainFromPem(data, FieldOf(role, path)).status();
  if (!parsed.ok()) return AsTlsFileError(parsed);
  return data;
}

absl::StatusOr<std::string> ReadPemPrivateKey(absl::string_view path, absl::string_view role) {
  ASSIGN_OR_RETURN(std::string data, ReadTlsFile(path, role));
  RETURN_IF_ERROR(AsTlsFileError(crypto::CheckPemPrivateKey(data, FieldOf(role, path))));
  return data;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> LoadServerCredentials(
    const TlsServerFiles& files) {
  if (files.require_client_cert && files.client_ca_file.empty()) {
    return InvalidField("client_ca_file",
                        "required when client certificates are required (mutual TLS)");
  }
  ASSIGN_OR_RETURN(std::string cert, ReadPemCertificates(files.cert_file, "TLS certificate"));
  ASSIGN_OR_RETURN(std::string key, ReadPemPrivateKey(files.key_file, "TLS private key"));
  RETURN_IF_ERROR(CheckKeyMatchesCertificate(cert, key, files.key_file));

  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!files.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs,
                     ReadPemCertificates(files.client_ca_file, "TLS client CA"));
    options.client_certificate_request =
        files.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({key, cert});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LoadClientCredentials(
    const TlsClientFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return InvalidField(files.cert_file.empty() ? "cert_file" : "key_file",
                        "a client certificate needs both cert_file and key_file");
  }
  grpc::SslCredentialsOptions options;
  if (!files.ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs, ReadPemCertificates(files.ca_file, "TLS CA"));
  }
  if (!files.cert_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_cert_chain,
                     ReadPemCertificates(files.cert_file, "TLS client certificate"));
    ASSIGN_OR_RETURN(options.pem_private_key,
                     ReadPemPrivateKey(files.key_file, "TLS client private key"));
    RETURN_IF_ERROR(CheckKeyMatchesCertificate(options.pem_cert_chain, options.pem_private_key,
                                               files.key_file));
  }
  return grpc::SslCredentials(options);
}

}  // namespace sct

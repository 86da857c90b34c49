// TLS credentials for gRPC servers and clients, loaded from PEM files.
//
// Files are read and checked up front so that a wrong path or a file of the
// wrong kind fails at start-up with a message naming the file, instead of a
// vague handshake failure later:
//   NOT_FOUND, reason "tls_file_unreadable": the file cannot be opened/read.
//   INVALID_ARGUMENT, reason "tls_file_invalid": not PEM, the wrong kind of
//     PEM block (e.g. a key where a certificate belongs), an encrypted private
//     key, or a private key that does not match the certificate.
//   INVALID_ARGUMENT, reason "invalid_field": an inconsistent combination
//     (client certificate required but no CA file; cert without key).
// Messages carry OpenSSL's error text where OpenSSL reported the failure.
// Files are read with runtime/files.h and checked with crypto/pem.h and
// crypto/x509.h (the project's one PEM reader).
//
// Functions are thread-safe and keep no state; the returned credentials are
// shared_ptrs the caller passes to GrpcServerOptions / grpc::CreateChannel.
#ifndef SCT_RUNTIME_TLS_H_
#define SCT_RUNTIME_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace sct {

struct TlsServerFiles {
  std::string cert_file;  // PEM certificate chain, leaf first (required)
  std::string
      key_file;  // PEM private key (unencrypted) for the leaf (required)
  // PEM CA bundle that client certificates must chain to. If set, clients may
  // present a certificate and it is verified; with require_client_cert
  // (mutual TLS) a verified client certificate is mandatory.
  std::string client_ca_file;
  bool require_client_cert = false;
};

struct TlsClientFiles {
  // PEM roots that the server certificate must chain to; empty = gRPC's
  // default roots (system store / GRPC_DEFAULT_SSL_ROOTS_FILE_PATH).
  std::string ca_file;
  // Optional client certificate chain and key for mutual TLS (both or none).
  std::string cert_file;
  std::string key_file;
};

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> LoadServerCredentials(
    const TlsServerFiles& files);

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LoadClientCredentials(
    const TlsClientFiles& files);

// Lower level, also useful for non-gRPC TLS listeners (cpp-httplib takes file
// paths; validate them first with these). Each returns the file's contents.
// `role` names the file in errors, e.g. "TLS certificate", "--tls_key".
absl::StatusOr<std::string> ReadPemCertificates(absl::string_view path,
                                                absl::string_view role);
absl::StatusOr<std::string> ReadPemPrivateKey(absl::string_view path,
                                              absl::string_view role);

}  // namespace sct

#endif  // SCT_RUNTIME_TLS_H_

// PEM: the one place where the project reads and writes keys as PEM text and
// checks PEM files before handing them to TLS.
//
//   - P-256 private keys: read from "PRIVATE KEY" (PKCS#8) or "EC PRIVATE
//     KEY" (SEC1) blocks, written as unencrypted PKCS#8 "PRIVATE KEY"; the
//     private scalar for code that works on raw scalars (HPKE).
//   - P-256 public keys: read from a "PUBLIC KEY" (SubjectPublicKeyInfo)
//     block, which may sit in a bundle after certificates.
//   - Checks for TLS files: a private key of any algorithm is readable and
//     unencrypted; a key matches the first certificate of a chain.
// Certificates have their PEM codec in crypto/x509.h (Certificate::FromPem,
// ChainFromPem, ToPem); this header builds on it.
//
// Encrypted keys are refused, never prompted for. PEM text holding a private
// key is a secret: callers must not log it, and nothing here puts key
// material into an error message.
//
// Every function takes `field`, the caller's name for the input (a flag, a
// file path, "TLS private key file /x.key"); errors name it.
// Errors: INVALID_ARGUMENT (reason "invalid_field", "<field>: <problem>")
// for input that is not PEM, holds the wrong kind of block, is encrypted, is
// malformed, is not a P-256 key (where one is required) or does not match;
// the problem carries OpenSSL's error text where OpenSSL rejected the input.
// INTERNAL with OpenSSL's error text when OpenSSL fails otherwise.
//
// Thread-safety: the functions keep no state and are thread-safe.
#ifndef SCT_CRYPTO_PEM_H_
#define SCT_CRYPTO_PEM_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ecdsa.h"

namespace sct::crypto {

// The first private key in `pem`, which must be P-256.
absl::StatusOr<EcdsaP256PrivateKey> P256PrivateKeyFromPem(absl::string_view pem,
                                                          absl::string_view field);

// `key` as an unencrypted PKCS#8 "PRIVATE KEY" block. A secret.
absl::StatusOr<std::string> P256PrivateKeyToPem(const EcdsaP256PrivateKey& key);

// The big-endian 32-byte private scalar of the first private key in `pem`,
// which must be P-256. A secret.
absl::StatusOr<std::string> P256PrivateScalarFromPem(absl::string_view pem,
                                                     absl::string_view field);

// The key of the first "PUBLIC KEY" block in `pem`, which must be P-256.
// INVALID_ARGUMENT "<field>: no PEM PUBLIC KEY block" when there is none.
absl::StatusOr<EcdsaP256PublicKey> P256PublicKeyFromPem(absl::string_view pem,
                                                        absl::string_view field);

// OK if `pem` holds a readable, unencrypted private key of any algorithm.
// Problems: "not PEM (no -----BEGIN line)", "encrypted private keys are not
// supported", "contains a certificate, not a private key", "no readable PEM
// private key (OpenSSL: ...)".
absl::Status CheckPemPrivateKey(absl::string_view pem, absl::string_view field);

// OK if the private key in `key_pem` belongs to the first certificate in
// `cert_pem`. Problems: "cannot parse", "does not match the certificate
// (OpenSSL: ...)"; `field` names the key.
absl::Status CheckPemKeyMatchesCertificate(absl::string_view cert_pem, absl::string_view key_pem,
                                           absl::string_view field);

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_PEM_H_

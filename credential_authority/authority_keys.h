// The authority's own key material on disk: the P-256 signing key (PKCS#8
// PEM through crypto/pem.h, file mode 0600, created if missing), the
// self-signed root certificate over it that credential certificates chain to
// (PEM, mode 0644, created if missing), and the PIN key (pin.h: 32 raw random
// bytes, mode 0600, created if missing). New files are written once with
// runtime/files.h WriteNewFile (O_EXCL: never over an existing file, nor
// through a symbolic link). None of them ever goes into the ledger or a log.
//
// Thread-safety: free functions; do not run two creators on the same path.
// Errors: INVALID_ARGUMENT "invalid_field" (naming the path) for a file that
// does not parse or a root that does not match the key, and for a PIN key
// file that is a symbolic link, not a regular file, open to group or others,
// or not exactly 32 bytes; INTERNAL for an I/O
// or OpenSSL failure (a file that cannot be read or written, with the
// runtime/files.h reasons).
#ifndef SCT_CREDENTIAL_AUTHORITY_AUTHORITY_KEYS_H_
#define SCT_CREDENTIAL_AUTHORITY_AUTHORITY_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "credential_authority/pin.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"

namespace sct::ca {

// Loads the key at `path`, or generates one and writes it with mode 0600.
absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateSigningKey(
    const std::string& path);

// Loads the PIN key at `path`, or generates one and writes it with mode 0600.
// The file is opened without following a symbolic link (O_NOFOLLOW) and must
// be a regular file with no group or other permission bits: a key someone
// else can read would let them test PINs against a leaked ledger.
absl::StatusOr<PinKey> LoadOrCreatePinKey(const std::string& path);

// Loads the root certificate at `path` (checking it is over `key`), or
// self-signs one (CN "<authority_id> credential root", valid from now-1h for
// 20 years) and writes it.
absl::StatusOr<crypto::Certificate> LoadOrCreateRootCertificate(
    const std::string& path, const crypto::EcdsaP256PrivateKey& key,
    absl::string_view authority_id, absl::Time now);

// A fresh self-signed root over `key` (used by tests and the creator above).
absl::StatusOr<crypto::Certificate> MakeRootCertificate(
    const crypto::EcdsaP256PrivateKey& key, absl::string_view authority_id,
    absl::Time now);

// Hex SHA-256 of an SPKI: the key id carried by signed tokens and lists.
std::string KeyIdOf(absl::string_view spki_der);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_AUTHORITY_KEYS_H_

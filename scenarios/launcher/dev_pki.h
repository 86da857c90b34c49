// The launcher's development PKI: one self-signed root and, per TLS identity
// (the certificate CN each service checks: "admin", "relay", "channel", OEM
// ids, access point ids, authority ids, or any adversary name), a leaf
// certificate for 127.0.0.1, localhost and the actors' planned addresses
// (address_plan.h) usable for server and client auth.
//
// NOT testonly (the launcher and sct_up use it), but development only: the
// root key sits unencrypted next to the certificates. Layout of dir():
//   root.pem, root.key          the trust anchor (key 0600)
//   <cn>.pem, <cn>.key          one identity (key 0600)
// Keys are P-256, PKCS#8 PEM (crypto/pem.h); certificates (crypto/x509.h)
// are valid from a day before creation for a year; files are written
// atomically (a temporary file renamed over the name). The root and the
// identities are not fsynced: every launch makes them afresh, so nothing
// reads them after a crash. The attestation roots and keys below, which a
// reused work directory keeps, are (runtime/files.h).
//
// Also here: the other key files the launcher hands to services (an OEM's
// attestation root, an access point's HPKE key), made with the same tools so
// that the launcher needs no service's code.
//
// Thread-safety: Identity() may be called from several threads (a mutex
// guards issuing); everything else is immutable after Create(). The free
// functions keep no state.
// Errors: Create: UNAVAILABLE when the directory or a file cannot be written,
// INTERNAL with OpenSSL's text when OpenSSL fails. Identity: INVALID_ARGUMENT
// (reason "invalid_field") for a CN that is not a safe file name
// ([A-Za-z0-9._-], not starting with '.', at most 64 characters), otherwise
// as Create.
#ifndef SCT_SCENARIOS_LAUNCHER_DEV_PKI_H_
#define SCT_SCENARIOS_LAUNCHER_DEV_PKI_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"

namespace sct::scenarios {

// The files of one identity.
struct PkiIdentity {
  std::string cert_file;  // PEM leaf certificate
  std::string key_file;   // PEM PKCS#8 private key (0600)
};

class DevPki {
 public:
  // Makes `dir` (0700, parents included) and a fresh root in it. Every leaf
  // covers 127.0.0.1 and localhost, plus `ip_addresses` (the address plan's
  // actor addresses, address_plan.h).
  static absl::StatusOr<std::unique_ptr<DevPki>> Create(
      const std::string& dir, absl::Time now, std::vector<std::string> ip_addresses = {});

  // The identity `cn`, issued on first use (later calls return the same
  // files).
  absl::StatusOr<PkiIdentity> Identity(absl::string_view cn);

  const std::string& dir() const { return dir_; }
  const std::string& root_cert_file() const { return root_cert_file_; }

 private:
  DevPki(std::string dir, crypto::EcdsaP256PrivateKey root_key,
         crypto::Certificate root, absl::Time now, std::vector<std::string> ip_addresses);

  const std::string dir_;
  const std::string root_cert_file_;
  const crypto::EcdsaP256PrivateKey root_key_;
  const crypto::Certificate root_;
  const absl::Time created_;
  const std::vector<std::string> ip_addresses_;  // 127.0.0.1 first
  std::mutex mu_;
  std::map<std::string, PkiIdentity> issued_;  // guarded by mu_
};

// The OEM attestation root that oem_server loads with --attestation_ca_key
// and --attestation_ca_cert: a P-256 key (PKCS#8 PEM, mode 0600) and a
// self-signed CA certificate over it (PEM, 0644; CN "<oem_id> attestation
// root", pathLen 0, valid from 5 minutes before `now` for 10 years), the same
// files oem_server makes when it finds neither. When both files exist they
// are kept (a reused work directory keeps the root the authority trusts)
// after checking that the certificate is a CA over the key.
// Errors: INVALID_ARGUMENT (reason "invalid_field", naming the file) when
// only one file exists or they do not belong together; UNAVAILABLE when a
// file cannot be read or written; INTERNAL when OpenSSL fails.
absl::Status EnsureOemAttestationRoot(absl::string_view oem_id,
                                      const std::string& key_file,
                                      const std::string& cert_file,
                                      absl::Time now);

// The P-256 key in `path` (PKCS#8 or SEC1 PEM), or a new one written there
// (PKCS#8 PEM, mode 0600). INVALID_ARGUMENT naming the path when the file is
// not such a key; UNAVAILABLE when it cannot be read or written.
absl::StatusOr<crypto::EcdsaP256PrivateKey> LoadOrCreateKey(
    const std::string& path);

// Writes `contents` to `path` with exactly `mode`, replacing it atomically
// (runtime/files.h). UNAVAILABLE naming the path when it cannot be written.
absl::Status WriteFileWithMode(const std::string& path,
                               absl::string_view contents, int mode);

// mkdir -p with `mode` for directories it creates. UNAVAILABLE on failure.
absl::Status MakeDirs(const std::string& path, int mode);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_DEV_PKI_H_

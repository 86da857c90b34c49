// The OEM's attestation CA: a P-256 root key and self-signed root certificate
// that certify (1) a device's secure-element identity key at enrolment and
// (2) each key the device later generates for a credential.
//
// Certificates it issues (all chain directly to the root, pathLen 0):
//   - device identity certificate: CN "device", extension kOidDeviceIdentity =
//     the OEM device id, kOidKeyAttestation = the attestation statement. It is
//     returned to the device only; the OEM never forwards it.
//   - key certificate: CN "attested key", kOidKeyAttestation only. It carries
//     nothing that identifies the device, so the authority (and anyone it
//     shows the chain to) cannot link two credentials of one device.
// Attestation statement (extnValue, non-critical, ASCII):
//   "sct-key-attestation-v1;oem=<oem_id>;storage=secure_element;exportable=false"
// The chain sent to the authority is [key certificate] (root not included,
// as common.v1.AttestationChain says); verify it with
// crypto::VerifyCertificateChain(leaf, {}, {root}, now).
//
// Thread-safety: immutable after construction; Issue* may run concurrently.
// Errors: LoadOrCreate: NOT_FOUND/INVALID_ARGUMENT naming the file (unreadable,
// not PEM, key not P-256, key does not match the certificate, certificate is
// not a CA, only one of the two files exists), UNAVAILABLE if a new file cannot
// be written; Issue*: INTERNAL with OpenSSL's error text.
#ifndef SCT_OEM_SERVER_ATTESTATION_CA_H_
#define SCT_OEM_SERVER_ATTESTATION_CA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"

namespace sct::oem {

class AttestationCa {
 public:
  // Validity of certificates the CA issues.
  inline static constexpr absl::Duration kRootValidity = absl::Hours(24 * 3650);
  inline static constexpr absl::Duration kDeviceCertValidity =
      absl::Hours(24 * 1825);
  inline static constexpr absl::Duration kKeyCertValidity =
      absl::Hours(24 * 825);
  // Issued certificates start this long before `now` (tolerates clock skew).
  inline static constexpr absl::Duration kBackdate = absl::Minutes(5);

  // A fresh root in memory (tests).
  static absl::StatusOr<AttestationCa> Create(absl::string_view oem_id,
                                              absl::Time now);
  // Loads the root key (PEM, PKCS#8 or SEC1) and certificate (PEM) from the
  // given files; when neither exists, creates both (PKCS#8 key file mode
  // 0600, certificate 0644, each written atomically by runtime/files.h).
  static absl::StatusOr<AttestationCa> LoadOrCreate(
      absl::string_view oem_id, const std::string& key_path,
      const std::string& cert_path, absl::Time now);

  const crypto::Certificate& root() const { return root_; }
  const std::string& root_der() const { return root_der_; }
  const std::string& oem_id() const { return oem_id_; }
  // The statement placed in kOidKeyAttestation.
  std::string AttestationStatement() const;

  absl::StatusOr<crypto::Certificate> IssueDeviceCertificate(
      const crypto::EcdsaP256PublicKey& identity_key,
      absl::string_view device_id, absl::Time now) const;
  absl::StatusOr<crypto::Certificate> IssueKeyCertificate(
      const crypto::EcdsaP256PublicKey& key, absl::Time now) const;
  // An ECDSA P-256/SHA-256 DER signature by the root key over `message`.
  // Callers domain-separate what they sign (provisioning_format.h).
  absl::StatusOr<std::string> SignWithRootKey(absl::string_view message) const;

 private:
  AttestationCa(std::string oem_id, crypto::EcdsaP256PrivateKey key,
                crypto::Certificate root, std::string root_der)
      : oem_id_(std::move(oem_id)),
        key_(std::move(key)),
        root_(std::move(root)),
        root_der_(std::move(root_der)) {}

  std::string oem_id_;
  crypto::EcdsaP256PrivateKey key_;
  crypto::Certificate root_;
  std::string root_der_;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_ATTESTATION_CA_H_

// X.509 certificates for the simulator's PKI: the credential authority's
// credential certificates and the OEMs' attestation chains.
//
// What it does:
//   - issues a certificate over a P-256 public key, signed ECDSA-SHA256 by an
//     issuer's P-256 private key, with a subject CN, a random 16-byte serial,
//     a validity window, basicConstraints (always critical), keyUsage (always
//     critical), subject/authority key identifiers, optionally
//     subjectAltName (DNS names, IP addresses) and extendedKeyUsage
//     (serverAuth, clientAuth) for TLS, and any number of custom extensions
//     given as (dotted OID, critical, raw extnValue bytes);
//   - makes self-signed roots;
//   - parses PEM / DER, writes PEM / DER, and reads fields back;
//   - verifies a chain leaf -> intermediates -> trust anchor at a given time.
//
// Custom extensions. The simulator's own extensions live under the arc
// kSimulatorOidArc (1.3.6.1.4.1.55555, a private-enterprise-style arc that is
// NOT registered with IANA: simulator use only). Chain verification treats a
// critical extension under that arc as handled, because the caller (access
// point, authority, OEM) interprets it after the chain is verified; any other
// unknown critical extension fails verification unless the caller lists its
// OID in VerifyOptions::handled_critical_extensions. See
// docs/crypto_hpke_x509.md for the assigned OIDs.
//
// Thread-safety: Certificate is immutable after construction and may be
// shared between threads for reading. The free functions are thread-safe.
// Ownership: Certificate owns its X509 object; EVP_PKEY* arguments are
// borrowed for the duration of the call.
//
// Errors:
//   INVALID_ARGUMENT (reason "invalid_field") - unparsable PEM/DER, a key that
//       is not P-256, a bad OID, an empty CN, not_after before not_before,
//       a malformed DNS name or IP address, an issuer key that does not match
//       the issuer certificate;
//   NOT_FOUND - ExtensionValue() for an OID the certificate does not carry;
//   UNAUTHENTICATED (reason "bad_certificate_chain") - chain verification
//       failed; the message carries OpenSSL's verify error string;
//   INTERNAL - an OpenSSL failure, with OpenSSL's error text.
#ifndef SCT_CRYPTO_X509_H_
#define SCT_CRYPTO_X509_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

// The simulator's OID arc and the OIDs assigned under it.
inline constexpr absl::string_view kSimulatorOidArc = "1.3.6.1.4.1.55555";
// Credential entitlements (credential authority -> receiver certificate).
inline constexpr absl::string_view kOidEntitlements = "1.3.6.1.4.1.55555.1.1";
// Credential validity / redeem policy blob.
inline constexpr absl::string_view kOidCredentialPolicy =
    "1.3.6.1.4.1.55555.1.2";
// Key attestation statement (OEM attestation CA -> device key certificate).
inline constexpr absl::string_view kOidKeyAttestation = "1.3.6.1.4.1.55555.1.3";
// The statement placed in kOidKeyAttestation by `attester` (an OEM's
// attestation CA, or a vendorless device's own attestation root):
// "sct-key-attestation-v1;oem=<attester>;storage=secure_element;exportable=false".
std::string KeyAttestationStatement(absl::string_view attester);
// Device / persona identifier the attested key belongs to.
inline constexpr absl::string_view kOidDeviceIdentity = "1.3.6.1.4.1.55555.1.4";

// extendedKeyUsage purposes (RFC 5280 section 4.2.1.12), combined with |.
enum ExtendedKeyUsage : uint32_t {
  kExtKeyUsageServerAuth = 1u << 0,  // id-kp-serverAuth
  kExtKeyUsageClientAuth = 1u << 1,  // id-kp-clientAuth
};

// keyUsage bits (RFC 5280 section 4.2.1.3), combined with |.
enum KeyUsage : uint32_t {
  kKeyUsageDigitalSignature = 1u << 0,
  kKeyUsageNonRepudiation = 1u << 1,
  kKeyUsageKeyEncipherment = 1u << 2,
  kKeyUsageDataEncipherment = 1u << 3,
  kKeyUsageKeyAgreement = 1u << 4,
  kKeyUsageKeyCertSign = 1u << 5,
  kKeyUsageCrlSign = 1u << 6,
};

// One custom extension. `value` is placed verbatim in extnValue (the OCTET
// STRING); RFC 5280 expects DER there, the simulator's own extensions may
// carry raw octets (for example a serialized protobuf).
struct X509ExtensionSpec {
  std::string oid;  // dotted form, e.g. "1.3.6.1.4.1.55555.1.1"
  bool critical = false;
  std::string value;
};

// What to put into a new certificate.
struct CertificateSpec {
  std::string subject_cn;                        // required, UTF-8
  absl::Time not_before = absl::InfinitePast();  // required (finite)
  absl::Time not_after = absl::InfinitePast();   // required (finite)
  bool is_ca = false;                            // basicConstraints cA
  // basicConstraints pathLenConstraint; only meaningful with is_ca.
  std::optional<int> path_len;
  // keyUsage bits; 0 picks a default: keyCertSign|cRLSign for a CA,
  // digitalSignature otherwise.
  uint32_t key_usage = 0;
  // subjectAltName entries (non-critical; the extension is left out when both
  // lists are empty), which TLS peers check the host they dialled against.
  // DNS names: letters, digits and '-' in dot-separated labels, optionally
  // after a leading "*."; IP addresses: IPv4 dotted or IPv6 text.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  // extendedKeyUsage purposes (non-critical); 0 leaves the extension out.
  uint32_t extended_key_usage = 0;
  // Extensions set from the fields above (basicConstraints, keyUsage, the key
  // identifiers, subjectAltName, extendedKeyUsage) may not appear here.
  std::vector<X509ExtensionSpec> extensions;
};

// An immutable, parsed X.509 certificate.
class Certificate {
 public:
  // Parses one certificate. INVALID_ARGUMENT on garbage or trailing data.
  static absl::StatusOr<Certificate> FromDer(absl::string_view der);
  // Parses the first PEM "CERTIFICATE" block. INVALID_ARGUMENT when none.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);
  // Parses every certificate of a PEM bundle, in order. INVALID_ARGUMENT
  // "<field>: <problem>" when the bundle is empty, is not PEM, holds no
  // certificate ("contains a private key, not a certificate", "no PEM
  // CERTIFICATE block") or a block is malformed ("certificate N is malformed
  // (OpenSSL: ...)"). `field` names the input (default "certificate_pem").
  static absl::StatusOr<std::vector<Certificate>> ChainFromPem(
      absl::string_view pem);
  static absl::StatusOr<std::vector<Certificate>> ChainFromPem(
      absl::string_view pem, absl::string_view field);
  // Takes ownership of `x509` (which must not be null).
  explicit Certificate(X509* x509);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  absl::StatusOr<std::string> ToDer() const;
  absl::StatusOr<std::string> ToPem() const;

  // Subject / issuer commonName; empty if absent.
  std::string SubjectCommonName() const;
  std::string IssuerCommonName() const;
  // Serial number as lower-case hex of its big-endian magnitude.
  std::string SerialHex() const;
  absl::Time NotBefore() const;
  absl::Time NotAfter() const;
  bool IsCa() const;
  // The subject public key as a 65-byte uncompressed P-256 point.
  // INVALID_ARGUMENT if the key is not P-256.
  absl::StatusOr<std::string> PublicKeyPoint() const;
  // The subject public key as an ECDSA verification key.
  // INVALID_ARGUMENT if the key is not P-256.
  absl::StatusOr<EcdsaP256PublicKey> PublicKey() const;
  // The subject public key as SubjectPublicKeyInfo DER.
  absl::StatusOr<std::string> PublicKeySpkiDer() const;
  // extnValue bytes of the extension `oid` (dotted form). NOT_FOUND when
  // absent; INVALID_ARGUMENT for a malformed OID.
  absl::StatusOr<std::string> ExtensionValue(absl::string_view oid) const;
  // Whether extension `oid` is present and critical.
  bool ExtensionIsCritical(absl::string_view oid) const;

  // Borrowed pointer, valid while this object lives.
  X509* x509() const { return x509_.get(); }

 private:
  X509Ptr x509_;
};

// Issues a certificate over `subject_public_key` (a P-256 key; only its public
// half is used) with the issuer name taken from `issuer`, signed with
// `issuer_private_key` (P-256, must match `issuer`'s public key).
absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec,
                                             EVP_PKEY* subject_public_key,
                                             const Certificate& issuer,
                                             EVP_PKEY* issuer_private_key);

// The same, with the subject key given as a 65-byte uncompressed P-256 point
// (the form secure elements and attestation statements exchange).
absl::StatusOr<Certificate> IssueCertificateForPoint(
    const CertificateSpec& spec, absl::string_view subject_public_point,
    const Certificate& issuer, EVP_PKEY* issuer_private_key);

// A self-signed certificate for `key` (a P-256 private key), e.g. a root CA.
absl::StatusOr<Certificate> SelfSignCertificate(const CertificateSpec& spec,
                                                EVP_PKEY* key);

// The same with the project's ECDSA key classes (crypto/ecdsa.h).
absl::StatusOr<Certificate> IssueCertificate(
    const CertificateSpec& spec, const EcdsaP256PublicKey& subject_public_key,
    const Certificate& issuer, const EcdsaP256PrivateKey& issuer_private_key);
absl::StatusOr<Certificate> SelfSignCertificate(const CertificateSpec& spec,
                                                const EcdsaP256PrivateKey& key);

struct VerifyOptions {
  // OIDs (dotted) outside kSimulatorOidArc whose critical presence the
  // caller handles itself.
  std::vector<std::string> handled_critical_extensions;
};

// Verifies `leaf` up to one of `trust_anchors` through `intermediates` (any
// order), with every certificate checked at time `at` (not the wall clock):
// signatures, validity windows, basicConstraints / keyUsage of issuers, and
// critical extensions as described above. OK or UNAUTHENTICATED with reason
// "bad_certificate_chain" and OpenSSL's verify error string; INVALID_ARGUMENT
// when `trust_anchors` is empty.
absl::Status VerifyCertificateChain(
    const Certificate& leaf, const std::vector<Certificate>& intermediates,
    const std::vector<Certificate>& trust_anchors, absl::Time at,
    const VerifyOptions& options = VerifyOptions());

}  // namespace sct::crypto

#endif  // SCT_CRYPTO_X509_H_

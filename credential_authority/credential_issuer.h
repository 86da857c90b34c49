// Issues credentials over a holder's attested key (docs/credential_authority.md,
// "Credentials"):
// - ASYMMETRIC: an X.509 certificate (subject CN = credential id, validity,
//   keyUsage digitalSignature) over the holder key, issued by the authority
//   root, with the critical claims extension (CredentialCertificateClaims);
// - SYMMETRIC: a random 32-byte key (RAND_bytes), HPKE-sealed to the holder
//   key, and sealed the same way to the access point's key as a
//   SymmetricKeyGrant. The clear key exists only in memory while sealing.
// Issuing records nothing: the caller commits the result to the ledger.
//
// Thread-safety: immutable after construction; thread-safe.
// Ownership: borrows the signing key and the root certificate.
// Errors: INVALID_ARGUMENT "invalid_field" for a kind other than ASYMMETRIC
// or SYMMETRIC, or a symmetric credential for an access point without a
// public key; INVALID_ARGUMENT for an unparsable key; INTERNAL on a crypto
// failure.
#ifndef SCT_CREDENTIAL_AUTHORITY_CREDENTIAL_ISSUER_H_
#define SCT_CREDENTIAL_AUTHORITY_CREDENTIAL_ISSUER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "proto/common/v1/types.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// What to issue.
struct CredentialRequest {
  std::string credential_id;
  credential_authority::v1::AccessPointRegistration access_point;
  common::v1::CredentialKind kind = common::v1::CREDENTIAL_KIND_UNSPECIFIED;
  google::protobuf::RepeatedPtrField<std::string> entitlements;
  common::v1::ValidityWindow validity;
  bool resharing_allowed = false;
  std::string parent_share_id;  // empty for an owner credential
  std::string holder_spki;
  // The holder key, parsed from holder_spki (the caller already parsed it to
  // check the attestation; parsing an SPKI is costly in OpenSSL 3.0).
  const crypto::EcdsaP256PublicKey* holder = nullptr;
};

// The credential, and for a symmetric one the grant for the access point.
struct IssuedCredential {
  common::v1::Credential credential;
  std::optional<credential_authority::v1::SymmetricKeyGrant> grant;
};

class CredentialIssuer {
 public:
  CredentialIssuer(const crypto::EcdsaP256PrivateKey* signing_key, const crypto::Certificate* root,
                   std::string authority_id);

  absl::StatusOr<IssuedCredential> Issue(const CredentialRequest& request) const;

 private:
  // The certificate of an asymmetric credential, as DER.
  absl::StatusOr<std::string> IssueCertificate(const CredentialRequest& request,
                                               const crypto::EcdsaP256PublicKey& holder) const;
  // The sealed key of a symmetric credential and its access point grant.
  absl::Status SealSymmetricKey(const CredentialRequest& request,
                                const crypto::EcdsaP256PublicKey& holder,
                                IssuedCredential* issued) const;

  const crypto::EcdsaP256PrivateKey* const signing_key_;
  const crypto::Certificate* const root_;
  const std::string authority_id_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CREDENTIAL_ISSUER_H_

// Reads the credential-certificate profile the authority issues
// (credential_authority.v1.CredentialCertificateClaims): which fields of an
// X.509 credential certificate carry the credential id, the access point it
// opens, the share it came from and its entitlements.
//
// Profile (as credential_authority/ca_service.cc writes it):
//   subject CN                    = credential id
//   notBefore / notAfter          = the credential's validity window
//   kOidEntitlements (critical)   = serialized CredentialCertificateClaims
//                                   {version 1, credential_id (= CN),
//                                   access_point_id, entitlements, validity,
//                                   resharing_allowed, parent_share_id}
//
// Thread-safe (pure functions).
// Errors: INVALID_ARGUMENT (reason "invalid_field", message names the field)
// when the extension is missing or does not parse, the claims' credential id
// differs from the subject CN, or a required field is empty.
#ifndef SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_
#define SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/x509.h"

namespace sct::access_point {

struct CredentialCertificateInfo {
  std::string credential_id;
  std::string access_point_id;
  std::string share_id;  // parent share; empty for an owner credential
  std::vector<std::string> entitlements;
  absl::Time not_before;
  absl::Time not_after;
};

// Reads the profile fields back from a certificate. Does NOT verify the
// chain or the validity window; the caller does (and must, before trusting
// anything returned here).
absl::StatusOr<CredentialCertificateInfo> ReadCredentialCertificate(
    const crypto::Certificate& certificate);

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_

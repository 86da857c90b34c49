// The credential-certificate profile an access point reads: which fields of
// an authority-issued X.509 credential certificate carry the credential id,
// the access point it opens, the share it came from and its entitlements.
//
// Profile (documented in docs/access_point.md; the authority must issue
// exactly this, and may use the Encode* helpers to do so):
//   subject CN                         = credential id (UUID string)
//   notBefore / notAfter               = the credential's validity window
//   kOidEntitlements  (critical)       = entitlement names joined by ","
//                                        (UTF-8, e.g. "unlock,lock,drive")
//   kOidCredentialPolicy (non-critical)= lines "key=value\n"; keys read here:
//                                        "access_point_id" (required),
//                                        "share_id" (optional; empty for an
//                                        owner credential). Unknown keys are
//                                        ignored so the authority can add more.
//
// Thread-safe (pure functions).
// Errors: INVALID_ARGUMENT (reason "invalid_field", message names the field)
// when a required field is missing or malformed.
#ifndef SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_
#define SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/x509.h"

namespace sct::access_point {

struct CredentialCertificateInfo {
  std::string credential_id;
  std::string access_point_id;
  std::string share_id;
  std::vector<std::string> entitlements;
  absl::Time not_before;
  absl::Time not_after;
};

// "a,b,c". Names must be non-empty and contain no ',' or control characters.
absl::StatusOr<std::string> EncodeEntitlements(
    const std::vector<std::string>& entitlements);
absl::StatusOr<std::vector<std::string>> DecodeEntitlements(
    absl::string_view value);

// "access_point_id=<id>\nshare_id=<id>\n".
std::string EncodeCredentialPolicy(absl::string_view access_point_id,
                                   absl::string_view share_id);

// The two extensions above, ready for crypto::CertificateSpec::extensions.
absl::StatusOr<std::vector<crypto::X509ExtensionSpec>> CredentialExtensions(
    const std::vector<std::string>& entitlements,
    absl::string_view access_point_id, absl::string_view share_id);

// Reads the profile fields back from a certificate. Does NOT verify the
// chain or the validity window; the caller does.
absl::StatusOr<CredentialCertificateInfo> ReadCredentialCertificate(
    const crypto::Certificate& certificate);

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_CREDENTIAL_PROFILE_H_

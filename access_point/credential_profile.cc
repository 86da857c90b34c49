#include "access_point/credential_profile.h"

#include <string>
#include <vector>

#include "common/errors.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::access_point {

absl::StatusOr<CredentialCertificateInfo> ReadCredentialCertificate(
    const crypto::Certificate& certificate) {
  CredentialCertificateInfo info;
  info.credential_id = certificate.SubjectCommonName();
  if (info.credential_id.empty()) {
    return InvalidField("certificate.subject",
                        "no common name (credential id)");
  }
  absl::StatusOr<std::string> ext =
      certificate.ExtensionValue(crypto::kOidEntitlements);
  if (!ext.ok()) {
    return InvalidField("certificate", "no credential claims extension");
  }
  ::credential_authority::v1::CredentialCertificateClaims claims;
  if (!claims.ParseFromString(*ext)) {
    return InvalidField("credential claims extension", "does not parse");
  }
  if (claims.version() != 1) {
    return InvalidField("credential claims extension.version",
                        "unsupported (want 1)");
  }
  if (claims.credential_id() != info.credential_id) {
    return InvalidField("credential claims extension.credential_id",
                        "differs from the subject common name");
  }
  if (claims.access_point_id().empty()) {
    return InvalidField("credential claims extension.access_point_id", "empty");
  }
  if (claims.entitlements().empty()) {
    return InvalidField("credential claims extension.entitlements", "empty");
  }
  info.access_point_id = claims.access_point_id();
  info.share_id = claims.parent_share_id();
  info.entitlements.assign(claims.entitlements().begin(),
                           claims.entitlements().end());
  info.not_before = certificate.NotBefore();
  info.not_after = certificate.NotAfter();
  return info;
}

}  // namespace sct::access_point

// What the authority lets a caller ask for: the entitlement vocabulary and
// each access point kind's default entitlements, validity windows, and the
// rules of sharing (what a sharer's credential allows a share to grant).
//
// Thread-safety: pure functions, thread-safe.
// Errors: INVALID_ARGUMENT "invalid_field" (naming the field) or
// "unknown_entitlement"; ShareTermsFor also FAILED_PRECONDITION
// "credential_revoked" / "credential_expired" and PERMISSION_DENIED
// "resharing_forbidden" / "entitlement_escalation" / "validity_escalation".
#ifndef SCT_CREDENTIAL_AUTHORITY_SHARE_POLICY_H_
#define SCT_CREDENTIAL_AUTHORITY_SHARE_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "credential_authority/ledger.h"
#include "credential_authority/share_token.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// Longest re-share chain (shares from the owner credential down), and the
// furthest an ancestor search walks.
inline constexpr uint32_t kMaxReshareDepth = 64;

// The limits a share intent must respect.
struct ShareLimits {
  absl::Duration default_token_ttl = absl::Hours(48);
  absl::Duration max_token_ttl = absl::Hours(24 * 30);
  uint32_t max_redemptions_limit = 1000;
};

// The entitlements an access point of `kind` supports when its registration
// lists none.
std::vector<std::string> DefaultEntitlements(common::v1::AccessPointKind kind);

// At least one entitlement, each in the vocabulary.
absl::Status CheckEntitlements(const google::protobuf::RepeatedPtrField<std::string>& entitlements,
                               absl::string_view field);

// Each entitlement is one the access point supports ("unknown_entitlement").
absl::Status CheckSupportedBy(const credential_authority::v1::AccessPointRegistration& ap,
                              const google::protobuf::RepeatedPtrField<std::string>& entitlements);

// Both bounds present, not_after after not_before.
absl::Status CheckValidity(const common::v1::ValidityWindow& validity, absl::string_view field);

// The terms of a share of `sharer` as `intent` asks at `now`: the sharer's
// credential is live and allows sharing, the entitlements and validity lie
// within it, and max_redemptions (0 means 1) and the token TTL (0 means the
// default) are within `limits`.
absl::StatusOr<ShareTerms> ShareTermsFor(const CredentialRow& sharer,
                                         const credential_authority::v1::ShareIntent& intent,
                                         absl::Time now, const ShareLimits& limits);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_SHARE_POLICY_H_

#include "credential_authority/share_policy.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

const std::set<std::string>& KnownEntitlements() {
  static const auto* known =
      new std::set<std::string>{"unlock", "lock", "drive", "open_trunk", "enter"};
  return *known;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// The sharer's credential may be shared at `now`: not revoked, not expired,
// and its policy allows re-sharing.
absl::Status CheckSharerCredential(const CredentialRow& sharer, absl::Time now) {
  const common::v1::Credential& sc = sharer.credential;
  if (sharer.revoked_at.has_value()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "credential_revoked",
                     "the sharer's credential is revoked");
  }
  if (now > ToAbslTime(sc.validity().not_after())) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "credential_expired",
                     "the sharer's credential expired");
  }
  if (!sc.resharing_allowed()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "resharing_forbidden",
                     "the credential's policy does not allow sharing it");
  }
  return absl::OkStatus();
}

// The intent grants no more than the sharer holds: its entitlements and its
// validity window lie within the sharer's.
absl::Status CheckNoEscalation(const common::v1::Credential& sc, const cav1::ShareIntent& intent) {
  RETURN_IF_ERROR(CheckEntitlements(intent.entitlements(), "intent.entitlements"));
  for (const auto& e : intent.entitlements()) {
    if (!Contains(sc.entitlements(), e)) {
      return MakeError(absl::StatusCode::kPermissionDenied, "entitlement_escalation",
                       absl::StrCat("intent.entitlements: '", e, "' is not held by the sharer"));
    }
  }
  RETURN_IF_ERROR(CheckValidity(intent.validity(), "intent.validity"));
  if (ToAbslTime(intent.validity().not_before()) < ToAbslTime(sc.validity().not_before()) ||
      ToAbslTime(intent.validity().not_after()) > ToAbslTime(sc.validity().not_after())) {
    return MakeError(absl::StatusCode::kPermissionDenied, "validity_escalation",
                     "intent.validity lies outside the sharer's validity");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> DefaultEntitlements(common::v1::AccessPointKind kind) {
  switch (kind) {
    case common::v1::CAR:
      return {"unlock", "lock", "drive", "open_trunk"};
    case common::v1::DOOR:
      return {"enter", "unlock", "lock"};
    case common::v1::HOTEL_LOCK:
      return {"enter"};
    default:
      return {};
  }
}

absl::Status CheckEntitlements(const google::protobuf::RepeatedPtrField<std::string>& entitlements,
                               absl::string_view field) {
  if (entitlements.empty()) return InvalidField(field, "at least one entitlement required");
  for (const std::string& x : entitlements) {
    if (KnownEntitlements().count(x) == 0) {
      return MakeError(absl::StatusCode::kInvalidArgument, "unknown_entitlement",
                       absl::StrCat(field, ": unknown entitlement '", x, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSupportedBy(const cav1::AccessPointRegistration& ap,
                              const google::protobuf::RepeatedPtrField<std::string>& entitlements) {
  for (const auto& e : entitlements) {
    if (!Contains(ap.supported_entitlements(), e)) {
      return MakeError(absl::StatusCode::kInvalidArgument, "unknown_entitlement",
                       absl::StrCat("entitlements: access point '", ap.access_point_id(),
                                    "' does not support '", e, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckValidity(const common::v1::ValidityWindow& validity, absl::string_view field) {
  if (!validity.has_not_before() || !validity.has_not_after()) {
    return InvalidField(field, "not_before and not_after are required");
  }
  ASSIGN_OR_RETURN(absl::Time not_before,
                   FromProto(validity.not_before(), absl::StrCat(field, ".not_before")));
  ASSIGN_OR_RETURN(absl::Time not_after,
                   FromProto(validity.not_after(), absl::StrCat(field, ".not_after")));
  if (not_after <= not_before) {
    return InvalidField(field, "not_after must be after not_before");
  }
  return absl::OkStatus();
}

absl::StatusOr<ShareTerms> ShareTermsFor(const CredentialRow& sharer,
                                         const cav1::ShareIntent& intent, absl::Time now,
                                         const ShareLimits& limits) {
  const common::v1::Credential& sc = sharer.credential;
  RETURN_IF_ERROR(CheckSharerCredential(sharer, now));
  RETURN_IF_ERROR(CheckNoEscalation(sc, intent));
  ShareTerms terms;
  terms.max_redemptions = intent.max_redemptions() == 0 ? 1 : intent.max_redemptions();
  if (terms.max_redemptions > limits.max_redemptions_limit) {
    return InvalidField("intent.max_redemptions", "too large");
  }
  absl::Duration ttl = absl::ZeroDuration();
  if (intent.has_token_ttl()) {
    ASSIGN_OR_RETURN(ttl, FromProto(intent.token_ttl(), "intent.token_ttl"));
  }
  if (ttl < absl::ZeroDuration() || ttl > limits.max_token_ttl) {
    return InvalidField("intent.token_ttl", "negative or too long");
  }
  if (ttl == absl::ZeroDuration()) ttl = limits.default_token_ttl;
  terms.token_expires_at = LedgerTime(now + ttl);
  terms.access_point_id = sc.access_point_id();
  terms.credential_kind = sc.kind();
  terms.entitlements = intent.entitlements();
  terms.validity = intent.validity();
  terms.pin_required = intent.pin_required();
  terms.endorsement_required = intent.endorsement_required();
  terms.resharing_allowed = intent.resharing_allowed();
  return terms;
}

}  // namespace sct::ca

#include "credential_authority/ca_service.h"

#include <deque>
#include <iostream>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "credential_authority/authority_keys.h"
#include "crypto/digest.h"
#include "credential_authority/share_policy.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, reason, message);
}

// The access point a BootstrapOwner request names (directly or by the
// registration it carries).
absl::StatusOr<std::string> BootstrapAccessPointId(const cav1::BootstrapOwnerRequest& request) {
  std::string ap_id = request.access_point_id();
  if (ap_id.empty()) ap_id = request.access_point().access_point_id();
  if (ap_id.empty()) return InvalidField("access_point_id", "required");
  return ap_id;
}

}  // namespace

CaService::CaService(Ledger* ledger, const Clock* clock, crypto::EcdsaP256PrivateKey signing_key,
                     crypto::Certificate root_certificate, PinKey pin_key,
                     CaServiceOptions options)
    : ledger_(ledger),
      clock_(clock),
      signing_key_(std::move(signing_key)),
      root_(std::move(root_certificate)),
      options_(std::move(options)),
      key_id_(KeyIdOf(signing_key_.PublicKey().SpkiDer())),
      tokens_(&signing_key_, key_id_, options_.authority_id),
      issuer_(&signing_key_, &root_, options_.authority_id),
      attestation_(ledger, clock, options_.trusted_oems),
      holders_(ledger, clock, options_.proof_skew),
      pin_gate_(ledger, std::move(pin_key), options_.max_pin_attempts),
      steps_(ledger),
      feed_(ledger, clock, &signing_key_,
            RevocationFeedOptions{options_.authority_id, key_id_, options_.revocation_list_ttl,
                                  options_.default_heartbeat,
                                  options_.max_revocation_delta_versions}) {}

CaService::~CaService() { Shutdown(); }

void CaService::Shutdown() { feed_.Shutdown(); }

uint64_t CaService::revocation_version() const { return feed_.version(); }

Caller CaService::Identify(const std::string& cn) {
  Caller c;
  c.id = cn;
  if (cn.empty()) return c;
  if (cn == options_.admin_cn) {
    c.role = CallerRole::kAdmin;
  } else if (ledger_->GetOemRoot(cn).ok()) {
    c.role = CallerRole::kOem;
  } else if (ledger_->GetAccessPoint(cn).ok()) {
    c.role = CallerRole::kAccessPoint;
  }
  return c;
}

absl::StatusOr<cav1::RegisterOemResponse> CaService::RegisterOem(
    const Caller& caller, const cav1::RegisterOemRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  if (request.oem_id().empty()) return InvalidField("oem_id", "required");
  auto root = crypto::Certificate::FromDer(request.attestation_root_der());
  if (!root.ok() || !root->IsCa()) {
    return InvalidField("attestation_root_der", "not a DER CA certificate");
  }
  if (request.oem_id() == options_.admin_cn) {
    return InvalidField("oem_id", "collides with the admin identity");
  }
  ASSIGN_OR_RETURN(bool created, ledger_->PutOem(request.oem_id(), request.attestation_root_der()));
  cav1::RegisterOemResponse resp;
  resp.set_created(created);
  return resp;
}

absl::StatusOr<cav1::RegisterAccessPointResponse> CaService::RegisterAccessPoint(
    const Caller& caller, const cav1::RegisterAccessPointRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  cav1::AccessPointRegistration ap = request.access_point();
  if (ap.access_point_id().empty()) {
    return InvalidField("access_point.access_point_id", "required");
  }
  if (ap.kind() == common::v1::ACCESS_POINT_KIND_UNSPECIFIED ||
      !common::v1::AccessPointKind_IsValid(ap.kind())) {
    return InvalidField("access_point.kind", "required");
  }
  if (ap.supported_entitlements().empty()) {
    for (const auto& e : DefaultEntitlements(ap.kind())) ap.add_supported_entitlements(e);
  }
  RETURN_IF_ERROR(
      CheckEntitlements(ap.supported_entitlements(), "access_point.supported_entitlements"));
  if (!ap.public_key().empty() && !crypto::EcdsaP256PublicKey::FromSpkiDer(ap.public_key()).ok()) {
    return InvalidField("access_point.public_key", "not a P-256 SPKI");
  }
  ASSIGN_OR_RETURN(bool created, ledger_->PutAccessPoint(ap));
  cav1::RegisterAccessPointResponse resp;
  resp.set_access_point_id(ap.access_point_id());
  resp.set_created(created);
  return resp;
}

absl::StatusOr<cav1::BootstrapOwnerResponse> CaService::BootstrapOwner(
    const Caller& caller, const cav1::BootstrapOwnerRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  const RequestKey key = MakeRequestKey("BootstrapOwner", caller, request.request_id(), request);
  cav1::BootstrapOwnerResponse resp;
  ASSIGN_OR_RETURN(bool replayed, steps_.Replay(key, &resp));
  if (replayed) return resp;
  if (request.has_access_point()) {
    cav1::RegisterAccessPointRequest reg;
    *reg.mutable_access_point() = request.access_point();
    RETURN_IF_ERROR(RegisterAccessPoint(caller, reg).status());
  }
  ASSIGN_OR_RETURN(std::string ap_id, BootstrapAccessPointId(request));
  ASSIGN_OR_RETURN(cav1::AccessPointRegistration ap, ledger_->GetAccessPoint(ap_id));
  if (request.oem_id().empty()) return InvalidField("oem_id", "required");
  auto holder_key = crypto::EcdsaP256PublicKey::FromSpkiDer(request.holder_public_key());
  if (!holder_key.ok()) return InvalidField("holder_public_key", "not a P-256 SPKI");
  if (request.kind() != common::v1::ASYMMETRIC && request.kind() != common::v1::SYMMETRIC) {
    return InvalidField("kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  RETURN_IF_ERROR(CheckEntitlements(request.entitlements(), "entitlements"));
  RETURN_IF_ERROR(CheckSupportedBy(ap, request.entitlements()));
  RETURN_IF_ERROR(CheckValidity(request.validity(), "validity"));
  RETURN_IF_ERROR(attestation_.Verify(request.oem_id(), *holder_key, request.holder_attestation(),
                                      "holder_attestation"));
  CredentialRequest owner;
  owner.credential_id = NewUuidV4();
  owner.access_point = std::move(ap);
  owner.kind = request.kind();
  owner.entitlements = request.entitlements();
  owner.validity = request.validity();
  owner.resharing_allowed = request.resharing_allowed();
  owner.holder_spki = request.holder_public_key();
  owner.holder = &*holder_key;
  ASSIGN_OR_RETURN(IssuedCredential issued, issuer_.Issue(owner));
  *resp.mutable_credential() = issued.credential;
  RETURN_IF_ERROR(steps_.RecordOwnerCredential(issued, key, &resp).status());
  return resp;
}

absl::StatusOr<std::pair<CredentialRow, ShareTerms>> CaService::CheckShareRequest(
    const cav1::InitiateShareRequest& request, absl::Time now) {
  cav1::ShareIntent intent;
  if (request.intent().empty() || !intent.ParseFromString(request.intent())) {
    return InvalidField("intent", "not a serialized ShareIntent");
  }
  if (intent.credential_id().empty()) {
    return InvalidField("intent.credential_id", "required");
  }
  ASSIGN_OR_RETURN(CredentialRow sharer, holders_.VerifyShareIntent(intent, request.intent(),
                                                                    request.holder_proof(), now));
  const ShareLimits limits{options_.default_token_ttl, options_.max_token_ttl,
                           options_.max_redemptions_limit};
  ASSIGN_OR_RETURN(ShareTerms terms, ShareTermsFor(sharer, intent, now, limits));
  return std::make_pair(std::move(sharer), std::move(terms));
}

absl::StatusOr<cav1::InitiateShareResponse> CaService::InitiateShare(
    const Caller& caller, const cav1::InitiateShareRequest& request) {
  RETURN_IF_ERROR(RequireOem(caller));
  cav1::InitiateShareRequest without_pin = request;
  without_pin.clear_pin();
  const RequestKey key = MakeRequestKey("InitiateShare", caller, request.request_id(), without_pin);
  cav1::InitiateShareResponse resp;
  ASSIGN_OR_RETURN(bool replayed, steps_.Replay(key, &resp));
  if (replayed) return resp;
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(auto sharer_and_terms, CheckShareRequest(request, now));
  const common::v1::Credential& sharer = sharer_and_terms.first.credential;
  const ShareTerms& terms = sharer_and_terms.second;
  ASSIGN_OR_RETURN(std::optional<PinHash> pin,
                   pin_gate_.VerifierForNewShare(terms.pin_required, request.pin()));
  ASSIGN_OR_RETURN(uint32_t depth, steps_.DepthOfNewShare(sharer, now));

  const std::string share_id = NewUuidV4();
  ASSIGN_OR_RETURN(*resp.mutable_token(), tokens_.Mint(share_id, terms, now));
  resp.set_share_id(share_id);
  *resp.mutable_token_expires_at() = ToProtoTimestamp(terms.token_expires_at);
  const ShareRow row =
      NewShareRow(share_id, terms, sharer.credential_id(), caller.id, depth, now, pin);
  ASSIGN_OR_RETURN(bool recorded, steps_.RecordShare(row, key, &resp));
  if (recorded) {
    std::cerr << "ca: share initiated share=" << share_id << " by_oem=" << caller.id
              << " depth=" << depth << "\n";
  }
  return resp;
}

absl::StatusOr<crypto::EcdsaP256PublicKey> CaService::CheckReceiver(
    const Caller& caller, const ShareRow& share, const cav1::RedeemShareRequest& request) {
  auto receiver_key = crypto::EcdsaP256PublicKey::FromSpkiDer(request.receiver_public_key());
  if (!receiver_key.ok()) return InvalidField("receiver_public_key", "not a P-256 SPKI");
  RETURN_IF_ERROR(attestation_.Verify(caller.id, *receiver_key, request.receiver_attestation(),
                                      "receiver_attestation"));
  ASSIGN_OR_RETURN(CredentialRow parent,
                   ledger_->GetCredential(share.record.parent_credential_id()));
  if (share.endorsement_required) {
    RETURN_IF_ERROR(holders_.VerifyEndorsement(parent, share.record.share_id(),
                                               request.receiver_public_key(),
                                               request.sender_endorsement()));
  }
  return std::move(*receiver_key);
}

absl::StatusOr<cav1::RedeemShareResponse> CaService::RedeemShare(
    const Caller& caller, const cav1::RedeemShareRequest& request) {
  RETURN_IF_ERROR(RequireOem(caller));
  ASSIGN_OR_RETURN(common::v1::ShareTokenBody body, tokens_.Open(request.token()));
  cav1::RedeemShareRequest without_pin = request;
  without_pin.clear_pin();
  const RequestKey key = MakeRequestKey("RedeemShare", caller, request.request_id(), without_pin);
  cav1::RedeemShareResponse resp;
  ASSIGN_OR_RETURN(bool replayed, steps_.Replay(key, &resp));
  if (replayed) return resp;
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(ShareRow share, ledger_->GetShare(body.share_id(), now));
  RETURN_IF_ERROR(CheckRedeemable(share));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey receiver_key, CheckReceiver(caller, share, request));
  // Held until the commit gives it back (or, on failure, its destructor).
  ASSIGN_OR_RETURN(PinAttempt pin_attempt, pin_gate_.Admit(share, request.pin(), now));
  ASSIGN_OR_RETURN(cav1::AccessPointRegistration ap,
                   ledger_->GetAccessPoint(share.record.access_point_id()));
  CredentialRequest credential;
  credential.credential_id = NewUuidV4();
  credential.access_point = std::move(ap);
  credential.kind = share.credential_kind;
  credential.entitlements = share.record.entitlements();
  credential.validity = share.record.validity();
  credential.resharing_allowed = share.resharing_allowed;
  credential.parent_share_id = body.share_id();
  credential.holder_spki = request.receiver_public_key();
  credential.holder = &receiver_key;
  ASSIGN_OR_RETURN(IssuedCredential issued, issuer_.Issue(credential));
  resp.set_share_id(body.share_id());
  *resp.mutable_credential() = issued.credential;
  ASSIGN_OR_RETURN(bool committed, steps_.CommitRedemption(body.share_id(), caller.id, now, issued,
                                                           key, &resp, &pin_attempt));
  if (committed) {
    std::cerr << "ca: share redeemed share=" << body.share_id() << " by_oem=" << caller.id
              << " credential=" << resp.credential().credential_id() << "\n";
  }
  return resp;
}

cav1::RevokeResponse CaService::Notify(const RevocationResult& r) {
  cav1::RevokeResponse resp;
  for (const auto& s : r.share_ids) resp.add_revoked_share_ids(s);
  for (const auto& c : r.credential_ids) resp.add_revoked_credential_ids(c);
  resp.set_revocation_list_version(r.version);
  feed_.Publish(r.version);
  return resp;
}

absl::Status CaService::AuthorizeShareRevocation(const Caller& caller,
                                                 const cav1::RevokeShareRequest& request) {
  if (caller.role == CallerRole::kAdmin && !request.has_holder()) return absl::OkStatus();
  if (!request.has_holder()) return RequireAdmin(caller);
  RETURN_IF_ERROR(RequireOem(caller));
  RETURN_IF_ERROR(ledger_->GetShare(request.share_id(), clock_->Now()).status());
  ASSIGN_OR_RETURN(CredentialRow holder,
                   holders_.VerifyHolderProof(request.holder(), "RevokeShare", request.share_id()));
  ASSIGN_OR_RETURN(bool ancestor, holders_.IsAncestorOfShare(holder.credential.credential_id(),
                                                             request.share_id()));
  if (!ancestor) return Denied("not_holder", "holder's credential did not make this share");
  return absl::OkStatus();
}

absl::StatusOr<cav1::RevokeResponse> CaService::RevokeShare(
    const Caller& caller, const cav1::RevokeShareRequest& request) {
  if (request.share_id().empty()) return InvalidField("share_id", "required");
  RETURN_IF_ERROR(AuthorizeShareRevocation(caller, request));
  ASSIGN_OR_RETURN(RevocationResult r, ledger_->RevokeShare(request.share_id(), clock_->Now()));
  std::cerr << "ca: revoked share=" << request.share_id() << " by=" << caller.id
            << " shares=" << r.share_ids.size() << " credentials=" << r.credential_ids.size()
            << " version=" << r.version << "\n";
  return Notify(r);
}

absl::Status CaService::AuthorizeCredentialRevocation(
    const Caller& caller, const cav1::RevokeCredentialRequest& request) {
  if (caller.role == CallerRole::kAdmin && !request.has_holder()) return absl::OkStatus();
  if (!request.has_holder()) return RequireAdmin(caller);
  RETURN_IF_ERROR(RequireOem(caller));
  ASSIGN_OR_RETURN(CredentialRow target, ledger_->GetCredential(request.credential_id()));
  ASSIGN_OR_RETURN(
      CredentialRow holder,
      holders_.VerifyHolderProof(request.holder(), "RevokeCredential", request.credential_id()));
  bool allowed = holder.credential.credential_id() == request.credential_id();
  if (!allowed && !target.credential.parent_share_id().empty()) {
    ASSIGN_OR_RETURN(allowed, holders_.IsAncestorOfShare(holder.credential.credential_id(),
                                                         target.credential.parent_share_id()));
  }
  if (!allowed) return Denied("not_holder", "holder neither holds nor shared this credential");
  return absl::OkStatus();
}

absl::StatusOr<cav1::RevokeResponse> CaService::RevokeCredential(
    const Caller& caller, const cav1::RevokeCredentialRequest& request) {
  if (request.credential_id().empty()) return InvalidField("credential_id", "required");
  RETURN_IF_ERROR(AuthorizeCredentialRevocation(caller, request));
  ASSIGN_OR_RETURN(RevocationResult r,
                   ledger_->RevokeCredential(request.credential_id(), clock_->Now()));
  std::cerr << "ca: revoked credential=" << request.credential_id() << " by=" << caller.id
            << " shares=" << r.share_ids.size() << " credentials=" << r.credential_ids.size()
            << " version=" << r.version << "\n";
  return Notify(r);
}

absl::StatusOr<Ledger::ShareListing> CaService::ListingOf(const Caller& caller,
                                                          const cav1::ListSharesRequest& request) {
  Ledger::ShareListing listing;
  listing.descendants = request.include_descendants();
  if (request.scope_case() == cav1::ListSharesRequest::kCredentialId) {
    if (!(caller.role == CallerRole::kAdmin && !request.has_holder())) {
      if (!request.has_holder()) return RequireAdmin(caller);
      RETURN_IF_ERROR(RequireOem(caller));
      ASSIGN_OR_RETURN(
          CredentialRow holder,
          holders_.VerifyHolderProof(request.holder(), "ListShares", request.credential_id()));
      if (holder.credential.credential_id() != request.credential_id()) {
        return Denied("not_holder", "holder proof is for another credential");
      }
    }
    RETURN_IF_ERROR(ledger_->GetCredential(request.credential_id()).status());
    listing.by = Ledger::ShareListing::By::kParentCredential;
    listing.key = request.credential_id();
    return listing;
  }
  if (request.scope_case() == cav1::ListSharesRequest::kAccessPointId) {
    RETURN_IF_ERROR(RequireAdmin(caller));
    RETURN_IF_ERROR(ledger_->GetAccessPoint(request.access_point_id()).status());
    listing.by = Ledger::ShareListing::By::kAccessPoint;
    listing.key = request.access_point_id();
    return listing;
  }
  return InvalidField("scope", "credential_id or access_point_id required");
}

namespace {

// A ListShares page token: base64url("lsp1:" offset ":" scope digest). The
// digest ties it to the request it continues (scope and include_descendants),
// so a token cannot be replayed against another credential's listing.
constexpr absl::string_view kPageTokenPrefix = "lsp1";

std::string ListScopeDigest(const cav1::ListSharesRequest& request) {
  const std::string scope =
      absl::StrCat(static_cast<int>(request.scope_case()), "\n", request.credential_id(), "\n",
                   request.access_point_id(), "\n", request.owner_label(), "\n",
                   request.include_descendants() ? "d" : "-");
  return Base64UrlEncode(crypto::Sha256(scope).substr(0, 12));
}

std::string MakePageToken(const cav1::ListSharesRequest& request, uint64_t offset) {
  return Base64UrlEncode(
      absl::StrCat(kPageTokenPrefix, ":", offset, ":", ListScopeDigest(request)));
}

absl::StatusOr<uint64_t> ReadPageToken(const cav1::ListSharesRequest& request) {
  if (request.page_token().empty()) return 0;
  absl::StatusOr<std::string> raw = Base64UrlDecode(request.page_token(), "page_token");
  if (!raw.ok()) return InvalidField("page_token", "not a page token");
  std::vector<std::string> parts = absl::StrSplit(*raw, ':');
  uint64_t offset = 0;
  if (parts.size() != 3 || parts[0] != kPageTokenPrefix || !absl::SimpleAtoi(parts[1], &offset) ||
      offset == 0) {
    return InvalidField("page_token", "not a page token");
  }
  if (parts[2] != ListScopeDigest(request)) {
    return InvalidField("page_token", "belongs to another request (scope or include_descendants)");
  }
  return offset;
}

}  // namespace

absl::StatusOr<cav1::ListSharesResponse> CaService::ListShares(
    const Caller& caller, const cav1::ListSharesRequest& request) {
  const absl::Time now = clock_->Now();
  if (request.page_size() < 0) return InvalidField("page_size", "must not be negative");
  const uint64_t page_size =
      request.page_size() == 0
          ? kDefaultListSharesPageSize
          : std::min<uint64_t>(request.page_size(), kMaxListSharesPageSize);
  ASSIGN_OR_RETURN(const uint64_t offset, ReadPageToken(request));
  ASSIGN_OR_RETURN(const Ledger::ShareListing listing, ListingOf(caller, request));
  bool more = false;
  ASSIGN_OR_RETURN(std::vector<ShareRow> rows,
                   ledger_->ListSharesPage(listing, offset, page_size, now, &more));
  cav1::ListSharesResponse resp;
  for (ShareRow& row : rows) *resp.add_shares() = std::move(row.record);
  if (more) resp.set_next_page_token(MakePageToken(request, offset + rows.size()));
  return resp;
}

absl::StatusOr<cav1::GetRevocationListResponse> CaService::GetRevocationList(
    const Caller& caller, const cav1::GetRevocationListRequest& request) {
  ASSIGN_OR_RETURN(std::string ap_id, RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  cav1::GetRevocationListResponse resp;
  ASSIGN_OR_RETURN(uint64_t version, ledger_->RevocationVersion());
  resp.set_version(version);
  const uint64_t known = request.known_version();
  if (known == version && version != 0) {
    resp.set_not_modified(true);
    return resp;
  }
  if (known != 0 && known < version && version - known <= options_.max_revocation_delta_versions) {
    // The caller holds a list we can bring forward: only what came after it.
    ASSIGN_OR_RETURN(*resp.mutable_delta(), feed_.MakeDelta(known, version));
    return resp;
  }
  ASSIGN_OR_RETURN(*resp.mutable_list(), feed_.MakeList());
  cav1::RevocationListBody body;
  body.ParseFromString(resp.list().body());
  resp.set_version(body.version());
  return resp;
}

absl::StatusOr<cav1::GetAccessPointKeysResponse> CaService::GetAccessPointKeys(
    const Caller& caller, const cav1::GetAccessPointKeysRequest& request) {
  ASSIGN_OR_RETURN(std::string ap_id, RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  cav1::GetAccessPointKeysResponse resp;
  uint64_t last = 0;
  ASSIGN_OR_RETURN(std::vector<cav1::SymmetricKeyGrant> grants,
                   ledger_->GrantsAfter(ap_id, request.after_sequence(), &last));
  for (auto& g : grants) *resp.add_grants() = std::move(g);
  resp.set_last_sequence(last);
  return resp;
}

cav1::GetAuthorityInfoResponse CaService::GetAuthorityInfo() {
  cav1::GetAuthorityInfoResponse resp;
  resp.set_authority_id(options_.authority_id);
  auto der = root_.ToDer();
  if (der.ok()) resp.set_root_certificate_der(*der);
  resp.set_signing_public_key(signing_key_.PublicKey().SpkiDer());
  resp.set_key_id(key_id_);
  resp.set_revocation_list_version(revocation_version());
  return resp;
}

absl::Status CaService::WatchRevocations(
    const Caller& caller, const cav1::WatchRevocationsRequest& request,
    const std::function<bool(const cav1::RevocationUpdate&)>& send,
    const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(std::string ap_id, RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  absl::Duration heartbeat = absl::ZeroDuration();
  if (request.has_heartbeat_interval()) {
    ASSIGN_OR_RETURN(heartbeat, FromProto(request.heartbeat_interval(), "heartbeat_interval"));
  }
  return feed_.Watch(request.from_version(), heartbeat, send, cancelled);
}

}  // namespace sct::ca

#include "credential_authority/ca_service.h"

#include <openssl/sha.h>

#include <algorithm>
#include <deque>
#include <iostream>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "credential_authority/authority_keys.h"
#include "crypto/hpke.h"
#include "crypto/random.h"
#include "google/protobuf/util/time_util.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using ::google::protobuf::util::TimeUtil;

constexpr uint32_t kMaxChainDepth = 64;

absl::Time FromTs(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
}
google::protobuf::Timestamp ToTs(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}
absl::Duration FromDuration(const google::protobuf::Duration& d) {
  return absl::Microseconds(TimeUtil::DurationToMicroseconds(d));
}

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, reason, message);
}
absl::Status Precondition(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition, reason, message);
}

const std::set<std::string>& KnownEntitlements() {
  static const auto* known = new std::set<std::string>{
      "unlock", "lock", "drive", "open_trunk", "enter"};
  return *known;
}

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

absl::Status CheckEntitlements(
    const google::protobuf::RepeatedPtrField<std::string>& e,
    absl::string_view field) {
  if (e.empty())
    return InvalidField(field, "at least one entitlement required");
  for (const std::string& x : e) {
    if (KnownEntitlements().count(x) == 0) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       "unknown_entitlement",
                       absl::StrCat(field, ": unknown entitlement '", x, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckValidity(const common::v1::ValidityWindow& v,
                           absl::string_view field) {
  if (!v.has_not_before() || !v.has_not_after()) {
    return InvalidField(field, "not_before and not_after are required");
  }
  if (FromTs(v.not_after()) <= FromTs(v.not_before())) {
    return InvalidField(field, "not_after must be after not_before");
  }
  return absl::OkStatus();
}

std::string Sha256(absl::string_view data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof(d));
}

std::string Fingerprint(absl::string_view method, const Caller& caller,
                        const google::protobuf::Message& request) {
  return Sha256(absl::StrCat(method, std::string(1, '\0'), caller.id,
                             std::string(1, '\0'),
                             request.SerializeAsString()));
}

// Verifies an ECDSA signature given as DER or as 64-byte P1363.
absl::Status VerifyEcdsa(const crypto::EcdsaP256PublicKey& key,
                         absl::string_view message, absl::string_view sig) {
  if (key.Verify(message, sig, crypto::SignatureEncoding::kDer).ok()) {
    return absl::OkStatus();
  }
  if (sig.size() == crypto::kEcdsaP256P1363Size &&
      key.Verify(message, sig, crypto::SignatureEncoding::kP1363).ok()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError("signature does not verify");
}

}  // namespace

std::string SignedBytes(absl::string_view context, absl::string_view body) {
  return absl::StrCat(context, std::string(1, '\0'), body);
}

std::string HolderProofBytes(absl::string_view method,
                             absl::string_view subject, int64_t unix_seconds) {
  const std::string nul(1, '\0');
  return absl::StrCat(kHolderContext, nul, method, nul, subject, nul,
                      unix_seconds);
}

std::string CredentialHpkeInfo(absl::string_view credential_id) {
  return SignedBytes(kCredentialInfoContext, credential_id);
}

CaService::CaService(Ledger* ledger, const Clock* clock,
                     crypto::EcdsaP256PrivateKey signing_key,
                     crypto::Certificate root_certificate,
                     CaServiceOptions options)
    : ledger_(ledger),
      clock_(clock),
      signing_key_(std::move(signing_key)),
      root_(std::move(root_certificate)),
      options_(std::move(options)),
      key_id_(KeyIdOf(signing_key_.PublicKey().SpkiDer())) {
  auto v = ledger_->RevocationVersion();
  absl::MutexLock lock(&mu_);
  version_ = v.ok() ? *v : 0;
}

CaService::~CaService() { Shutdown(); }

void CaService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  changed_.SignalAll();
}

uint64_t CaService::revocation_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

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

absl::Status CaService::RequireOem(const Caller& caller) const {
  if (caller.role == CallerRole::kOem) return absl::OkStatus();
  return MakeError(absl::StatusCode::kUnauthenticated, "untrusted_oem",
                   "caller's TLS identity is not a registered OEM");
}

absl::Status CaService::RequireAdmin(const Caller& caller) const {
  if (caller.role == CallerRole::kAdmin) return absl::OkStatus();
  return Denied("not_admin", "admin identity required");
}

absl::StatusOr<std::string> CaService::RequireAccessPoint(
    const Caller& caller, const std::string& ap_id) const {
  if (caller.role == CallerRole::kAdmin) {
    if (ap_id.empty()) return InvalidField("access_point_id", "required");
    return ap_id;
  }
  if (caller.role == CallerRole::kAccessPoint &&
      (ap_id.empty() || ap_id == caller.id)) {
    return caller.id;
  }
  return MakeError(absl::StatusCode::kUnauthenticated, "untrusted_access_point",
                   "caller's TLS identity is not this registered access point");
}

absl::StatusOr<std::string> CaService::Sign(absl::string_view context,
                                            absl::string_view body) const {
  return signing_key_.Sign(SignedBytes(context, body),
                           crypto::SignatureEncoding::kDer);
}

absl::StatusOr<std::string> CaService::ResponseOf(
    const RequestRecord& stored, const std::string& method,
    const std::string& fingerprint) {
  if (stored.method != method || stored.fingerprint != fingerprint) {
    return MakeError(absl::StatusCode::kAlreadyExists, "request_id_conflict",
                     "request_id already used for a different request");
  }
  return stored.response;
}

absl::StatusOr<std::optional<std::string>> CaService::PriorResponse(
    const std::string& request_id, const std::string& method,
    const std::string& fingerprint) {
  if (request_id.empty()) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::optional<RequestRecord> rec,
                   ledger_->GetRequest(request_id));
  if (!rec.has_value()) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string response, ResponseOf(*rec, method, fingerprint));
  return std::optional<std::string>(std::move(response));
}

absl::Status CaService::VerifyAttestation(
    const std::string& oem_id, const crypto::EcdsaP256PublicKey& key,
    const common::v1::AttestationChain& chain, absl::string_view field) {
  ASSIGN_OR_RETURN(std::string root_der, ledger_->GetOemRoot(oem_id));
  std::optional<crypto::Certificate> cached;
  {
    absl::MutexLock lock(&roots_mu_);
    auto it = roots_.find(oem_id);
    if (it != roots_.end() && it->second.first == root_der) {
      cached = it->second.second;
    }
  }
  if (!cached.has_value()) {
    ASSIGN_OR_RETURN(crypto::Certificate parsed,
                     crypto::Certificate::FromDer(root_der));
    absl::MutexLock lock(&roots_mu_);
    roots_.insert_or_assign(oem_id, std::make_pair(root_der, parsed));
    cached = std::move(parsed);
  }
  const crypto::Certificate& root = *cached;
  if (chain.certificates_der().empty()) {
    return Denied("bad_attestation", absl::StrCat(field, ": empty chain"));
  }
  auto leaf = crypto::Certificate::FromDer(chain.certificates_der(0));
  if (!leaf.ok()) {
    return Denied("bad_attestation",
                  absl::StrCat(field, ": unparsable leaf certificate"));
  }
  std::vector<crypto::Certificate> intermediates;
  for (int i = 1; i < chain.certificates_der_size(); ++i) {
    auto c = crypto::Certificate::FromDer(chain.certificates_der(i));
    if (!c.ok()) {
      return Denied("bad_attestation",
                    absl::StrCat(field, ": unparsable certificate ", i));
    }
    intermediates.push_back(std::move(*c));
  }
  absl::Status v = crypto::VerifyCertificateChain(*leaf, intermediates, {root},
                                                  clock_->Now());
  if (!v.ok()) {
    return Denied("bad_attestation",
                  absl::StrCat(field, ": chain does not verify to OEM '",
                               oem_id, "' root: ", v.message()));
  }
  if (leaf->IsCa()) {
    return Denied("bad_attestation", absl::StrCat(field, ": leaf is a CA"));
  }
  auto attested = leaf->PublicKeyPoint();
  if (!attested.ok() || *attested != key.UncompressedPoint()) {
    return Denied("bad_attestation",
                  absl::StrCat(field, ": attested key is not the given key"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CredentialRow> CaService::VerifyHolderProof(
    const cav1::HolderProof& holder, absl::string_view method,
    absl::string_view subject) {
  if (holder.credential_id().empty()) {
    return InvalidField("holder.credential_id", "required");
  }
  ASSIGN_OR_RETURN(CredentialRow row,
                   ledger_->GetCredential(holder.credential_id()));
  absl::Time signed_at = FromTs(holder.signed_at());
  if (absl::AbsDuration(clock_->Now() - signed_at) > options_.proof_skew) {
    return Denied("stale_holder_proof",
                  "holder.signed_at is more than 5 minutes off");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey key,
                   crypto::EcdsaP256PublicKey::FromSpkiDer(
                       row.credential.holder_public_key()));
  if (!VerifyEcdsa(
           key,
           HolderProofBytes(method, subject, absl::ToUnixSeconds(signed_at)),
           holder.proof())
           .ok()) {
    return Denied("bad_holder_proof", "holder.proof does not verify");
  }
  return row;
}

absl::StatusOr<bool> CaService::HolderIsAncestorOfShare(
    const std::string& credential_id, const std::string& share_id) {
  std::string current = share_id;
  for (uint32_t i = 0; i < kMaxChainDepth && !current.empty(); ++i) {
    ASSIGN_OR_RETURN(ShareRow s, ledger_->GetShare(current, clock_->Now()));
    if (s.record.parent_credential_id() == credential_id) return true;
    ASSIGN_OR_RETURN(CredentialRow c,
                     ledger_->GetCredential(s.record.parent_credential_id()));
    current = c.credential.parent_share_id();
  }
  return false;
}

absl::StatusOr<common::v1::Credential> CaService::Issue(
    const IssueParams& p, std::optional<cav1::SymmetricKeyGrant>* grant) {
  common::v1::Credential cred;
  cred.set_credential_id(p.credential_id);
  cred.set_issuer(options_.authority_id);
  cred.set_access_point_id(p.access_point.access_point_id());
  cred.set_access_point_kind(p.access_point.kind());
  cred.set_kind(p.kind);
  for (const auto& e : p.entitlements) cred.add_entitlements(e);
  *cred.mutable_validity() = p.validity;
  cred.set_resharing_allowed(p.resharing_allowed);
  cred.set_parent_share_id(p.parent_share_id);
  cred.set_holder_public_key(p.holder_spki);
  std::optional<crypto::EcdsaP256PublicKey> parsed_holder;
  if (p.holder == nullptr) {
    ASSIGN_OR_RETURN(parsed_holder,
                     crypto::EcdsaP256PublicKey::FromSpkiDer(p.holder_spki));
  }
  const crypto::EcdsaP256PublicKey& holder =
      p.holder != nullptr ? *p.holder : *parsed_holder;
  if (p.kind == common::v1::ASYMMETRIC) {
    cav1::CredentialCertificateClaims claims;
    claims.set_version(1);
    claims.set_credential_id(p.credential_id);
    claims.set_access_point_id(p.access_point.access_point_id());
    for (const auto& e : p.entitlements) claims.add_entitlements(e);
    *claims.mutable_validity() = p.validity;
    claims.set_resharing_allowed(p.resharing_allowed);
    claims.set_parent_share_id(p.parent_share_id);
    crypto::CertificateSpec spec;
    spec.subject_cn = p.credential_id;
    spec.not_before = FromTs(p.validity.not_before());
    spec.not_after = FromTs(p.validity.not_after());
    spec.key_usage = crypto::kKeyUsageDigitalSignature;
    spec.extensions.push_back(
        crypto::X509ExtensionSpec{std::string(crypto::kOidEntitlements), true,
                                  claims.SerializeAsString()});
    ASSIGN_OR_RETURN(
        crypto::Certificate cert,
        crypto::IssueCertificate(spec, holder, root_, signing_key_));
    ASSIGN_OR_RETURN(std::string der, cert.ToDer());
    cred.mutable_asymmetric()->set_certificate_der(der);
    return cred;
  }
  if (p.kind != common::v1::SYMMETRIC) {
    return InvalidField("kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  if (p.access_point.public_key().empty()) {
    return InvalidField("access_point.public_key",
                        "required for symmetric credentials");
  }
  ASSIGN_OR_RETURN(
      crypto::EcdsaP256PublicKey ap_key,
      crypto::EcdsaP256PublicKey::FromSpkiDer(p.access_point.public_key()));
  ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(32));
  const std::string info = CredentialHpkeInfo(p.credential_id);
  auto seal = [&](const crypto::EcdsaP256PublicKey& to,
                  common::v1::SymmetricCredential* out) -> absl::Status {
    ASSIGN_OR_RETURN(crypto::HpkeSenderContext ctx,
                     crypto::HpkeSetupSender(crypto::kHpkeP256Sha256Aes128Gcm,
                                             to.UncompressedPoint(), info));
    ASSIGN_OR_RETURN(std::string ct, ctx.Seal("", key));
    out->set_hpke_enc(ctx.enc());
    out->set_sealed_key(ct);
    out->set_hpke_info(info);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(seal(holder, cred.mutable_symmetric()));
  cav1::SymmetricKeyGrant g;
  g.set_credential_id(p.credential_id);
  for (const auto& e : p.entitlements) g.add_entitlements(e);
  *g.mutable_validity() = p.validity;
  RETURN_IF_ERROR(seal(ap_key, g.mutable_sealed()));
  *grant = std::move(g);
  return cred;
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
  ASSIGN_OR_RETURN(
      bool created,
      ledger_->PutOem(request.oem_id(), request.attestation_root_der()));
  cav1::RegisterOemResponse resp;
  resp.set_created(created);
  return resp;
}

absl::StatusOr<cav1::RegisterAccessPointResponse>
CaService::RegisterAccessPoint(
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
    for (const auto& e : DefaultEntitlements(ap.kind())) {
      ap.add_supported_entitlements(e);
    }
  }
  RETURN_IF_ERROR(CheckEntitlements(ap.supported_entitlements(),
                                    "access_point.supported_entitlements"));
  if (!ap.public_key().empty() &&
      !crypto::EcdsaP256PublicKey::FromSpkiDer(ap.public_key()).ok()) {
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
  const std::string fp = Fingerprint("BootstrapOwner", caller, request);
  ASSIGN_OR_RETURN(auto prior,
                   PriorResponse(request.request_id(), "BootstrapOwner", fp));
  cav1::BootstrapOwnerResponse resp;
  if (prior.has_value()) {
    resp.ParseFromString(*prior);
    return resp;
  }
  if (request.has_access_point()) {
    cav1::RegisterAccessPointRequest reg;
    *reg.mutable_access_point() = request.access_point();
    RETURN_IF_ERROR(RegisterAccessPoint(caller, reg).status());
  }
  std::string ap_id = request.access_point_id();
  if (ap_id.empty()) ap_id = request.access_point().access_point_id();
  if (ap_id.empty()) return InvalidField("access_point_id", "required");
  ASSIGN_OR_RETURN(cav1::AccessPointRegistration ap,
                   ledger_->GetAccessPoint(ap_id));
  if (request.oem_id().empty()) return InvalidField("oem_id", "required");
  auto holder_key =
      crypto::EcdsaP256PublicKey::FromSpkiDer(request.holder_public_key());
  if (!holder_key.ok()) {
    return InvalidField("holder_public_key", "not a P-256 SPKI");
  }
  if (request.kind() != common::v1::ASYMMETRIC &&
      request.kind() != common::v1::SYMMETRIC) {
    return InvalidField("kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  RETURN_IF_ERROR(CheckEntitlements(request.entitlements(), "entitlements"));
  for (const auto& e : request.entitlements()) {
    if (std::find(ap.supported_entitlements().begin(),
                  ap.supported_entitlements().end(),
                  e) == ap.supported_entitlements().end()) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       "unknown_entitlement",
                       absl::StrCat("entitlements: access point '", ap_id,
                                    "' does not support '", e, "'"));
    }
  }
  RETURN_IF_ERROR(CheckValidity(request.validity(), "validity"));
  RETURN_IF_ERROR(VerifyAttestation(request.oem_id(), *holder_key,
                                    request.holder_attestation(),
                                    "holder_attestation"));
  IssueParams p;
  p.credential_id = NewUuidV4();
  p.access_point = ap;
  p.kind = request.kind();
  p.entitlements.assign(request.entitlements().begin(),
                        request.entitlements().end());
  p.validity = request.validity();
  p.resharing_allowed = request.resharing_allowed();
  p.holder_spki = request.holder_public_key();
  p.holder = &*holder_key;
  std::optional<cav1::SymmetricKeyGrant> grant;
  ASSIGN_OR_RETURN(*resp.mutable_credential(), Issue(p, &grant));
  RequestRecord rec{request.request_id(), "BootstrapOwner", fp,
                    resp.SerializeAsString()};
  ASSIGN_OR_RETURN(WriteOutcome outcome, ledger_->InsertCredential(resp.credential(), grant, rec));
  if (!outcome.applied()) {
    ASSIGN_OR_RETURN(std::string stored,
                     ResponseOf(*outcome.already_recorded, "BootstrapOwner", fp));
    resp.ParseFromString(stored);
    return resp;
  }
  return resp;
}

absl::StatusOr<cav1::InitiateShareResponse> CaService::InitiateShare(
    const Caller& caller, const cav1::InitiateShareRequest& request) {
  RETURN_IF_ERROR(RequireOem(caller));
  cav1::InitiateShareRequest without_pin = request;
  without_pin.clear_pin();
  const std::string fp = Fingerprint("InitiateShare", caller, without_pin);
  ASSIGN_OR_RETURN(auto prior,
                   PriorResponse(request.request_id(), "InitiateShare", fp));
  cav1::InitiateShareResponse resp;
  if (prior.has_value()) {
    resp.ParseFromString(*prior);
    return resp;
  }
  cav1::ShareIntent intent;
  if (request.intent().empty() || !intent.ParseFromString(request.intent())) {
    return InvalidField("intent", "not a serialized ShareIntent");
  }
  if (intent.credential_id().empty()) {
    return InvalidField("intent.credential_id", "required");
  }
  ASSIGN_OR_RETURN(CredentialRow sharer,
                   ledger_->GetCredential(intent.credential_id()));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey holder_key,
                   crypto::EcdsaP256PublicKey::FromSpkiDer(
                       sharer.credential.holder_public_key()));
  if (!VerifyEcdsa(holder_key,
                   SignedBytes(kShareIntentContext, request.intent()),
                   request.holder_proof())
           .ok()) {
    return Denied("bad_holder_proof",
                  "holder_proof does not verify with the credential's key");
  }
  const absl::Time now = clock_->Now();
  if (absl::AbsDuration(now - FromTs(intent.signed_at())) >
      options_.proof_skew) {
    return Denied("stale_holder_proof",
                  "intent.signed_at is more than 5 minutes off");
  }
  const common::v1::Credential& sc = sharer.credential;
  if (sharer.revoked_at.has_value()) {
    return Precondition("credential_revoked",
                        "the sharer's credential is revoked");
  }
  if (now > FromTs(sc.validity().not_after())) {
    return Precondition("credential_expired",
                        "the sharer's credential expired");
  }
  if (!sc.resharing_allowed()) {
    return Denied("resharing_forbidden",
                  "the credential's policy does not allow sharing it");
  }
  RETURN_IF_ERROR(
      CheckEntitlements(intent.entitlements(), "intent.entitlements"));
  for (const auto& e : intent.entitlements()) {
    if (std::find(sc.entitlements().begin(), sc.entitlements().end(), e) ==
        sc.entitlements().end()) {
      return Denied("entitlement_escalation",
                    absl::StrCat("intent.entitlements: '", e,
                                 "' is not held by the sharer"));
    }
  }
  RETURN_IF_ERROR(CheckValidity(intent.validity(), "intent.validity"));
  if (FromTs(intent.validity().not_before()) <
          FromTs(sc.validity().not_before()) ||
      FromTs(intent.validity().not_after()) >
          FromTs(sc.validity().not_after())) {
    return Denied("validity_escalation",
                  "intent.validity lies outside the sharer's validity");
  }
  uint32_t max_redemptions =
      intent.max_redemptions() == 0 ? 1 : intent.max_redemptions();
  if (max_redemptions > options_.max_redemptions_limit) {
    return InvalidField("intent.max_redemptions", "too large");
  }
  absl::Duration ttl = intent.has_token_ttl() ? FromDuration(intent.token_ttl())
                                              : absl::ZeroDuration();
  if (ttl < absl::ZeroDuration() || ttl > options_.max_token_ttl) {
    return InvalidField("intent.token_ttl", "negative or too long");
  }
  if (ttl == absl::ZeroDuration()) ttl = options_.default_token_ttl;

  ShareRow row;
  if (intent.pin_required()) {
    RETURN_IF_ERROR(ValidatePin(request.pin(), "pin"));
    ASSIGN_OR_RETURN(PinHash h,
                     HashPin(request.pin(), options_.pin_iterations));
    row.pin_salt = h.salt;
    row.pin_hash = h.hash;
    row.pin_iterations = h.iterations;
  } else if (!request.pin().empty()) {
    return InvalidField("pin", "given but intent.pin_required is false");
  }
  uint32_t depth = 1;
  if (!sc.parent_share_id().empty()) {
    ASSIGN_OR_RETURN(ShareRow parent,
                     ledger_->GetShare(sc.parent_share_id(), now));
    depth = parent.record.depth() + 1;
  }
  if (depth > kMaxChainDepth) {
    return Denied("resharing_forbidden", "re-share chain too deep");
  }

  common::v1::ShareTokenBody body;
  body.set_version(1);
  body.set_share_id(NewUuidV4());
  body.set_issuer(options_.authority_id);
  body.set_access_point_id(sc.access_point_id());
  body.set_credential_kind(sc.kind());
  *body.mutable_entitlements() = intent.entitlements();
  *body.mutable_validity() = intent.validity();
  *body.mutable_token_expires_at() = ToTs(now + ttl);
  body.set_max_redemptions(max_redemptions);
  body.set_pin_required(intent.pin_required());
  body.set_endorsement_required(intent.endorsement_required());
  body.set_resharing_allowed(intent.resharing_allowed());
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(16));
  body.set_nonce(nonce);
  *body.mutable_issued_at() = ToTs(now);
  const std::string body_bytes = body.SerializeAsString();
  ASSIGN_OR_RETURN(std::string sig, Sign(kShareTokenContext, body_bytes));

  common::v1::ShareRecord& r = row.record;
  r.set_share_id(body.share_id());
  r.set_parent_credential_id(sc.credential_id());
  r.set_access_point_id(sc.access_point_id());
  *r.mutable_entitlements() = intent.entitlements();
  *r.mutable_validity() = intent.validity();
  r.set_state(common::v1::PENDING);
  r.set_max_redemptions(max_redemptions);
  r.set_pin_required(intent.pin_required());
  r.set_sharer_oem_id(caller.id);
  *r.mutable_created_at() = ToTs(now);
  *r.mutable_token_expires_at() = body.token_expires_at();
  r.set_depth(depth);
  row.credential_kind = sc.kind();
  row.resharing_allowed = intent.resharing_allowed();
  row.endorsement_required = intent.endorsement_required();

  resp.set_share_id(body.share_id());
  resp.mutable_token()->set_body(body_bytes);
  resp.mutable_token()->set_signature(sig);
  resp.mutable_token()->set_key_id(key_id_);
  *resp.mutable_token_expires_at() = body.token_expires_at();
  RequestRecord rec{request.request_id(), "InitiateShare", fp,
                    resp.SerializeAsString()};
  ASSIGN_OR_RETURN(WriteOutcome outcome, ledger_->InsertShare(row, rec));
  if (!outcome.applied()) {
    ASSIGN_OR_RETURN(std::string stored,
                     ResponseOf(*outcome.already_recorded, "InitiateShare", fp));
    resp.ParseFromString(stored);
    return resp;
  }
  std::cerr << "ca: share initiated share=" << body.share_id()
            << " by_oem=" << caller.id << " depth=" << depth << "\n";
  return resp;
}

absl::StatusOr<cav1::RedeemShareResponse> CaService::RedeemShare(
    const Caller& caller, const cav1::RedeemShareRequest& request) {
  RETURN_IF_ERROR(RequireOem(caller));
  if (request.token().key_id() != key_id_ ||
      !signing_key_.PublicKey()
           .Verify(SignedBytes(kShareTokenContext, request.token().body()),
                   request.token().signature(), crypto::SignatureEncoding::kDer)
           .ok()) {
    return Denied("bad_token_signature",
                  "token is not signed by this authority");
  }
  common::v1::ShareTokenBody body;
  if (!body.ParseFromString(request.token().body()) || body.version() != 1 ||
      body.issuer() != options_.authority_id) {
    return Denied("bad_token_signature",
                  "token body is not a v1 token of ours");
  }
  cav1::RedeemShareRequest without_pin = request;
  without_pin.clear_pin();
  const std::string fp = Fingerprint("RedeemShare", caller, without_pin);
  ASSIGN_OR_RETURN(auto prior,
                   PriorResponse(request.request_id(), "RedeemShare", fp));
  cav1::RedeemShareResponse resp;
  if (prior.has_value()) {
    resp.ParseFromString(*prior);
    return resp;
  }
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(ShareRow share, ledger_->GetShare(body.share_id(), now));
  switch (share.record.state()) {
    case common::v1::REVOKED:
      return Precondition("share_revoked", "share was revoked");
    case common::v1::LOCKED:
      return Precondition("share_locked", "share locked after 5 wrong PINs");
    case common::v1::REDEEMED:
      return Precondition("share_already_redeemed", "share already redeemed");
    case common::v1::EXPIRED:
      return Precondition("share_expired", "share token expired");
    default:
      break;
  }
  auto receiver_key =
      crypto::EcdsaP256PublicKey::FromSpkiDer(request.receiver_public_key());
  if (!receiver_key.ok()) {
    return InvalidField("receiver_public_key", "not a P-256 SPKI");
  }
  RETURN_IF_ERROR(VerifyAttestation(caller.id, *receiver_key,
                                    request.receiver_attestation(),
                                    "receiver_attestation"));
  ASSIGN_OR_RETURN(CredentialRow parent,
                   ledger_->GetCredential(share.record.parent_credential_id()));
  if (share.endorsement_required) {
    if (request.sender_endorsement().empty()) {
      return Denied("endorsement_required",
                    "share requires the sender's endorsement");
    }
    ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey sender,
                     crypto::EcdsaP256PublicKey::FromSpkiDer(
                         parent.credential.holder_public_key()));
    const std::string nul(1, '\0');
    if (!VerifyEcdsa(sender,
                     absl::StrCat(kEndorseContext, nul, body.share_id(), nul,
                                  request.receiver_public_key()),
                     request.sender_endorsement())
             .ok()) {
      return Denied("bad_endorsement", "sender_endorsement does not verify");
    }
  }
  bool pin_attempt_held = false;
  if (share.record.pin_required()) {
    if (request.pin().empty()) {
      return Denied("pin_required", "this share requires its PIN");
    }
    RETURN_IF_ERROR(ValidatePin(request.pin(), "pin"));
    // Count the attempt before checking it, so that parallel guesses cannot
    // exceed the limit.
    RETURN_IF_ERROR(
        ledger_->ReservePinAttempt(body.share_id(), kMaxPinAttempts, now));
    absl::StatusOr<bool> ok = VerifyPin(
        request.pin(),
        PinHash{share.pin_salt, share.pin_hash, share.pin_iterations});
    if (!ok.ok() || !*ok) {
      ASSIGN_OR_RETURN(
          uint32_t attempts,
          ledger_->RecordWrongPin(body.share_id(), kMaxPinAttempts));
      RETURN_IF_ERROR(ok.status());
      std::cerr << "ca: wrong PIN share=" << body.share_id()
                << " attempts=" << attempts << "\n";
      return Denied(
          "wrong_pin",
          attempts >= kMaxPinAttempts
              ? std::string("wrong PIN; the share is now locked")
              : absl::StrCat("wrong PIN; ", kMaxPinAttempts - attempts,
                             " attempts left"));
    }
    pin_attempt_held = true;
  }
  // A right PIN's reserved attempt is given back by the commit, or here if
  // the redemption fails for another reason.
  struct Release {
    Ledger* ledger;
    const std::string& share_id;
    bool* held;
    ~Release() {
      if (*held) (void)ledger->ReleasePinAttempt(share_id);
    }
  } release{ledger_, body.share_id(), &pin_attempt_held};
  ASSIGN_OR_RETURN(cav1::AccessPointRegistration ap,
                   ledger_->GetAccessPoint(share.record.access_point_id()));
  IssueParams p;
  p.credential_id = NewUuidV4();
  p.access_point = ap;
  p.kind = share.credential_kind;
  p.entitlements.assign(share.record.entitlements().begin(),
                        share.record.entitlements().end());
  p.validity = share.record.validity();
  p.resharing_allowed = share.resharing_allowed;
  p.parent_share_id = body.share_id();
  p.holder_spki = request.receiver_public_key();
  p.holder = &*receiver_key;
  std::optional<cav1::SymmetricKeyGrant> grant;
  resp.set_share_id(body.share_id());
  ASSIGN_OR_RETURN(*resp.mutable_credential(), Issue(p, &grant));
  RequestRecord rec{request.request_id(), "RedeemShare", fp,
                    resp.SerializeAsString()};
  ASSIGN_OR_RETURN(WriteOutcome outcome,
                   ledger_->CommitRedemption(body.share_id(), caller.id, now,
                                             resp.credential(), grant, rec,
                                             pin_attempt_held));
  if (!outcome.applied()) {
    ASSIGN_OR_RETURN(std::string stored,
                     ResponseOf(*outcome.already_recorded, "RedeemShare", fp));
    resp.ParseFromString(stored);
    return resp;
  }
  pin_attempt_held = false;  // released by the commit
  std::cerr << "ca: share redeemed share=" << body.share_id()
            << " by_oem=" << caller.id
            << " credential=" << resp.credential().credential_id() << "\n";
  return resp;
}

cav1::RevokeResponse CaService::Notify(const RevocationResult& r) {
  cav1::RevokeResponse resp;
  for (const auto& s : r.share_ids) resp.add_revoked_share_ids(s);
  for (const auto& c : r.credential_ids) resp.add_revoked_credential_ids(c);
  resp.set_revocation_list_version(r.version);
  absl::MutexLock lock(&mu_);
  if (r.version > version_) {
    version_ = r.version;
    changed_.SignalAll();
  }
  return resp;
}

absl::StatusOr<cav1::RevokeResponse> CaService::RevokeShare(
    const Caller& caller, const cav1::RevokeShareRequest& request) {
  if (request.share_id().empty()) return InvalidField("share_id", "required");
  if (caller.role == CallerRole::kAdmin && !request.has_holder()) {
    // Admin revocation.
  } else {
    if (!request.has_holder()) return RequireAdmin(caller);
    RETURN_IF_ERROR(RequireOem(caller));
    ASSIGN_OR_RETURN(ShareRow share,
                     ledger_->GetShare(request.share_id(), clock_->Now()));
    (void)share;
    ASSIGN_OR_RETURN(
        CredentialRow holder,
        VerifyHolderProof(request.holder(), "RevokeShare", request.share_id()));
    ASSIGN_OR_RETURN(bool ancestor,
                     HolderIsAncestorOfShare(holder.credential.credential_id(),
                                             request.share_id()));
    if (!ancestor) {
      return Denied("not_holder",
                    "holder's credential did not make this share");
    }
  }
  ASSIGN_OR_RETURN(RevocationResult r,
                   ledger_->RevokeShare(request.share_id(), clock_->Now()));
  std::cerr << "ca: revoked share=" << request.share_id() << " by=" << caller.id
            << " shares=" << r.share_ids.size()
            << " credentials=" << r.credential_ids.size()
            << " version=" << r.version << "\n";
  return Notify(r);
}

absl::StatusOr<cav1::RevokeResponse> CaService::RevokeCredential(
    const Caller& caller, const cav1::RevokeCredentialRequest& request) {
  if (request.credential_id().empty()) {
    return InvalidField("credential_id", "required");
  }
  if (caller.role == CallerRole::kAdmin && !request.has_holder()) {
    // Admin revocation.
  } else {
    if (!request.has_holder()) return RequireAdmin(caller);
    RETURN_IF_ERROR(RequireOem(caller));
    ASSIGN_OR_RETURN(CredentialRow target,
                     ledger_->GetCredential(request.credential_id()));
    ASSIGN_OR_RETURN(CredentialRow holder,
                     VerifyHolderProof(request.holder(), "RevokeCredential",
                                       request.credential_id()));
    bool allowed = holder.credential.credential_id() == request.credential_id();
    if (!allowed && !target.credential.parent_share_id().empty()) {
      ASSIGN_OR_RETURN(allowed, HolderIsAncestorOfShare(
                                    holder.credential.credential_id(),
                                    target.credential.parent_share_id()));
    }
    if (!allowed) {
      return Denied("not_holder",
                    "holder neither holds nor shared this credential");
    }
  }
  ASSIGN_OR_RETURN(
      RevocationResult r,
      ledger_->RevokeCredential(request.credential_id(), clock_->Now()));
  std::cerr << "ca: revoked credential=" << request.credential_id()
            << " by=" << caller.id << " shares=" << r.share_ids.size()
            << " credentials=" << r.credential_ids.size()
            << " version=" << r.version << "\n";
  return Notify(r);
}

absl::StatusOr<cav1::ListSharesResponse> CaService::ListShares(
    const Caller& caller, const cav1::ListSharesRequest& request) {
  const absl::Time now = clock_->Now();
  std::vector<ShareRow> roots;
  if (request.scope_case() == cav1::ListSharesRequest::kCredentialId) {
    if (!(caller.role == CallerRole::kAdmin && !request.has_holder())) {
      if (!request.has_holder()) return RequireAdmin(caller);
      RETURN_IF_ERROR(RequireOem(caller));
      ASSIGN_OR_RETURN(CredentialRow holder,
                       VerifyHolderProof(request.holder(), "ListShares",
                                         request.credential_id()));
      if (holder.credential.credential_id() != request.credential_id()) {
        return Denied("not_holder", "holder proof is for another credential");
      }
    }
    RETURN_IF_ERROR(ledger_->GetCredential(request.credential_id()).status());
    ASSIGN_OR_RETURN(roots,
                     ledger_->ListSharesByParent(request.credential_id(), now));
  } else if (request.scope_case() == cav1::ListSharesRequest::kAccessPointId) {
    RETURN_IF_ERROR(RequireAdmin(caller));
    RETURN_IF_ERROR(
        ledger_->GetAccessPoint(request.access_point_id()).status());
    ASSIGN_OR_RETURN(roots, ledger_->ListSharesByAccessPoint(
                                request.access_point_id(), now));
  } else {
    return InvalidField("scope", "credential_id or access_point_id required");
  }
  cav1::ListSharesResponse resp;
  std::set<std::string> seen;
  std::deque<ShareRow> queue(roots.begin(), roots.end());
  while (!queue.empty()) {
    ShareRow s = std::move(queue.front());
    queue.pop_front();
    if (!seen.insert(s.record.share_id()).second) continue;
    if (request.include_descendants()) {
      for (const auto& cid : s.record.issued_credential_ids()) {
        ASSIGN_OR_RETURN(std::vector<ShareRow> kids,
                         ledger_->ListSharesByParent(cid, now));
        for (auto& k : kids) queue.push_back(std::move(k));
      }
    }
    *resp.add_shares() = std::move(s.record);
  }
  return resp;
}

absl::StatusOr<cav1::SignedRevocationList> CaService::MakeList() {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(uint64_t version, ledger_->RevocationVersion());
  ASSIGN_OR_RETURN(std::vector<cav1::RevocationEntry> entries,
                   ledger_->RevocationsAfter(0, now));
  cav1::RevocationListBody body;
  body.set_authority_id(options_.authority_id);
  body.set_version(version);
  *body.mutable_issued_at() = ToTs(now);
  *body.mutable_next_update() = ToTs(now + options_.revocation_list_ttl);
  for (auto& e : entries) {
    if (e.version() <= version) *body.add_entries() = std::move(e);
  }
  cav1::SignedRevocationList list;
  list.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(*list.mutable_signature(),
                   Sign(kRevocationListContext, list.body()));
  list.set_key_id(key_id_);
  return list;
}

absl::StatusOr<cav1::SignedRevocationDelta> CaService::MakeDelta(
    uint64_t from_version, uint64_t to_version) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(
      std::vector<cav1::RevocationEntry> entries,
      ledger_->RevocationsAfter(from_version, absl::InfinitePast()));
  cav1::RevocationDeltaBody body;
  body.set_authority_id(options_.authority_id);
  body.set_from_version(from_version);
  body.set_to_version(to_version);
  *body.mutable_issued_at() = ToTs(now);
  *body.mutable_next_update() = ToTs(now + options_.revocation_list_ttl);
  for (auto& e : entries) {
    if (e.version() <= to_version) *body.add_entries() = std::move(e);
  }
  cav1::SignedRevocationDelta delta;
  delta.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(*delta.mutable_signature(),
                   Sign(kRevocationDeltaContext, delta.body()));
  delta.set_key_id(key_id_);
  return delta;
}

absl::StatusOr<cav1::GetRevocationListResponse> CaService::GetRevocationList(
    const Caller& caller, const cav1::GetRevocationListRequest& request) {
  ASSIGN_OR_RETURN(std::string ap_id,
                   RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  cav1::GetRevocationListResponse resp;
  ASSIGN_OR_RETURN(uint64_t version, ledger_->RevocationVersion());
  resp.set_version(version);
  if (request.known_version() == version && version != 0) {
    resp.set_not_modified(true);
    return resp;
  }
  ASSIGN_OR_RETURN(*resp.mutable_list(), MakeList());
  cav1::RevocationListBody body;
  body.ParseFromString(resp.list().body());
  resp.set_version(body.version());
  return resp;
}

absl::StatusOr<cav1::GetAccessPointKeysResponse> CaService::GetAccessPointKeys(
    const Caller& caller, const cav1::GetAccessPointKeysRequest& request) {
  ASSIGN_OR_RETURN(std::string ap_id,
                   RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  cav1::GetAccessPointKeysResponse resp;
  uint64_t last = 0;
  ASSIGN_OR_RETURN(
      std::vector<cav1::SymmetricKeyGrant> grants,
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
  ASSIGN_OR_RETURN(std::string ap_id,
                   RequireAccessPoint(caller, request.access_point_id()));
  RETURN_IF_ERROR(ledger_->GetAccessPoint(ap_id).status());
  ASSIGN_OR_RETURN(uint64_t current, ledger_->RevocationVersion());
  if (request.from_version() > current) {
    return MakeError(absl::StatusCode::kOutOfRange,
                     "unknown_revocation_version",
                     "from_version is ahead of the authority");
  }
  absl::Duration heartbeat = request.has_heartbeat_interval()
                                 ? FromDuration(request.heartbeat_interval())
                                 : absl::ZeroDuration();
  if (heartbeat <= absl::ZeroDuration()) heartbeat = options_.default_heartbeat;
  heartbeat = std::max(heartbeat, absl::Milliseconds(100));

  uint64_t known = request.from_version();
  cav1::RevocationUpdate first;
  if (known == 0) {
    ASSIGN_OR_RETURN(*first.mutable_snapshot(), MakeList());
    cav1::RevocationListBody body;
    body.ParseFromString(first.snapshot().body());
    known = body.version();
  } else if (known < current) {
    ASSIGN_OR_RETURN(*first.mutable_delta(), MakeDelta(known, current));
    known = current;
  } else {
    first.set_heartbeat_version(known);
  }
  if (!send(first)) return absl::OkStatus();
  absl::Time last_sent = absl::Now();  // pacing only, not a protocol time
  while (true) {
    uint64_t target;
    {
      absl::MutexLock lock(&mu_);
      // Poll for cancellation at most every 200 ms while idle.
      absl::Duration wait = std::min(absl::Milliseconds(200),
                                     last_sent + heartbeat - absl::Now());
      if (!shutdown_ && version_ <= known && wait > absl::ZeroDuration()) {
        changed_.WaitWithTimeout(&mu_, wait);
      }
      if (shutdown_) {
        return MakeError(absl::StatusCode::kUnavailable, "shutting_down",
                         "authority is shutting down");
      }
      target = version_;
    }
    if (cancelled()) return absl::CancelledError("watch cancelled");
    cav1::RevocationUpdate update;
    if (target > known) {
      ASSIGN_OR_RETURN(*update.mutable_delta(), MakeDelta(known, target));
      known = target;
    } else if (absl::Now() - last_sent >= heartbeat) {
      update.set_heartbeat_version(known);
    } else {
      continue;
    }
    if (!send(update)) return absl::OkStatus();
    last_sent = absl::Now();
  }
}

}  // namespace sct::ca

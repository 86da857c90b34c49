#include "credential_authority/credential_issuer.h"

#include <utility>

#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/hpke.h"
#include "crypto/random.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

// Seals `key` to `to` with HPKE base mode (info = the credential's HPKE info).
absl::Status Seal(const crypto::EcdsaP256PublicKey& to, const std::string& key,
                  const std::string& info, common::v1::SymmetricCredential* out) {
  ASSIGN_OR_RETURN(
      crypto::HpkeSenderContext ctx,
      crypto::HpkeSetupSender(crypto::kHpkeP256Sha256Aes128Gcm, to.UncompressedPoint(), info));
  ASSIGN_OR_RETURN(std::string ct, ctx.Seal("", key));
  out->set_hpke_enc(ctx.enc());
  out->set_sealed_key(ct);
  out->set_hpke_info(info);
  return absl::OkStatus();
}

}  // namespace

CredentialIssuer::CredentialIssuer(const crypto::EcdsaP256PrivateKey* signing_key,
                                   const crypto::Certificate* root, std::string authority_id)
    : signing_key_(signing_key), root_(root), authority_id_(std::move(authority_id)) {}

absl::StatusOr<IssuedCredential> CredentialIssuer::Issue(const CredentialRequest& r) const {
  IssuedCredential issued;
  common::v1::Credential& cred = issued.credential;
  cred.set_credential_id(r.credential_id);
  cred.set_issuer(authority_id_);
  cred.set_access_point_id(r.access_point.access_point_id());
  cred.set_access_point_kind(r.access_point.kind());
  cred.set_kind(r.kind);
  *cred.mutable_entitlements() = r.entitlements;
  *cred.mutable_validity() = r.validity;
  cred.set_resharing_allowed(r.resharing_allowed);
  cred.set_parent_share_id(r.parent_share_id);
  cred.set_holder_public_key(r.holder_spki);
  std::optional<crypto::EcdsaP256PublicKey> parsed;
  if (r.holder == nullptr) {
    ASSIGN_OR_RETURN(parsed, crypto::EcdsaP256PublicKey::FromSpkiDer(r.holder_spki));
  }
  const crypto::EcdsaP256PublicKey& holder = r.holder != nullptr ? *r.holder : *parsed;
  if (r.kind == common::v1::ASYMMETRIC) {
    ASSIGN_OR_RETURN(*cred.mutable_asymmetric()->mutable_certificate_der(),
                     IssueCertificate(r, holder));
    return issued;
  }
  if (r.kind != common::v1::SYMMETRIC) {
    return InvalidField("kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  RETURN_IF_ERROR(SealSymmetricKey(r, holder, &issued));
  return issued;
}

absl::StatusOr<std::string> CredentialIssuer::IssueCertificate(
    const CredentialRequest& r, const crypto::EcdsaP256PublicKey& holder) const {
  cav1::CredentialCertificateClaims claims;
  claims.set_version(1);
  claims.set_credential_id(r.credential_id);
  claims.set_access_point_id(r.access_point.access_point_id());
  *claims.mutable_entitlements() = r.entitlements;
  *claims.mutable_validity() = r.validity;
  claims.set_resharing_allowed(r.resharing_allowed);
  claims.set_parent_share_id(r.parent_share_id);
  crypto::CertificateSpec spec;
  spec.subject_cn = r.credential_id;
  spec.not_before = ToAbslTime(r.validity.not_before());
  spec.not_after = ToAbslTime(r.validity.not_after());
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back(crypto::X509ExtensionSpec{std::string(crypto::kOidEntitlements), true,
                                                      claims.SerializeAsString()});
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   crypto::IssueCertificate(spec, holder, *root_, *signing_key_));
  return cert.ToDer();
}

absl::Status CredentialIssuer::SealSymmetricKey(const CredentialRequest& r,
                                                const crypto::EcdsaP256PublicKey& holder,
                                                IssuedCredential* issued) const {
  if (r.access_point.public_key().empty()) {
    return InvalidField("access_point.public_key", "required for symmetric credentials");
  }
  ASSIGN_OR_RETURN(crypto::EcdsaP256PublicKey ap_key,
                   crypto::EcdsaP256PublicKey::FromSpkiDer(r.access_point.public_key()));
  ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(32));
  const std::string info = CredentialHpkeInfo(r.credential_id);
  RETURN_IF_ERROR(Seal(holder, key, info, issued->credential.mutable_symmetric()));
  cav1::SymmetricKeyGrant grant;
  grant.set_credential_id(r.credential_id);
  *grant.mutable_entitlements() = r.entitlements;
  *grant.mutable_validity() = r.validity;
  RETURN_IF_ERROR(Seal(ap_key, key, info, grant.mutable_sealed()));
  issued->grant = std::move(grant);
  return absl::OkStatus();
}

}  // namespace sct::ca

#include "access_point/fake_authority.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "access_point/revocation_list.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

}  // namespace

absl::StatusOr<FakeAuthority> FakeAuthority::Create(std::string authority_id,
                                                    absl::Time now) {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = absl::StrCat(authority_id, " credential root");
  spec.not_before = now - absl::Hours(24 * 365);
  spec.not_after = now + absl::Hours(24 * 365 * 10);
  spec.is_ca = true;
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   crypto::SelfSignCertificate(spec, key));
  return FakeAuthority(std::move(authority_id), std::move(key),
                       std::move(root));
}

absl::StatusOr<IssuedCredential> FakeAuthority::Issue(
    const CredentialRequest& request) const {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey holder,
                   crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = request.credential_id;
  spec.not_before = request.not_before;
  spec.not_after = request.not_after;
  cav1::CredentialCertificateClaims claims;
  claims.set_version(1);
  claims.set_credential_id(request.credential_id);
  claims.set_access_point_id(request.access_point_id);
  for (const auto& e : request.entitlements) claims.add_entitlements(e);
  claims.mutable_validity()->mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(request.not_before));
  claims.mutable_validity()->mutable_not_after()->set_seconds(
      absl::ToUnixSeconds(request.not_after));
  claims.set_parent_share_id(request.share_id);
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back({std::string(crypto::kOidEntitlements), true,
                             claims.SerializeAsString()});
  ASSIGN_OR_RETURN(
      crypto::Certificate cert,
      crypto::IssueCertificate(spec, holder.PublicKey(), root_, key_));
  ASSIGN_OR_RETURN(std::string der, cert.ToDer());
  return IssuedCredential{request.credential_id, std::move(holder),
                          std::move(cert), std::move(der)};
}

absl::StatusOr<cav1::SignedRevocationList> FakeAuthority::SignList(
    uint64_t version, const std::vector<std::string>& revoked_credentials,
    absl::Time issued_at, absl::Time next_update) const {
  cav1::RevocationListBody body;
  body.set_authority_id(authority_id_);
  body.set_version(version);
  ToProto(issued_at, body.mutable_issued_at());
  ToProto(next_update, body.mutable_next_update());
  for (const std::string& id : revoked_credentials) {
    cav1::RevocationEntry* e = body.add_entries();
    e->set_credential_id(id);
    e->set_version(version);
  }
  cav1::SignedRevocationList out;
  out.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(std::string sig,
                   key_.Sign(absl::StrCat(kRevocationListContext, out.body()),
                             crypto::SignatureEncoding::kDer));
  out.set_signature(std::move(sig));
  return out;
}

absl::StatusOr<cav1::SignedRevocationDelta> FakeAuthority::SignDelta(
    uint64_t from_version, uint64_t to_version,
    const std::vector<std::string>& revoked_credentials,
    absl::Time issued_at, absl::Time next_update) const {
  cav1::RevocationDeltaBody body;
  body.set_authority_id(authority_id_);
  body.set_from_version(from_version);
  body.set_to_version(to_version);
  ToProto(issued_at, body.mutable_issued_at());
  if (next_update != absl::InfinitePast()) ToProto(next_update, body.mutable_next_update());
  for (const std::string& id : revoked_credentials) {
    cav1::RevocationEntry* e = body.add_entries();
    e->set_credential_id(id);
    e->set_version(to_version);
  }
  cav1::SignedRevocationDelta out;
  out.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(std::string sig,
                   key_.Sign(absl::StrCat(kRevocationDeltaContext, out.body()),
                             crypto::SignatureEncoding::kDer));
  out.set_signature(std::move(sig));
  return out;
}

}  // namespace sct::access_point

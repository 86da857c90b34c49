#include "credential_authority/share_token.h"

#include <utility>

#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "credential_authority/ledger.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/random.h"

namespace sct::ca {
namespace {

absl::Status BadToken(absl::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, "bad_token_signature", message);
}

}  // namespace

ShareTokenCodec::ShareTokenCodec(const crypto::EcdsaP256PrivateKey* signing_key, std::string key_id,
                                 std::string issuer)
    : signing_key_(signing_key), key_id_(std::move(key_id)), issuer_(std::move(issuer)) {}

absl::StatusOr<common::v1::SignedShareToken> ShareTokenCodec::Mint(const std::string& share_id,
                                                                   const ShareTerms& terms,
                                                                   absl::Time issued_at) const {
  common::v1::ShareTokenBody body;
  body.set_version(1);
  body.set_share_id(share_id);
  body.set_issuer(issuer_);
  body.set_access_point_id(terms.access_point_id);
  body.set_credential_kind(terms.credential_kind);
  *body.mutable_entitlements() = terms.entitlements;
  *body.mutable_validity() = terms.validity;
  *body.mutable_token_expires_at() = ToProtoTimestamp(terms.token_expires_at);
  body.set_max_redemptions(terms.max_redemptions);
  body.set_pin_required(terms.pin_required);
  body.set_endorsement_required(terms.endorsement_required);
  body.set_resharing_allowed(terms.resharing_allowed);
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(16));
  body.set_nonce(nonce);
  *body.mutable_issued_at() = ToProtoTimestamp(LedgerTime(issued_at));
  common::v1::SignedShareToken token;
  token.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(*token.mutable_signature(),
                   SignWithContext(*signing_key_, kShareTokenContext, token.body()));
  token.set_key_id(key_id_);
  return token;
}

absl::StatusOr<common::v1::ShareTokenBody> ShareTokenCodec::Open(
    const common::v1::SignedShareToken& token) const {
  if (token.key_id() != key_id_ || !signing_key_->PublicKey()
                                        .Verify(SignedBytes(kShareTokenContext, token.body()),
                                                token.signature(), crypto::SignatureEncoding::kDer)
                                        .ok()) {
    return BadToken("token is not signed by this authority");
  }
  common::v1::ShareTokenBody body;
  if (!body.ParseFromString(token.body()) || body.version() != 1 || body.issuer() != issuer_) {
    return BadToken("token body is not a v1 token of ours");
  }
  return body;
}

}  // namespace sct::ca

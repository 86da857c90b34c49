// The share token: a serialized common.v1.ShareTokenBody (version 1) signed
// by the authority's key over "sct-share-token-v1\0" || body (ECDSA P-256,
// DER), with the key's id. ShareTokenCodec builds and signs the token of a new
// share, and checks and decodes a token presented for redemption; the
// authority parses a body only after its signature verified.
//
// Thread-safety: immutable after construction; thread-safe.
// Ownership: borrows the signing key, which must outlive the codec.
// Errors: Mint: INTERNAL on a crypto or random failure. Open:
// PERMISSION_DENIED "bad_token_signature" for a token of another key, a bad
// signature, or a body that is not a v1 token of this authority.
#ifndef SCT_CREDENTIAL_AUTHORITY_SHARE_TOKEN_H_
#define SCT_CREDENTIAL_AUTHORITY_SHARE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "proto/common/v1/types.pb.h"

namespace sct::ca {

// What a share grants, as its token states it (and the ledger records it).
struct ShareTerms {
  std::string access_point_id;
  common::v1::CredentialKind credential_kind = common::v1::CREDENTIAL_KIND_UNSPECIFIED;
  google::protobuf::RepeatedPtrField<std::string> entitlements;
  common::v1::ValidityWindow validity;
  // At the ledger's precision (LedgerTime), so the token and the ledger agree.
  absl::Time token_expires_at;
  uint32_t max_redemptions = 1;
  bool pin_required = false;
  bool endorsement_required = false;
  bool resharing_allowed = false;
};

class ShareTokenCodec {
 public:
  // `key_id` identifies `signing_key`; `issuer` is the authority id.
  ShareTokenCodec(const crypto::EcdsaP256PrivateKey* signing_key, std::string key_id,
                  std::string issuer);

  // The signed token of share `share_id` with `terms`, minted at `issued_at`
  // (with a fresh random 16-byte nonce).
  absl::StatusOr<common::v1::SignedShareToken> Mint(const std::string& share_id,
                                                    const ShareTerms& terms,
                                                    absl::Time issued_at) const;

  // The body of `token` once its key id and signature check out and it is a
  // version 1 body issued by this authority.
  absl::StatusOr<common::v1::ShareTokenBody> Open(const common::v1::SignedShareToken& token) const;

 private:
  const crypto::EcdsaP256PrivateKey* const signing_key_;
  const std::string key_id_;
  const std::string issuer_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_SHARE_TOKEN_H_

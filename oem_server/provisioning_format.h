// A vendor's own provisioning format (topology token_model PER_OEM_FORMAT,
// docs/variants/per-oem-formats.md): the OEM server wraps every share token
// it hands to its device in a VendorProvisioningFormat signed by its
// attestation root key, and, when one of its devices redeems, accepts only
// its own format and the formats of the vendors it has a provisioning
// agreement with. The authority's token inside is unchanged; the receiving
// OEM strips the wrapping before it bridges the redemption.
//
// Signed message (ECDSA P-256/SHA-256, DER):
//   "sct-vendor-format-v1\0" || u32be(len(issuer_oem)) || issuer_oem
//   || u32be(len(body)) || body || u32be(len(signature)) || signature
// where body and signature are the authority's SignedShareToken fields.
//
// Thread-safety: immutable after construction; all methods may run
// concurrently. Ownership: borrows the AttestationCa, which must outlive it.
// Errors (Unwrap): FAILED_PRECONDITION "no_provisioning_agreement" (the
// format's vendor is neither this OEM nor a partner; the message names both
// vendors), PERMISSION_DENIED "bad_provisioning_format" (the signature does
// not verify under that vendor's root), INVALID_ARGUMENT "invalid_field"
// naming `<field>.vendor_format` when the token carries no vendor format.
// Create: INVALID_ARGUMENT naming --provisioning_agreements for a partner
// without a usable root.
#ifndef SCT_OEM_SERVER_PROVISIONING_FORMAT_H_
#define SCT_OEM_SERVER_PROVISIONING_FORMAT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ecdsa.h"
#include "oem_server/attestation_ca.h"
#include "proto/common/v1/types.pb.h"

namespace sct::oem {

// The message a vendor signs for `token` (exposed for tests).
std::string VendorFormatMessage(absl::string_view issuer_oem,
                                const common::v1::SignedShareToken& token);

class ProvisioningFormat {
 public:
  // `own`: this OEM's attestation CA (its id names the format it issues).
  // `partner_roots`: issuer OEM id -> PEM of that vendor's attestation root,
  // one entry per vendor whose format this OEM redeems.
  static absl::StatusOr<ProvisioningFormat> Create(
      const AttestationCa* own, const std::map<std::string, std::string>& partner_roots);

  // Adds this vendor's VendorProvisioningFormat to `token`. INTERNAL when
  // signing fails.
  absl::Status Wrap(common::v1::SignedShareToken* token) const;

  // The authority's token inside `token`, once its format is this OEM's or
  // a partner's and its signature verifies. `field` names the token in
  // errors, e.g. "redeem.token".
  absl::StatusOr<common::v1::SignedShareToken> Unwrap(const common::v1::SignedShareToken& token,
                                                      absl::string_view field) const;

  // The vendors whose formats this OEM redeems besides its own, sorted.
  std::vector<std::string> partners() const;

 private:
  ProvisioningFormat(const AttestationCa* own,
                     std::map<std::string, crypto::EcdsaP256PublicKey> partners)
      : own_(own), partners_(std::move(partners)) {}

  const AttestationCa* own_;
  std::map<std::string, crypto::EcdsaP256PublicKey> partners_;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_PROVISIONING_FORMAT_H_

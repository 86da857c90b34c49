#include "oem_server/provisioning_format.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/x509.h"

namespace sct::oem {
namespace {

constexpr absl::string_view kDomain("sct-vendor-format-v1\0", 21);

void AppendField(absl::string_view field, std::string* out) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  out->append(len, 4);
  out->append(field.data(), field.size());
}

}  // namespace

std::string VendorFormatMessage(absl::string_view issuer_oem,
                                const common::v1::SignedShareToken& token) {
  std::string message(kDomain);
  AppendField(issuer_oem, &message);
  AppendField(token.body(), &message);
  AppendField(token.signature(), &message);
  return message;
}

absl::StatusOr<ProvisioningFormat> ProvisioningFormat::Create(
    const AttestationCa* own, const std::map<std::string, std::string>& partner_roots) {
  std::map<std::string, crypto::EcdsaP256PublicKey> partners;
  for (const auto& [oem, pem] : partner_roots) {
    absl::StatusOr<crypto::Certificate> root = crypto::Certificate::FromPem(pem);
    if (!root.ok() || !root->IsCa()) {
      return InvalidField("--provisioning_agreements",
                          absl::StrCat(oem, ": not a PEM CA certificate"));
    }
    absl::StatusOr<crypto::EcdsaP256PublicKey> key = root->PublicKey();
    if (!key.ok()) {
      return InvalidField("--provisioning_agreements", absl::StrCat(oem, ": not a P-256 root"));
    }
    partners.emplace(oem, *std::move(key));
  }
  return ProvisioningFormat(own, std::move(partners));
}

absl::Status ProvisioningFormat::Wrap(common::v1::SignedShareToken* token) const {
  token->clear_vendor_format();
  ASSIGN_OR_RETURN(std::string signature,
                   own_->SignWithRootKey(VendorFormatMessage(own_->oem_id(), *token)));
  token->mutable_vendor_format()->set_issuer_oem(own_->oem_id());
  token->mutable_vendor_format()->set_signature(std::move(signature));
  return absl::OkStatus();
}

absl::StatusOr<common::v1::SignedShareToken> ProvisioningFormat::Unwrap(
    const common::v1::SignedShareToken& token, absl::string_view field) const {
  if (!token.has_vendor_format() || token.vendor_format().issuer_oem().empty()) {
    return InvalidField(absl::StrCat(field, ".vendor_format"),
                        "required: this vendor redeems only vendor provisioning formats");
  }
  const std::string& issuer = token.vendor_format().issuer_oem();
  absl::StatusOr<crypto::EcdsaP256PublicKey> own_key = own_->root().PublicKey();
  const crypto::EcdsaP256PublicKey* key = nullptr;
  if (issuer == own_->oem_id()) {
    if (!own_key.ok()) return own_key.status();
    key = &*own_key;
  } else if (auto it = partners_.find(issuer); it != partners_.end()) {
    key = &it->second;
  } else {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, "no_provisioning_agreement",
        absl::StrCat(field, ": ", own_->oem_id(),
                     " has no provisioning agreement to redeem the format of ", issuer));
  }
  common::v1::SignedShareToken inner = token;
  inner.clear_vendor_format();
  if (!key->Verify(VendorFormatMessage(issuer, inner), token.vendor_format().signature(),
                   crypto::SignatureEncoding::kDer)
           .ok()) {
    return MakeError(
        absl::StatusCode::kPermissionDenied, "bad_provisioning_format",
        absl::StrCat(field, ".vendor_format.signature: does not verify under ", issuer, "'s root"));
  }
  return inner;
}

std::vector<std::string> ProvisioningFormat::partners() const {
  std::vector<std::string> out;
  for (const auto& [oem, key] : partners_) out.push_back(oem);
  return out;
}

}  // namespace sct::oem

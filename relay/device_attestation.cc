#include "relay/device_attestation.h"

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/relay_attestation.h"
#include "common/status_macros.h"
#include "crypto/ecdsa.h"
#include "proto/relay/v1/relay.pb.h"

namespace sct::relay {
namespace {

constexpr absl::string_view kField = "Mailbox-Device-Attestation";

absl::Status Bad(absl::string_view problem) {
  return MakeError(absl::StatusCode::kPermissionDenied, "bad_attestation",
                   absl::StrCat(kField, ": ", problem));
}

}  // namespace

absl::StatusOr<DeviceAttestationChecker> DeviceAttestationChecker::Create(
    const std::map<std::string, std::string>& roots_pem) {
  std::vector<std::pair<std::string, crypto::Certificate>> roots;
  for (const auto& [vendor, pem] : roots_pem) {
    absl::StatusOr<crypto::Certificate> root = crypto::Certificate::FromPem(pem);
    if (!root.ok()) {
      return InvalidField(
          "--attestation_roots",
          absl::StrCat(vendor, ": not a PEM certificate: ", root.status().message()));
    }
    roots.emplace_back(vendor, *std::move(root));
  }
  if (roots.empty()) return InvalidField("--attestation_roots", "names no root");
  return DeviceAttestationChecker(std::move(roots));
}

std::vector<std::string> DeviceAttestationChecker::Vendors() const {
  std::vector<std::string> out;
  for (const auto& [vendor, root] : roots_) out.push_back(vendor);
  return out;
}

absl::StatusOr<std::string> DeviceAttestationChecker::Check(absl::string_view attestation,
                                                            absl::string_view claim,
                                                            absl::Time now) const {
  if (attestation.empty()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "attestation_required",
                     absl::StrCat(kField, ": this relay binds only attested devices"));
  }
  absl::StatusOr<std::string> raw = Base64UrlDecode(attestation, kField);
  ::relay::v1::DeviceAttestation parsed;
  if (!raw.ok() || !parsed.ParseFromString(*raw) || parsed.certificates_der().empty()) {
    return Bad("not a base64url relay.v1.DeviceAttestation with a certificate chain");
  }
  absl::StatusOr<crypto::Certificate> leaf =
      crypto::Certificate::FromDer(parsed.certificates_der(0));
  if (!leaf.ok()) return Bad("unparsable leaf certificate");
  std::vector<crypto::Certificate> intermediates;
  for (int i = 1; i < parsed.certificates_der_size(); ++i) {
    absl::StatusOr<crypto::Certificate> c =
        crypto::Certificate::FromDer(parsed.certificates_der(i));
    if (!c.ok()) return Bad(absl::StrCat("unparsable certificate ", i));
    intermediates.push_back(*std::move(c));
  }
  if (leaf->IsCa() || !leaf->ExtensionValue(crypto::kOidKeyAttestation).ok() ||
      leaf->ExtensionValue(crypto::kOidDeviceIdentity).ok()) {
    return Bad("leaf is not a key attestation");
  }
  absl::StatusOr<crypto::EcdsaP256PublicKey> key = leaf->PublicKey();
  if (!key.ok()) return Bad("leaf key is not P-256");
  if (!key->Verify(RelayAttestationTranscript(claim), parsed.claim_signature(),
                   crypto::SignatureEncoding::kDer)
           .ok()) {
    return Bad("signature over the claim does not verify with the attested key");
  }
  for (const auto& [vendor, root] : roots_) {
    if (crypto::VerifyCertificateChain(*leaf, intermediates, {root}, now).ok()) return vendor;
  }
  return Bad("chain does not verify to any configured vendor root");
}

}  // namespace sct::relay

#include "credential_authority/attestation.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::ca {
namespace {

absl::Status BadAttestation(absl::string_view field, absl::string_view problem) {
  return MakeError(absl::StatusCode::kPermissionDenied, "bad_attestation",
                   absl::StrCat(field, ": ", problem));
}

}  // namespace

absl::StatusOr<crypto::Certificate> AttestationVerifier::RootOf(const std::string& oem_id) {
  ASSIGN_OR_RETURN(std::string root_der, ledger_->GetOemRoot(oem_id));
  {
    absl::MutexLock lock(&mu_);
    auto it = roots_.find(oem_id);
    if (it != roots_.end() && it->second.first == root_der) return it->second.second;
  }
  ASSIGN_OR_RETURN(crypto::Certificate parsed, crypto::Certificate::FromDer(root_der));
  absl::MutexLock lock(&mu_);
  roots_.insert_or_assign(oem_id, std::make_pair(root_der, parsed));
  return parsed;
}

absl::Status AttestationVerifier::Verify(const std::string& oem_id,
                                         const crypto::EcdsaP256PublicKey& key,
                                         const common::v1::AttestationChain& chain,
                                         absl::string_view field) {
  if (!trusted_oems_.empty() && trusted_oems_.count(oem_id) == 0) {
    return MakeError(absl::StatusCode::kPermissionDenied, "untrusted_attestation_root",
                     absl::StrCat(field, ": this authority does not trust the attestation root of ",
                                  oem_id));
  }
  ASSIGN_OR_RETURN(crypto::Certificate root, RootOf(oem_id));
  if (chain.certificates_der().empty()) return BadAttestation(field, "empty chain");
  auto leaf = crypto::Certificate::FromDer(chain.certificates_der(0));
  if (!leaf.ok()) return BadAttestation(field, "unparsable leaf certificate");
  std::vector<crypto::Certificate> intermediates;
  for (int i = 1; i < chain.certificates_der_size(); ++i) {
    auto c = crypto::Certificate::FromDer(chain.certificates_der(i));
    if (!c.ok()) return BadAttestation(field, absl::StrCat("unparsable certificate ", i));
    intermediates.push_back(std::move(*c));
  }
  absl::Status v = crypto::VerifyCertificateChain(*leaf, intermediates, {root}, clock_->Now());
  if (!v.ok()) {
    return BadAttestation(
        field, absl::StrCat("chain does not verify to OEM '", oem_id, "' root: ", v.message()));
  }
  if (leaf->IsCa()) return BadAttestation(field, "leaf is a CA");
  // Only a key attestation speaks for a secure-element key: the OEM's device
  // identity certificates also chain to its root but attest a device.
  if (!leaf->ExtensionValue(crypto::kOidKeyAttestation).ok()) {
    return BadAttestation(field, "leaf carries no key attestation statement");
  }
  if (leaf->ExtensionValue(crypto::kOidDeviceIdentity).ok()) {
    return BadAttestation(field, "leaf is a device identity certificate, not a key attestation");
  }
  auto attested = leaf->PublicKeyPoint();
  if (!attested.ok() || *attested != key.UncompressedPoint()) {
    return BadAttestation(field, "attested key is not the given key");
  }
  return absl::OkStatus();
}

}  // namespace sct::ca

// Checks that a device's secure-element key is attested by an OEM: the chain
// (leaf first, then intermediates) verifies up to the OEM's registered
// attestation root at the clock's time, the leaf is not a CA, it is a key
// attestation (it carries crypto::kOidKeyAttestation and not
// crypto::kOidDeviceIdentity, which marks the OEM's device identity
// certificates), and it certifies exactly the given key.
//
// Parsed roots are cached by OEM id and parsed again when the ledger holds a
// different root for the OEM (re-registration), since parsing a certificate
// costs about as much as verifying one.
//
// Thread-safety: thread-safe. Ownership: borrows the ledger and the clock.
// An authority may trust only some vendors' roots (topology authority_trusts,
// docs/variants/per-oem-formats.md): then a chain under any other registered
// OEM is refused before it is parsed.
//
// Errors: NOT_FOUND "oem_not_found" for an unknown OEM; PERMISSION_DENIED
// "untrusted_attestation_root" for an OEM outside the trusted set (the
// message names `field` and the OEM); PERMISSION_DENIED
// "bad_attestation" (the message names `field` and what failed);
// INVALID_ARGUMENT when the stored root does not parse; the ledger's errors.
#ifndef SCT_CREDENTIAL_AUTHORITY_ATTESTATION_H_
#define SCT_CREDENTIAL_AUTHORITY_ATTESTATION_H_

#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "credential_authority/ledger.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "proto/common/v1/types.pb.h"

namespace sct::ca {

class AttestationVerifier {
 public:
  // `trusted_oems`: the OEMs whose roots this authority accepts; empty
  // trusts every registered OEM.
  AttestationVerifier(Ledger* ledger, const Clock* clock, std::set<std::string> trusted_oems = {})
      : ledger_(ledger), clock_(clock), trusted_oems_(std::move(trusted_oems)) {}

  // OK when `chain` attests `key` under OEM `oem_id`'s root.
  absl::Status Verify(const std::string& oem_id, const crypto::EcdsaP256PublicKey& key,
                      const common::v1::AttestationChain& chain, absl::string_view field);

 private:
  // The OEM's root, parsed (from the cache when the DER is unchanged).
  absl::StatusOr<crypto::Certificate> RootOf(const std::string& oem_id);

  Ledger* const ledger_;
  const Clock* const clock_;
  const std::set<std::string> trusted_oems_;
  absl::Mutex mu_;
  // OEM id -> (root DER, parsed root).
  std::map<std::string, std::pair<std::string, crypto::Certificate>> roots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_ATTESTATION_H_

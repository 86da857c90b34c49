// The relay-attestation variant (docs/variants/relay-attestation.md): the
// relay verifies the Mailbox-Device-Attestation of a creating or binding
// device against the configured vendor (OEM) attestation roots, instead of
// storing it unread.
//
// A valid attestation is the base64url (no padding) of a serialized
// relay.v1.DeviceAttestation: a chain whose leaf carries the key attestation
// statement (crypto::kOidKeyAttestation, not a device identity certificate),
// verifying at the clock's time to one configured root, and the leaf key's
// signature over RelayAttestationTranscript(claim) (common/relay_attestation.h).
// The root that verifies names the device's vendor, which is what the relay
// now learns.
//
// Thread-safe (immutable after Create). Errors of Check: PERMISSION_DENIED
// "attestation_required" (empty attestation), PERMISSION_DENIED
// "bad_attestation" (the message names `Mailbox-Device-Attestation` and what
// failed). Create: INVALID_ARGUMENT "invalid_field" naming
// "--attestation_roots" for a malformed entry or certificate.
#ifndef SCT_RELAY_DEVICE_ATTESTATION_H_
#define SCT_RELAY_DEVICE_ATTESTATION_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/x509.h"

namespace sct::relay {

class DeviceAttestationChecker {
 public:
  // `roots`: vendor id -> PEM of its attestation root.
  static absl::StatusOr<DeviceAttestationChecker> Create(
      const std::map<std::string, std::string>& roots_pem);

  // The vendor whose root `attestation` verifies to, for `claim` at `now`.
  absl::StatusOr<std::string> Check(absl::string_view attestation, absl::string_view claim,
                                    absl::Time now) const;

  // The configured vendor ids, sorted.
  std::vector<std::string> Vendors() const;

 private:
  explicit DeviceAttestationChecker(std::vector<std::pair<std::string, crypto::Certificate>> roots)
      : roots_(std::move(roots)) {}

  std::vector<std::pair<std::string, crypto::Certificate>> roots_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_DEVICE_ATTESTATION_H_

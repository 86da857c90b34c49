// The bytes a device signs for a relay that checks device attestations
// (docs/variants/relay-attestation.md), in one home for both sides: the
// device (device_agent) signs them with an attested key, the relay
// (relay/device_attestation.h) verifies the signature.
//
//   "sct-relay-attestation-v1" || 0x00 || the Mailbox-Device-Claim in lower case
//
// Binding the claim keeps an attestation from being replayed under another
// claim. Thread-safe (pure function).
#ifndef SCT_COMMON_RELAY_ATTESTATION_H_
#define SCT_COMMON_RELAY_ATTESTATION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sct {

std::string RelayAttestationTranscript(absl::string_view claim);

}  // namespace sct

#endif  // SCT_COMMON_RELAY_ATTESTATION_H_

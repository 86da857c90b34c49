// The byte strings the device signs (or MACs), one function per purpose.
// Each starts with a NUL-terminated domain label so that a signature made
// for one purpose never verifies for another; the verifiers (OEM, authority,
// access points) build the same bytes (docs/device.md lists them).
//
// Pure functions; thread-safe. "\0" below is one zero byte.
#ifndef SCT_DEVICE_TRANSCRIPTS_H_
#define SCT_DEVICE_TRANSCRIPTS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sct::device {

// Enrolment proof of possession of the identity key:
// "sct-enrol-v1\0" || oem_id || "\0" || nonce || spki.
std::string EnrolTranscript(absl::string_view oem_id, absl::string_view nonce,
                            absl::string_view spki);

// Key attestation, signed by the identity key and by the new key:
// "sct-attest-key-v1\0" || nonce || spki.
std::string AttestKeyTranscript(absl::string_view nonce, absl::string_view spki);

// The holder's signature over a serialized ShareIntent:
// "sct-share-intent-v1\0" || intent.
std::string ShareIntentTranscript(absl::string_view intent);

// The sender's endorsement of a receiver key in the multi-round flow:
// "sct-endorse-v1\0" || share_id || "\0" || receiver spki.
std::string EndorseTranscript(absl::string_view share_id, absl::string_view spki);

// A holder proof for an authority call (method "RevokeShare",
// "RevokeCredential" or "ListShares"):
// "sct-holder-v1\0" || method || "\0" || subject || "\0" || decimal seconds.
std::string HolderTranscript(absl::string_view method, absl::string_view subject,
                             int64_t unix_seconds);

// The answer to an access point's challenge:
// "sct-ap-auth-v1\0" || access_point_id || "\0" || nonce || "\0" || action.
std::string AccessPointTranscript(absl::string_view access_point_id, absl::string_view nonce,
                                  absl::string_view action);

}  // namespace sct::device

#endif  // SCT_DEVICE_TRANSCRIPTS_H_

// Base64 (RFC 4648 section 4) and base64url (section 5), strict decoding.
//
// Decoding rejects (INVALID_ARGUMENT, reason "invalid_field"): characters
// outside the alphabet, whitespace, wrong padding, non-zero trailing bits.
// Base64Decode requires padding; Base64UrlDecode accepts it with or without.
// Error messages give the problem and offset but never echo the input (it
// may be a secret). All functions are pure and thread-safe.
#ifndef SCT_COMMON_BASE64_H_
#define SCT_COMMON_BASE64_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

std::string Base64Encode(absl::string_view data);           // padded
std::string Base64UrlEncode(absl::string_view data);        // no padding
// `field` names the input in the error message ("payload.data: not base64").
absl::StatusOr<std::string> Base64Decode(absl::string_view encoded,
                                         absl::string_view field = "data");
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded,
                                            absl::string_view field = "data");

}  // namespace sct

#endif  // SCT_COMMON_BASE64_H_

// The derived-locations relay's one wire format shared by the relay and its
// clients (draft-rescorla-tigress-http-00 section 6; docs/derived-relay.md):
//
//   {base}/v1/d/{tigress_location}
//
// where the URI template's one variable, tigress_location, is the URL-safe
// base64 (no padding) of a 32-byte location the clients derived from their
// shared secret (device/derived_exchange.h derives it; the relay only checks
// its form). The relay never chooses a location.
//
// Errors: INVALID_ARGUMENT "invalid_field" with a message naming "location".
// Pure functions; thread-safe.
#ifndef SCT_COMMON_DERIVED_LOCATION_H_
#define SCT_COMMON_DERIVED_LOCATION_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

// The path prefix of every location, "/v1/d/".
inline constexpr absl::string_view kDerivedPathPrefix = "/v1/d/";
// The bytes of a derived location (256 bits).
inline constexpr size_t kDerivedLocationBytes = 32;
// The text of a location: base64url of 32 bytes without padding.
inline constexpr size_t kDerivedLocationTextSize = 43;

// The canonical text of `location_bytes` (32 bytes; INVALID_ARGUMENT else).
absl::StatusOr<std::string> DerivedLocationText(absl::string_view location_bytes);

// Checks that `text` is the canonical text of a 32-byte location (43
// characters of [A-Za-z0-9_-], no padding, decoding to 32 bytes whose
// re-encoding is `text`) and returns it.
absl::StatusOr<std::string> ParseDerivedLocation(absl::string_view text);

// "{base_url}/v1/d/{location_text}"; a trailing '/' of base_url is dropped.
std::string DerivedLocationUrl(absl::string_view base_url, absl::string_view location_text);

}  // namespace sct

#endif  // SCT_COMMON_DERIVED_LOCATION_H_

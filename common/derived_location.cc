#include "common/derived_location.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base64.h"
#include "common/errors.h"

namespace sct {

absl::StatusOr<std::string> DerivedLocationText(absl::string_view location_bytes) {
  if (location_bytes.size() != kDerivedLocationBytes) {
    return InvalidField("location", absl::StrCat("must be ", kDerivedLocationBytes, " bytes, not ",
                                                 location_bytes.size()));
  }
  return Base64UrlEncode(location_bytes);
}

absl::StatusOr<std::string> ParseDerivedLocation(absl::string_view text) {
  if (text.size() != kDerivedLocationTextSize) {
    return InvalidField("location", absl::StrCat("must be ", kDerivedLocationTextSize,
                                                 " base64url characters, not ", text.size()));
  }
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return InvalidField("location", "not base64url (A-Z a-z 0-9 - _, no padding)");
    }
  }
  absl::StatusOr<std::string> bytes = Base64UrlDecode(text, "location");
  if (!bytes.ok()) return bytes.status();
  // 43 characters carry 258 bits: the last character's two low bits must be
  // zero, or two texts would name the same location.
  if (bytes->size() != kDerivedLocationBytes || Base64UrlEncode(*bytes) != text) {
    return InvalidField("location", "not the canonical base64url of 32 bytes");
  }
  return std::string(text);
}

std::string DerivedLocationUrl(absl::string_view base_url, absl::string_view location_text) {
  absl::ConsumeSuffix(&base_url, "/");
  return absl::StrCat(base_url, kDerivedPathPrefix, location_text);
}

}  // namespace sct

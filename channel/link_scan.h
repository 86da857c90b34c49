// Text measurements the channels make: the og:title of a preview page, the
// number of characters of a text, and the SMS encoding/length/segments of a
// message body. Finding the URLs in a body and stripping their fragments is
// the share link's own business (common/share_link.h). Pure functions,
// thread-safe.
#ifndef SCT_CHANNEL_LINK_SCAN_H_
#define SCT_CHANNEL_LINK_SCAN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::channel {

// The content of <meta property="og:title" content="..."> with the five
// HTML escapes (&amp; &lt; &gt; &quot; &#39;) undone; nullopt if absent.
std::optional<std::string> ExtractOgTitle(absl::string_view html);

// Number of Unicode code points; INVALID_ARGUMENT (reason "invalid_field",
// field `field`) if `text` is not valid UTF-8.
absl::StatusOr<uint32_t> CountCharacters(absl::string_view text, absl::string_view field);

// How an SMS carrier would send `text` (3GPP TS 23.038): GSM-7 when every
// character is in the GSM 7-bit default alphabet or its extension table
// (extension characters such as { } [ ] ~ \ | ^ and the euro sign take two
// septets), else UCS-2 (UTF-16 code units). Segments: GSM-7 160 per single
// SMS, 153 per part when concatenated; UCS-2 70 and 67.
struct SmsMeasure {
  bool gsm7 = true;
  uint32_t units = 0;  // septets (GSM-7) or UTF-16 code units (UCS-2)
  uint32_t segments = 1;
  const char* encoding() const { return gsm7 ? "GSM-7" : "UCS-2"; }
};
// INVALID_ARGUMENT (reason "invalid_field", field "body") for invalid UTF-8.
absl::StatusOr<SmsMeasure> MeasureSms(absl::string_view text);

}  // namespace sct::channel

#endif  // SCT_CHANNEL_LINK_SCAN_H_

// Fuzz target: the share link parsers (common/share_link.h) on arbitrary
// text — a link pasted by a user, a message body a channel scans, a URL an
// adversary forged. Checks, besides "no crash", that what parses re-parses to
// the same link (ToString round trip) and that a parsed secret has the size
// the format allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/share_link.h"

namespace {

void CheckRoundTrip(const sct::ShareLink& link) {
  absl::StatusOr<sct::ShareLink> again = sct::ParseMailboxUrl(link.ToString());
  if (!again.ok() || again->mailbox_id != link.mailbox_id || again->fragment != link.fragment ||
      again->vertical != link.vertical) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sct::ShareLink> url = sct::ParseMailboxUrl(text);
  if (url.ok()) {
    CheckRoundTrip(*url);
    (void)url->Secret();
  }
  absl::StatusOr<sct::ShareLink> link = sct::ParseShareLink(text);
  if (link.ok()) {
    CheckRoundTrip(*link);
    absl::StatusOr<std::string> secret = link->Secret();
    if (!secret.ok() || (secret->size() != 16 && secret->size() != 32)) std::abort();
  }
  for (const sct::ShareLink& found : sct::FindMailboxUrls(text)) CheckRoundTrip(found);
  (void)sct::StripFragment(text);
  (void)sct::FragmentOf(text);
  return 0;
}

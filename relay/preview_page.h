// The HTML preview page of a mailbox (ReadDisplayInformation, GET /v1/m/{id}).
//
// Link-preview bots and browsers fetch this page before the link is opened;
// it carries the Open Graph tags (og:title, og:description, og:image, og:url,
// og:type) built from the sender's public display information. Every field is
// attacker-controlled text, so every one is HTML-escaped; the page carries no
// script and is served with kPreviewContentSecurityPolicy. Pure functions,
// thread-safe, no errors.
#ifndef SCT_RELAY_PREVIEW_PAGE_H_
#define SCT_RELAY_PREVIEW_PAGE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "relay/mailbox.h"

namespace sct::relay {

// Sent with the page: nothing may load but https images and inline style;
// no scripts, frames, forms or base-URL changes.
inline constexpr char kPreviewContentSecurityPolicy[] =
    "default-src 'none'; img-src https:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Escapes & < > " ' (and nothing else) for text and attribute values.
std::string HtmlEscape(absl::string_view text);

// The complete text/html page. `url_link` is the mailbox URL (og:url).
std::string RenderPreviewPage(const DisplayInformation& display, absl::string_view url_link);

}  // namespace sct::relay

#endif  // SCT_RELAY_PREVIEW_PAGE_H_

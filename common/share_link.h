// The share link, the one format every actor that reads or writes a link
// uses (ARCHITECTURE.md section 3):
//
//   https://{relay-host}/v1/m/{mailbox-id}?v={a|h|c}#{base64url(secret)}
//
// The path names the mailbox (a UUID the relay chose); `v` names the vertical
// (general access, home, car) so that the OS can route the link before it is
// decrypted; the fragment carries the payload key and never reaches the
// relay. This header also owns the text scanning that finds links in a
// message body (channels, adversaries, the knowledge audit).
//
// Errors: INVALID_ARGUMENT with reason "bad_link" and a message that starts
// "link: " and names the problem. Pure functions; thread-safe.
#ifndef SCT_COMMON_SHARE_LINK_H_
#define SCT_COMMON_SHARE_LINK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

// The path prefix of a mailbox, "/v1/m/".
inline constexpr absl::string_view kMailboxPathPrefix = "/v1/m/";

struct ShareLink {
  // Everything before '#' as written: "{base}/v1/m/{id}" plus any query.
  std::string without_fragment;
  // The mailbox id from the path, lower-cased.
  std::string mailbox_id;
  // The value of the `v` query parameter; empty when absent.
  std::string vertical;
  // The text after '#' (base64url of the secret); empty when absent.
  std::string fragment;

  bool has_fragment() const { return !fragment.empty(); }
  // without_fragment + "#" + fragment (without_fragment alone when there is
  // no fragment).
  std::string ToString() const;
  // The secret the fragment encodes: 16 or 32 bytes. INVALID_ARGUMENT
  // "bad_link" when there is no fragment or it is not such a secret.
  absl::StatusOr<std::string> Secret() const;
};

// "{base_url}/v1/m/{mailbox_id}" (no query, no fragment). A trailing '/' of
// base_url is dropped.
std::string MailboxUrl(absl::string_view base_url, absl::string_view mailbox_id);

// A complete link: MailboxUrl + "?v=" + vertical (when non-empty) + "#" +
// base64url(secret) (when non-empty).
std::string FormatShareLink(absl::string_view mailbox_url, absl::string_view vertical,
                            absl::string_view secret);

// The mailbox id of a URL whose path is /v1/m/{uuid}, with or without a
// query and a fragment. The fragment is kept as text, not checked.
// INVALID_ARGUMENT "bad_link" when the URL is not a mailbox URL.
absl::StatusOr<ShareLink> ParseMailboxUrl(absl::string_view url);

// A link a receiver can open: ParseMailboxUrl, plus a fragment that decodes
// to a 16- or 32-byte secret and a vertical (if given) of "a", "h" or "c".
absl::StatusOr<ShareLink> ParseShareLink(absl::string_view link);

// Every http:// or https:// URL in `text` (scheme case-insensitive), in
// order. A URL ends at white space or one of < > " ' ` and loses trailing
// . , ; : ! ? ) (sentence punctuation; none of them ends a base64url secret).
std::vector<std::string> FindUrls(absl::string_view text);

// The URLs of FindUrls(text) that ParseMailboxUrl accepts, parsed.
std::vector<ShareLink> FindMailboxUrls(absl::string_view text);

// The derived-locations design's link (draft-rescorla-tigress-http-00
// section 5, docs/variants/derived-locations.md):
//
//   https://{relay-host}/v1/d/?v={a|h|c}#{base64url(R)}
//
// The path is the URI template's fixed part ({base}/v1/d/{tigress_location},
// common/derived_location.h), R is the 32-byte secret. There is no mailbox
// id: `mailbox_id` of the parsed link is empty (both endpoints derive the
// locations from R). Fetching the link's URL itself reaches no message.
std::string FormatDerivedShareLink(absl::string_view base_url, absl::string_view vertical,
                                   absl::string_view secret);
// INVALID_ARGUMENT "bad_link" unless the path is exactly /v1/d/, the
// fragment decodes to 32 bytes and `v` (if given) is a, h or c.
absl::StatusOr<ShareLink> ParseDerivedShareLink(absl::string_view link);
// The URLs of FindUrls(text) that ParseDerivedShareLink accepts, parsed.
std::vector<ShareLink> FindDerivedShareLinks(absl::string_view text);

// `url` without its "#fragment" (unchanged when it has none).
std::string StripFragment(absl::string_view url);

// The text after the first '#' of `url`; "" when it has none.
std::string FragmentOf(absl::string_view url);

}  // namespace sct

#endif  // SCT_COMMON_SHARE_LINK_H_

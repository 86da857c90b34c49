#include "common/share_link.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base64.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/uuid.h"

namespace sct {
namespace {

absl::Status BadLink(absl::string_view problem) {
  return MakeError(absl::StatusCode::kInvalidArgument, "bad_link", absl::StrCat("link: ", problem));
}

bool IsUrlEnd(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '"' ||
         c == '\'' || c == '`';
}

// The parts every share link has: `without_fragment`, `fragment` and the
// `vertical` of its query (v=); sets `path_part` to the URL before the query.
ShareLink SplitLink(absl::string_view url, absl::string_view* path_part) {
  ShareLink out;
  out.without_fragment = StripFragment(url);
  out.fragment = FragmentOf(url);
  absl::string_view rest = out.without_fragment;
  const size_t q = rest.find('?');
  if (q != absl::string_view::npos) {
    for (absl::string_view kv : absl::StrSplit(rest.substr(q + 1), '&', absl::SkipEmpty())) {
      if (absl::StartsWith(kv, "v=")) out.vertical = std::string(kv.substr(2));
    }
  }
  *path_part = url.substr(0, std::min(url.find('?'), url.find('#')));
  return out;
}

// `v` absent or one of a, h, c.
bool KnownVertical(absl::string_view v) { return v.empty() || v == "a" || v == "h" || v == "c"; }

// Every URL of FindUrls(text) that `parse` accepts, parsed.
std::vector<ShareLink> FindParsed(absl::string_view text,
                                  absl::StatusOr<ShareLink> (*parse)(absl::string_view)) {
  std::vector<ShareLink> out;
  for (const std::string& url : FindUrls(text)) {
    absl::StatusOr<ShareLink> link = parse(url);
    if (link.ok()) out.push_back(*std::move(link));
  }
  return out;
}

}  // namespace

std::string ShareLink::ToString() const {
  if (fragment.empty()) return without_fragment;
  return absl::StrCat(without_fragment, "#", fragment);
}

absl::StatusOr<std::string> ShareLink::Secret() const {
  if (fragment.empty()) return BadLink("no #secret fragment");
  absl::StatusOr<std::string> secret = Base64UrlDecode(fragment, "link fragment");
  if (!secret.ok()) return BadLink("fragment is not base64url");
  if (secret->size() != 16 && secret->size() != 32) {
    return BadLink("secret must be 16 or 32 bytes");
  }
  return secret;
}

std::string MailboxUrl(absl::string_view base_url, absl::string_view mailbox_id) {
  absl::ConsumeSuffix(&base_url, "/");
  return absl::StrCat(base_url, kMailboxPathPrefix, mailbox_id);
}

std::string FormatShareLink(absl::string_view mailbox_url, absl::string_view vertical,
                            absl::string_view secret) {
  std::string out(mailbox_url);
  if (!vertical.empty()) absl::StrAppend(&out, "?v=", vertical);
  if (!secret.empty()) absl::StrAppend(&out, "#", Base64UrlEncode(secret));
  return out;
}

absl::StatusOr<ShareLink> ParseMailboxUrl(absl::string_view url) {
  absl::string_view rest;
  ShareLink out = SplitLink(url, &rest);
  const size_t scheme_end = rest.find("://");
  const size_t authority = scheme_end == absl::string_view::npos ? 0 : scheme_end + 3;
  const size_t path = rest.find('/', authority);
  if (path == absl::string_view::npos) return BadLink("path is not /v1/m/{id}");
  const size_t m = rest.rfind(kMailboxPathPrefix);
  if (m == absl::string_view::npos || m < path) return BadLink("path is not /v1/m/{id}");
  const absl::string_view id = rest.substr(m + kMailboxPathPrefix.size());
  if (!IsValidUuid(id)) return BadLink("mailbox id is not a UUID");
  out.mailbox_id = absl::AsciiStrToLower(id);
  return out;
}

absl::StatusOr<ShareLink> ParseShareLink(absl::string_view link) {
  if (link.find('#') == absl::string_view::npos) return BadLink("no #secret fragment");
  absl::StatusOr<ShareLink> out = ParseMailboxUrl(link);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::string> secret = out->Secret();
  if (!secret.ok()) return secret.status();
  if (!KnownVertical(out->vertical)) return BadLink("v must be a, h or c");
  return out;
}

std::vector<std::string> FindUrls(absl::string_view text) {
  std::vector<std::string> urls;
  const std::string lower = absl::AsciiStrToLower(text);
  size_t pos = 0;
  while (pos < lower.size()) {
    const size_t start = std::min(lower.find("http://", pos), lower.find("https://", pos));
    if (start == std::string::npos) break;
    size_t end = start;
    while (end < text.size() && !IsUrlEnd(text[end])) ++end;
    while (end > start && absl::StrContains(".,;:!?)", text[end - 1])) --end;
    const size_t scheme = lower.compare(start, 8, "https://") == 0 ? 8 : 7;
    if (end > start + scheme) urls.emplace_back(text.substr(start, end - start));
    pos = std::max(end, start + scheme);
  }
  return urls;
}

std::vector<ShareLink> FindMailboxUrls(absl::string_view text) {
  return FindParsed(text, &ParseMailboxUrl);
}

std::string FormatDerivedShareLink(absl::string_view base_url, absl::string_view vertical,
                                   absl::string_view secret) {
  absl::ConsumeSuffix(&base_url, "/");
  return FormatShareLink(absl::StrCat(base_url, kDerivedPathPrefix), vertical, secret);
}

absl::StatusOr<ShareLink> ParseDerivedShareLink(absl::string_view link) {
  absl::string_view rest;
  ShareLink out = SplitLink(link, &rest);
  const size_t scheme_end = rest.find("://");
  if (scheme_end == absl::string_view::npos) return BadLink("not an http(s) URL");
  const size_t path = rest.find('/', scheme_end + 3);
  if (path == absl::string_view::npos || rest.substr(path) != kDerivedPathPrefix) {
    return BadLink("path is not /v1/d/");
  }
  if (!KnownVertical(out.vertical)) return BadLink("v must be a, h or c");
  absl::StatusOr<std::string> secret = Base64UrlDecode(out.fragment, "link fragment");
  if (out.fragment.empty() || !secret.ok() || secret->size() != kDerivedLocationBytes) {
    return BadLink("the fragment must be the base64url of a 32-byte secret");
  }
  return out;
}

std::vector<ShareLink> FindDerivedShareLinks(absl::string_view text) {
  return FindParsed(text, &ParseDerivedShareLink);
}

std::string StripFragment(absl::string_view url) {
  return std::string(url.substr(0, url.find('#')));
}

std::string FragmentOf(absl::string_view url) {
  const size_t hash = url.find('#');
  return hash == absl::string_view::npos ? "" : std::string(url.substr(hash + 1));
}

}  // namespace sct

#include "scenarios/attack/adversary_logic.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios::attack {
namespace {

bool IsUrlEnd(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '<' ||
         c == '>' || c == '\'';
}

}  // namespace

std::vector<ParsedLink> ExtractShareLinks(absl::string_view body) {
  std::vector<ParsedLink> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t http = body.find("http", pos);
    if (http == absl::string_view::npos) break;
    absl::string_view rest = body.substr(http);
    if (!absl::StartsWith(rest, "http://") && !absl::StartsWith(rest, "https://")) {
      pos = http + 4;
      continue;
    }
    size_t end = http;
    while (end < body.size() && !IsUrlEnd(body[end])) ++end;
    absl::string_view url = body.substr(http, end - http);
    pos = end;
    const size_t scheme = url.find("://");
    const size_t path = url.find('/', scheme + 3);
    if (path == absl::string_view::npos) continue;
    absl::string_view p = url.substr(path);
    if (!absl::StartsWith(p, "/v1/m/")) continue;
    absl::string_view id = p.substr(6);
    const size_t id_end = id.find_first_of("?#/");
    if (id_end != absl::string_view::npos) id = id.substr(0, id_end);
    if (!IsValidUuid(id)) continue;
    ParsedLink link;
    link.link = std::string(url);
    link.mailbox_id = absl::AsciiStrToLower(id);
    const size_t hash = url.find('#');
    link.without_fragment = std::string(url.substr(0, hash));
    if (hash != absl::string_view::npos) link.fragment = std::string(url.substr(hash + 1));
    out.push_back(std::move(link));
  }
  return out;
}

std::vector<std::string> ExtractPinCandidates(absl::string_view body) {
  std::vector<std::string> out;
  if (!ExtractShareLinks(body).empty()) return out;
  size_t i = 0;
  while (i < body.size()) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(body[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < body.size() && absl::ascii_isdigit(static_cast<unsigned char>(body[j]))) ++j;
    if (j - i == 6) out.emplace_back(body.substr(i, 6));
    i = j;
  }
  return out;
}

std::string MatchShare(const ParsedLink& link,
                       const std::map<std::string, SavedShare>& shares) {
  for (const auto& [name, share] : shares) {
    if (!share.mailbox_id.empty() &&
        absl::AsciiStrToLower(share.mailbox_id) == link.mailbox_id) {
      return name;
    }
    if (!share.link.empty() && share.link == link.link) return name;
  }
  return "";
}

std::string DeviceAddress(const scenario::v1::Topology& topology,
                          const std::string& device,
                          ::common::v1::ChannelKind kind) {
  // The launcher's defaults (ResolveTopology) decide unlisted addresses.
  absl::StatusOr<scenario::v1::Topology> resolved = ResolveTopology(topology);
  const scenario::v1::Topology& t = resolved.ok() ? *resolved : topology;
  for (int i = 0; i < t.devices_size(); ++i) {
    const scenario::v1::DeviceSpec& d = t.devices(i);
    if (d.id() != device) continue;
    const std::string address = AddressOf(d, kind);
    return address.empty() ? DefaultAddress(device, i, kind) : address;
  }
  return "";
}

std::string RandomMailboxId() { return NewUuidV4(); }

void GuessStats::Record(int http_status) {
  ++tries;
  switch (http_status) {
    case 200:
    case 201:
    case 401:
      ++hits;
      break;
    case 404:
      ++not_found;
      break;
    case 429:
      if (rate_limited_after < 0) rate_limited_after = tries - 1;
      ++rate_limited;
      break;
    default:
      ++other;
      last_other_status = http_status;
  }
}

bool GuessStats::Succeeded(const scenario::v1::MailboxIdGuesser& spec) const {
  if (hits > spec.max_hits()) return false;
  if (spec.expect_rate_limited() && rate_limited == 0) return false;
  return true;
}

std::vector<std::pair<std::string, std::string>> GuessStats::Details() const {
  return {
      {"tries", absl::StrCat(tries)},
      {"hits", absl::StrCat(hits)},
      {"not_found", absl::StrCat(not_found)},
      {"rate_limited", absl::StrCat(rate_limited)},
      {"rate_limited_after",
       rate_limited_after < 0 ? "never" : absl::StrCat(rate_limited_after)},
      {"other", absl::StrCat(other)},
  };
}

}  // namespace sct::scenarios::attack

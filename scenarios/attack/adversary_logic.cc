#include "scenarios/attack/adversary_logic.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/uuid.h"

namespace sct::scenarios::attack {

std::vector<std::string> ExtractPinCandidates(absl::string_view body) {
  std::vector<std::string> out;
  if (!FindMailboxUrls(body).empty() || !FindDerivedShareLinks(body).empty()) return out;
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

std::string MatchShare(const ShareLink& link, const std::map<std::string, SavedShare>& shares) {
  for (const auto& [name, share] : shares) {
    // Mailbox ids are lowercased UUIDs; a derived link's first location is
    // base64url, where case matters.
    if (!share.mailbox_id.empty() && (share.mailbox_id == link.mailbox_id ||
                                      absl::AsciiStrToLower(share.mailbox_id) == link.mailbox_id)) {
      return name;
    }
    if (!share.link.empty() && share.link == link.ToString()) return name;
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
      {"rate_limited_after", rate_limited_after < 0 ? "never" : absl::StrCat(rate_limited_after)},
      {"other", absl::StrCat(other)},
  };
}

}  // namespace sct::scenarios::attack

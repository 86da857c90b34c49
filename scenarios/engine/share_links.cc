#include "scenarios/engine/share_links.h"

#include <string>
#include <utility>

#include "common/derived_location.h"
#include "crypto/derived_schedule.h"

namespace sct::scenarios {

std::vector<ShareLink> ShareLinksIn(absl::string_view body) {
  std::vector<ShareLink> out = FindMailboxUrls(body);
  for (ShareLink& link : FindDerivedShareLinks(body)) {
    absl::StatusOr<std::string> secret = link.Secret();
    if (!secret.ok()) continue;
    absl::StatusOr<std::string> first = crypto::DerivedLocation(*secret, "");
    if (!first.ok()) continue;
    absl::StatusOr<std::string> text = DerivedLocationText(*first);
    if (!text.ok()) continue;
    link.mailbox_id = *std::move(text);
    out.push_back(std::move(link));
  }
  return out;
}

}  // namespace sct::scenarios

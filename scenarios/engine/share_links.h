// The share links in a message body, of either relay design, keyed the way
// the engine knows an exchange: a mailbox link by its mailbox id, a
// derived-locations link (docs/variants/derived-locations.md) by the
// location of its message 0, derived from the secret — the id the sender's
// ShareCredential answers. Used by the engine's inbox reader and by the
// adversaries that tap a channel (scenarios/attack). Pure functions.
#ifndef SCT_SCENARIOS_ENGINE_SHARE_LINKS_H_
#define SCT_SCENARIOS_ENGINE_SHARE_LINKS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "common/share_link.h"

namespace sct::scenarios {

// Every mailbox link of `body` (FindMailboxUrls), then every derived link
// (FindDerivedShareLinks) whose secret gives a first location, with
// `mailbox_id` set to that location's text. A derived link whose secret
// does not decode is left out.
std::vector<ShareLink> ShareLinksIn(absl::string_view body);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_SHARE_LINKS_H_

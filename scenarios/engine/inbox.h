// Reading share links out of channel inboxes. A device never hands its link
// back to the engine: the engine (like a person) reads it from the message
// the receiver got, through the channel server's Receive.
// Functions; the engine's thread only.
#ifndef SCT_SCENARIOS_ENGINE_INBOX_H_
#define SCT_SCENARIOS_ENGINE_INBOX_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/common/v1/types.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/actor_clients.h"
#include "scenarios/engine/run_clock.h"

namespace sct::scenarios {

// "sms", "email", "messenger" ("unknown" otherwise), as reports and default
// addresses spell a channel.
std::string ChannelWord(::common::v1::ChannelKind kind);

// The first share link in `body` (common/share_link.h FindMailboxUrls) whose
// mailbox is `mailbox_id` (any mailbox when it is empty), else the first
// derived-locations link (FindDerivedShareLinks) whose first location is
// `mailbox_id` (what ShareCredential answers as its mailbox id); "" if none.
std::string LinkIn(absl::string_view body, absl::string_view mailbox_id);

// A message that carries a share link.
struct InboxLink {
  std::string message_id;
  std::string link;  // with its fragment: a secret, never logged
};

// The newest message in the (kind, address) inbox carrying the link of
// `mailbox_id`, polling (pauses of 5 ms, doubling up to 100 ms: PollPause)
// until `deadline` (one poll when it has passed; never past the scenario
// deadline). Empty when none arrived. Only
// the last poll goes to the engine trace, as `actor` reading its inbox.
InboxLink FindLink(ActorClients& clients, const RunClock& clock, const std::string& actor,
                   ::common::v1::ChannelKind kind, const std::string& address,
                   const std::string& mailbox_id, absl::Time deadline);

// The 6-digit PIN of a "PIN: 123456" message (what a sender's device sends on
// the second channel); "" if `body` carries none.
std::string PinIn(absl::string_view body);

// The PIN in the newest PIN message of the (kind, address) inbox, polling as
// FindLink does; "" when none arrived by `deadline`. A secret: never logged.
std::string FindPin(ActorClients& clients, const RunClock& clock, const std::string& actor,
                    ::common::v1::ChannelKind kind, const std::string& address,
                    absl::Time deadline);

// How long a message on `kind` may take to arrive: the largest delay plus
// jitter that the topology or a fault sets for it, plus 5 s.
absl::Duration ChannelWait(const scenario::v1::Scenario& scenario, ::common::v1::ChannelKind kind);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_INBOX_H_

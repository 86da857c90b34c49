// The misbehaviours of the active malicious relay (relay_server
// --malicious=NAME,...; the scenario topology's RelaySpec.malicious), by the
// names the flag and the docs use. docs/attack.md, "Active malicious relay",
// says what each one does and what a device can detect of it.
//
// Pure functions; thread-safe.
#ifndef SCT_RELAY_MALICIOUS_BEHAVIOURS_H_
#define SCT_RELAY_MALICIOUS_BEHAVIOURS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::relay::malicious {

enum class Behaviour {
  // A reader that is not the bound receiver gets the content anyway; the
  // binding itself stays with the first reader.
  kServeSecondReader,
  // Any claim may read and update a bound mailbox, as if it were a party.
  kIgnoreBinding,
  // The first update of each mailbox is acknowledged but never stored.
  kDropRound,
  // Once a mailbox has been updated, reads get the content before the newest.
  kReplayRound,
  // Mailboxes are paired in order of creation (1st with 2nd, 3rd with 4th,
  // ...); a read of one gets its partner's current payload.
  kSwapPayloads,
  // Create and read answers claim an expiry kExpiryLie later than the one
  // the relay enforces.
  kLieAboutExpiry,
};

using Behaviours = std::set<Behaviour>;

// The flag's name of `b`: "serve_second_reader", "ignore_binding",
// "drop_round", "replay_round", "swap_payloads", "lie_about_expiry".
std::string NameOf(Behaviour b);
// Every behaviour, in declaration order.
std::vector<Behaviour> AllBehaviours();

// The behaviours `names` spell (each a NameOf name; empty strings are
// skipped, a name may repeat). INVALID_ARGUMENT "invalid_field" naming
// `field` and the unknown name, listing the known ones.
absl::StatusOr<Behaviours> ParseBehaviours(const std::vector<std::string> &names,
                                           absl::string_view field);

// "drop_round,replay_round" (declaration order); "" for none.
std::string Describe(const Behaviours &behaviours);

}  // namespace sct::relay::malicious

#endif  // SCT_RELAY_MALICIOUS_BEHAVIOURS_H_

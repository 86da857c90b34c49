// Pure logic of the adversaries (no RPCs): PIN candidates in a tapped
// message, matching a captured link (common/share_link.h finds and parses
// links) to the scenario's shares, and the statistics of a mailbox-id
// guesser. Thread-compatible value types.
#ifndef SCT_SCENARIOS_ATTACK_ADVERSARY_LOGIC_H_
#define SCT_SCENARIOS_ATTACK_ADVERSARY_LOGIC_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/share_link.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// 6-digit numbers in a body without share links (a PIN sent over the same,
// tapped channel), in order.
std::vector<std::string> ExtractPinCandidates(absl::string_view body);

// The save_as name of the share `link` belongs to (same mailbox id, or the
// same full link), or "" when no share matches yet.
std::string MatchShare(const ShareLink& link, const std::map<std::string, SavedShare>& shares);

// A random mailbox id in the relay's form (UUIDv4, lower case), from a CSPRNG.
std::string RandomMailboxId();

// Outcome counts of a run of mailbox-id guesses.
struct GuessStats {
  uint32_t tries = 0;
  uint32_t hits = 0;          // 200 or 401: the mailbox exists
  uint32_t not_found = 0;     // 404
  uint32_t rate_limited = 0;  // 429
  uint32_t other = 0;         // anything else (400, 5xx, transport failure)
  // Guesses made before the first 429 (-1: never rate limited).
  int64_t rate_limited_after = -1;
  int last_other_status = 0;  // HTTP status of the last "other" (0: transport)

  // Records one guess's HTTP status (0 for a transport failure).
  void Record(int http_status);
  // The act's success criterion: hits <= max_hits and, with
  // expect_rate_limited, at least one 429.
  bool Succeeded(const scenario::v1::MailboxIdGuesser& spec) const;
  // Report details: tries, hits, not_found, rate_limited, rate_limited_after, other.
  std::vector<std::pair<std::string, std::string>> Details() const;
};

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_ADVERSARY_LOGIC_H_

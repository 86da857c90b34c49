// Pure logic of the knowledge audit (no RPCs, no processes): the search of a
// relay dump for known values, and the audit table built from what each actor
// was seen to hold. audit.cc feeds it with common.v1.Audit observations and
// adversary evidence; tests feed it fakes. Fingerprints are those of the
// services' recorders (sim::Recorder::Fingerprint, HMAC-SHA256 under the
// run's audit key), so that a known value and an observation of it match.
//
// Nothing here logs or returns a known value: results name values only by
// their KnownValue::label and the file or RPC where they were seen.
// Thread-compatible (plain functions and value types).
#ifndef SCT_SCENARIOS_ATTACK_KNOWLEDGE_H_
#define SCT_SCENARIOS_ATTACK_KNOWLEDGE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// Values shorter than this are not searched for in dumps (too many chance
// matches); they still take part in fingerprint matching.
inline constexpr size_t kMinSearchLength = 4;

// One encoding under which a value is searched.
struct SearchForm {
  std::string name;   // "raw", "base64", "base64url", "hex", "HEX"
  std::string bytes;  // the encoded value
};
// The distinct encodings of `value` searched in a dump: raw, standard base64
// (padded and unpadded), base64url (unpadded and padded), lower and upper hex.
std::vector<SearchForm> SearchForms(absl::string_view value);

// A known value found in a dump.
struct DumpHit {
  std::string where;  // file name (base name) or "stderr of relay"
  std::string label;  // KnownValue::label
  ::common::v1::KnowledgeItem item = ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
  std::string form;  // SearchForm::name of the first form found
};
// Every known value (one hit per value and place, first matching form)
// found in `contents`, which is reported as `where`.
std::vector<DumpHit> SearchDump(absl::string_view where, absl::string_view contents,
                                const std::vector<KnownValue>& known);

// What one actor was seen to hold: an observation a service recorded, or
// evidence an adversary produced itself (captured link, guessed id, dump hit).
struct Sighting {
  std::string actor;
  // Class the observer gave it (UNSPECIFIED: none).
  ::common::v1::KnowledgeItem item = ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
  std::string fingerprint;  // hex HMAC under the audit key, "" if none
  std::string where;        // RPC, file or "tap of SMS"
  uint64_t count = 1;
  // Already matched to a known value (dump hits): its label and class.
  std::string matched_label;
  ::common::v1::KnowledgeItem matched_item = ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
  // Whether `item` is certain (the attack code's own evidence: it knows what
  // it captured). A service's classification is heuristic (e.g. any text
  // after '#' is filed as MAILBOX_SECRET), so it only counts as learning for
  // items of which the engine knows no value to match fingerprints against.
  bool exact_class = false;
};

// The sightings a DumpHit list means for `actor`.
std::vector<Sighting> SightingsFromDump(const std::string& actor, const std::vector<DumpHit>& hits);

// Everything the audit table is built from.
struct AuditInput {
  std::string audit_key;
  std::vector<KnownValue> known;
  std::vector<Sighting> sightings;
  // Actors whose knowledge is fully recorded (reachable sim services,
  // adversaries of this scenario). Others are AUDIT_UNKNOWN unless a
  // sighting shows them learning the item.
  std::map<std::string, bool> audited;
  // Why an actor is not audited, e.g. "attached without sim services".
  std::map<std::string, std::string> unaudited_reason;
  std::vector<scenario::v1::KnowledgeAssertion> assertions;
};

// "Learned" (actor, item): a sighting of the actor whose fingerprint is that
// of a known value of the item, or that was matched to one (dump), or whose
// class is the item and either exact_class or no known value has that item.
// One row per (assertion actor, item) in assertion order, then AUDIT_INFO
// rows (actor, item class observed but named by no assertion of that actor)
// sorted by actor and item. INVALID_ARGUMENT "invalid_field" for an
// assertion without actor or with KNOWLEDGE_ITEM_UNSPECIFIED, and for an
// empty audit_key when a known value is to be fingerprinted; INTERNAL when
// the fingerprint's HMAC fails.
absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> BuildAuditRows(
    const AuditInput& input);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_KNOWLEDGE_H_

// State shared by the engine (scenarios/engine) and the attack code
// (scenarios/attack: faults, adversaries, knowledge audit) while one scenario
// runs. Owned by the engine; passed by reference; single-threaded.
#ifndef SCT_SCENARIOS_ENGINE_RUN_CONTEXT_H_
#define SCT_SCENARIOS_ENGINE_RUN_CONTEXT_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/common/v1/types.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {

// A share made by a `share` step, under its save_as name.
struct SavedShare {
  std::string share_id;    // authority share id
  std::string link;        // full link with fragment (secret!) once known
  std::string mailbox_id;  // relay mailbox id
  std::string pin;         // PIN given by the sender ("" if none)
  std::string sender;      // device name
  std::string receiver;    // device name of the `to` field ("" if none)
  std::string receiver_address;
  ::common::v1::ChannelKind channel = ::common::v1::CHANNEL_KIND_UNSPECIFIED;
  // The second channel the PIN went over (UNSPECIFIED: none).
  ::common::v1::ChannelKind pin_channel = ::common::v1::CHANNEL_KIND_UNSPECIFIED;
};

// A value the engine knows and the knowledge audit looks for. Never logged.
struct KnownValue {
  ::common::v1::KnowledgeItem item;
  std::string value;  // raw bytes/text
  std::string label;  // e.g. "PIN of share-1" (no secret in it)
  // What the value identifies, for the linkability audit: "device:<id>",
  // "persona:<device>/<persona>", "share:<save_as>", or "actor:<name>" for a
  // service's own address; "" for a value that identifies nothing.
  std::string owner;
};

// The highest message sequence read per channel inbox ("KIND address") by
// the runs made so far on one ecosystem (EngineOptions::inbox_cursors): an
// experiment's runs share it so that a run reads only what was delivered
// after the runs before it had read theirs. Thread-safe.
struct InboxCursors {
  std::mutex mu;
  std::map<std::string, uint64_t> last;
};

struct RunContext {
  const scenario::v1::Scenario* scenario = nullptr;
  // The scenario's topology as resolved once by the engine (every device
  // address and persona explicit). Set before ArmAdversaries.
  const ResolvedTopology* topology = nullptr;
  Ecosystem* eco = nullptr;
  std::string work_dir;

  std::map<std::string, SavedShare> shares;        // save_as -> share
  std::map<std::string, std::string> credentials;  // name -> device credential id
  std::map<std::string, std::string> credential_device;  // name -> device name

  // Links captured by link_interceptor adversaries: adversary name -> share
  // save_as -> link.
  std::map<std::string, std::map<std::string, std::string>> intercepted;

  // Every secret or identity value the engine has seen (links, fragments,
  // PINs, device ids, addresses, persona names, share ids...).
  std::vector<KnownValue> known;

  // The run's time scale (EngineOptions::time_scale, time_scale.h): the
  // attack code stretches its waits and RPC deadlines by it too.
  double time_scale = 1;

  std::string audit_key;     // 32 random bytes set on every sim service
  std::string current_step;  // id of the running step (sent as sct-step)
  absl::Time started_at;

  // Calls made by the engine and adversaries themselves, and fault and
  // adversary markers, for the sequence diagram (from = "engine" or the
  // adversary name).
  std::vector<::common::v1::TraceEvent> engine_trace;
  std::vector<scenario::v1::Marker> markers;

  // From EngineOptions::inbox_cursors (null: every inbox read starts at the
  // inbox's beginning). `inbox_floor` is what the earlier runs had read of
  // each inbox, fixed at this run's first read of it.
  InboxCursors* inbox_cursors = nullptr;
  std::map<std::string, uint64_t> inbox_floor;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_RUN_CONTEXT_H_

// The adversaries of a scenario behind attack.h's ArmAdversaries,
// ActAdversary and the audit's AdversarySightings: one file per kind
// (link_interceptor.cc, id_guesser.cc, token_replayer.cc, relay_dump.cc) and
// the pieces they share (adversaries.cc). Internal to scenarios/attack.
//
// Every act returns an AdversaryOutcome (attack.h); a failure that is the
// act's own result (nothing captured, claim refused) is an outcome, not an
// error. Errors are INVALID_ARGUMENT "invalid_field" for a spec that does not
// fit the topology and the ecosystem's errors when a channel cannot be made.
// Engine thread only, except where a comment says a tap thread calls it.
#ifndef SCT_SCENARIOS_ATTACK_ADVERSARIES_H_
#define SCT_SCENARIOS_ATTACK_ADVERSARIES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/share_link.h"
#include "grpcpp/channel.h"
#include "proto/device/v1/device.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/knowledge.h"
#include "scenarios/attack/run_state.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

inline constexpr char kChannelService[] = "channel";
// How long an act waits for a tap to capture a link, and for a claim (both
// stretched by the run's time scale: Scaled(…, ctx.time_scale)).
inline constexpr absl::Duration kCaptureWait = absl::Seconds(5);
inline constexpr absl::Duration kClaimTimeout = absl::Seconds(60);

// ---- shared (adversaries.cc) ----

// The adversary named `name`, or nullptr.
const scenario::v1::Adversary* FindAdversary(const RunContext& ctx, const std::string& name);

// Whether `a` fits the scenario's topology (devices exist, a token replayer
// names a link interceptor, ...). INVALID_ARGUMENT naming the field.
absl::Status ValidateAdversary(const RunContext& ctx, const scenario::v1::Adversary& a);

// "56c1306a..." (a mailbox id shortened for summaries).
std::string ShortId(const std::string& mailbox_id);
std::string KindName(::common::v1::ChannelKind kind);

// The persona an adversary's device acts as: the device's first persona.
std::string PersonaOf(const RunContext& ctx, const std::string& device);

// Claims `link` through a device agent (AcceptLink with the link itself and
// `pin` when not empty), the call bounded by `timeout`. Tap threads call it
// too.
absl::Status Claim(const std::shared_ptr<grpc::Channel>& device_channel, const std::string& persona,
                   const std::string& link, const std::string& pin, const std::string& actor,
                   const std::string& step, absl::Duration timeout,
                   ::device::v1::AcceptLinkResponse* resp);

// Evidence that `actor` holds `link`: the full link, its mailbox id and its
// secret (as text and decoded). The caller holds RunState::mu.
void AddLinkEvidence(std::vector<RawEvidence>& out, const std::string& actor, const ShareLink& link,
                     const std::string& where);

// An outcome of an act that did not succeed, with its decisive code.
AdversaryOutcome Failed(absl::StatusCode code, const std::string& reason,
                        const std::string& summary);

// Evidence the adversaries produced, as audit sightings (fingerprinted with
// ctx.audit_key), plus the relay dump hits (for the dump adversary and the
// relay).
absl::StatusOr<std::vector<Sighting>> AdversarySightings(RunContext& ctx);

// ---- link_interceptor.cc ----

// Starts `a`'s tap on its channel and waits until a probe message shows it
// is live. UNAVAILABLE "tap_not_established" when no probe arrives within
// 5 s.
absl::Status ArmInterceptor(RunContext& ctx, const scenario::v1::Adversary& a);
// Claims the newest captured link (or reports the race claim's result).
absl::StatusOr<AdversaryOutcome> ActInterceptor(RunContext& ctx, const scenario::v1::Adversary& a);

// ---- id_guesser.cc ----

// Guesses random mailbox ids against the relay's HTTP API.
absl::StatusOr<AdversaryOutcome> ActGuesser(RunContext& ctx, const scenario::v1::Adversary& a);

// ---- token_replayer.cc ----

// Replays an intercepted link of a share through a device, `times` times.
absl::StatusOr<AdversaryOutcome> ActReplayer(RunContext& ctx, const scenario::v1::Adversary& a);

// ---- relay_dump.cc ----

// What a relay dump read and found.
struct DumpResult {
  std::vector<std::string> files_read;  // base names
  std::vector<std::string> missing;     // base names of listed files absent
  uint64_t bytes_read = 0;
  std::vector<DumpHit> hits;
};

// Reads every data file of the relay (sqlite: also -wal and -shm) and, with
// include_logs, its stderr (and those of earlier starts), and searches them
// for ctx.known. NOT_FOUND "service_not_found" without a relay;
// FAILED_PRECONDITION "no_data_files" when the relay has none (attached or
// Redis) and no log is read.
absl::StatusOr<DumpResult> DumpRelay(RunContext& ctx, bool include_logs);

// Whether a known value of `item` may legitimately sit at the relay
// (mailbox ids, ciphertext, push tokens: ARCHITECTURE.md section 2; and
// network addresses, its own, its peers' and its callers', which it sees on
// every connection whether or not it logs them: the linkability audit, not
// the dump, says what they let it link).
bool RelayMayHold(::common::v1::KnowledgeItem item);

// The relay operator reads the relay's files; succeeds when they hold no
// known value the relay must not hold.
absl::StatusOr<AdversaryOutcome> ActDump(RunContext& ctx, const scenario::v1::Adversary& a);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_ADVERSARIES_H_

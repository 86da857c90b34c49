// Faults, adversaries, the knowledge audit and trace collection for the
// scenario engine. The engine (scenarios/engine) calls these; they act on the
// running Ecosystem through gRPC (common.v1.SimControl / Audit on every sim
// service, channel.v1.Channel, the relay's HTTP API, device agents) and never
// through process internals, so they work against attached endpoints too
// (where an attached service has no sim services, its rows are AUDIT_UNKNOWN).
//
// Every call the attack code makes carries `sct-actor` metadata (the
// adversary's name, or "engine") and `sct-step` (ctx.current_step), and is
// appended to ctx.engine_trace; faults and adversary acts add ctx.markers.
// Single-threaded, like the engine.
#ifndef SCT_SCENARIOS_ATTACK_ATTACK_H_
#define SCT_SCENARIOS_ATTACK_ATTACK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios {

// Before the first step: a fresh 32-byte audit key into ctx.audit_key, set on
// every running sim service (SetAuditKey), and their audit records reset.
absl::Status PrepareAudit(RunContext& ctx);

// Starts a fault (at the start of its from_step, or before the first step when
// from_step is empty). Channel faults via channel.v1.Channel/Configure; link
// faults via SimControl.SetLinkFaults on the `from` service (peer = the `to`
// service's grpc address); clock skew via SimControl.SetClock offset; outage
// via SimControl.SetOutage; restart via ctx.eco->Restart (or Kill when
// no_restart). Errors name the fault: INVALID_ARGUMENT "invalid_field".
absl::Status ApplyFault(const scenario::v1::Fault& fault, RunContext& ctx);
// Ends it (after its until_step, or after the last step when until_step is
// empty): restores the channel settings, clears link faults, zero offset, ends
// the outage; a restart fault that killed with no_restart starts it again.
absl::Status ClearFault(const scenario::v1::Fault& fault, RunContext& ctx);

// Before the first step: passive adversaries start watching (a
// link_interceptor taps its channel and records links into ctx.intercepted;
// with race=true it claims each captured link at once through its device).
absl::Status ArmAdversaries(RunContext& ctx);
// After the last step (or on failure): stops taps and background threads.
void DisarmAdversaries(RunContext& ctx);

// Copies what the adversaries' background threads (taps, race claims) produced
// since the last call into ctx: captured links into ctx.intercepted (keyed by
// the share's save_as once ctx.shares names its mailbox, else by the mailbox
// id) and their trace events into ctx.engine_trace. The tap threads never
// touch ctx themselves, so call this before reading ctx.intercepted, e.g. in
// each round of waiting for an intercepted link; every other function of
// this header also does it on entry. Cheap; engine thread only.
void SyncAdversaries(RunContext& ctx);

// What an adversary_act step did.
struct AdversaryOutcome {
  // Whether the act's own success criterion held (e.g. the guesser found no
  // more than max_hits live mailboxes and, with expect_rate_limited, was
  // rate-limited; the interceptor claimed the link; the replayer was refused
  // every time; the relay dump holds no known secret).
  bool succeeded = false;
  std::string code;     // canonical status code of the decisive call ("OK", ...)
  std::string reason;   // stable reason of the decisive call
  std::string summary;  // one line for the report, never a secret
  std::vector<std::pair<std::string, std::string>> details;  // e.g. {"tries","500"}
};

// Runs `adversary`'s active behaviour once (the adversary_act step).
// NOT_FOUND if no adversary has that name.
absl::StatusOr<AdversaryOutcome> ActAdversary(const std::string& adversary, RunContext& ctx);

// The knowledge-audit table: one row per (actor, item) named by the
// scenario's knowledge assertions (verdict OK / VIOLATED / UNKNOWN), plus
// AUDIT_INFO rows for what each sim service observed that no assertion named.
// "Learned" = the actor's observations contain the fingerprint of a value in
// ctx.known of that item (or, for items only the actor classifies, an
// observation of that item); relay_dump adversaries add evidence from the
// relay's data files and logs. Evidence strings never contain the values.
absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> EvaluateKnowledge(RunContext& ctx);

// The linkability audit (linkability.h): one row per linkability assertion,
// then AUDIT_INFO rows for what two audited services (relay, OEMs,
// authorities, channel) link together that neither links alone, for every
// share. Built from the services' CoObservations (GetObservations) and the
// same known values as EvaluateKnowledge. Evidence never holds a value.
// Errors as BuildLinkRows.
absl::StatusOr<std::vector<scenario::v1::LinkabilityAuditRow>> EvaluateLinkability(
    RunContext& ctx);

// Saves `service`'s observations and trace (GetObservations, GetTrace) so
// that EvaluateKnowledge and CollectTrace still see them after the process is
// killed (they live in its memory). Restart faults do it themselves; call it
// before killing or restarting a sim service any other way (service steps).
// No-op for non-sim or stopped services; transport errors are ignored.
void PreserveAudit(RunContext& ctx, const std::string& service);
// Sets ctx.audit_key on `service` again after it was (re)started: a new
// process has no key and fingerprints nothing the engine can match.
// Restart faults do it themselves. OK (no-op) for non-sim or stopped
// services or before PrepareAudit; else the SetAuditKey error naming it.
absl::Status RestoreAuditKey(RunContext& ctx, const std::string& service);

// Every trace event of every running sim service (GetTrace), plus the events
// saved by PreserveAudit, plus ctx.engine_trace, ordered by time then seq.
absl::StatusOr<std::vector<::common::v1::TraceEvent>> CollectTrace(RunContext& ctx);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ATTACK_ATTACK_H_

// The attack code's per-run state, kept beside a RunContext: the link
// interceptors' taps (their threads, captured links, PIN candidates and race
// claims), evidence the adversaries produced, relay dump hits, active link
// faults, and what killed services recorded before they died. Internal to
// scenarios/attack.
//
// Thread safety: RunState::mu guards every field the tap threads touch
// (each TapState's captured/pins/claims/probe_seen/ended, pending_trace,
// evidence, step); the condition variable `cv` is notified whenever they
// change. Everything else is used from the engine's thread only.
// Ownership: StateOf keeps one RunState per RunContext in a process-wide map
// for as long as the process runs (a later run on the same RunContext
// replaces it, after stopping the old run's taps).
#ifndef SCT_SCENARIOS_ATTACK_RUN_STATE_H_
#define SCT_SCENARIOS_ATTACK_RUN_STATE_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/share_link.h"
#include "grpcpp/client_context.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/common/v1/control.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/attack/knowledge.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// A link a tap captured.
struct CapturedLink {
  ShareLink link;
  absl::Time at;
};

// Result of claiming a link through the adversary's device.
struct ClaimResult {
  bool done = false;
  absl::Status status;
};

// Something an adversary held, kept raw until the audit fingerprints it.
// `value` is secret: never logged.
struct RawEvidence {
  std::string actor;
  ::common::v1::KnowledgeItem item = ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
  std::string value;  // "" when only the class is known
  std::string where;
};

// One link_interceptor's tap.
struct TapState {
  std::string adversary;
  scenario::v1::LinkInterceptor spec;
  std::string to_address;  // server-side filter ("" = all)
  std::unique_ptr<grpc::ClientContext> call;
  std::thread thread;
  // Guarded by RunState::mu.
  std::vector<CapturedLink> captured;
  std::vector<std::string> pins;              // 6-digit candidates, newest last
  std::map<std::string, ClaimResult> claims;  // mailbox id -> race claim
  std::string probe;                          // nonce of the arming probe
  bool probe_seen = false;
  bool ended = false;
  // A tap on one of the adversary's also_channels: what it captures goes to
  // this interceptor's main tap (not owned; the main tap outlives it, both
  // live in RunState::taps). Null for a main tap.
  TapState* feeds = nullptr;
};

struct RunState {
  const void* scenario = nullptr;
  absl::Time started_at;

  std::mutex mu;
  std::condition_variable cv;
  // By adversary name; a tap on one of its also_channels under
  // AlsoTapKey(name, kind).
  std::map<std::string, std::unique_ptr<TapState>> taps;
  std::vector<::common::v1::TraceEvent> pending_trace;  // guarded by mu
  std::vector<RawEvidence> evidence;                    // guarded by mu
  std::string step;                                     // guarded by mu

  // Relay dump hits by adversary name (engine thread only).
  std::map<std::string, std::vector<DumpHit>> dumps;
  // Active link faults: calling service -> fault name -> faults.
  std::map<std::string, std::map<std::string, std::vector<::common::v1::LinkFault>>> link_faults;
  // What services recorded before they were killed (their records live in
  // memory and die with the process): service -> observations; all events.
  std::map<std::string, std::vector<::common::v1::Observation>> saved_observations;
  std::map<std::string, std::vector<::common::v1::CoObservation>> saved_co_observations;
  std::vector<::common::v1::TraceEvent> saved_trace;
};

// The key of `adversary`'s tap on one of its also_channels in RunState::taps
// (a name no adversary can have: it holds a NUL).
std::string AlsoTapKey(const std::string& adversary, ::common::v1::ChannelKind kind);

// The state of `ctx`'s run (created on first use; replaced when ctx now
// belongs to another run, after stopping the old run's taps).
RunState& StateOf(RunContext& ctx);

// Moves what the tap threads produced into ctx: pending trace events into
// ctx.engine_trace (numbering them), captured links into ctx.intercepted, and
// publishes ctx.current_step to the threads.
void Sync(RunContext& ctx);

// Stops every tap of `state` and joins its thread.
void StopTaps(RunState& state);

// Waits (up to `timeout`, on the state's condition variable, holding mu while
// it evaluates `done`) until `done()`; returns its last value.
template <typename Pred>
bool WaitFor(RunState& state, absl::Duration timeout, Pred done) {
  std::unique_lock<std::mutex> lock(state.mu);
  return state.cv.wait_for(lock, std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)),
                           [&] { return done(); });
}

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_RUN_STATE_H_

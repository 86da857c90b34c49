#include "scenarios/attack/run_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/trace_events.h"

namespace sct::scenarios::attack {
namespace {

std::mutex& RegistryMu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

std::map<const RunContext*, std::unique_ptr<RunState>>& Registry() {
  static auto* registry = new std::map<const RunContext*, std::unique_ptr<RunState>>;
  return *registry;
}

}  // namespace

RunState& StateOf(RunContext& ctx) {
  std::lock_guard<std::mutex> lock(RegistryMu());
  std::unique_ptr<RunState>& slot = Registry()[&ctx];
  if (slot != nullptr && (slot->scenario != ctx.scenario || slot->started_at != ctx.started_at)) {
    StopTaps(*slot);
    slot.reset();
  }
  if (slot == nullptr) {
    slot = std::make_unique<RunState>();
    slot->scenario = ctx.scenario;
    slot->started_at = ctx.started_at;
  }
  return *slot;
}

std::string AlsoTapKey(const std::string& adversary, ::common::v1::ChannelKind kind) {
  return absl::StrCat(adversary, std::string(1, '\0'), ::common::v1::ChannelKind_Name(kind));
}

void StopTaps(RunState& state) {
  for (auto& [name, tap] : state.taps) {
    if (tap->call != nullptr) tap->call->TryCancel();
  }
  for (auto& [name, tap] : state.taps) {
    if (tap->thread.joinable()) tap->thread.join();
    // The finished call's context holds its channel: release it, so that the
    // channel server is not left with an idle connection it waits for when
    // it shuts down.
    tap->call.reset();
  }
}

void Sync(RunContext& ctx) {
  RunState& state = StateOf(ctx);
  std::lock_guard<std::mutex> lock(state.mu);
  state.step = ctx.current_step;
  for (::common::v1::TraceEvent& e : state.pending_trace) {
    AppendEvent(ctx, std::move(e));
  }
  state.pending_trace.clear();
  for (auto& [name, tap] : state.taps) {
    if (tap->feeds != nullptr) continue;  // its links are in the main tap's list
    std::map<std::string, std::string>& out = ctx.intercepted[name];
    for (const CapturedLink& c : tap->captured) {
      std::string key = MatchShare(c.link, ctx.shares);
      if (key.empty()) {
        key = c.link.mailbox_id;
      } else {
        out.erase(c.link.mailbox_id);
      }
      out[key] = c.link.ToString();
    }
  }
}

}  // namespace sct::scenarios::attack

// The token_replayer adversary: takes the link of a share that a link
// interceptor captured and replays it through a device `times` times; it
// succeeds when every replay is refused (the share token is single-use).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios::attack {
namespace {

using scenario::v1::Adversary;

// The link of `spec.share()` that `spec.interceptor()` captured, waiting up
// to kCaptureWait for the tap; "" when none came.
std::string AwaitCapturedLink(RunContext& ctx, const scenario::v1::TokenReplayer& spec) {
  RunState& state = StateOf(ctx);
  auto tap_it = state.taps.find(spec.interceptor());
  const absl::Time deadline = absl::Now() + Scaled(kCaptureWait, ctx.time_scale);
  while (true) {
    Sync(ctx);
    std::map<std::string, std::string>& captured = ctx.intercepted[spec.interceptor()];
    auto by_share = captured.find(spec.share());
    if (by_share != captured.end()) return by_share->second;
    if (absl::Now() >= deadline || tap_it == state.taps.end()) return "";
    size_t before = 0;
    {
      std::lock_guard<std::mutex> lock(state.mu);
      before = tap_it->second->captured.size();
    }
    WaitFor(state, absl::Milliseconds(200),
            [&] { return tap_it->second->captured.size() != before || tap_it->second->ended; });
  }
}

// The newest 6-digit code the interceptor captured ("" if none).
std::string CapturedPin(RunState& state, const std::string& interceptor) {
  auto tap_it = state.taps.find(interceptor);
  if (tap_it == state.taps.end()) return "";
  std::lock_guard<std::mutex> lock(state.mu);
  return tap_it->second->pins.empty() ? "" : tap_it->second->pins.back();
}

// How the replays went.
struct Replays {
  uint32_t times = 0;
  uint32_t refused = 0;
  std::map<std::string, int> refusals;  // "CODE reason" -> count
  absl::Status decisive;                // an acceptance, else the last refusal
};

Replays Replay(RunContext& ctx, const Adversary& a, const std::string& device,
               const std::shared_ptr<grpc::Channel>& ch, const std::string& link,
               const std::string& pin) {
  const scenario::v1::TokenReplayer& spec = a.token_replayer();
  RunState& state = StateOf(ctx);
  Replays r;
  r.times = std::max<uint32_t>(1, spec.times());
  bool any_accepted = false;
  for (uint32_t i = 0; i < r.times; ++i) {
    const absl::Time start = absl::Now();
    ::device::v1::AcceptLinkResponse resp;
    absl::Status s = Claim(ch, PersonaOf(ctx, device), link, pin, a.name(), ctx.current_step,
                           Scaled(kClaimTimeout, ctx.time_scale), &resp);
    AppendEvent(ctx, MakeEvent(a.name(), device, "device.v1.DeviceAgent/AcceptLink",
                               absl::StrCat("replay ", i + 1, "/", r.times, " of the token of ",
                                            spec.share()),
                               start, s, ::common::v1::ADVERSARY, ctx.current_step));
    if (s.ok()) {
      any_accepted = true;
      r.decisive = s;
      std::lock_guard<std::mutex> lock(state.mu);
      state.evidence.push_back(
          {a.name(), ::common::v1::PLAINTEXT, "", "replay accepted (decrypted the mailbox)"});
    } else {
      ++r.refused;
      ++r.refusals[absl::StrCat(CodeName(s), " ", ReasonOf(s))];
      if (!any_accepted) r.decisive = s;
    }
  }
  return r;
}

}  // namespace

absl::StatusOr<AdversaryOutcome> ActReplayer(RunContext& ctx, const Adversary& a) {
  const scenario::v1::TokenReplayer& spec = a.token_replayer();
  const Adversary* interceptor = FindAdversary(ctx, spec.interceptor());
  const std::string device =
      spec.device().empty() ? interceptor->link_interceptor().device() : spec.device();
  const std::string link = AwaitCapturedLink(ctx, spec);
  if (link.empty()) {
    return Failed(absl::StatusCode::kNotFound, "no_link_captured",
                  absl::StrCat(spec.interceptor(), " captured no link of ", spec.share()));
  }
  RunState& state = StateOf(ctx);
  const std::string pin = CapturedPin(state, spec.interceptor());
  absl::StatusOr<ShareLink> parsed = ParseMailboxUrl(link);
  if (parsed.ok()) {
    std::lock_guard<std::mutex> lock(state.mu);
    AddLinkEvidence(state.evidence, a.name(), *parsed,
                    absl::StrCat("link captured by ", spec.interceptor()));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> ch, ctx.eco->Channel(device));
  const Replays r = Replay(ctx, a, device, ch, link, pin);

  AdversaryOutcome out;
  out.succeeded = r.refused == r.times;
  out.code = CodeName(r.decisive);
  out.reason = r.decisive.ok() ? "" : ReasonOf(r.decisive);
  std::vector<std::string> parts;
  for (const auto& [what, n] : r.refusals) parts.push_back(absl::StrCat(what, " x", n));
  out.details = {{"times", absl::StrCat(r.times)},
                 {"refused", absl::StrCat(r.refused)},
                 {"accepted", absl::StrCat(r.times - r.refused)},
                 {"refusals", absl::StrJoin(parts, ", ")},
                 {"device", device}};
  out.summary = absl::StrCat("replayed the token of ", spec.share(), " ", r.times,
                             " time(s) through ", device, ": ", r.refused, " refused",
                             parts.empty() ? "" : " (" + absl::StrJoin(parts, ", ") + ")");
  return out;
}

}  // namespace sct::scenarios::attack

// The link_interceptor adversary: a tap on one channel (optionally only the
// messages to its target's address) that captures share links and 6-digit
// codes, may fetch each link's preview page, may race the recipient by
// claiming each captured link at once through its own device, and on its
// act claims the newest captured link.
//
// The tap runs on its own thread (TapLoop); it never touches the RunContext:
// what it produces goes into RunState under its mutex, and Sync moves it into
// the context on the engine's thread.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/http_session.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/engine/share_links.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios::attack {
namespace {

using scenario::v1::Adversary;

constexpr absl::Duration kArmWait = absl::Seconds(5);
// How long one probe may take to come back before the next is sent (the tap
// registers asynchronously: a probe sent before it did is never seen).
constexpr absl::Duration kProbeEvery = absl::Milliseconds(20);
constexpr char kTapRpc[] = "channel.v1.Channel/Tap";

// What a tap thread needs (copied on the engine thread: the Ecosystem is
// not used from tap threads).
struct TapEnv {
  std::shared_ptr<grpc::Channel> channel;         // channel server, as the adversary
  std::shared_ptr<grpc::Channel> device_channel;  // adversary's device (may be null)
  std::string device;
  std::string persona;
  std::string relay_url;
  std::string ca_file;
  absl::Duration claim_timeout = kClaimTimeout;  // scaled by the run's time scale
};

// Records the links and codes of one tapped message (with their evidence and
// trace events) and notes the links the tap is to race for.
void RecordCaptures(RunState* state, TapState* tap, const channel::v1::TappedMessage& tm,
                    const std::vector<ShareLink>& links, const std::vector<std::string>& pins,
                    absl::Time now, const std::string& step) {
  const std::string where = absl::StrCat("tap of ", KindName(tap->spec.channel()));
  // A tap on one of the adversary's also_channels feeds its main tap.
  TapState* sink = tap->feeds != nullptr ? tap->feeds : tap;
  std::lock_guard<std::mutex> lock(state->mu);
  for (const ShareLink& link : links) {
    sink->captured.push_back({link, now});
    AddLinkEvidence(state->evidence, tap->adversary, link, where);
    state->pending_trace.push_back(
        MakeEvent(tap->adversary, kChannelService, kTapRpc,
                  absl::StrCat("captured a share link to ", tm.message().to(), " (mailbox ",
                               ShortId(link.mailbox_id), ")",
                               tm.dropped() ? "; recipient's copy dropped" : ""),
                  now, absl::OkStatus(), ::common::v1::ADVERSARY, step));
    if (tap->spec.race()) sink->claims[link.mailbox_id] = ClaimResult{};
  }
  for (const std::string& pin : pins) {
    sink->pins.push_back(pin);
    state->evidence.push_back({tap->adversary, ::common::v1::PIN, pin, where});
    state->pending_trace.push_back(
        MakeEvent(tap->adversary, kChannelService, kTapRpc,
                  absl::StrCat("captured a 6-digit code sent to ", tm.message().to(), " on ",
                               KindName(tap->spec.channel())),
                  now,
                  absl::OkStatus(), ::common::v1::ADVERSARY, step));
  }
  state->cv.notify_all();
}

// Fetches the preview page of a captured link, as a link-preview bot would.
void FetchPreview(RunState* state, TapState* tap, HttpSession& http, const ShareLink& link,
                  const std::string& step) {
  const absl::Time start = absl::Now();
  const std::string path = absl::StrCat(kMailboxPathPrefix, link.mailbox_id);
  HttpAnswer a = http.Call("GET", path, {{"sct-actor", tap->adversary}, {"sct-step", step}});
  absl::Status s =
      a.status == 200
          ? absl::OkStatus()
          : MakeError(a.status == 404 ? absl::StatusCode::kNotFound : absl::StatusCode::kUnknown,
                      a.status == 0 ? "transport" : absl::StrCat("http_", a.status), a.error);
  std::lock_guard<std::mutex> lock(state->mu);
  state->pending_trace.push_back(MakeEvent(
      tap->adversary, "relay", "HTTP GET /v1/m/{id}",
      absl::StrCat("preview of captured mailbox ", ShortId(link.mailbox_id), ": HTTP ", a.status),
      start, s, ::common::v1::ADVERSARY, step));
}

// Claims a captured link through the adversary's device before the recipient
// does, with the newest captured code as PIN.
void RaceClaim(RunState* state, TapState* tap, const TapEnv& env, const ShareLink& link,
               const std::string& step) {
  std::string pin;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (!tap->pins.empty()) pin = tap->pins.back();
  }
  const absl::Time start = absl::Now();
  ::device::v1::AcceptLinkResponse resp;
  absl::Status s =
      Claim(env.device_channel, env.persona, link.ToString(), pin, tap->adversary, step,
            env.claim_timeout, &resp);
  std::lock_guard<std::mutex> lock(state->mu);
  tap->claims[link.mailbox_id] = ClaimResult{true, s};
  if (s.ok()) {
    state->evidence.push_back({tap->adversary, ::common::v1::PLAINTEXT, "",
                               "race claim of a captured link (decrypted the mailbox)"});
  }
  state->pending_trace.push_back(
      MakeEvent(tap->adversary, env.device, "device.v1.DeviceAgent/AcceptLink",
                absl::StrCat("race: claims captured mailbox ", ShortId(link.mailbox_id),
                             " before the recipient"),
                start, s, ::common::v1::ADVERSARY, step));
  state->cv.notify_all();
}

// The tap thread: reads the tap stream until it is cancelled or ends.
void TapLoop(RunState* state, TapState* tap, TapEnv env) {
  auto stub = channel::v1::Channel::NewStub(env.channel);
  channel::v1::TapRequest req;
  req.set_kind(tap->spec.channel());
  req.set_to(tap->to_address);
  req.set_interceptor(tap->adversary);
  std::unique_ptr<grpc::ClientReader<channel::v1::TappedMessage>> reader =
      stub->Tap(tap->call.get(), req);
  std::unique_ptr<HttpSession> http;
  channel::v1::TappedMessage tm;
  while (reader->Read(&tm)) {
    const std::string& body = tm.message().body();
    const absl::Time now = absl::Now();
    std::string step;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      step = state->step;
      if (!tap->probe.empty() && absl::StrContains(body, tap->probe)) {
        tap->probe_seen = true;
        state->cv.notify_all();
        continue;
      }
    }
    const std::vector<ShareLink> links = ShareLinksIn(body);
    RecordCaptures(state, tap, tm, links, ExtractPinCandidates(body), now, step);
    for (const ShareLink& link : links) {
      // A derived-locations link's URL reaches no message: nothing to preview.
      const bool derived = absl::StrContains(link.without_fragment, kDerivedPathPrefix);
      if (tap->spec.preview() && !env.relay_url.empty() && !derived) {
        if (http == nullptr) http = std::make_unique<HttpSession>(env.relay_url, env.ca_file);
        FetchPreview(state, tap, *http, link, step);
      }
      if (tap->spec.race() && env.device_channel != nullptr) {
        // The interceptor's reaction time (validated): the race it may lose.
        absl::Duration reaction;
        if (absl::ParseDuration(tap->spec.reaction_time(), &reaction) &&
            reaction > absl::ZeroDuration()) {
          absl::SleepFor(reaction);
        }
        RaceClaim(state, tap, env, link, step);
      }
    }
  }
  grpc::Status end = reader->Finish();
  std::lock_guard<std::mutex> lock(state->mu);
  tap->ended = true;
  if (end.error_code() != grpc::StatusCode::CANCELLED) {
    state->pending_trace.push_back(MakeEvent(
        tap->adversary, kChannelService, kTapRpc, absl::StrCat("tap ended: ", end.error_message()),
        absl::Now(), FromGrpcStatus(end), ::common::v1::ADVERSARY, state->step));
  }
  state->cv.notify_all();
}

// Channels and endpoints the tap of `a` works with.
absl::StatusOr<TapEnv> TapEnvFor(RunContext& ctx, const Adversary& a) {
  const scenario::v1::LinkInterceptor& spec = a.link_interceptor();
  TapEnv env;
  env.claim_timeout = Scaled(kClaimTimeout, ctx.time_scale);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = ctx.eco->ChannelAs(kChannelService, a.name());
  if (!ch.ok()) ch = ctx.eco->Channel(kChannelService);
  if (!ch.ok()) return ch.status();
  env.channel = *ch;
  if (!spec.device().empty()) {
    ASSIGN_OR_RETURN(env.device_channel, ctx.eco->Channel(spec.device()));
    env.device = spec.device();
    env.persona = PersonaOf(ctx, spec.device());
  }
  if (spec.preview()) {
    ASSIGN_OR_RETURN(RelayHttp relay, RelayHttpOf(ctx));
    env.relay_url = relay.url;
    env.ca_file = relay.ca_file;
  }
  return env;
}

// Registers the tap of `a` in the run state and starts its thread.
TapState* StartTap(RunContext& ctx, RunState& state, const Adversary& a, TapEnv env) {
  const scenario::v1::LinkInterceptor& spec = a.link_interceptor();
  auto tap = std::make_unique<TapState>();
  tap->adversary = a.name();
  tap->spec = spec;
  tap->to_address =
      spec.target().empty() ? "" : ctx.topology->AddressOf(spec.target(), spec.channel());
  tap->probe = absl::StrCat("sct-tap-probe-", NewUuidV4());
  tap->call = std::make_unique<grpc::ClientContext>();
  tap->call->AddMetadata("sct-actor", a.name());
  if (!ctx.current_step.empty()) tap->call->AddMetadata("sct-step", ctx.current_step);
  TapState* raw = tap.get();
  state.taps[a.name()] = std::move(tap);
  raw->thread = std::thread(TapLoop, &state, raw, std::move(env));
  return raw;
}

// The channel registers a tap asynchronously: sends probe messages (to the
// tapped address, no link in them) until the tap has seen one or kArmWait
// passed. Whether it saw one; `last` is the status of the last Send.
bool AwaitProbe(RunContext& ctx, RunState& state, TapState* tap,
                const std::shared_ptr<grpc::Channel>& channel, absl::Status* last) {
  auto stub = channel::v1::Channel::NewStub(channel);
  const std::string probe_to = tap->to_address.empty()
                                   ? absl::StrCat("tap-probe.", tap->adversary, "@sct.invalid")
                                   : tap->to_address;
  bool seen = false;
  const absl::Time deadline = absl::Now() + Scaled(kArmWait, ctx.time_scale);
  while (!seen && absl::Now() < deadline) {
    grpc::ClientContext call;
    PrepareCall(call, tap->adversary, ctx.current_step, Scaled(absl::Seconds(5), ctx.time_scale));
    channel::v1::SendRequest req;
    req.set_kind(tap->spec.channel());
    req.set_from(absl::StrCat("sct-lab.", tap->adversary));
    req.set_to(probe_to);
    req.set_body(absl::StrCat("[sct-lab] interceptor check ", tap->probe));
    channel::v1::SendResponse resp;
    *last = FromGrpcStatus(stub->Send(&call, req, &resp));
    // probe_seen is read inside the predicate, under RunState::mu: the tap's
    // thread writes it (TSan saw the read after WaitFor race with it).
    WaitFor(state, kProbeEvery, [&] {
      seen = tap->probe_seen;
      return seen || tap->ended;
    });
  }
  return seen;
}

// Starts the tap of `a` on one of its also_channels, feeding `main`, and
// waits until it sees its probe (as the main tap does).
absl::Status ArmAlsoTap(RunContext& ctx, RunState& state, const Adversary& a, TapState* main,
                        ::common::v1::ChannelKind kind,
                        const std::shared_ptr<grpc::Channel>& channel) {
  const scenario::v1::LinkInterceptor& spec = a.link_interceptor();
  const absl::Time armed_at = absl::Now();
  const std::string key = AlsoTapKey(a.name(), kind);
  if (state.taps.count(key) > 0) return absl::OkStatus();
  auto tap = std::make_unique<TapState>();
  tap->adversary = a.name();
  tap->spec.set_channel(kind);
  tap->spec.set_target(spec.target());
  tap->to_address = spec.target().empty() ? "" : ctx.topology->AddressOf(spec.target(), kind);
  tap->probe = absl::StrCat("sct-tap-probe-", NewUuidV4());
  tap->feeds = main;
  tap->call = std::make_unique<grpc::ClientContext>();
  tap->call->AddMetadata("sct-actor", a.name());
  if (!ctx.current_step.empty()) tap->call->AddMetadata("sct-step", ctx.current_step);
  TapState* raw = tap.get();
  state.taps[key] = std::move(tap);
  TapEnv env;
  env.channel = channel;  // no device, no relay: this tap only reads
  raw->thread = std::thread(TapLoop, &state, raw, std::move(env));
  absl::Status last;
  const bool seen = AwaitProbe(ctx, state, raw, channel, &last);
  Sync(ctx);
  AppendEvent(ctx, MakeEvent(a.name(), kChannelService, kTapRpc,
                             absl::StrCat("also taps ", KindName(kind),
                                          raw->to_address.empty() ? std::string(" (all addresses)")
                                                                  : " to " + raw->to_address),
                             armed_at, seen ? absl::OkStatus() : last, ::common::v1::ADVERSARY,
                             ctx.current_step));
  if (!seen) {
    return MakeError(absl::StatusCode::kUnavailable, "tap_not_established",
                     absl::StrCat("adversary ", a.name(), ": the ", KindName(kind),
                                  " tap (also_channels) saw no probe message within ",
                                  absl::FormatDuration(kArmWait),
                                  last.ok() ? "" : absl::StrCat(" (Send: ", last.message(), ")")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ArmInterceptor(RunContext& ctx, const Adversary& a) {
  RunState& state = StateOf(ctx);
  const absl::Time armed_at = absl::Now();
  if (state.taps.count(a.name()) > 0) return absl::OkStatus();
  const scenario::v1::LinkInterceptor& spec = a.link_interceptor();
  ASSIGN_OR_RETURN(TapEnv env, TapEnvFor(ctx, a));
  if (!spec.target().empty() && ctx.topology == nullptr) {
    return InvalidField("ctx.topology", "a targeted tap needs the resolved topology");
  }
  const std::shared_ptr<grpc::Channel> channel = env.channel;
  TapState* tap = StartTap(ctx, state, a, std::move(env));
  absl::Status last;
  const bool seen = AwaitProbe(ctx, state, tap, channel, &last);
  Sync(ctx);
  AppendEvent(ctx, MakeEvent(a.name(), kChannelService, kTapRpc,
                             absl::StrCat("taps ", KindName(spec.channel()),
                                          tap->to_address.empty() ? std::string(" (all addresses)")
                                                                  : " to " + tap->to_address,
                                          spec.race() ? ", races the recipient" : ""),
                             armed_at, seen ? absl::OkStatus() : last, ::common::v1::ADVERSARY,
                             ctx.current_step));
  if (!seen) {
    return MakeError(
        absl::StatusCode::kUnavailable, "tap_not_established",
        absl::StrCat("adversary ", a.name(), ": the ", KindName(spec.channel()),
                     " tap saw no probe message within ", absl::FormatDuration(kArmWait),
                     last.ok() ? "" : absl::StrCat(" (Send: ", last.message(), ")")));
  }
  for (int i = 0; i < spec.also_channels_size(); ++i) {
    RETURN_IF_ERROR(ArmAlsoTap(ctx, state, a, tap, spec.also_channels(i), channel));
  }
  AddAdversaryMarker(ctx, a.name(), {a.name(), kChannelService, spec.target()}, armed_at, false);
  return absl::OkStatus();
}

namespace {

// The result of the race claim of `mailbox_id`, once it finished; nullopt
// when the tap does not race or never tried that link.
std::optional<absl::Status> AwaitRaceClaim(RunState& state, TapState* tap,
                                           const std::string& mailbox_id, absl::Duration timeout) {
  WaitFor(state, timeout, [&] {
    auto c = tap->claims.find(mailbox_id);
    return c == tap->claims.end() || c->second.done;
  });
  std::lock_guard<std::mutex> lock(state.mu);
  auto c = tap->claims.find(mailbox_id);
  if (c != tap->claims.end() && c->second.done) return c->second.status;
  return std::nullopt;
}

// Claims the newest captured link through the interceptor's own device, on
// the engine thread: the claim's result, or an error when there is no device
// to claim with.
absl::StatusOr<absl::Status> ClaimNow(RunContext& ctx, RunState& state, const Adversary& a,
                                      const CapturedLink& newest, const std::string& pin) {
  const std::string& device = a.link_interceptor().device();
  if (device.empty()) {
    return InvalidField(absl::StrCat("adversaries[", a.name(), "].link_interceptor.device"),
                        "needed to claim a link");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> ch, ctx.eco->Channel(device));
  const absl::Time start = absl::Now();
  ::device::v1::AcceptLinkResponse resp;
  absl::Status s = Claim(ch, PersonaOf(ctx, device), newest.link.ToString(), pin, a.name(),
                         ctx.current_step, Scaled(kClaimTimeout, ctx.time_scale), &resp);
  AppendEvent(ctx, MakeEvent(a.name(), device, "device.v1.DeviceAgent/AcceptLink",
                             absl::StrCat("claims the captured link (mailbox ",
                                          ShortId(newest.link.mailbox_id), ")"),
                             start, s, ::common::v1::ADVERSARY, ctx.current_step));
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(state.mu);
    state.evidence.push_back({a.name(), ::common::v1::PLAINTEXT, "",
                              "claim of a captured link (decrypted the mailbox)"});
  }
  return s;
}

}  // namespace

absl::StatusOr<AdversaryOutcome> ActInterceptor(RunContext& ctx, const Adversary& a) {
  RunState& state = StateOf(ctx);
  auto it = state.taps.find(a.name());
  if (it == state.taps.end()) {
    return Failed(absl::StatusCode::kFailedPrecondition, "not_armed",
                  "the interceptor's tap is not running (ArmAdversaries not called)");
  }
  TapState* tap = it->second.get();
  const absl::Duration capture_wait = Scaled(kCaptureWait, ctx.time_scale);
  const absl::Time act_start = absl::Now();
  WaitFor(state, capture_wait, [&] { return !tap->captured.empty() || tap->ended; });
  if (a.link_interceptor().also_channels_size() > 0) {
    // The other channels are tapped for the PIN, which travels apart from
    // the link and may arrive after it: wait for a code too, within the same
    // capture wait (a share with no PIN ends the wait at its deadline).
    WaitFor(state, capture_wait - (absl::Now() - act_start),
            [&] { return !tap->pins.empty() || tap->captured.empty() || tap->ended; });
  }
  CapturedLink newest;
  size_t captured = 0;
  std::string pin;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    captured = tap->captured.size();
    if (captured > 0) newest = tap->captured.back();
    if (!tap->pins.empty()) pin = tap->pins.back();
  }
  if (captured == 0) {
    return Failed(absl::StatusCode::kNotFound, "no_link_captured",
                  absl::StrCat("no share link seen on the ",
                               KindName(a.link_interceptor().channel()), " tap"));
  }
  const std::string share = MatchShare(newest.link, ctx.shares);
  AdversaryOutcome out;
  out.details.push_back({"links_captured", absl::StrCat(captured)});
  out.details.push_back({"share", share.empty() ? "(unmatched)" : share});
  std::optional<absl::Status> raced;
  if (a.link_interceptor().race()) {
    raced = AwaitRaceClaim(state, tap, newest.link.mailbox_id,
                           Scaled(kClaimTimeout, ctx.time_scale));
  }
  absl::Status s;
  if (raced.has_value()) {
    s = *raced;
  } else {
    ASSIGN_OR_RETURN(s, ClaimNow(ctx, state, a, newest, pin));
  }
  const bool by_race = raced.has_value();
  out.succeeded = s.ok();
  out.code = CodeName(s);
  out.reason = s.ok() ? "" : ReasonOf(s);
  out.details.push_back({"claimed_by_race", by_race ? "true" : "false"});
  out.details.push_back({"pin_used", pin.empty() ? "false" : "true"});
  out.summary = s.ok() ? absl::StrCat("claimed the captured link",
                                      share.empty() ? "" : " of " + share, by_race ? " (race)" : "")
                       : absl::StrCat("claim of the captured link refused: ", out.code,
                                      out.reason.empty() ? "" : " " + out.reason);
  return out;
}

}  // namespace sct::scenarios::attack

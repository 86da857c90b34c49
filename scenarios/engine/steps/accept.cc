// `accept`: the acting device opens a share's link (DeviceAgent/AcceptLink):
// the link an adversary captured (`intercepted_by`), else the newest message
// carrying it in the device's inbox (waiting as long as the channel may take).
// The credential it yields is saved under save_as, or noted as pending when
// it is provisioned later (push, polling). The PIN is the share's, the one the
// step gives, or (pin_from_inbox) the one in the actor's PIN-channel inbox.
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "scenarios/attack/attack.h"
#include "scenarios/engine/inbox.h"
#include "scenarios/engine/known_values.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/run_clock.h"
#include "scenarios/engine/steps/steps.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;

// The link adversary `by` captured of share `share`, waiting up to 5 s for
// the taps (they run in the background; SyncAdversaries moves what they
// captured into ctx.intercepted). "" when none.
std::string CapturedLink(StepEnv& env, const std::string& by, const std::string& share) {
  const absl::Time until = env.clock.Deadline(absl::Seconds(5));
  std::string link;
  PollPause pause(absl::Milliseconds(50));
  while (true) {
    auto adv = env.ctx.intercepted.find(by);
    if (adv != env.ctx.intercepted.end()) {
      auto l = adv->second.find(share);
      if (l != adv->second.end()) link = l->second;
    }
    if (!link.empty() || absl::Now() >= until) return link;
    SyncAdversaries(env.ctx);
    absl::SleepFor(pause.Next());
  }
}

// Points `req` at the link of share `s`: the captured one, else the message
// in the actor's inbox. The outcome no_link_in_inbox when there is none.
std::optional<Outcome> ChooseLink(StepEnv& env, const sv1::Step& st, SavedShare& s,
                                  dv1::AcceptLinkRequest& req) {
  const sv1::AcceptAction& a = st.accept();
  if (!a.intercepted_by().empty()) {
    const std::string link = CapturedLink(env, a.intercepted_by(), a.share());
    if (link.empty()) {
      return Outcome::FromStatus(MakeError(absl::StatusCode::kNotFound, "no_link_in_inbox",
                                           absl::StrCat("adversary ", a.intercepted_by(),
                                                        " captured no link of share ", a.share())));
    }
    KnowLink(env.ctx, a.share(), s, link);
    req.set_link(link);
    return std::nullopt;
  }
  cv1::ChannelKind kind = s.channel;
  auto fw = env.forwarded.find({a.share(), st.actor()});
  if (fw != env.forwarded.end()) kind = fw->second;
  const std::string address = fw == env.forwarded.end() && st.actor() == s.receiver
                                  ? s.receiver_address
                                  : AddressOf(env, st.actor(), kind);
  InboxLink found = FindLink(env.clients, env.clock, st.actor(), kind, address, s.mailbox_id,
                             env.clock.Deadline(ChannelWait(env.scenario, kind)));
  if (found.link.empty()) {
    return Outcome::FromStatus(
        MakeError(absl::StatusCode::kNotFound, "no_link_in_inbox",
                  absl::StrCat("no message with the link of ", a.share(), " reached ", st.actor(),
                               " on ", ChannelWord(kind))));
  }
  KnowLink(env.ctx, a.share(), s, found.link);
  req.mutable_inbox()->set_channel(kind);
  req.mutable_inbox()->set_address(address);
  req.mutable_inbox()->set_message_id(found.message_id);
  return std::nullopt;
}

// Sets the PIN the actor finds in its inbox on the share's PIN channel; the
// outcome no_pin_in_inbox when none arrives in time.
std::optional<Outcome> PinFromInbox(StepEnv& env, const sv1::Step& st, const SavedShare& s,
                                    dv1::AcceptLinkRequest& req) {
  const std::string pin =
      FindPin(env.clients, env.clock, st.actor(), s.pin_channel,
              AddressOf(env, st.actor(), s.pin_channel),
              env.clock.Deadline(ChannelWait(env.scenario, s.pin_channel)));
  if (pin.empty()) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "no_pin_in_inbox",
        absl::StrCat("no PIN message of ", st.accept().share(), " reached ", st.actor(), " on ",
                     ChannelWord(s.pin_channel))));
  }
  req.set_pin(pin);
  return std::nullopt;
}

// Saves the credential the accept yielded, or notes it as pending.
void SaveAccepted(StepEnv& env, const StepCall& call, const std::string& persona,
                  const dv1::AcceptLinkResponse& resp) {
  const sv1::AcceptAction& a = call.step.accept();
  CredInfo c{resp.credential_id(), call.step.actor(), persona,
             env.share_cred.count(a.share()) ? env.share_cred[a.share()].access_point
                                             : resp.offer().access_point_id()};
  if (c.access_point.empty()) c.access_point = resp.offer().access_point_id();
  if (!resp.credential_id().empty()) {
    env.creds.Save(a.save_as(), c);
  } else if (!a.save_as().empty()) {
    env.creds.AddPending(a.save_as(), c, a.share());
  }
}

}  // namespace

absl::StatusOr<Outcome> RunAcceptStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::AcceptAction& a = st.accept();
  auto sit = env.ctx.shares.find(a.share());
  if (sit == env.ctx.shares.end()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kNotFound, "share_not_found",
                                         absl::StrCat("share \"", a.share(), "\" was never made")));
  }
  SavedShare& s = sit->second;
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::AcceptLinkRequest req;
  req.set_request_id(call.request_id);
  const std::string persona = a.persona().empty() ? FirstPersona(env, st.actor()) : a.persona();
  req.set_persona(persona);
  if (std::optional<Outcome> no_link = ChooseLink(env, st, s, req)) return *no_link;
  if (a.pin_from_inbox()) {
    std::optional<Outcome> no_pin = PinFromInbox(env, st, s, req);
    if (no_pin) return *no_pin;
  } else if (!a.no_pin()) {
    req.set_pin(a.pin().empty() ? s.pin : a.pin());
  }
  req.set_manual_rounds(a.manual_rounds());
  const absl::Duration round = DurationOr(a.round_timeout(), absl::ZeroDuration());
  // The device's wait for the sender is one of the run's waits: stretched
  // by the time scale like the engine's own.
  if (round > absl::ZeroDuration()) {
    *req.mutable_round_timeout() = ToProtoDuration(Scaled(round, env.clock.scale));
  }
  dv1::AcceptLinkResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/AcceptLink",
      absl::StrCat("accept ", a.share(),
                   a.intercepted_by().empty() ? " from the inbox" : " from the captured link"),
      env.rpc_timeout + round,
      [&](grpc::ClientContext* c) { return dev->AcceptLink(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  env.exchange_persona[{a.share(), st.actor()}] = persona;
  if (s.share_id.empty()) s.share_id = resp.share_id();
  (*call.result.mutable_details())["outcome"] = dv1::AcceptOutcome_Name(resp.outcome());
  SaveAccepted(env, call, persona, resp);
  o.message = dv1::AcceptOutcome_Name(resp.outcome());
  return o;
}

}  // namespace sct::scenarios

// `forward`: a person forwards the link they received to another device
// ("Fwd: <link>" through the channel server, on the same channel or another).
// The engine notes the channel, so that the recipient's accept looks there.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/engine/inbox.h"
#include "scenarios/engine/known_values.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace chv1 = ::channel::v1;

absl::StatusOr<Outcome> RunForwardStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::ForwardAction& a = st.forward();
  SavedShare* sp = ShareOf(env, a.share());
  if (sp == nullptr) return NoShare(a.share());
  SavedShare& s = *sp;
  cv1::ChannelKind in_kind = s.channel;
  auto fw = env.forwarded.find({a.share(), st.actor()});
  if (fw != env.forwarded.end()) in_kind = fw->second;
  const std::string in_address = st.actor() == s.receiver && fw == env.forwarded.end()
                                     ? s.receiver_address
                                     : AddressOf(env, st.actor(), in_kind);
  InboxLink found = FindLink(env.clients, env.clock, st.actor(), in_kind, in_address, s.mailbox_id,
                             env.clock.Deadline(ChannelWait(env.scenario, in_kind)));
  if (found.link.empty()) {
    return Outcome::FromStatus(
        MakeError(absl::StatusCode::kNotFound, "no_link_in_inbox",
                  absl::StrCat(st.actor(), " never received the link of ", a.share())));
  }
  KnowLink(env.ctx, a.share(), s, found.link);
  const cv1::ChannelKind kind =
      a.channel() == cv1::CHANNEL_KIND_UNSPECIFIED ? in_kind : a.channel();
  ASSIGN_OR_RETURN(auto stub, env.clients.ChannelServer());
  chv1::SendRequest req;
  req.set_kind(kind);
  req.set_from(AddressOf(env, st.actor(), kind));
  req.set_to(AddressOf(env, a.to(), kind));
  req.set_body(absl::StrCat("Fwd: ", found.link));
  chv1::SendResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), "channel", "channel.v1.Channel/Send",
      absl::StrCat(st.actor(), " forwards ", a.share(), " to ", a.to()), env.rpc_timeout,
      [&](grpc::ClientContext* c) { return stub->Send(c, req, &resp); });
  if (status.ok()) {
    env.forwarded[{a.share(), a.to()}] = kind;
    (*call.result.mutable_details())["message_length"] = absl::StrCat(resp.body_length());
  }
  return Outcome::FromStatus(status);
}

}  // namespace sct::scenarios

// `share`: the acting device shares a credential (DeviceAgent/ShareCredential)
// over a channel to a device or an address. The engine saves the share under
// its save_as name, records what it now knows (PIN, mailbox id, share id) and
// looks in the recipient's inbox once for the link (accept steps wait for it).
// A share the device minted but could not deliver (relay or channel failure)
// is saved too, from the device's state, so that it can be cancelled.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "scenarios/engine/inbox.h"
#include "scenarios/engine/known_values.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;

// The vertical of the link: the step's, else the one of the credential's
// access point (car, home for a door, general otherwise).
cv1::Vertical VerticalOf(const StepEnv& env, const sv1::ShareAction& a, const CredInfo& cred) {
  if (a.vertical() != cv1::VERTICAL_UNSPECIFIED) return a.vertical();
  switch (AccessPointKindOf(env, cred.access_point)) {
    case cv1::CAR:
      return cv1::VERTICAL_CAR;
    case cv1::DOOR:
      return cv1::VERTICAL_HOME;
    default:
      return cv1::VERTICAL_GENERAL;
  }
}

// Validity, token and mailbox lifetimes, relative to the services' time now.
void SetLifetimes(const StepEnv& env, const sv1::ShareAction& a, dv1::ShareCredentialRequest& req) {
  if (a.has_validity()) {
    const absl::Time now = env.clock.Now();
    *req.mutable_validity()->mutable_not_before() =
        ToProtoTimestamp(now + DurationOr(a.validity().not_before(), absl::ZeroDuration(), true));
    *req.mutable_validity()->mutable_not_after() =
        ToProtoTimestamp(now + DurationOr(a.validity().not_after(), absl::Hours(24), true));
  }
  if (!a.token_ttl().empty()) {
    *req.mutable_token_ttl() = ToProtoDuration(DurationOr(a.token_ttl(), absl::ZeroDuration()));
  }
  if (!a.mailbox_ttl().empty()) {
    *req.mutable_mailbox_ttl() = ToProtoDuration(DurationOr(a.mailbox_ttl(), absl::ZeroDuration()));
  }
}

dv1::ShareCredentialRequest ShareRequest(const StepEnv& env, const StepCall& call,
                                         const CredInfo& cred, const std::string& persona,
                                         const std::string& to_address) {
  const sv1::ShareAction& a = call.step.share();
  dv1::ShareCredentialRequest req;
  req.set_request_id(call.request_id);
  req.set_persona(persona);
  req.set_credential_id(cred.id);
  for (const auto& e : a.entitlements()) req.add_entitlements(e);
  SetLifetimes(env, a, req);
  req.set_max_redemptions(a.max_redemptions());
  req.set_pin(a.pin());
  if (a.pin_channel() != cv1::CHANNEL_KIND_UNSPECIFIED) {
    req.mutable_pin_delivery()->set_channel(a.pin_channel());
    req.mutable_pin_delivery()->set_to(a.to().empty() ? a.to_address()
                                                      : AddressOf(env, a.to(), a.pin_channel()));
  }
  req.set_resharing_allowed(a.resharing_allowed());
  req.set_channel(a.channel());
  req.set_from_address(AddressOf(env, call.step.actor(), a.channel()));
  req.set_to_address(to_address);
  req.set_vertical(VerticalOf(env, a, cred));
  req.set_multi_round(a.multi_round());
  req.set_auto_answer(a.auto_answer());
  req.set_payload_type(a.payload_type());
  req.set_message_text(a.message_text());
  return req;
}

// Saves the share under its save_as name and records what the engine knows.
SavedShare& SaveShare(StepEnv& env, const StepCall& call, const CredInfo& cred,
                      const std::string& persona, const std::string& to_address,
                      const dv1::ShareCredentialResponse& resp) {
  const sv1::ShareAction& a = call.step.share();
  SavedShare& s = env.ctx.shares[a.save_as()];
  s.share_id = resp.share_id();
  s.mailbox_id = resp.mailbox_id();
  s.pin = a.pin();
  s.sender = call.step.actor();
  s.receiver = a.to();
  s.receiver_address = to_address;
  s.channel = a.channel();
  s.pin_channel = a.pin_channel();
  env.exchange_persona[{a.save_as(), call.step.actor()}] = persona;
  env.share_cred[a.save_as()] = cred;
  Know(env.ctx, cv1::PIN, a.pin(), absl::StrCat("PIN of ", a.save_as()));
  Know(env.ctx, cv1::MAILBOX_ID, resp.mailbox_id(), absl::StrCat("mailbox id of ", a.save_as()),
       "share:" + a.save_as());
  Know(env.ctx, cv1::LINKAGE, resp.share_id(), absl::StrCat("share id of ", a.save_as()),
       "share:" + a.save_as());
  return s;
}

// After a failed share: when the device minted the share but could not
// deliver it (its state shows a new FLOW_FAILED sent exchange), saves it
// under save_as so that later steps can cancel or revoke it.
void SaveUndelivered(StepEnv& env, const StepCall& call, const CredInfo& cred,
                     const std::string& persona, const std::string& to_address,
                     dv1::DeviceAgent::Stub& dev) {
  dv1::GetStateRequest req;
  req.set_persona(persona);
  dv1::GetStateResponse state;
  absl::Status st = env.clients.Call(
      "engine", call.step.actor(), "device.v1.DeviceAgent/GetState",
      absl::StrCat("was ", call.step.share().save_as(), " minted?"), env.rpc_timeout,
      [&](grpc::ClientContext* c) { return dev.GetState(c, req, &state); });
  if (!st.ok()) return;
  std::set<std::string> known;
  for (const auto& [name, share] : env.ctx.shares) known.insert(share.share_id);
  const dv1::MailboxRecord* failed = nullptr;
  for (const auto& p : state.personas()) {
    for (const auto& m : p.mailboxes()) {
      if (m.role() == dv1::ROLE_SENDER && m.state() == dv1::FLOW_FAILED &&
          !known.count(m.share_id())) {
        failed = &m;
      }
    }
  }
  if (failed == nullptr) return;
  dv1::ShareCredentialResponse minted;
  minted.set_share_id(failed->share_id());
  minted.set_mailbox_id(failed->mailbox_id());
  SaveShare(env, call, cred, persona, to_address, minted);
  (*call.result.mutable_details())["undelivered_share_id"] = failed->share_id();
}

}  // namespace

absl::StatusOr<Outcome> RunShareStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::ShareAction& a = st.share();
  CredInfo* cred = Credential(env, a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "credential_not_found",
        absl::StrCat("no credential \"", a.credential(), "\" is known (no step provisioned it)")));
  }
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  const std::string persona =
      !a.persona().empty()
          ? a.persona()
          : (cred->device == st.actor() ? cred->persona : FirstPersona(env, st.actor()));
  const std::string to_address =
      a.to().empty() ? a.to_address() : AddressOf(env, a.to(), a.channel());
  const dv1::ShareCredentialRequest req = ShareRequest(env, call, *cred, persona, to_address);
  dv1::ShareCredentialResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/ShareCredential",
      absl::StrCat("share ", a.credential(), " over ", ChannelWord(a.channel()), " as ",
                   a.save_as()),
      env.rpc_timeout, [&](grpc::ClientContext* c) { return dev->ShareCredential(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) {
    SaveUndelivered(env, call, *cred, persona, to_address, *dev);
    return o;
  }

  SavedShare& s = SaveShare(env, call, *cred, persona, to_address, resp);
  auto& details = *call.result.mutable_details();
  details["share_id"] = resp.share_id();
  details["link_length"] = absl::StrCat(resp.link_length());
  details["message_length"] = absl::StrCat(resp.message_length());
  if (a.channel() == cv1::SMS) details["sms_segments"] = absl::StrCat(resp.sms_segments());
  // The link itself never comes back from the device: look in the inbox now
  // (no wait); accept steps wait for it.
  InboxLink found = FindLink(env.clients, env.clock, "engine", a.channel(), to_address,
                             resp.mailbox_id(), absl::Now());
  KnowLink(env.ctx, a.save_as(), s, found.link);
  o.message = absl::StrCat("share ", a.save_as(), " sent");
  return o;
}

}  // namespace sct::scenarios

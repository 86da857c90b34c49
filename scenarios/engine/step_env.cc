#include "scenarios/engine/step_env.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "scenarios/engine/inbox.h"

namespace sct::scenarios {

namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;

StepEnv::StepEnv(const scenario::v1::Scenario& scenario, const ResolvedTopology& topology,
                 RunContext& ctx, absl::Duration rpc_timeout, absl::Time scenario_deadline)
    : scenario(scenario),
      topology(topology),
      ctx(ctx),
      eco(*ctx.eco),
      clock{absl::ZeroDuration(), scenario_deadline, ctx.time_scale},
      clients(ctx.eco, &ctx, &clock),
      rpc_timeout(rpc_timeout),
      creds(&ctx) {}

std::string FirstPersona(const StepEnv& env, const std::string& device) {
  const scenario::v1::DeviceSpec* d = env.topology.FindDevice(device);
  if (d != nullptr && d->personas_size() > 0) return d->personas(0).name();
  return "personal";
}

std::string AddressOf(const StepEnv& env, const std::string& device, cv1::ChannelKind kind) {
  const std::string address = env.topology.AddressOf(device, kind);
  if (!address.empty()) return address;
  return absl::StrCat(device, "@", ChannelWord(kind));
}

std::string AuthorityOf(const StepEnv& env, const std::string& access_point) {
  const scenario::v1::Topology& t = env.topology.proto();
  for (const auto& ap : t.access_points()) {
    if (ap.id() == access_point && !ap.authority().empty()) return ap.authority();
  }
  return t.authorities_size() > 0 ? t.authorities(0).id() : "";
}

cv1::AccessPointKind AccessPointKindOf(const StepEnv& env, const std::string& access_point) {
  for (const auto& ap : env.topology.proto().access_points()) {
    if (ap.id() == access_point) return ap.kind();
  }
  return cv1::ACCESS_POINT_KIND_UNSPECIFIED;
}

std::string PersonaIn(const StepEnv& env, const std::string& share, const std::string& device,
                      const std::string& given) {
  if (!given.empty()) return given;
  auto it = env.exchange_persona.find({share, device});
  return it != env.exchange_persona.end() ? it->second : FirstPersona(env, device);
}

SavedShare* ShareOf(StepEnv& env, const std::string& name) {
  auto it = env.ctx.shares.find(name);
  return it == env.ctx.shares.end() ? nullptr : &it->second;
}

Outcome NoShare(const std::string& name) {
  return Outcome::FromStatus(MakeError(
      absl::StatusCode::kNotFound, "share_not_found",
      absl::StrCat("share \"", name, "\" was never made (its share step did not succeed)")));
}

namespace {

// Looks a pending name up in its holder's wallet; saves and returns it once
// the credential from its share is there.
CredInfo* ResolvePending(StepEnv& env, const std::string& name) {
  const CredentialBook::Pending* pending = env.creds.FindPending(name);
  if (pending == nullptr) return nullptr;
  CredInfo c = pending->holder;
  SavedShare* share = ShareOf(env, pending->share);
  if (share == nullptr || share->share_id.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<dv1::DeviceAgent::Stub>> dev = env.clients.Device(c.device);
  if (!dev.ok()) return nullptr;
  dv1::GetStateRequest req;
  req.set_persona(c.persona);
  dv1::GetStateResponse resp;
  absl::Status st =
      env.clients.Call("engine", c.device, "device.v1.DeviceAgent/GetState",
                       absl::StrCat("is ", name, " provisioned?"), env.rpc_timeout,
                       [&](grpc::ClientContext* cc) { return (*dev)->GetState(cc, req, &resp); });
  if (!st.ok()) return nullptr;
  for (const auto& persona : resp.personas()) {
    for (const auto& w : persona.credentials()) {
      if (w.parent_share_id() == share->share_id) {
        c.id = w.credential_id();
        if (!w.access_point_id().empty()) c.access_point = w.access_point_id();
        env.creds.ErasePending(name);
        env.creds.Save(name, c);
        return env.creds.Find(name);
      }
    }
  }
  return nullptr;
}

}  // namespace

CredInfo* Credential(StepEnv& env, const std::string& name) {
  CredInfo* c = env.creds.Find(name);
  return c != nullptr ? c : ResolvePending(env, name);
}

}  // namespace sct::scenarios

// `revoke`: a share or a credential is revoked, by its holder's device
// (DeviceAgent/Revoke) or, with as_admin, by the authority's administrator
// (CredentialAuthority/RevokeShare or RevokeCredential). The revocation list
// version it reports is what a later await_revocation waits for.
#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;
namespace cav1 = ::credential_authority::v1;

// What a revoke step names: a share (by its authority id) or a credential.
struct RevokeTarget {
  std::string share_id;
  std::string credential_id;
  std::string persona;
  std::string access_point;
};

// Fills `t` with what the step names; the outcome (NOT_FOUND) when that is
// nothing the run made.
std::optional<Outcome> FindTarget(StepEnv& env, const sv1::Step& st, RevokeTarget* t) {
  const sv1::RevokeAction& a = st.revoke();
  if (a.target_case() == sv1::RevokeAction::kShare) {
    SavedShare* sp = ShareOf(env, a.share());
    if (sp == nullptr) return NoShare(a.share());
    t->share_id = sp->share_id;
    t->access_point = env.share_cred[a.share()].access_point;
    // The sharer, or a device higher up the share tree.
    t->persona = PersonaIn(env, a.share(), st.actor(), a.persona());
  } else {
    CredInfo* c = Credential(env, a.credential());
    if (c == nullptr) {
      return Outcome::FromStatus(
          MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                    absl::StrCat("no credential \"", a.credential(), "\" is known")));
    }
    t->credential_id = c->id;
    t->access_point = c->access_point;
    t->persona = !a.persona().empty()      ? a.persona()
                 : c->device == st.actor() ? c->persona
                                           : FirstPersona(env, st.actor());
  }
  if (t->share_id.empty() && t->credential_id.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kNotFound, "share_not_found",
                                         absl::StrCat("share \"", a.share(), "\" was never made")));
  }
  return std::nullopt;
}

// The authority's administrator revokes the target. The call's status (the
// observed outcome), or an engine error when the authority cannot be reached.
absl::StatusOr<absl::Status> AdminRevoke(StepEnv& env, const StepCall& call, const RevokeTarget& t,
                                         cav1::RevokeResponse* resp) {
  const sv1::RevokeAction& a = call.step.revoke();
  const std::string authority = AuthorityOf(env, t.access_point);
  ASSIGN_OR_RETURN(auto stub, env.clients.Authority(authority));
  const std::string actor = call.step.actor().empty() ? "engine" : call.step.actor();
  if (!t.share_id.empty()) {
    cav1::RevokeShareRequest req;
    req.set_request_id(call.request_id);
    req.set_share_id(t.share_id);
    req.set_reason("scenario admin revoke");
    return env.clients.Call(
        actor, authority, "credential_authority.v1.CredentialAuthority/RevokeShare",
        absl::StrCat("admin revokes ", a.share()), env.rpc_timeout,
        [&](grpc::ClientContext* c) { return stub->RevokeShare(c, req, resp); });
  }
  cav1::RevokeCredentialRequest req;
  req.set_request_id(call.request_id);
  req.set_credential_id(t.credential_id);
  req.set_reason("scenario admin revoke");
  return env.clients.Call(
      actor, authority, "credential_authority.v1.CredentialAuthority/RevokeCredential",
      absl::StrCat("admin revokes ", a.credential()), env.rpc_timeout,
      [&](grpc::ClientContext* c) { return stub->RevokeCredential(c, req, resp); });
}

// The acting device revokes the target (statuses as for AdminRevoke).
absl::StatusOr<absl::Status> DeviceRevoke(StepEnv& env, const StepCall& call, const RevokeTarget& t,
                                          cav1::RevokeResponse* resp) {
  const sv1::Step& st = call.step;
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::RevokeRequest req;
  req.set_request_id(call.request_id);
  req.set_persona(t.persona);
  if (!t.share_id.empty()) {
    req.set_share_id(t.share_id);
  } else {
    req.set_credential_id(t.credential_id);
  }
  req.set_reason("scenario");
  return env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/Revoke",
      absl::StrCat("revoke ", st.revoke().target_case() == sv1::RevokeAction::kShare
                                  ? st.revoke().share()
                                  : st.revoke().credential()),
      env.rpc_timeout, [&](grpc::ClientContext* c) { return dev->Revoke(c, req, resp); });
}

}  // namespace

absl::StatusOr<Outcome> RunRevokeStep(StepEnv& env, const StepCall& call) {
  RevokeTarget target;
  if (std::optional<Outcome> missing = FindTarget(env, call.step, &target)) return *missing;
  cav1::RevokeResponse resp;
  ASSIGN_OR_RETURN(absl::Status status, call.step.revoke().as_admin()
                                            ? AdminRevoke(env, call, target, &resp)
                                            : DeviceRevoke(env, call, target, &resp));
  Outcome o = Outcome::FromStatus(status);
  if (status.ok()) {
    env.last_revocation_version =
        std::max(env.last_revocation_version, resp.revocation_list_version());
    auto& details = *call.result.mutable_details();
    details["revocation_list_version"] = absl::StrCat(resp.revocation_list_version());
    details["revoked_shares"] = absl::StrCat(resp.revoked_share_ids_size());
    details["revoked_credentials"] = absl::StrCat(resp.revoked_credential_ids_size());
  }
  return o;
}

}  // namespace sct::scenarios

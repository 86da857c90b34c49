// `use`: the acting device presents a credential at an access point
// (DeviceAgent/UseCredential). The outcome carries the access point's
// decision (granted, or denied with a reason) and the latency.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

absl::StatusOr<Outcome> RunUseStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::UseAction& a = st.use();
  CredInfo* cred = Credential(env, a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "credential_not_found",
        absl::StrCat("no credential \"", a.credential(), "\" is known (no step provisioned it)")));
  }
  const Service* ap = env.eco.Find(a.access_point());
  if (ap == nullptr) {
    return absl::NotFoundError(absl::StrCat("access point ", a.access_point(), " is not running"));
  }
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::UseCredentialRequest req;
  req.set_persona(!a.persona().empty()         ? a.persona()
                  : cred->device == st.actor() ? cred->persona
                                               : FirstPersona(env, st.actor()));
  req.set_credential_id(cred->id);
  req.set_access_point_address(ap->grpc_address);
  req.set_action(a.action());
  dv1::UseCredentialResponse resp;
  absl::Status status = env.clients.Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/UseCredential",
      absl::StrCat(a.action(), " ", a.access_point(), " with ", a.credential()), env.rpc_timeout,
      [&](grpc::ClientContext* c) { return dev->UseCredential(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  o.has_access = true;
  o.access = resp.reason();
  call.result.set_access(resp.reason());
  if (!resp.detail().empty()) o.message = resp.detail();
  (*call.result.mutable_details())["latency"] =
      absl::FormatDuration(ToAbslDuration(resp.latency()));
  return o;
}

}  // namespace sct::scenarios

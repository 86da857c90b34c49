// `cancel`: the sender's device cancels a share (DeviceAgent/CancelShare):
// the share is revoked and its mailbox deleted.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

absl::StatusOr<Outcome> RunCancelStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  SavedShare* sp = ShareOf(env, st.cancel().share());
  if (sp == nullptr) return NoShare(st.cancel().share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::CancelShareRequest req;
  req.set_request_id(call.request_id);
  req.set_persona(PersonaIn(env, st.cancel().share(), st.actor(), ""));
  req.set_share_id(s.share_id);
  dv1::CancelShareResponse resp;
  absl::Status status =
      env.clients.Call(st.actor(), st.actor(), "device.v1.DeviceAgent/CancelShare",
                       absl::StrCat("cancel ", st.cancel().share()), env.rpc_timeout,
                       [&](grpc::ClientContext* c) { return dev->CancelShare(c, req, &resp); });
  if (status.ok()) {
    (*call.result.mutable_details())["mailbox_deleted"] = resp.mailbox_deleted() ? "true" : "false";
    env.last_revocation_version =
        std::max(env.last_revocation_version, resp.revocation().revocation_list_version());
  }
  return Outcome::FromStatus(status);
}

}  // namespace sct::scenarios

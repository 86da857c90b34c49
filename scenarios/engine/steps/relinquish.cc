// `relinquish`: the receiver's device gives up its binding to a share's
// mailbox (DeviceAgent/Relinquish).
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

absl::StatusOr<Outcome> RunRelinquishStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  SavedShare* sp = ShareOf(env, st.relinquish().share());
  if (sp == nullptr) return NoShare(st.relinquish().share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::RelinquishRequest req;
  req.set_request_id(call.request_id);
  req.set_persona(PersonaIn(env, st.relinquish().share(), st.actor(), ""));
  req.set_mailbox_id(s.mailbox_id);
  dv1::RelinquishResponse resp;
  return Outcome::FromStatus(
      env.clients.Call(st.actor(), st.actor(), "device.v1.DeviceAgent/Relinquish",
                       absl::StrCat("relinquish ", st.relinquish().share()), env.rpc_timeout,
                       [&](grpc::ClientContext* c) { return dev->Relinquish(c, req, &resp); }));
}

}  // namespace sct::scenarios

// `service`: kills, starts or restarts a launched service through the
// launcher. A killed service loses its in-memory audit record, so it is
// saved first, and a started one gets the run's audit key again.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/attack/attack.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;

absl::StatusOr<Outcome> RunServiceStep(StepEnv& env, const StepCall& call) {
  const sv1::ServiceAction& a = call.step.service();
  const std::string& name = a.service();
  absl::Status s;
  switch (a.op()) {
    case sv1::KILL:
      PreserveAudit(env.ctx, name);
      s = env.eco.Kill(name);
      break;
    case sv1::START:
      s = env.eco.Start(name);
      if (s.ok()) s = RestoreAuditKey(env.ctx, name);
      break;
    case sv1::RESTART:
      PreserveAudit(env.ctx, name);
      s = env.eco.Restart(name);
      if (s.ok()) s = RestoreAuditKey(env.ctx, name);
      break;
    default:
      s = absl::InvalidArgumentError("service.op: not set");
  }
  env.clients.Record("engine", name, absl::StrCat("launcher/", sv1::ServiceOp_Name(a.op())),
                     absl::StrCat(sv1::ServiceOp_Name(a.op()), " ", name), s, absl::ZeroDuration());
  return Outcome::FromStatus(s);
}

}  // namespace sct::scenarios

// `advance_clock`: moves the fake clocks of sim services forward
// (common.v1.SimControl/SetClock): the listed services, or every running sim
// service, in which case the engine's own service time moves too.
//
// The clocks move one call after the other, and the services keep running
// meanwhile. Those whose answers depend on the time (the relay: a mailbox
// past its expiry is 404; the authorities: tokens, validity, revocation
// lists) move last, so that no device, OEM or access point ever reads an
// answer of the new time while its own clock still shows the old one (a
// sender polling in that window took an expired mailbox's 404 for the
// receiver's delete).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;

// The listed services, else every running service with SimControl; in
// ClockAdvanceOrder.
std::vector<std::string> Targets(const StepEnv& env, const sv1::AdvanceClockAction& a) {
  std::vector<std::string> names(a.services().begin(), a.services().end());
  if (names.empty()) {
    for (const std::string& n : env.eco.Names()) {
      const Service* svc = env.eco.Find(n);
      if (svc != nullptr && svc->sim && svc->running) names.push_back(n);
    }
  }
  std::vector<std::pair<std::string, ServiceKind>> services;
  for (const std::string& n : names) {
    const Service* svc = env.eco.Find(n);
    // An unknown name keeps its place among the first (its call will fail).
    services.emplace_back(n, svc == nullptr ? ServiceKind::kDevice : svc->kind);
  }
  return ClockAdvanceOrder(services);
}

}  // namespace

std::vector<std::string> ClockAdvanceOrder(
    const std::vector<std::pair<std::string, ServiceKind>>& services) {
  auto rank = [](ServiceKind kind) {
    return kind == ServiceKind::kRelay ? 2 : kind == ServiceKind::kAuthority ? 1 : 0;
  };
  std::vector<std::pair<std::string, ServiceKind>> sorted = services;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const auto& x, const auto& y) { return rank(x.second) < rank(y.second); });
  std::vector<std::string> out;
  for (const auto& [name, kind] : sorted) out.push_back(name);
  return out;
}

absl::StatusOr<Outcome> RunAdvanceClockStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const absl::Duration by = DurationOr(st.advance_clock().by(), absl::ZeroDuration());
  const std::vector<std::string> targets = Targets(env, st.advance_clock());
  if (targets.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kFailedPrecondition, "no_sim_control",
                                         "no running service serves SimControl (launched without "
                                         "--sim_control?): no clock to advance"));
  }
  const std::string actor = st.actor().empty() ? "engine" : st.actor();
  absl::Status first;
  for (const std::string& n : targets) {
    const Service* svc = env.eco.Find(n);
    if (svc == nullptr || !svc->sim) {
      if (first.ok()) {
        first = MakeError(absl::StatusCode::kFailedPrecondition, "no_sim_control",
                          absl::StrCat(n, " serves no SimControl"));
      }
      continue;
    }
    ASSIGN_OR_RETURN(auto stub, env.clients.SimControl(n));
    cv1::SetClockRequest req;
    *req.mutable_advance() = ToProtoDuration(by);
    cv1::SetClockResponse resp;
    absl::Status s =
        env.clients.Call(actor, n, "common.v1.SimControl/SetClock",
                         absl::StrCat("advance clock ", st.advance_clock().by()), env.rpc_timeout,
                         [&](grpc::ClientContext* c) { return stub->SetClock(c, req, &resp); });
    if (!s.ok() && first.ok()) {
      first = MakeError(s.code(), ReasonOf(s), absl::StrCat(n, ": ", s.message()));
    }
  }
  if (st.advance_clock().services().empty()) env.clock.advanced += by;
  (*call.result.mutable_details())["services"] = absl::StrJoin(targets, ",");
  return Outcome::FromStatus(first);
}

}  // namespace sct::scenarios

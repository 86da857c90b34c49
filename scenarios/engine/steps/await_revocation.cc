// `await_revocation`: polls an access point (AccessPoint/GetStatus) until its
// revocation list is at least as new as the newest revocation: the one the
// run's revoke and cancel steps reported, or the authority's current version
// (which also covers cascades and adversary acts). Reports how long the
// propagation took.
#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/run_clock.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace apv1 = ::access_point::v1;
namespace cav1 = ::credential_authority::v1;

// The version to wait for.
uint64_t TargetVersion(StepEnv& env, const std::string& access_point) {
  uint64_t target = env.last_revocation_version;
  const std::string authority = AuthorityOf(env, access_point);
  if (authority.empty()) return target;
  auto stub = env.clients.Authority(authority);
  if (!stub.ok()) return target;
  cav1::GetAuthorityInfoRequest req;
  cav1::GetAuthorityInfoResponse resp;
  absl::Status s = env.clients.Call(
      "engine", authority, "credential_authority.v1.CredentialAuthority/GetAuthorityInfo",
      "current revocation version", env.rpc_timeout,
      [&](grpc::ClientContext* c) { return (*stub)->GetAuthorityInfo(c, req, &resp); });
  if (s.ok()) target = std::max(target, resp.revocation_list_version());
  return target;
}

}  // namespace

absl::StatusOr<Outcome> RunAwaitRevocationStep(StepEnv& env, const StepCall& call) {
  const std::string& ap = call.step.await_revocation().access_point();
  const absl::Duration timeout =
      DurationOr(call.step.await_revocation().timeout(), absl::Seconds(10));
  const absl::Time start = absl::Now();
  const absl::Time until = env.clock.Deadline(timeout);
  const uint64_t target = TargetVersion(env, ap);
  ASSIGN_OR_RETURN(auto stub, env.clients.AccessPoint(ap));
  auto& details = *call.result.mutable_details();
  uint64_t seen = 0;
  absl::Status last;
  int polls = 0;
  PollPause pause(absl::Milliseconds(50));
  while (true) {
    apv1::GetStatusRequest req;
    apv1::GetStatusResponse resp;
    // Only the last poll goes to the trace (the diagram stays readable).
    grpc::ClientContext poll;
    env.clients.Prepare(&poll, "engine", absl::Seconds(5));
    last = FromGrpcStatus(stub->GetStatus(&poll, req, &resp));
    ++polls;
    if (last.ok()) {
      seen = resp.revocation_list_version();
      if (seen >= target) break;
    }
    if (absl::Now() >= until) {
      details["polls"] = absl::StrCat(polls);
      return Outcome::FromStatus(
          MakeError(absl::StatusCode::kDeadlineExceeded, "revocation_not_propagated",
                    absl::StrCat(ap, " holds revocation list version ", seen, ", wanted ", target,
                                 " within ", absl::FormatDuration(timeout),
                                 last.ok() ? "" : absl::StrCat(" (", last.message(), ")"))));
    }
    absl::SleepFor(pause.Next());
  }
  env.clients.Record("engine", ap, "access_point.v1.AccessPoint/GetStatus",
                     absl::StrCat("revocation version ", seen, " >= ", target), absl::OkStatus(),
                     absl::Now() - start);
  details["propagation"] = absl::FormatDuration(absl::Now() - start);
  details["revocation_list_version"] = absl::StrCat(seen);
  details["polls"] = absl::StrCat(polls);
  Outcome o;
  o.message = absl::StrCat("version ", seen);
  return o;
}

}  // namespace sct::scenarios

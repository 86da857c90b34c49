// `list_shares`: the acting device lists the shares made of a credential
// (DeviceAgent/ListShares, optionally with re-shares). The step fails with
// list_mismatch when the count or a share's state is not the expected one.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;
namespace cav1 = ::credential_authority::v1;

// Shares asked per page (the authority's largest page).
constexpr int kListSharesPageSize = 1000;

// Where the listing differs from what the step expects.
std::vector<std::string> Mismatches(StepEnv& env, const sv1::ListSharesAction& a,
                                    const cav1::ListSharesResponse& resp) {
  std::vector<std::string> problems;
  if (a.has_expect_count() && static_cast<uint32_t>(resp.shares_size()) != a.expect_count()) {
    problems.push_back(
        absl::StrCat("expected ", a.expect_count(), " shares, listed ", resp.shares_size()));
  }
  for (const auto& e : a.expect_states()) {
    SavedShare* sp = ShareOf(env, e.share());
    const std::string id = sp == nullptr ? "" : sp->share_id;
    const cv1::ShareRecord* rec = nullptr;
    for (const auto& x : resp.shares()) {
      if (x.share_id() == id) rec = &x;
    }
    if (rec == nullptr) {
      problems.push_back(absl::StrCat(e.share(), " not listed"));
    } else if (rec->state() != e.state()) {
      problems.push_back(absl::StrCat(e.share(), " is ", cv1::ShareState_Name(rec->state()),
                                      ", expected ", cv1::ShareState_Name(e.state())));
    }
  }
  return problems;
}

}  // namespace

absl::StatusOr<Outcome> RunListSharesStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::ListSharesAction& a = st.list_shares();
  CredInfo* cred = Credential(env, a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(
        MakeError(absl::StatusCode::kNotFound, "credential_not_found",
                  absl::StrCat("no credential \"", a.credential(), "\" is known")));
  }
  ASSIGN_OR_RETURN(auto dev, env.clients.Device(st.actor()));
  dv1::ListSharesRequest req;
  req.set_persona(cred->device == st.actor() ? cred->persona : FirstPersona(env, st.actor()));
  req.set_credential_id(cred->id);
  req.set_include_descendants(a.include_descendants());
  // Every page (the authority answers at most 1000 shares at a time).
  req.set_page_size(kListSharesPageSize);
  cav1::ListSharesResponse resp;
  absl::Status status;
  do {
    cav1::ListSharesResponse page;
    status =
        env.clients.Call(st.actor(), st.actor(), "device.v1.DeviceAgent/ListShares",
                         absl::StrCat("list shares of ", a.credential()), env.rpc_timeout,
                         [&](grpc::ClientContext* c) { return dev->ListShares(c, req, &page); });
    if (!status.ok()) break;
    for (auto& share : *page.mutable_shares()) *resp.add_shares() = std::move(share);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  (*call.result.mutable_details())["shares"] = absl::StrCat(resp.shares_size());
  std::vector<std::string> problems = Mismatches(env, a, resp);
  if (!problems.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kFailedPrecondition, "list_mismatch",
                                         absl::StrJoin(problems, "; ")));
  }
  o.message = absl::StrCat(resp.shares_size(), " shares");
  return o;
}

}  // namespace sct::scenarios

// `wait_for_event`: waits until the acting device reports an event of a kind
// (optionally about a share's mailbox or share id) on its event stream. A
// provisioned credential it names is saved under save_as. With `absent`, the
// step checks the opposite: no such event so far, nor within the timeout.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

absl::StatusOr<Outcome> RunWaitForEventStep(StepEnv& env, const StepCall& call) {
  const sv1::Step& st = call.step;
  const sv1::WaitForEventAction& a = st.wait_for_event();
  auto it = env.collectors.find(st.actor());
  if (it == env.collectors.end()) {
    return absl::FailedPreconditionError(absl::StrCat("no event stream for device ", st.actor()));
  }
  std::string mailbox, share_id;
  if (!a.share().empty()) {
    SavedShare* sp = ShareOf(env, a.share());
    if (sp == nullptr) return NoShare(a.share());
    mailbox = sp->mailbox_id;
    share_id = sp->share_id;
  }
  const absl::Duration timeout =
      DurationOr(a.timeout(), a.absent() ? absl::Seconds(1) : absl::Seconds(10));
  auto matches = [&](const dv1::DeviceEvent& e) {
    if (e.kind() != a.event()) return false;
    if (a.share().empty()) return true;
    return (!mailbox.empty() && e.mailbox_id() == mailbox) ||
           (!share_id.empty() && e.share_id() == share_id);
  };
  dv1::DeviceEvent ev;
  const absl::Time start = absl::Now();
  if (a.absent()) {
    if (!it->second->Seen(matches, env.clock.Deadline(timeout), &ev)) {
      Outcome none;
      none.message = absl::StrCat("no ", dv1::DeviceEventKind_Name(a.event()));
      return none;
    }
    return Outcome::FromStatus(
        MakeError(absl::StatusCode::kFailedPrecondition, "unexpected_event",
                  absl::StrCat(st.actor(), " reported ", dv1::DeviceEventKind_Name(ev.kind()),
                               ev.reason().empty() ? "" : absl::StrCat(" (", ev.reason(), ")"),
                               ", which must not happen")));
  }
  bool got = it->second->WaitFor(matches, env.clock.Deadline(timeout), &ev);
  if (!got) {
    return Outcome::FromStatus(
        MakeError(absl::StatusCode::kDeadlineExceeded, "event_timeout",
                  absl::StrCat("no ", dv1::DeviceEventKind_Name(a.event()), " on ", st.actor(),
                               " within ", absl::FormatDuration(timeout))));
  }
  auto& details = *call.result.mutable_details();
  details["waited"] = absl::FormatDuration(absl::Now() - start);
  if (!ev.reason().empty()) details["event_reason"] = ev.reason();
  if (!a.save_as().empty() && !ev.credential_id().empty()) {
    std::string ap;
    if (!a.share().empty()) ap = env.share_cred[a.share()].access_point;
    env.creds.Save(
        a.save_as(),
        CredInfo{ev.credential_id(), st.actor(),
                 ev.persona().empty() ? FirstPersona(env, st.actor()) : ev.persona(), ap});
  }
  Outcome o;
  o.message = dv1::DeviceEventKind_Name(ev.kind());
  return o;
}

}  // namespace sct::scenarios

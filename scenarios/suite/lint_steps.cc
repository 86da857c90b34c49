// The steps section: unique step ids, the expectation and retry budget of
// every step, and per action kind its actor, the credentials, shares,
// personas, access points, services and adversaries it names (each known by
// that point of the file) and its durations. Successful steps that save a
// share or a credential record it for the steps after them.
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "scenarios/suite/lint_checks.h"

namespace sct::scenarios::suite {
namespace {

namespace sv1 = ::scenario::v1;

// The checks of one action kind: the context, the step's path, the step and
// whether it is expected to succeed.
using StepCheck = void (*)(LintContext&, const Path&, const sv1::Step&, bool);

void CheckExpect(LintContext& c, const Path& p, const sv1::Step& s) {
  const Path e = Plus(p, "expect");
  c.Duration(Plus(e, "max_duration"), s.expect().max_duration(), false, false, kMaxWait);
  if (s.expect().outcome_case() == sv1::Expectation::kAccess && !s.has_use()) {
    c.Problem(e, "expect.access applies to `use` steps only");
  }
  if (s.expect().outcome_case() == sv1::Expectation::kError &&
      s.expect().error().code() == sv1::ANY_ERROR_CODE && s.expect().error().reason().empty()) {
    c.Problem(Plus(e, "error"), "expect.error: give a code or a reason");
  }
  if (s.has_retry()) {
    const Path r = Plus(p, "retry");
    c.Duration(Plus(r, "backoff"), s.retry().backoff(), false, false, kMaxBackoff);
    if (s.retry().attempts() > kMaxRetryAttempts) {
      c.Problem(r, absl::StrCat("retry.attempts: at most ", kMaxRetryAttempts, " in the suite"));
    }
  }
}

bool IsSixDigits(const std::string& pin) {
  return pin.size() == 6 && std::all_of(pin.begin(), pin.end(), absl::ascii_isdigit);
}

void CheckShare(LintContext& c, const Path& p, const sv1::Step& s, bool success) {
  const sv1::ShareAction& a = s.share();
  const Path q = Plus(p, "share");
  if (!c.NeedDevice(p, s)) return;
  const LintContext::Held* held =
      c.NeedCredential(Plus(q, "credential"), a.credential(), s.actor(), false);
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
  if (a.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) c.Problem(q, "channel: missing");
  if (a.to().empty() == a.to_address().empty()) {
    c.Problem(q, "give exactly one of `to` (a device) and `to_address`");
  }
  if (!a.to().empty() && !c.IsDevice(a.to())) {
    c.Problem(Plus(q, "to"), absl::StrCat("unknown device \"", a.to(), "\""));
  }
  if (!a.pin().empty() && !IsSixDigits(a.pin())) {
    c.Problem(Plus(q, "pin"), "pin: must be exactly 6 digits");
  }
  if (a.pin_channel() != ::common::v1::CHANNEL_KIND_UNSPECIFIED && a.pin().empty()) {
    c.Problem(Plus(q, "pin_channel"), "pin_channel without a pin");
  }
  if (!a.payload_type().empty() && a.payload_type() != "AEAD_AES_128_GCM" &&
      a.payload_type() != "AEAD_AES_256_GCM") {
    c.Problem(Plus(q, "payload_type"), "payload_type: AEAD_AES_128_GCM or AEAD_AES_256_GCM");
  }
  // Symmetric keys are single-round: such a step must expect the refusal.
  const bool refusal_expected = s.expect().outcome_case() == sv1::Expectation::kError &&
                                s.expect().error().code() == sv1::INVALID_ARGUMENT;
  if (a.multi_round() && held != nullptr && held->kind == ::common::v1::SYMMETRIC &&
      !refusal_expected) {
    c.Problem(Plus(q, "multi_round"),
              "multi_round needs an asymmetric credential (or expect INVALID_ARGUMENT)");
  }
  if (a.has_validity()) c.Window(Plus(q, "validity"), a.validity());
  c.Duration(Plus(q, "token_ttl"), a.token_ttl(), false, false);
  c.Duration(Plus(q, "mailbox_ttl"), a.mailbox_ttl(), false, false);
  // A share that fails with UNAVAILABLE (relay or channel down) may have been
  // minted already; the engine then saves it so that it can be cancelled.
  const bool minted = success || (s.expect().outcome_case() == sv1::Expectation::kError &&
                                  s.expect().error().code() == sv1::UNAVAILABLE);
  if (!a.save_as().empty() && minted && !c.shares.emplace(a.save_as(), s.actor()).second) {
    c.Problem(Plus(q, "save_as"), absl::StrCat("share name \"", a.save_as(), "\" already used"));
  }
}

void CheckAccept(LintContext& c, const Path& p, const sv1::Step& s, bool success) {
  const sv1::AcceptAction& a = s.accept();
  const Path q = Plus(p, "accept");
  if (!c.NeedDevice(p, s)) return;
  c.NeedShare(Plus(q, "share"), a.share());
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
  if (!a.intercepted_by().empty()) {
    auto it = c.adversaries.find(a.intercepted_by());
    if (it == c.adversaries.end() || it->second != sv1::Adversary::kLinkInterceptor) {
      c.Problem(Plus(q, "intercepted_by"),
                absl::StrCat("\"", a.intercepted_by(), "\" is not a link_interceptor adversary"));
    }
  }
  if (a.no_pin() && !a.pin().empty()) c.Problem(Plus(q, "no_pin"), "no_pin together with pin");
  if (a.pin_from_inbox() && (a.no_pin() || !a.pin().empty())) {
    c.Problem(Plus(q, "pin_from_inbox"), "pin_from_inbox together with pin or no_pin");
  }
  c.Duration(Plus(q, "round_timeout"), a.round_timeout(), false, false, kMaxWait);
  c.SaveCredential(Plus(q, "save_as"), a.save_as(), s.actor(), success);
}

void CheckReply(LintContext& c, const Path& p, const sv1::Step& s, bool success) {
  const sv1::ReplyStepAction& a = s.reply();
  const Path q = Plus(p, "reply");
  if (!c.NeedDevice(p, s)) return;
  c.NeedShare(Plus(q, "share"), a.share());
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
  if (a.action() == ::device::v1::REPLY_ACTION_UNSPECIFIED) c.Problem(q, "action: missing");
  if (!a.save_as().empty() && a.action() != ::device::v1::REPLY_COMPLETE) {
    c.Problem(Plus(q, "save_as"), "save_as applies to REPLY_COMPLETE only");
  }
  c.SaveCredential(Plus(q, "save_as"), a.save_as(), s.actor(), success);
}

void CheckUse(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const sv1::UseAction& a = s.use();
  const Path q = Plus(p, "use");
  if (!c.NeedDevice(p, s)) return;
  c.NeedCredential(Plus(q, "credential"), a.credential(), s.actor(), false);
  if (!c.access_points.count(a.access_point())) {
    c.Problem(Plus(q, "access_point"),
              absl::StrCat("unknown access point \"", a.access_point(), "\""));
  }
  if (a.action().empty()) c.Problem(q, "action: missing");
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
}

void CheckRevoke(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const sv1::RevokeAction& a = s.revoke();
  const Path q = Plus(p, "revoke");
  if (!a.as_admin() && !c.NeedDevice(p, s)) return;
  if (a.as_admin() && !s.actor().empty() && !c.IsDevice(s.actor())) {
    c.Problem(Plus(p, "actor"), "an admin revoke has no actor or a device actor");
  }
  if (a.target_case() == sv1::RevokeAction::kShare) {
    c.NeedShare(Plus(q, "share"), a.share());
  } else if (a.target_case() == sv1::RevokeAction::kCredential) {
    c.NeedCredential(Plus(q, "credential"), a.credential(), s.actor(), true);
  } else {
    c.Problem(q, "revoke: give share or credential");
  }
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
}

void CheckCancel(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  if (!c.NeedDevice(p, s)) return;
  const std::string* sender = c.NeedShare(Plus(Plus(p, "cancel"), "share"), s.cancel().share());
  if (sender != nullptr && *sender != s.actor()) {
    c.Problem(Plus(p, "actor"), absl::StrCat("only the sender \"", *sender, "\" can cancel"));
  }
}

void CheckRelinquish(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  if (!c.NeedDevice(p, s)) return;
  c.NeedShare(Plus(Plus(p, "relinquish"), "share"), s.relinquish().share());
}

void CheckForward(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const Path q = Plus(p, "forward");
  if (!c.NeedDevice(p, s)) return;
  c.NeedShare(Plus(q, "share"), s.forward().share());
  if (!c.IsDevice(s.forward().to()) || s.forward().to() == s.actor()) {
    c.Problem(Plus(q, "to"), absl::StrCat("forward.to \"", s.forward().to(),
                                          "\" must be another topology device"));
  }
}

void CheckListShares(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const sv1::ListSharesAction& a = s.list_shares();
  const Path q = Plus(p, "list_shares");
  if (!c.NeedDevice(p, s)) return;
  c.NeedCredential(Plus(q, "credential"), a.credential(), s.actor(), false);
  for (int j = 0; j < a.expect_states_size(); ++j) {
    c.NeedShare(Plus(q, "expect_states", j), a.expect_states(j).share());
  }
}

void CheckWaitForEvent(LintContext& c, const Path& p, const sv1::Step& s, bool success) {
  const sv1::WaitForEventAction& a = s.wait_for_event();
  const Path q = Plus(p, "wait_for_event");
  if (!c.NeedDevice(p, s)) return;
  if (a.event() == ::device::v1::DEVICE_EVENT_KIND_UNSPECIFIED) c.Problem(q, "event: missing");
  if (!a.share().empty()) c.NeedShare(Plus(q, "share"), a.share());
  c.Duration(Plus(q, "timeout"), a.timeout(), false, false, kMaxWait);
  if (!a.save_as().empty() && a.absent()) {
    c.Problem(Plus(q, "save_as"), "save_as with absent (an event that must not happen)");
  } else if (!a.save_as().empty() && a.event() != ::device::v1::EVENT_CREDENTIAL_PROVISIONED) {
    c.Problem(Plus(q, "save_as"), "save_as applies to EVENT_CREDENTIAL_PROVISIONED only");
  }
  c.SaveCredential(Plus(q, "save_as"), a.save_as(), s.actor(), success);
}

void CheckCheckState(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const sv1::CheckStateAction& a = s.check_state();
  const Path q = Plus(p, "check_state");
  if (!c.NeedDevice(p, s)) return;
  c.NeedPersona(Plus(q, "persona"), s.actor(), a.persona());
  if (!a.share().empty()) c.NeedShare(Plus(q, "share"), a.share());
  if (a.flow_state() != ::device::v1::FLOW_STATE_UNSPECIFIED && a.share().empty()) {
    c.Problem(q, "flow_state needs a share");
  }
  for (int j = 0; j < a.has_credentials_size(); ++j) {
    c.NeedCredential(Plus(q, "has_credentials", j), a.has_credentials(j), s.actor(), true);
  }
  for (int j = 0; j < a.lacks_credentials_size(); ++j) {
    c.NeedCredential(Plus(q, "lacks_credentials", j), a.lacks_credentials(j), s.actor(), true);
  }
  if (a.flow_state() == ::device::v1::FLOW_STATE_UNSPECIFIED && a.has_credentials().empty() &&
      a.lacks_credentials().empty() && !a.has_push_connected()) {
    c.Problem(q, "check_state checks nothing");
  }
}

void CheckAdvanceClock(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const Path q = Plus(p, "advance_clock");
  c.NeedEngineStep(p, s);
  c.Duration(Plus(q, "by"), s.advance_clock().by(), true, false);
  for (int j = 0; j < s.advance_clock().services_size(); ++j) {
    c.NeedService(Plus(q, "services", j), s.advance_clock().services(j));
  }
  if (c.sc.topology().clock() == sv1::REAL) {
    c.Problem(q, "advance_clock needs clock FAKE (the topology says REAL)");
  }
}

void CheckAwaitRevocation(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const Path q = Plus(p, "await_revocation");
  c.NeedEngineStep(p, s);
  if (!c.access_points.count(s.await_revocation().access_point())) {
    c.Problem(Plus(q, "access_point"),
              absl::StrCat("unknown access point \"", s.await_revocation().access_point(), "\""));
  }
  c.Duration(Plus(q, "timeout"), s.await_revocation().timeout(), false, false, kMaxWait);
}

void CheckService(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const Path q = Plus(p, "service");
  c.NeedEngineStep(p, s);
  c.NeedService(Plus(q, "service"), s.service().service());
  if (s.service().op() == sv1::SERVICE_OP_UNSPECIFIED) c.Problem(q, "op: missing");
}

void CheckPause(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  c.NeedEngineStep(p, s);
  c.Duration(Plus(Plus(p, "pause"), "duration"), s.pause().duration(), true, false, kMaxPause);
}

void CheckAdversaryAct(LintContext& c, const Path& p, const sv1::Step& s, bool) {
  const std::string& name = s.adversary_act().adversary();
  if (!c.adversaries.count(name)) {
    c.Problem(Plus(Plus(p, "adversary_act"), "adversary"),
              absl::StrCat("unknown adversary \"", name, "\""));
  }
  if (!s.actor().empty() && s.actor() != name) {
    c.Problem(Plus(p, "actor"), absl::StrCat("actor of an adversary_act must be the adversary \"",
                                             name, "\" or empty"));
  }
}

void CheckNoAction(LintContext& c, const Path& p, const sv1::Step&, bool) {
  c.Problem(p, "step has no action");
}

// The check of each action kind.
StepCheck CheckFor(sv1::Step::ActionCase action) {
  switch (action) {
    case sv1::Step::kShare:
      return CheckShare;
    case sv1::Step::kAccept:
      return CheckAccept;
    case sv1::Step::kReply:
      return CheckReply;
    case sv1::Step::kUse:
      return CheckUse;
    case sv1::Step::kRevoke:
      return CheckRevoke;
    case sv1::Step::kCancel:
      return CheckCancel;
    case sv1::Step::kRelinquish:
      return CheckRelinquish;
    case sv1::Step::kForward:
      return CheckForward;
    case sv1::Step::kListShares:
      return CheckListShares;
    case sv1::Step::kWaitForEvent:
      return CheckWaitForEvent;
    case sv1::Step::kCheckState:
      return CheckCheckState;
    case sv1::Step::kAdvanceClock:
      return CheckAdvanceClock;
    case sv1::Step::kAwaitRevocation:
      return CheckAwaitRevocation;
    case sv1::Step::kService:
      return CheckService;
    case sv1::Step::kPause:
      return CheckPause;
    case sv1::Step::kAdversaryAct:
      return CheckAdversaryAct;
    case sv1::Step::ACTION_NOT_SET:
      return CheckNoAction;
  }
  return CheckNoAction;
}

}  // namespace

void CheckSteps(LintContext& c) {
  for (int i = 0; i < c.sc.steps_size(); ++i) {
    const sv1::Step& s = c.sc.steps(i);
    const Path p = {{"steps", i}};
    if (s.id().empty()) {
      c.Problem(p, "id: missing");
    } else if (!c.step_index.emplace(s.id(), i).second) {
      c.Problem(Plus(p, "id"), absl::StrCat("step id \"", s.id(), "\" used twice"));
    }
    CheckExpect(c, p, s);
    const bool success = s.expect().outcome_case() != sv1::Expectation::kError;
    CheckFor(s.action_case())(c, p, s, success);
  }
}

}  // namespace sct::scenarios::suite

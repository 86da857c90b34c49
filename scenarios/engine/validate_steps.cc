// Validator: the steps. Step ids first (so that a name used before the step
// that saves it gets a precise message), then each step: its actor, its
// action (one check per action kind, chosen by CheckAction), its expectation
// and its retry policy.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/validator.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;

void Validator::CheckSteps() {
  // First pass: step ids and every name saved anywhere (for better
  // "used before it is saved" messages).
  for (int i = 0; i < s_.steps_size(); ++i) {
    const sv1::Step& st = s_.steps(i);
    Node n = Child(root_, "steps", i);
    if (st.id().empty()) {
      Err(n, "id", "required (a unique step id)");
    } else if (!step_index_.emplace(st.id(), i).second) {
      Err(n, "id", absl::StrCat("duplicate step id \"", st.id(), "\""));
    }
    if (st.has_share()) all_shares_.insert(st.share().save_as());
    if (st.has_accept()) all_credentials_.insert(st.accept().save_as());
    if (st.has_reply()) all_credentials_.insert(st.reply().save_as());
    if (st.has_wait_for_event()) {
      all_credentials_.insert(st.wait_for_event().save_as());
    }
  }
  for (int i = 0; i < s_.steps_size(); ++i) CheckStep(i);
}

void Validator::CheckStep(int i) {
  const sv1::Step& st = s_.steps(i);
  Node n = Child(root_, "steps", i);
  if (ActionName(st).empty()) {
    Err(n, "id", absl::StrCat("step \"", st.id(), "\" has no action (share, accept, use, ...)"));
  }
  CheckActor(n, st);
  CheckAction(n, st);
  CheckExpectation(n, st);
  CheckRetry(n, st);
}

// A device action needs a device (an admin revoke none); any other actor
// must be a device or an adversary.
void Validator::CheckActor(const Node& n, const sv1::Step& st) {
  const bool device_action = st.has_share() || st.has_accept() || st.has_reply() || st.has_use() ||
                             st.has_revoke() || st.has_cancel() || st.has_relinquish() ||
                             st.has_forward() || st.has_list_shares() || st.has_wait_for_event() ||
                             st.has_check_state();
  const bool admin_revoke = st.has_revoke() && st.revoke().as_admin();
  if (device_action && !admin_revoke) {
    if (st.actor().empty()) {
      Err(n, "actor",
          absl::StrCat("required: the ", ActionName(st), " action needs an acting device"));
    } else if (!IsDevice(st.actor())) {
      Err(n, "actor",
          absl::StrCat(
              "unknown device \"", st.actor(), "\"",
              adversaries_.count(st.actor()) ? " (an adversary cannot do this action)" : ""));
    }
  } else if (!st.actor().empty() && !IsDevice(st.actor()) && !adversaries_.count(st.actor())) {
    Err(n, "actor", absl::StrCat("unknown actor \"", st.actor(), "\""));
  }
}

void Validator::CheckAction(const Node& n, const sv1::Step& st) {
  switch (st.action_case()) {
    case sv1::Step::kShare:
      return CheckShareStep(n, st);
    case sv1::Step::kAccept:
      return CheckAcceptStep(n, st);
    case sv1::Step::kReply:
      return CheckReplyStep(n, st);
    case sv1::Step::kUse:
      return CheckUseStep(n, st);
    case sv1::Step::kRevoke:
      return CheckRevokeStep(n, st);
    case sv1::Step::kCancel:
      return ShareRef(Child(n, "cancel"), "share", st.cancel().share());
    case sv1::Step::kRelinquish:
      return ShareRef(Child(n, "relinquish"), "share", st.relinquish().share());
    case sv1::Step::kForward: {
      Node a = Child(n, "forward");
      ShareRef(a, "share", st.forward().share());
      return DeviceRef(a, "to", st.forward().to(), true);
    }
    case sv1::Step::kListShares:
      return CheckListSharesStep(n, st);
    case sv1::Step::kWaitForEvent:
      return CheckWaitForEventStep(n, st);
    case sv1::Step::kCheckState:
      return CheckCheckStateStep(n, st);
    case sv1::Step::kAdvanceClock:
      return CheckAdvanceClockStep(n, st);
    case sv1::Step::kAwaitRevocation:
      return CheckAwaitRevocationStep(n, st);
    case sv1::Step::kService:
      return CheckServiceStep(n, st);
    case sv1::Step::kPause:
      return Duration(Child(n, "pause"), "duration", st.pause().duration(), false, true);
    case sv1::Step::kAdversaryAct:
      return CheckAdversaryActStep(n, st);
    case sv1::Step::ACTION_NOT_SET:
      return;
  }
}

void Validator::CheckShareStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "share");
  const sv1::ShareAction& x = st.share();
  CredentialRef(a, "credential", x.credential());
  PersonaRef(a, "persona", st.actor(), x.persona());
  if (x.channel() == cv1::CHANNEL_KIND_UNSPECIFIED) {
    Err(a, "channel", "required (SMS, EMAIL or MESSENGER)");
  }
  if (x.to().empty() && x.to_address().empty()) {
    Err(a, "to", "required (a recipient device, or to_address)");
  } else if (!x.to().empty() && !x.to_address().empty()) {
    Err(a, "to_address", "give either to or to_address, not both");
  }
  DeviceRef(a, "to", x.to(), false);
  if (!x.pin().empty() &&
      (x.pin().size() != 6 || x.pin().find_first_not_of("0123456789") != std::string::npos)) {
    Err(a, "pin", "must be exactly 6 digits");
  }
  if (x.pin_channel() != cv1::CHANNEL_KIND_UNSPECIFIED && x.pin().empty()) {
    Err(a, "pin_channel", "set without a pin");
  } else if (x.pin_channel() != cv1::CHANNEL_KIND_UNSPECIFIED) {
    pin_channel_shares_.insert(x.save_as());
  }
  if (x.has_validity()) {
    Node v = Child(a, "validity");
    Duration(v, "not_before", x.validity().not_before(), true);
    Duration(v, "not_after", x.validity().not_after(), true, true);
  }
  Duration(a, "token_ttl", x.token_ttl());
  Duration(a, "mailbox_ttl", x.mailbox_ttl());
  if (!x.payload_type().empty() && x.payload_type() != "AEAD_AES_128_GCM" &&
      x.payload_type() != "AEAD_AES_256_GCM") {
    Err(a, "payload_type", "must be AEAD_AES_128_GCM or AEAD_AES_256_GCM");
  }
  if (x.save_as().empty()) {
    Err(a, "save_as", "required (a name later steps use for this share)");
  } else if (!shares_.insert(x.save_as()).second) {
    Err(a, "save_as", absl::StrCat("share name \"", x.save_as(), "\" is already taken"));
  }
}

void Validator::CheckAcceptStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "accept");
  const sv1::AcceptAction& x = st.accept();
  ShareRef(a, "share", x.share());
  PersonaRef(a, "persona", st.actor(), x.persona());
  if (!x.intercepted_by().empty()) {
    auto it = adversaries_.find(x.intercepted_by());
    if (it == adversaries_.end()) {
      Err(a, "intercepted_by", absl::StrCat("unknown adversary \"", x.intercepted_by(), "\""));
    } else if (it->second != sv1::Adversary::kLinkInterceptor) {
      Err(a, "intercepted_by",
          absl::StrCat("adversary \"", x.intercepted_by(), "\" is not a link_interceptor"));
    }
  }
  if (!x.pin().empty() && x.no_pin()) Err(a, "no_pin", "set together with pin");
  if (x.pin_from_inbox() && (!x.pin().empty() || x.no_pin())) {
    Err(a, "pin_from_inbox", "set together with pin or no_pin");
  } else if (x.pin_from_inbox() && !x.share().empty() && shares_.count(x.share()) &&
             !pin_channel_shares_.count(x.share())) {
    Err(a, "pin_from_inbox",
        absl::StrCat("share \"", x.share(), "\" sends no PIN message (it has no pin_channel)"));
  }
  Duration(a, "round_timeout", x.round_timeout());
  SaveCredential(a, "save_as", x.save_as());
}

void Validator::CheckReplyStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "reply");
  const sv1::ReplyStepAction& x = st.reply();
  ShareRef(a, "share", x.share());
  PersonaRef(a, "persona", st.actor(), x.persona());
  if (x.action() == dv1::REPLY_ACTION_UNSPECIFIED) {
    Err(a, "action",
        "required (REPLY_KEY_SIGNING_REQUEST, REPLY_APPROVE, "
        "REPLY_DECLINE or REPLY_COMPLETE)");
  }
  if (!x.save_as().empty() && x.action() != dv1::REPLY_COMPLETE) {
    Err(a, "save_as", "only REPLY_COMPLETE yields a credential");
  }
  SaveCredential(a, "save_as", x.save_as());
}

void Validator::CheckUseStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "use");
  const sv1::UseAction& x = st.use();
  CredentialRef(a, "credential", x.credential());
  if (x.access_point().empty()) {
    Err(a, "access_point", "required (an access point id)");
  } else if (!access_points_.count(x.access_point())) {
    Err(a, "access_point", absl::StrCat("unknown access point \"", x.access_point(), "\""));
  }
  if (x.action().empty()) Err(a, "action", "required (e.g. \"unlock\", \"enter\")");
  PersonaRef(a, "persona", st.actor(), x.persona());
}

void Validator::CheckRevokeStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "revoke");
  const sv1::RevokeAction& x = st.revoke();
  if (x.target_case() == sv1::RevokeAction::kShare) {
    ShareRef(a, "share", x.share());
  } else if (x.target_case() == sv1::RevokeAction::kCredential) {
    CredentialRef(a, "credential", x.credential());
  } else {
    Err(n, "revoke", "required: share or credential");
  }
  PersonaRef(a, "persona", st.actor(), x.persona());
}

void Validator::CheckListSharesStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "list_shares");
  const sv1::ListSharesAction& x = st.list_shares();
  CredentialRef(a, "credential", x.credential());
  for (int j = 0; j < x.expect_states_size(); ++j) {
    Node e = Child(a, "expect_states", j);
    ShareRef(e, "share", x.expect_states(j).share());
    if (x.expect_states(j).state() == cv1::SHARE_STATE_UNSPECIFIED) {
      Err(e, "state", "required (PENDING, REDEEMED, REVOKED, ...)");
    }
  }
}

void Validator::CheckWaitForEventStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "wait_for_event");
  const sv1::WaitForEventAction& x = st.wait_for_event();
  if (x.event() == dv1::DEVICE_EVENT_KIND_UNSPECIFIED) {
    Err(a, "event", "required (e.g. EVENT_PUSH_RECEIVED)");
  }
  ShareRef(a, "share", x.share(), false);
  Duration(a, "timeout", x.timeout());
  if (!x.save_as().empty() && x.absent()) {
    Err(a, "save_as", "an absent event yields no credential");
  } else if (!x.save_as().empty() && x.event() != dv1::EVENT_CREDENTIAL_PROVISIONED) {
    Err(a, "save_as", "only EVENT_CREDENTIAL_PROVISIONED yields a credential");
  }
  SaveCredential(a, "save_as", x.save_as());
}

void Validator::CheckCheckStateStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "check_state");
  const sv1::CheckStateAction& x = st.check_state();
  PersonaRef(a, "persona", st.actor(), x.persona());
  ShareRef(a, "share", x.share(), false);
  if (x.flow_state() != dv1::FLOW_STATE_UNSPECIFIED && x.share().empty()) {
    Err(a, "flow_state", "needs share (whose flow state to check)");
  }
  for (int j = 0; j < x.has_credentials_size(); ++j) {
    CredentialRef(a, "has_credentials", x.has_credentials(j), j);
  }
  for (int j = 0; j < x.lacks_credentials_size(); ++j) {
    CredentialRef(a, "lacks_credentials", x.lacks_credentials(j), j);
  }
}

void Validator::CheckAdvanceClockStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "advance_clock");
  Duration(a, "by", st.advance_clock().by(), false, true);
  for (int j = 0; j < st.advance_clock().services_size(); ++j) {
    if (!IsService(st.advance_clock().services(j))) {
      Err(a, "services", j,
          absl::StrCat("unknown service \"", st.advance_clock().services(j), "\""));
    }
  }
}

void Validator::CheckAwaitRevocationStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "await_revocation");
  if (!access_points_.count(st.await_revocation().access_point())) {
    Err(a, "access_point",
        absl::StrCat("unknown access point \"", st.await_revocation().access_point(), "\""));
  }
  Duration(a, "timeout", st.await_revocation().timeout());
}

void Validator::CheckServiceStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "service");
  if (!IsService(st.service().service())) {
    Err(a, "service", absl::StrCat("unknown service \"", st.service().service(), "\""));
  }
  if (st.service().op() == sv1::SERVICE_OP_UNSPECIFIED) {
    Err(a, "op", "required (KILL, START or RESTART)");
  }
}

void Validator::CheckAdversaryActStep(const Node& n, const sv1::Step& st) {
  Node a = Child(n, "adversary_act");
  if (!adversaries_.count(st.adversary_act().adversary())) {
    Err(a, "adversary", absl::StrCat("unknown adversary \"", st.adversary_act().adversary(), "\""));
  }
}

void Validator::CheckExpectation(const Node& n, const sv1::Step& st) {
  if (st.has_expect()) CheckOutcome(Child(n, "expect"), st.expect(), st);
  CheckVariantExpectations(n, st);
}

void Validator::CheckOutcome(const Node& e, const sv1::Expectation& x, const sv1::Step& st) {
  const std::string action = ActionName(st);
  if (x.outcome_case() == sv1::Expectation::kAccess && !st.has_use()) {
    Err(e, "access",
        absl::StrCat("an access decision is only possible for a use step, "
                     "not ",
                     action.empty() ? "this step" : action));
  }
  if (x.outcome_case() == sv1::Expectation::kAccess &&
      x.access() == ::access_point::v1::AUTH_REASON_UNSPECIFIED) {
    Err(e, "access", "AUTH_REASON_UNSPECIFIED is never returned");
  }
  if (x.outcome_case() == sv1::Expectation::kSuccess && !x.success()) {
    Err(e, "success", "\"success: false\" expects nothing; write error { ... } instead");
  }
  if (x.outcome_case() == sv1::Expectation::kError && st.has_pause()) {
    Err(e, "error", "a pause cannot fail");
  }
  Duration(e, "max_duration", x.max_duration());
}

void Validator::CheckRetry(const Node& n, const sv1::Step& st) {
  if (!st.has_retry()) return;
  Node r = Child(n, "retry");
  Duration(r, "backoff", st.retry().backoff());
  for (int j = 0; j < st.retry().on_size(); ++j) {
    if (st.retry().on(j) == sv1::ANY_ERROR_CODE) {
      Err(r, "on", j, "ANY_ERROR_CODE is not a code to retry on");
    }
  }
  if (st.retry().attempts() > 100) Err(r, "attempts", "at most 100");
}

}  // namespace sct::scenarios::validation

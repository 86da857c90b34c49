// DeviceAgent, the rounds of an exchange: Reply (the multi-round steps driven
// by hand) and reading an exchange to advance it (what a push, a poll or
// Reply triggers), for both the sender and the receiver.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "device/device_agent.h"
#include "device/wallet_lookup.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;

// FAILED_PRECONDITION "wrong_flow_state": the exchange is not where the
// step needs it.
absl::Status WrongFlowState(const std::string& mailbox_id, absl::string_view why) {
  return MakeError(absl::StatusCode::kFailedPrecondition, "wrong_flow_state",
                   absl::StrCat("mailbox ", mailbox_id, ": ", why));
}

}  // namespace

absl::StatusOr<dv::ReplyResponse> DeviceAgent::Reply(const dv::ReplyRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target,
                   WalletLookup(req.persona()).Mailbox(req.mailbox_id()).In(wallet_));
  Persona& persona = *target.persona;
  dv::ReplyResponse resp;
  Entry* entry = nullptr;
  switch (req.action()) {
    case dv::REPLY_KEY_SIGNING_REQUEST: {
      ASSIGN_OR_RETURN(entry, ReplyKeySigningRequestLocked(persona, req.mailbox_id()));
      break;
    }
    case dv::REPLY_APPROVE:
    case dv::REPLY_DECLINE: {
      ASSIGN_OR_RETURN(entry, ReplyAnswerLocked(persona, req, &resp));
      break;
    }
    case dv::REPLY_COMPLETE: {
      ASSIGN_OR_RETURN(entry, ReplyCompleteLocked(persona, req.mailbox_id(), &resp));
      break;
    }
    default:
      return InvalidField("action", "must be KEY_SIGNING_REQUEST, APPROVE, DECLINE or COMPLETE");
  }
  resp.set_round(entry->round());
  return resp;
}

absl::StatusOr<DeviceAgent::Entry*> DeviceAgent::ReplyKeySigningRequestLocked(
    Persona& persona, const std::string& mailbox_id) {
  Entry* entry = Wallet::FindMailbox(persona, mailbox_id, dv::ROLE_RECEIVER);
  if (entry == nullptr) return WrongFlowState(mailbox_id, "this persona is not its receiver");
  if (entry->state() != dv::FLOW_AWAITING_RECEIVER) {
    return WrongFlowState(mailbox_id, "no key-signing request can be posted now");
  }
  RETURN_IF_ERROR(PostKeySigningRequestLocked(persona, *entry));
  return entry;
}

absl::StatusOr<DeviceAgent::Entry*> DeviceAgent::ReplyAnswerLocked(Persona& persona,
                                                                   const dv::ReplyRequest& req,
                                                                   dv::ReplyResponse* resp) {
  Entry* entry = Wallet::FindMailbox(persona, req.mailbox_id(), dv::ROLE_SENDER);
  if (entry == nullptr) return WrongFlowState(req.mailbox_id(), "this persona is not its sender");
  auto pending = [&] {
    return !entry->requested_public_key().empty() && entry->state() == dv::FLOW_AWAITING_SENDER;
  };
  if (!pending()) ProcessChangeLocked(persona, *entry, /*automatic=*/false);
  if (!pending()) return WrongFlowState(req.mailbox_id(), "no pending key-signing request");
  RETURN_IF_ERROR(
      AnswerLocked(persona, *entry, req.action() == dv::REPLY_APPROVE, req.decline_reason()));
  resp->set_requested_public_key(entry->requested_public_key());
  return entry;
}

absl::StatusOr<DeviceAgent::Entry*> DeviceAgent::ReplyCompleteLocked(Persona& persona,
                                                                     const std::string& mailbox_id,
                                                                     dv::ReplyResponse* resp) {
  Entry* entry = Wallet::FindMailbox(persona, mailbox_id, dv::ROLE_RECEIVER);
  if (entry == nullptr) return WrongFlowState(mailbox_id, "this persona is not its receiver");
  if (entry->state() == dv::FLOW_PROVISIONED) {
    resp->set_credential_id(entry->credential_id());
    return entry;
  }
  if (!entry->offer().endorsement_required()) {
    if (entry->state() != dv::FLOW_AWAITING_RECEIVER) {
      return WrongFlowState(mailbox_id, "nothing to complete");
    }
    ASSIGN_OR_RETURN(std::string credential_id, ProvisionAndCloseLocked(persona, *entry));
    resp->set_credential_id(credential_id);
    return entry;
  }
  if (entry->state() != dv::FLOW_AWAITING_SENDER) {
    return WrongFlowState(mailbox_id, "no request posted");
  }
  ASSIGN_OR_RETURN(dv::MailboxContent content, mailbox_io_.Read(*entry));
  RETURN_IF_ERROR(CheckNoRollback(*entry, content));
  if (!content.has_key_signing_response() || content.round() <= entry->round()) {
    return WrongFlowState(mailbox_id, "the sender has not answered yet");
  }
  entry->set_round(content.round());
  RETURN_IF_ERROR(HandleAnswerLocked(persona, *entry, content.key_signing_response()));
  resp->set_credential_id(entry->credential_id());
  return entry;
}

bool DeviceAgent::IsFinished(const Entry& entry) {
  switch (entry.state()) {
    case dv::FLOW_PROVISIONED:
    case dv::FLOW_CANCELLED:
    case dv::FLOW_RELINQUISHED:
    case dv::FLOW_EXPIRED:
    case dv::FLOW_CLAIMED_BY_OTHER:
    case dv::FLOW_FAILED:
      return true;
    default:
      return false;
  }
}

bool DeviceAgent::WaitsForPeer(const Entry& entry) {
  if (entry.role() == dv::ROLE_SENDER) {
    return entry.state() == dv::FLOW_LINK_SENT || entry.state() == dv::FLOW_AWAITING_RECEIVER;
  }
  return entry.state() == dv::FLOW_AWAITING_SENDER;
}

bool DeviceAgent::ProcessChangeLocked(Persona& persona, Entry& entry, bool automatic) {
  // A finished exchange has nothing left to read: the sender deleting the
  // mailbox after the receiver provisioned (and the push that tells the
  // receiver so) must not rewrite how it ended.
  if (IsFinished(entry)) return false;
  absl::StatusOr<dv::MailboxContent> content = mailbox_io_.Read(entry);
  if (!content.ok()) {
    if (content.status().code() != absl::StatusCode::kNotFound) return false;
    OnMailboxGoneLocked(persona, entry);
    return true;
  }
  if (absl::Status fresh = CheckNoRollback(entry, *content); !fresh.ok()) {
    entry.set_state(dv::FLOW_FAILED);
    FailLocked(persona, entry, fresh);
    changed_.SignalAll();
    return true;
  }
  if (content->round() <= entry.round()) return false;
  if (entry.role() == dv::ROLE_SENDER) {
    OnSenderRoundLocked(persona, entry, *content, automatic);
  } else if (content->has_key_signing_response()) {
    if (automatic && !entry.manual_rounds()) {
      entry.set_round(content->round());
      HandleAnswerLocked(persona, entry, content->key_signing_response()).IgnoreError();
    } else {
      events_.Emit(ExchangeEvent(dv::EVENT_KEY_SIGNING_RESPONSE, persona, entry));
    }
  }
  changed_.SignalAll();
  return true;
}

void DeviceAgent::OnMailboxGoneLocked(Persona& persona, Entry& entry) {
  const bool expired =
      entry.has_expires_at() && deps_.clock->Now() >= ToAbslTime(entry.expires_at());
  if (entry.role() == dv::ROLE_SENDER &&
      (entry.state() == dv::FLOW_LINK_SENT || entry.state() == dv::FLOW_AWAITING_RECEIVER) &&
      !expired) {
    // The receiver deleted the mailbox: it has what it needed.
    entry.set_state(dv::FLOW_PROVISIONED);
    events_.Emit(ExchangeEvent(dv::EVENT_SHARE_COMPLETED, persona, entry));
  } else if (expired) {
    entry.set_state(dv::FLOW_EXPIRED);
    entry.set_last_reason("mailbox_expired");
    events_.Emit(ExchangeEvent(dv::EVENT_FLOW_FAILED, persona, entry, "mailbox_expired"));
  } else {
    entry.set_state(dv::FLOW_CANCELLED);
    entry.set_last_reason("mailbox_not_found");
    events_.Emit(ExchangeEvent(dv::EVENT_FLOW_FAILED, persona, entry, "mailbox_not_found"));
  }
  PersistLocked().IgnoreError();
  changed_.SignalAll();
}

void DeviceAgent::OnSenderRoundLocked(Persona& persona, Entry& entry,
                                      const dv::MailboxContent& content, bool automatic) {
  entry.set_round(content.round());
  if (content.has_key_signing_request()) {
    entry.set_requested_public_key(content.key_signing_request().receiver_public_key());
    entry.set_state(dv::FLOW_AWAITING_SENDER);
    PersistLocked().IgnoreError();
    events_.Emit(ExchangeEvent(dv::EVENT_KEY_SIGNING_REQUEST, persona, entry));
    if (automatic && entry.auto_answer()) {
      absl::Status st = AnswerLocked(persona, entry, /*approve=*/true, "");
      if (!st.ok()) FailLocked(persona, entry, st);
    }
  } else if (content.has_complete()) {
    entry.set_state(content.complete().success() ? dv::FLOW_PROVISIONED : dv::FLOW_FAILED);
    entry.set_last_reason(content.complete().reason());
    PersistLocked().IgnoreError();
    if (content.complete().success()) {
      events_.Emit(ExchangeEvent(dv::EVENT_SHARE_COMPLETED, persona, entry));
    } else {
      events_.Emit(
          ExchangeEvent(dv::EVENT_FLOW_FAILED, persona, entry, content.complete().reason()));
    }
    mailbox_io_.DeleteBestEffort(entry);
  }
}

}  // namespace sct::device

// DeviceAgent, the receiver's side: AcceptLink (the link from the request or
// the inbox, the first read that binds this device's claim, decryption), the
// key-signing request of the multi-round flow, provisioning through the OEM,
// and acting on the sender's answer.
#include <algorithm>
#include <future>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "device/derived_exchange.h"
#include "device/device_agent.h"
#include "device/wallet_lookup.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace ds = ::device::state;
namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;
using Channel = ::channel::v1::Channel::StubInterface;
using Oem = ::oem::v1::Oem::StubInterface;

// Messages in the first inbox read of AcceptLink's inbox source
// (LinkFromRequestLocked); each further read doubles it, up to the largest.
constexpr uint64_t kInboxWindow = 8;
constexpr uint64_t kLargestInboxWindow = 1024;

// The newest share link (with its fragment) in `messages`, from the message
// `message_id` only when that is given; "" when there is none.
std::string NewestShareLink(const ::channel::v1::ReceiveResponse& inbox,
                            const std::string& message_id) {
  for (int i = inbox.messages_size() - 1; i >= 0; --i) {
    const auto& m = inbox.messages(i);
    if (!message_id.empty() && m.message_id() != message_id) continue;
    for (const ShareLink& found : FindMailboxUrls(m.body())) {
      if (found.has_fragment()) return found.ToString();
    }
    const std::vector<ShareLink> derived = FindDerivedShareLinks(m.body());
    if (!derived.empty()) return derived.front().ToString();
  }
  return "";
}

// Why a payload that was read did not open. Under pin-in-key the PIN is part
// of the key, so the reasons are the authority's PIN reasons: a reader who
// lacks the PIN learns nothing and has spent no attempt at the authority.
absl::Status UnopenedPayloadError(bool pin_in_key, const std::string& pin) {
  if (pin_in_key && pin.empty()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "pin_required",
                     "pin: the mailbox payload does not open with the link's secret alone; "
                     "a share with a PIN opens only with it (pin-in-key); binding released");
  }
  if (pin_in_key) {
    return MakeError(absl::StatusCode::kPermissionDenied, "wrong_pin",
                     "pin: the mailbox payload does not open with this PIN and the link's secret "
                     "(wrong PIN, wrong secret or tampered payload); binding released");
  }
  return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                   "the mailbox payload does not decrypt with the link's secret "
                   "(wrong secret or tampered payload); binding released");
}

}  // namespace

absl::StatusOr<dv::AcceptLinkResponse> DeviceAgent::AcceptLink(const dv::AcceptLinkRequest& req) {
  absl::MutexLock lock(&mu_);
  if (!req.request_id().empty()) {
    auto it = accept_replies_.find(req.request_id());
    if (it != accept_replies_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(req.persona()).Enrolled().In(wallet_));
  // The call blocks for up to round_timeout: at most a day.
  ASSIGN_OR_RETURN(absl::Duration round_timeout, FromProto(req.round_timeout(), "round_timeout",
                                                           absl::ZeroDuration(), absl::Hours(24)));
  ASSIGN_OR_RETURN(std::string link, LinkFromRequestLocked(req));
  // The fragment is stripped here: only the id goes to the relay.
  absl::StatusOr<ShareLink> parsed = ParseAnyShareLinkLocked(link);
  link.assign(link.size(), '\0');
  if (!parsed.ok()) return parsed.status();

  Persona& persona = *target.persona;
  ASSIGN_OR_RETURN(Entry * entry, ExchangeForLinkLocked(persona, target.auth, *parsed, req.pin(),
                                                         /*attest_key=*/!req.manual_rounds()));
  entry->set_pin(req.pin());
  entry->set_manual_rounds(req.manual_rounds());
  entry->set_label(req.label().empty() ? entry->offer().label() : req.label());
  RETURN_IF_ERROR(PersistLocked());

  dv::AcceptLinkResponse resp;
  resp.set_mailbox_id(entry->mailbox_id());
  resp.set_share_id(entry->share_id());
  *resp.mutable_offer() = entry->offer();
  resp.set_display_title(entry->display_title());
  RETURN_IF_ERROR(AdvanceAcceptedLocked(req, round_timeout, persona, *entry, &resp));
  if (!req.request_id().empty()) RememberAcceptReplyLocked(req.request_id(), resp);
  return resp;
}

void DeviceAgent::RememberAcceptReplyLocked(const std::string& request_id,
                                            const dv::AcceptLinkResponse& resp) {
  auto [it, fresh] = accept_replies_.insert_or_assign(request_id, resp);
  if (!fresh) return;
  accept_reply_order_.push_back(request_id);
  while (accept_reply_order_.size() > kAcceptRepliesKept) {
    accept_replies_.erase(accept_reply_order_.front());
    accept_reply_order_.pop_front();
  }
}

size_t DeviceAgent::accept_replies_kept() const {
  absl::MutexLock lock(&mu_);
  return accept_replies_.size();
}

absl::StatusOr<std::string> DeviceAgent::LinkFromRequestLocked(const dv::AcceptLinkRequest& req) {
  if (req.source_case() == dv::AcceptLinkRequest::kLink) return req.link();
  if (req.source_case() != dv::AcceptLinkRequest::kInbox) {
    return InvalidField("source", "give link or inbox");
  }
  if (deps_.channel == nullptr) return InvalidField("inbox", "no channel server configured");
  // The inbox keeps every message it was ever sent, so it is read from the
  // newest end in windows of kInboxWindow, doubling up to
  // kLargestInboxWindow: a probe of one message gives the last sequence, then
  // windows backwards until the link is found. A read costs (here and in the
  // channel server) about what lies between the newest message and the link,
  // not the whole inbox, and an inbox without a link takes O(log n) reads.
  ::channel::v1::ReceiveRequest rreq;
  rreq.set_kind(req.inbox().channel());
  rreq.set_address(req.inbox().address().empty() ? options_.address : req.inbox().address());
  rreq.set_after_sequence(0);
  rreq.set_max_messages(1);
  ::channel::v1::ReceiveResponse probe;
  RETURN_IF_ERROR(caller_.Call("channel", deps_.channel, &Channel::Receive, rreq, &probe));
  std::string link;
  if (probe.last_sequence() <= static_cast<uint64_t>(probe.messages_size())) {
    link = NewestShareLink(probe, req.inbox().message_id());  // the probe read it all
  } else {
    uint64_t size = kInboxWindow;
    for (uint64_t hi = probe.last_sequence(); hi > 0 && link.empty();) {
      const uint64_t lo = hi > size ? hi - size : 0;
      size = std::min(size * 2, kLargestInboxWindow);
      rreq.set_after_sequence(lo);
      rreq.set_max_messages(static_cast<uint32_t>(hi - lo));
      ::channel::v1::ReceiveResponse window;
      RETURN_IF_ERROR(caller_.Call("channel", deps_.channel, &Channel::Receive, rreq, &window));
      link = NewestShareLink(window, req.inbox().message_id());
      hi = lo;
    }
  }
  if (link.empty()) {
    return MakeError(absl::StatusCode::kNotFound, "no_link_in_inbox",
                     "inbox: no message with a share link");
  }
  return link;
}

absl::StatusOr<DeviceAgent::Entry*> DeviceAgent::ExchangeForLinkLocked(
    Persona& persona, const ::oem::v1::DeviceAuth& auth, const ShareLink& link,
    const std::string& pin, bool attest_key) {
  Entry* entry = Wallet::FindMailbox(persona, link.mailbox_id, dv::ROLE_RECEIVER);
  if (entry != nullptr) return entry;
  ASSIGN_OR_RETURN(Entry fresh, FirstReadLocked(persona, auth, link, pin, attest_key));
  *persona.add_mailboxes() = std::move(fresh);
  return &persona.mutable_mailboxes()->at(persona.mailboxes_size() - 1);
}

absl::StatusOr<ShareLink> DeviceAgent::ParseAnyShareLinkLocked(absl::string_view link) const {
  absl::StatusOr<ShareLink> mailbox = ParseShareLink(link);
  if (mailbox.ok() || !mailbox_io_.derived()) return mailbox;
  absl::StatusOr<ShareLink> derived = ParseDerivedShareLink(link);
  if (!derived.ok()) return mailbox.status();
  ASSIGN_OR_RETURN(std::string secret, derived->Secret());
  ASSIGN_OR_RETURN(DerivedExchange exchange,
                   DerivedExchange::Create(secret, DerivedRole::kReceiver));
  ASSIGN_OR_RETURN(derived->mailbox_id, exchange.NextLocation());
  return derived;
}

absl::StatusOr<ds::MailboxEntry> DeviceAgent::FirstReadDerivedLocked(const ShareLink& link) {
  ds::MailboxEntry fresh;
  ASSIGN_OR_RETURN(*fresh.mutable_secret(), link.Secret());
  fresh.set_role(dv::ROLE_RECEIVER);
  fresh.set_payload_type("derived");
  ASSIGN_OR_RETURN(dv::MailboxContent content, mailbox_io_.FirstReadDerived(fresh));
  if (!content.has_provisioning()) {
    return InvalidField("payload", "not a device.v1.MailboxContent with provisioning information");
  }
  fresh.set_round(content.round());
  *fresh.mutable_offer() = content.provisioning();
  cv::ShareTokenBody body;
  if (body.ParseFromString(content.provisioning().token().body())) {
    fresh.set_share_id(body.share_id());
  }
  fresh.set_state(dv::FLOW_AWAITING_RECEIVER);
  return fresh;
}

absl::StatusOr<ds::MailboxEntry> DeviceAgent::FirstReadLocked(Persona& persona,
                                                              const ::oem::v1::DeviceAuth& auth,
                                                              const ShareLink& link,
                                                              const std::string& pin,
                                                              bool attest_key) {
  if (mailbox_io_.derived()) return FirstReadDerivedLocked(link);
  if (!attest_key) return BindAndOpenLocked(persona, auth, link, pin);
  // The key does not depend on what the mailbox holds: its two OEM calls run
  // while the push token is minted and the relay is read.
  std::future<absl::StatusOr<ds::KeyRecord>> attested =
      std::async(std::launch::async,
                 [this, auth, identity = wallet_.state().identity_key_id()]() {
                   return AttestNewKey(auth, identity);
                 });
  absl::StatusOr<ds::MailboxEntry> fresh = BindAndOpenLocked(persona, auth, link, pin);
  absl::StatusOr<ds::KeyRecord> key = attested.get();
  if (!fresh.ok()) {
    if (key.ok()) deps_.secure_element->DeleteKey(key->key_id()).IgnoreError();
    return fresh.status();
  }
  if (key.ok()) {
    *persona.add_keys() = *key;
    fresh->set_pending_key_id(key->key_id());
  }
  return fresh;
}

absl::StatusOr<ds::MailboxEntry> DeviceAgent::BindAndOpenLocked(Persona& persona,
                                                                const ::oem::v1::DeviceAuth& auth,
                                                                const ShareLink& link,
                                                                const std::string& pin) {
  ASSIGN_OR_RETURN(std::string secret, link.Secret());
  // Derived before the read: a malformed PIN must not bind the mailbox.
  ASSIGN_OR_RETURN(std::string payload_key, PayloadKey(options_.pin_in_key, secret, pin));
  secret.assign(secret.size(), '\0');
  ds::MailboxEntry fresh;
  fresh.set_mailbox_id(link.mailbox_id);
  fresh.set_role(dv::ROLE_RECEIVER);
  fresh.set_secret(std::move(payload_key));
  fresh.set_claim(NewUuidV4());  // fresh per mailbox
  fresh.set_state(dv::FLOW_STATE_UNSPECIFIED);
  ::relay::v1::NotificationToken token;
  if (options_.push_tokens) {
    ::oem::v1::MintPushTokenRequest mreq;
    *mreq.mutable_auth() = auth;
    ::oem::v1::MintPushTokenResponse push;
    RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::MintPushToken, mreq, &push));
    fresh.set_push_token_data(push.token_data());
    token.set_type(push.token_type());
    token.set_token_data(push.token_data());
  }
  // First read: binds this claim (trust on first use) and records the push token.
  ASSIGN_OR_RETURN(const std::string attestation, RelayAttestationLocked(persona, fresh.claim()));
  absl::StatusOr<::relay::v1::ReadSecureContentResponse> read =
      mailbox_io_.ReadSealed(fresh, options_.push_tokens ? &token : nullptr, attestation);
  const std::string reason = ReasonOf(read.status());
  if (reason == "attestation_required" || reason == "bad_attestation") return read.status();
  if (read.status().code() == absl::StatusCode::kUnauthenticated ||
      read.status().code() == absl::StatusCode::kPermissionDenied) {
    return MakeError(absl::StatusCode::kPermissionDenied, "mailbox_claimed",
                     absl::StrCat("mailbox ", fresh.mailbox_id(), " is bound to another device (",
                                  ReasonOf(read.status()), ")"));
  }
  RETURN_IF_ERROR(read.status());
  absl::StatusOr<std::string> plain = mailbox_io_.Open(read->payload(), fresh.secret());
  dv::MailboxContent content;
  if (!plain.ok() || !content.ParseFromString(*plain) || !content.has_provisioning()) {
    // Release the binding so the rightful receiver can still read it.
    mailbox_io_.Relinquish(fresh).IgnoreError();
    if (!plain.ok()) return UnopenedPayloadError(options_.pin_in_key, pin);
    return InvalidField("payload", "not a device.v1.MailboxContent with provisioning information");
  }
  fresh.set_payload_type(read->payload().type());
  fresh.set_round(content.round());
  *fresh.mutable_offer() = content.provisioning();
  fresh.set_display_title(read->display_information().title());
  RecordExpiration(*read, fresh);
  cv::ShareTokenBody body;
  if (body.ParseFromString(content.provisioning().token().body())) {
    fresh.set_share_id(body.share_id());
  }
  fresh.set_state(dv::FLOW_AWAITING_RECEIVER);
  return fresh;
}

absl::Status DeviceAgent::AdvanceAcceptedLocked(const dv::AcceptLinkRequest& req,
                                                absl::Duration round_timeout, Persona& persona,
                                                Entry& entry, dv::AcceptLinkResponse* resp) {
  if (entry.state() == dv::FLOW_PROVISIONED) {
    resp->set_outcome(dv::ACCEPT_PROVISIONED);
    resp->set_credential_id(entry.credential_id());
    return absl::OkStatus();
  }
  if (req.manual_rounds()) {
    resp->set_outcome(dv::ACCEPT_READ_ONLY);
    return absl::OkStatus();
  }
  if (!entry.offer().endorsement_required()) {
    // ProvisionAndCloseLocked persisted what changed (the provisioned entry,
    // the derived design's completion round).
    ASSIGN_OR_RETURN(std::string credential_id, ProvisionAndCloseLocked(persona, entry));
    resp->set_outcome(dv::ACCEPT_PROVISIONED);
    resp->set_credential_id(credential_id);
    return absl::OkStatus();
  }
  if (entry.state() != dv::FLOW_AWAITING_SENDER) {
    RETURN_IF_ERROR(PostKeySigningRequestLocked(persona, entry));
  }
  resp->set_outcome(dv::ACCEPT_AWAITING_SENDER);
  if (round_timeout <= absl::ZeroDuration()) return absl::OkStatus();
  // Copies: the wait releases the lock, after which `persona` and `entry`
  // must be looked up again.
  const std::string persona_name = persona.name();
  const std::string mailbox_id = entry.mailbox_id();
  return WaitForSenderLocked(persona_name, mailbox_id, round_timeout, resp);
}

absl::Status DeviceAgent::WaitForSenderLocked(const std::string& persona_name,
                                              const std::string& mailbox_id, absl::Duration wait,
                                              dv::AcceptLinkResponse* resp) {
  const absl::Time deadline = deps_.clock->Now() + wait;
  Entry* entry = nullptr;
  while (true) {
    ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(persona_name).In(wallet_));
    entry = Wallet::FindMailbox(*target.persona, mailbox_id, dv::ROLE_RECEIVER);
    if (entry == nullptr || entry->state() != dv::FLOW_AWAITING_SENDER) break;
    if (deps_.clock->Now() >= deadline) {
      return MakeError(absl::StatusCode::kDeadlineExceeded, "round_timeout",
                       "the sender did not answer the key-signing request in time");
    }
    changed_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
  if (entry == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found", "exchange vanished");
  }
  if (entry->state() == dv::FLOW_PROVISIONED) {
    resp->set_outcome(dv::ACCEPT_PROVISIONED);
    resp->set_credential_id(entry->credential_id());
    return absl::OkStatus();
  }
  // Any other state ends the exchange without a credential: the caller must not read it as
  // "still waiting".
  const std::string reason =
      entry->last_reason().empty() ? absl::AsciiStrToLower(dv::FlowState_Name(entry->state()))
                                   : entry->last_reason();
  // A failed exchange answers with its failure's own code (e.g. UNAVAILABLE
  // when the redemption could not reach the OEM).
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  if (entry->state() == dv::FLOW_CANCELLED) {
    code = absl::StatusCode::kNotFound;
  } else if (entry->state() == dv::FLOW_FAILED && entry->last_code() != 0) {
    code = static_cast<absl::StatusCode>(entry->last_code());
  }
  return MakeError(code, reason,
                   absl::StrCat("the multi-round exchange ended in ",
                                dv::FlowState_Name(entry->state())));
}

absl::Status DeviceAgent::PostKeySigningRequestLocked(Persona& persona, Entry& entry) {
  ASSIGN_OR_RETURN(ds::KeyRecord key, ExchangeKeyLocked(persona, entry));
  dv::MailboxContent content;
  content.mutable_key_signing_request()->set_receiver_public_key(key.public_key());
  *content.mutable_key_signing_request()->mutable_receiver_attestation() = key.attestation();
  ASSIGN_OR_RETURN(const bool push, mailbox_io_.Write(entry, std::move(content)));
  NoteRelayPushLocked(persona, entry, push);
  entry.set_state(dv::FLOW_AWAITING_SENDER);
  RETURN_IF_ERROR(PersistLocked());
  SchedulePollLocked(persona, entry, deps_.clock->Now());
  events_.Emit(ExchangeEvent(dv::EVENT_KEY_SIGNING_REQUEST, persona, entry));
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeviceAgent::ProvisionLocked(Persona& persona, Entry& entry,
                                                         const std::string& endorsement) {
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, DeviceAuthOf(wallet_));
  ASSIGN_OR_RETURN(ds::KeyRecord key, ExchangeKeyLocked(persona, entry));
  ::oem::v1::ProvisionCredentialRequest preq;
  *preq.mutable_auth() = auth;
  ca::RedeemShareRequest* redeem = preq.mutable_redeem();
  redeem->set_request_id(NewUuidV4());
  *redeem->mutable_token() = entry.offer().token();
  redeem->set_receiver_public_key(key.public_key());
  *redeem->mutable_receiver_attestation() = key.attestation();
  redeem->set_pin(entry.pin());
  redeem->set_sender_endorsement(endorsement);
  ca::RedeemShareResponse presp;
  RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::ProvisionCredential, preq, &presp));
  const cv::Credential& cred = presp.credential();
  if (cred.holder_public_key() != key.public_key()) {
    return MakeError(absl::StatusCode::kInternal, "bad_oem_response",
                     "issued credential is bound to another key");
  }
  ds::CredentialRecord rec;
  if (cred.kind() == cv::SYMMETRIC) {
    // Written with the wallet write below, which names it.
    ASSIGN_OR_RETURN(std::string handle,
                     deps_.secure_element->OpenSealedKey(key.key_id(), cred.symmetric().hpke_enc(),
                                                         cred.symmetric().sealed_key(),
                                                         cred.symmetric().hpke_info(),
                                                         SecureElement::KeyPersistence::kWithNextWrite));
    rec.set_symmetric_handle(handle);
  }
  *rec.mutable_credential() = cred;
  rec.set_label(entry.label().empty() ? entry.offer().label() : entry.label());
  rec.set_key_id(key.key_id());
  *persona.add_credentials() = rec;
  entry.set_credential_id(cred.credential_id());
  entry.set_state(dv::FLOW_PROVISIONED);
  entry.clear_last_reason();
  entry.clear_last_code();
  entry.clear_pin();
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  dv::DeviceEvent provisioned = ExchangeEvent(dv::EVENT_CREDENTIAL_PROVISIONED, persona, entry);
  provisioned.set_credential_id(cred.credential_id());
  events_.Emit(std::move(provisioned));
  return cred.credential_id();
}

absl::StatusOr<std::string> DeviceAgent::ProvisionAndCloseLocked(Persona& persona, Entry& entry) {
  absl::StatusOr<std::string> credential_id = ProvisionLocked(persona, entry, "");
  if (!credential_id.ok()) {
    FailLocked(persona, entry, credential_id.status());
    return credential_id.status();
  }
  if (mailbox_io_.derived()) {
    // Nothing is left at the relay to delete: tell the sender, whose
    // exchange otherwise cannot see that it ended.
    dv::MailboxContent done;
    done.mutable_complete()->set_success(true);
    absl::Status told = mailbox_io_.Write(entry, std::move(done)).status();
    if (!told.ok()) std::cerr << "device: completion notice failed: " << ReasonOf(told) << "\n";
    RETURN_IF_ERROR(PersistLocked());  // the notice's round
    return credential_id;
  }
  mailbox_io_.DeleteBestEffort(entry);
  return credential_id;
}

absl::Status DeviceAgent::HandleAnswerLocked(Persona& persona, Entry& entry,
                                             const dv::KeySigningResponse& answer) {
  events_.Emit(ExchangeEvent(dv::EVENT_KEY_SIGNING_RESPONSE, persona, entry,
                             answer.approved() ? "" : "endorsement_declined"));
  if (!answer.approved()) {
    entry.set_state(dv::FLOW_FAILED);
    absl::Status st = MakeError(absl::StatusCode::kFailedPrecondition, "endorsement_declined",
                                absl::StrCat("the sender declined: ", answer.decline_reason()));
    FailLocked(persona, entry, st);
    changed_.SignalAll();
    return st;
  }
  absl::StatusOr<std::string> cred = ProvisionLocked(persona, entry, answer.sender_endorsement());
  dv::MailboxContent done;
  done.mutable_complete()->set_success(cred.ok());
  if (!cred.ok()) done.mutable_complete()->set_reason(ReasonOf(cred.status()));
  absl::Status wst = mailbox_io_.Write(entry, std::move(done)).status();
  if (!cred.ok()) {
    // The exchange is over: the sender reads the failure and deletes the
    // mailbox, so a waiting AcceptLink must answer with this error rather
    // than wait for a poll to find the mailbox gone.
    entry.set_state(dv::FLOW_FAILED);
    std::cerr << "device: redemption after the sender's endorsement failed: "
              << ReasonOf(cred.status()) << "\n";
    FailLocked(persona, entry, cred.status());
    changed_.SignalAll();
    return cred.status();
  }
  // The sender deletes the mailbox once it has read the completion notice; if
  // the notice could not be posted, delete it here.
  if (!wst.ok()) mailbox_io_.DeleteBestEffort(entry);
  return PersistLocked();
}

}  // namespace sct::device

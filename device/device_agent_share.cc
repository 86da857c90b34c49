// DeviceAgent, the sender's side: ShareCredential (share token through the
// OEM, the sealed offer, the mailbox at the relay, the link through the
// channel) and the answer to a receiver's key-signing request.
#include <algorithm>
#include <future>
#include <iostream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/rfc3339.h"
#include "common/share_link.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "crypto/mailbox_payload.h"
#include "crypto/random.h"
#include "device/derived_exchange.h"
#include "device/device_agent.h"
#include "device/transcripts.h"
#include "device/wallet_lookup.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace ds = ::device::state;
namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;
using Channel = ::channel::v1::Channel::StubInterface;
using Oem = ::oem::v1::Oem::StubInterface;

constexpr char kDefaultTitle[] = "A key was shared with you";
constexpr char kDefaultDescription[] = "Open the link on your device to add it to your wallet.";

// What a share request asks for, checked before anything leaves the device.
struct ShareChoices {
  std::string payload_type;
  crypto::PayloadCipher cipher;
  absl::Duration mailbox_ttl = absl::ZeroDuration();  // not positive: no expiration asked
};

bool IsSixDigits(const std::string& pin) {
  return pin.size() == 6 && std::all_of(pin.begin(), pin.end(), absl::ascii_isdigit);
}

// The `v` parameter of the link.
std::string VerticalLetter(cv::Vertical v) {
  switch (v) {
    case cv::VERTICAL_HOME:
      return "h";
    case cv::VERTICAL_CAR:
      return "c";
    default:
      return "a";
  }
}

// INVALID_ARGUMENT "invalid_field" naming the field, or FAILED_PRECONDITION
// "resharing_forbidden".
absl::StatusOr<ShareChoices> CheckShareRequest(const dv::ShareCredentialRequest& req,
                                               const ds::CredentialRecord& cred,
                                               bool have_channel) {
  if (req.channel() == cv::CHANNEL_KIND_UNSPECIFIED) {
    return InvalidField("channel", "must be SMS, EMAIL or MESSENGER");
  }
  if (req.to_address().empty()) return InvalidField("to_address", "must not be empty");
  if (!have_channel) return InvalidField("channel", "no channel server configured");
  if (!req.pin().empty() && !IsSixDigits(req.pin())) {
    return InvalidField("pin", "must be exactly 6 digits");
  }
  if (req.has_pin_delivery() && req.pin().empty()) {
    return InvalidField("pin_delivery", "given without a pin");
  }
  ShareChoices choices;
  choices.payload_type = req.payload_type().empty() ? "AEAD_AES_128_GCM" : req.payload_type();
  absl::StatusOr<crypto::PayloadCipher> cipher = crypto::ParsePayloadType(choices.payload_type);
  if (!cipher.ok()) {
    return InvalidField("payload_type", "must be AEAD_AES_128_GCM or AEAD_AES_256_GCM");
  }
  choices.cipher = *cipher;
  if (req.has_mailbox_ttl()) {
    // Ten years: far past any relay's --max_ttl, so the relay's own limit
    // is what a sender meets; beyond, or negative, the request is wrong.
    ASSIGN_OR_RETURN(choices.mailbox_ttl, FromProto(req.mailbox_ttl(), "mailbox_ttl",
                                                    absl::ZeroDuration(), absl::Hours(87600)));
  }
  if (req.has_validity()) {
    // Checked here, before anything is signed or sent: a time outside
    // 0001-9999 (or bad nanos) would otherwise reach the authority inside a
    // signed intent.
    ASSIGN_OR_RETURN(absl::Time not_before,
                     FromProto(req.validity().not_before(), "validity.not_before"));
    ASSIGN_OR_RETURN(absl::Time not_after,
                     FromProto(req.validity().not_after(), "validity.not_after"));
    if (not_after < not_before) {
      return InvalidField("validity.not_after", "is before validity.not_before");
    }
  }
  if (req.multi_round() && cred.credential().kind() != cv::ASYMMETRIC) {
    return InvalidField("multi_round",
                        "symmetric (hotel) keys are single-round: the lock checks a MAC under "
                        "the issued key, so there is no holder key for the sender to endorse; "
                        "the key-signing flow needs an asymmetric credential");
  }
  if (!cred.credential().parent_share_id().empty() && !cred.credential().resharing_allowed()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "resharing_forbidden",
                     "credential_id: this credential may not be shared onwards");
  }
  return choices;
}

// The intent the holder signs: what the receiver may do, and for how long.
absl::StatusOr<ca::ShareIntent> ShareIntentFor(const dv::ShareCredentialRequest& req,
                                               const ds::CredentialRecord& cred, absl::Time now) {
  ca::ShareIntent intent;
  intent.set_credential_id(cred.credential().credential_id());
  if (req.entitlements().empty()) {
    *intent.mutable_entitlements() = cred.credential().entitlements();
  } else {
    *intent.mutable_entitlements() = req.entitlements();
  }
  *intent.mutable_validity() = req.has_validity() ? req.validity() : cred.credential().validity();
  intent.set_max_redemptions(req.max_redemptions());
  intent.set_pin_required(!req.pin().empty());
  intent.set_endorsement_required(req.multi_round());
  intent.set_resharing_allowed(req.resharing_allowed());
  *intent.mutable_token_ttl() = req.token_ttl();
  *intent.mutable_signed_at() = ToProtoTimestamp(now);
  ASSIGN_OR_RETURN(*intent.mutable_nonce(), crypto::RandomBytes(16));
  return intent;
}

}  // namespace

// The share token the authority issued (through the OEM) for one intent.
struct DeviceAgent::IssuedShare {
  ca::ShareIntent intent;
  ca::InitiateShareResponse share;
  cv::ShareTokenBody body;
};

namespace {

// Round 1 of the exchange: the provisioning information the receiver needs.
dv::MailboxContent OfferContent(const dv::ShareCredentialRequest& req,
                                const ds::CredentialRecord& cred, const ca::ShareIntent& intent,
                                const ca::InitiateShareResponse& share,
                                const cv::ShareTokenBody& body) {
  dv::MailboxContent content;
  content.set_version(kMailboxContentVersion);
  content.set_round(1);
  dv::ProvisioningInformation* info = content.mutable_provisioning();
  *info->mutable_token() = share.token();
  info->set_authority_id(body.issuer());
  info->set_access_point_id(cred.credential().access_point_id());
  info->set_access_point_kind(cred.credential().access_point_kind());
  info->set_credential_kind(cred.credential().kind());
  *info->mutable_entitlements() = intent.entitlements();
  *info->mutable_validity() = intent.validity();
  info->set_pin_required(intent.pin_required());
  info->set_endorsement_required(intent.endorsement_required());
  info->set_label(req.label().empty() ? cred.label() : req.label());
  return content;
}

// The sender's record of the exchange, before the mailbox exists. `secret`
// is the payload key every round is sealed under.
ds::MailboxEntry NewSenderEntry(const dv::ShareCredentialRequest& req,
                                const ds::CredentialRecord& cred, const std::string& share_id,
                                const std::string& secret, const ShareChoices& choices,
                                absl::Time now) {
  ds::MailboxEntry entry;
  entry.set_share_id(share_id);
  entry.set_role(dv::ROLE_SENDER);
  entry.set_round(1);
  entry.set_secret(secret);
  entry.set_payload_type(choices.payload_type);
  entry.set_auto_answer(req.auto_answer());
  entry.set_credential_id(cred.credential().credential_id());
  if (choices.mailbox_ttl > absl::ZeroDuration()) {
    *entry.mutable_expires_at() = ToProtoTimestamp(now + choices.mailbox_ttl);
    entry.set_expiry_asked(true);
  }
  return entry;
}

dv::ShareCredentialResponse ShareReply(const ca::InitiateShareResponse& share,
                                       const ds::MailboxEntry& entry, const std::string& link,
                                       const std::string& body,
                                       const ::channel::v1::SendResponse& sent) {
  dv::ShareCredentialResponse resp;
  resp.set_share_id(share.share_id());
  resp.set_mailbox_id(entry.mailbox_id());
  resp.set_link_without_fragment(StripFragment(link));
  resp.set_link_length(static_cast<uint32_t>(link.size()));
  resp.set_message_length(sent.body_length() ? sent.body_length()
                                             : static_cast<uint32_t>(body.size()));
  resp.set_channel_message_id(sent.message_id());
  resp.set_sms_segments(sent.sms_segments());
  if (entry.has_expires_at()) *resp.mutable_mailbox_expires_at() = entry.expires_at();
  *resp.mutable_token_expires_at() = share.token_expires_at();
  return resp;
}

// What CreateShareMailboxLocked gets when the device mints no push token.
absl::StatusOr<::oem::v1::MintPushTokenResponse> NoPushToken() {
  return ::oem::v1::MintPushTokenResponse();
}

}  // namespace

absl::StatusOr<dv::ShareCredentialResponse> DeviceAgent::ShareCredential(
    const dv::ShareCredentialRequest& req) {
  absl::MutexLock lock(&mu_);
  if (!req.request_id().empty()) {
    const dv::ShareCredentialResponse* reply = share_requests_.Reply(req.request_id());
    if (reply != nullptr) return *reply;
  }
  ASSIGN_OR_RETURN(WalletTarget target,
                   WalletLookup(req.persona()).Credential(req.credential_id()).In(wallet_));
  const ds::CredentialRecord& cred = *target.credential;
  ASSIGN_OR_RETURN(ShareChoices choices,
                   CheckShareRequest(req, cred, /*have_channel=*/deps_.channel != nullptr));
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, DeviceAuthOf(wallet_));
  const absl::Time now = deps_.clock->Now();
  const bool derived = mailbox_io_.derived();
  // The mailbox's push token does not depend on the share: it is minted while
  // the OEM and the authority mint the share token (step 3 waits for it).
  std::future<absl::StatusOr<::oem::v1::MintPushTokenResponse>> push;
  if (!derived && options_.push_tokens) {
    push = std::async(std::launch::async,
                      [this, auth]() -> absl::StatusOr<::oem::v1::MintPushTokenResponse> {
                        ::oem::v1::MintPushTokenRequest mreq;
                        *mreq.mutable_auth() = auth;
                        ::oem::v1::MintPushTokenResponse minted;
                        RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::MintPushToken, mreq,
                                                     &minted));
                        return minted;
                      });
  }

  // 1. Share token through the OEM.
  ASSIGN_OR_RETURN(IssuedShare issued, RequestShareTokenLocked(req, cred, auth, now));
  // 2. Provisioning information, sealed under a fresh secret (under
  // pin-in-key, under a key derived from the secret and the PIN; the derived
  // design: R of 256 bits, sealed per message by MailboxIo).
  ASSIGN_OR_RETURN(std::string secret,
                   crypto::RandomBytes(derived ? kDerivedSecretBytes
                                               : crypto::PayloadKeySize(choices.cipher)));
  ASSIGN_OR_RETURN(const std::string payload_key,
                   derived ? secret : PayloadKey(options_.pin_in_key, secret, req.pin()));
  dv::MailboxContent offer = OfferContent(req, cred, issued.intent, issued.share, issued.body);
  ds::MailboxEntry entry =
      NewSenderEntry(req, cred, issued.share.share_id(), payload_key, choices, now);
  Persona& persona = *target.persona;
  std::string link;
  if (derived) {
    // 3'. Message 0 at the first derived location: no claim, no push token.
    entry.set_payload_type("derived");
    entry.set_relay_push_unsupported(true);
    absl::Status created = mailbox_io_.CreateDerived(entry, std::move(offer));
    if (!created.ok()) return KeepUndeliveredShareLocked(persona, entry, created);
    link = FormatDerivedShareLink(deps_.derived_relay_url, VerticalLetter(req.vertical()), secret);
  } else {
    ASSIGN_OR_RETURN(std::string sealed, mailbox_io_.Seal(choices.cipher, payload_key, offer));
    // 3. A push token for this mailbox only, then the mailbox under a fresh claim.
    absl::StatusOr<std::string> url_link =
        CreateShareMailboxLocked(persona, req, push.valid() ? push.get() : NoPushToken(), sealed,
                                 entry);
    if (!url_link.ok()) return KeepUndeliveredShareLocked(persona, entry, url_link.status());
    link = FormatShareLink(*url_link, VerticalLetter(req.vertical()), secret);
  }
  // 4. The link through the channel; the secret only in the fragment.
  const std::string body =
      req.message_text().empty() ? link : absl::StrCat(req.message_text(), " ", link);
  absl::StatusOr<::channel::v1::SendResponse> sent = SendLinkLocked(req, body, entry);
  if (!sent.ok()) return KeepUndeliveredShareLocked(persona, entry, sent.status());

  entry.set_state(dv::FLOW_LINK_SENT);
  if (entry.relay_push_unsupported()) {
    entry.set_relay_push_unsupported(false);
    NoteRelayPushLocked(persona, entry, /*supported=*/false);
  }
  RecordSentShareLocked(persona, entry);
  RETURN_IF_ERROR(PersistLocked());
  SchedulePollLocked(persona, entry, now);
  dv::ShareCredentialResponse resp = ShareReply(issued.share, entry, link, body, *sent);
  if (!req.request_id().empty()) share_requests_.RememberReply(req.request_id(), resp);
  return resp;
}

void DeviceAgent::RecordSentShareLocked(Persona& persona, const Entry& entry) {
  // A retry of a share that failed earlier (same request id, same share)
  // replaces the failed record.
  auto& boxes = *persona.mutable_mailboxes();
  for (int i = boxes.size() - 1; i >= 0; --i) {
    if (boxes[i].role() == dv::ROLE_SENDER && boxes[i].share_id() == entry.share_id()) {
      boxes.DeleteSubrange(i, 1);
    }
  }
  *persona.add_mailboxes() = entry;
  for (const ds::ShareMade& made : persona.shares()) {
    if (made.share_id() == entry.share_id()) return;
  }
  ds::ShareMade* made = persona.add_shares();
  made->set_share_id(entry.share_id());
  made->set_credential_id(entry.credential_id());
}

absl::Status DeviceAgent::KeepUndeliveredShareLocked(Persona& persona, Entry& entry,
                                                     const absl::Status& failure) {
  entry.set_state(dv::FLOW_FAILED);
  entry.set_last_reason(ReasonOf(failure));
  RecordSentShareLocked(persona, entry);
  absl::Status persisted = PersistLocked();
  if (!persisted.ok()) return persisted;
  changed_.SignalAll();
  events_.Emit(ExchangeEvent(dv::EVENT_FLOW_FAILED, persona, entry, ReasonOf(failure)));
  return MakeError(failure.code(), ReasonOf(failure),
                   absl::StrCat(failure.message(), " (share ", entry.share_id(),
                                " was minted but not delivered; CancelShare revokes it)"));
}

absl::StatusOr<DeviceAgent::IssuedShare> DeviceAgent::RequestShareTokenLocked(
    const dv::ShareCredentialRequest& req, const ds::CredentialRecord& cred,
    const ::oem::v1::DeviceAuth& auth, absl::Time now) {
  IssuedShare issued;
  ::oem::v1::RequestShareRequest sreq;
  *sreq.mutable_auth() = auth;
  ca::InitiateShareRequest* init = sreq.mutable_share();
  // A retry of a request whose token was minted but not delivered sends the same signed
  // intent, so the authority recognises the request id and answers the same share.
  const ca::InitiateShareRequest* signed_before =
      req.request_id().empty() ? nullptr : share_requests_.SignedRequest(req.request_id());
  if (signed_before != nullptr && issued.intent.ParseFromString(signed_before->intent()) &&
      issued.intent.credential_id() == cred.credential().credential_id()) {
    *init = *signed_before;
  } else {
    ASSIGN_OR_RETURN(issued.intent, ShareIntentFor(req, cred, now));
    const std::string intent_bytes = issued.intent.SerializeAsString();
    init->set_request_id(req.request_id().empty() ? NewUuidV4() : req.request_id());
    init->set_intent(intent_bytes);
    ASSIGN_OR_RETURN(*init->mutable_holder_proof(),
                     CredentialSignLocked(cred, ShareIntentTranscript(intent_bytes)));
    if (!req.request_id().empty()) share_requests_.RememberSigned(req.request_id(), *init);
  }
  init->set_pin(req.pin());
  RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::RequestShare, sreq, &issued.share));
  if (!issued.body.ParseFromString(issued.share.token().body())) {
    return MakeError(absl::StatusCode::kInternal, "bad_oem_response",
                     "share token body does not parse");
  }
  return issued;
}

absl::StatusOr<std::string> DeviceAgent::CreateShareMailboxLocked(
    Persona& persona, const dv::ShareCredentialRequest& req,
    const absl::StatusOr<::oem::v1::MintPushTokenResponse>& minted, const std::string& sealed,
    Entry& entry) {
  RETURN_IF_ERROR(minted.status());
  const ::oem::v1::MintPushTokenResponse& push = *minted;
  entry.set_claim(NewUuidV4());
  entry.set_push_token_data(push.token_data());
  ::relay::v1::CreateMailboxRequest creq;
  creq.set_device_claim(entry.claim());
  ASSIGN_OR_RETURN(*creq.mutable_attestation(), RelayAttestationLocked(persona, entry.claim()));
  // A fresh id, not the control request's: the relay must not be able to link
  // this call to the OEM's RequestShare.
  creq.set_request_id(NewUuidV4());
  creq.mutable_payload()->set_type(entry.payload_type());
  creq.mutable_payload()->set_data(sealed);
  creq.mutable_display_information()->set_title(req.display_title().empty() ? kDefaultTitle
                                                                            : req.display_title());
  creq.mutable_display_information()->set_description(
      req.display_description().empty() ? kDefaultDescription : req.display_description());
  if (options_.push_tokens) {
    creq.mutable_notification_token()->set_type(push.token_type());
    creq.mutable_notification_token()->set_token_data(push.token_data());
  }
  creq.mutable_mailbox_configuration()->set_access_rights(req.multi_round() ? "RWD" : "RD");
  if (entry.has_expires_at()) {
    creq.mutable_mailbox_configuration()->set_expiration(
        FormatRfc3339(ToAbslTime(entry.expires_at())));
  }
  ASSIGN_OR_RETURN(::relay::v1::CreateMailboxResponse cresp, relay_->CreateMailbox(creq));
  absl::StatusOr<ShareLink> url = ParseMailboxUrl(cresp.url_link());
  if (!url.ok()) {
    return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                     "CreateMailbox answered with a url_link that is not a mailbox URL");
  }
  entry.set_mailbox_id(url->mailbox_id);
  entry.set_relay_push_unsupported(!cresp.is_push_notification_supported());
  // The relay's expiry (its default TTL when none was asked for); a relay
  // that does not return one leaves the expiry unknown, as before.
  if (!entry.has_expires_at() && !cresp.expiration().empty()) {
    absl::StatusOr<absl::Time> expires = ParseRfc3339(cresp.expiration(), "expiration");
    if (!expires.ok()) {
      return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                       "CreateMailbox answered with an expiration that is not RFC 3339");
    }
    absl::StatusOr<google::protobuf::Timestamp> in_range = ToProtoChecked(*expires, "expiration");
    if (!in_range.ok()) {
      return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                       absl::StrCat("CreateMailbox answered with an out-of-range ",
                                    in_range.status().message()));
    }
    *entry.mutable_expires_at() = *std::move(in_range);
  }
  return cresp.url_link();
}

absl::StatusOr<::channel::v1::SendResponse> DeviceAgent::SendLinkLocked(
    const dv::ShareCredentialRequest& req, const std::string& body, const Entry& entry) {
  ::channel::v1::SendRequest send;
  send.set_kind(req.channel());
  send.set_from(req.from_address().empty() ? options_.address : req.from_address());
  send.set_to(req.to_address());
  send.set_body(body);
  ::channel::v1::SendResponse sent;
  absl::Status st = caller_.Call("channel", deps_.channel, &Channel::Send, send, &sent);
  if (!st.ok()) {
    // Nobody can open the mailbox without the link: remove it.
    mailbox_io_.DeleteBestEffort(entry);
    return st;
  }
  if (req.has_pin_delivery()) {
    ::channel::v1::SendRequest pin;
    pin.set_kind(req.pin_delivery().channel());
    pin.set_from(send.from());
    pin.set_to(req.pin_delivery().to());
    pin.set_body(absl::StrCat("PIN: ", req.pin()));
    ::channel::v1::SendResponse pin_sent;
    absl::Status pst = caller_.Call("channel", deps_.channel, &Channel::Send, pin, &pin_sent);
    if (!pst.ok()) std::cerr << "device: PIN delivery failed: " << ReasonOf(pst) << "\n";
  }
  return sent;
}

absl::Status DeviceAgent::AnswerLocked(Persona& persona, Entry& entry, bool approve,
                                       const std::string& decline_reason) {
  dv::MailboxContent content;
  dv::KeySigningResponse* answer = content.mutable_key_signing_response();
  answer->set_approved(approve);
  if (approve) {
    ASSIGN_OR_RETURN(ds::CredentialRecord * cred,
                     Wallet::Credential(persona, entry.credential_id()));
    ASSIGN_OR_RETURN(*answer->mutable_sender_endorsement(),
                     CredentialSignLocked(
                         *cred, EndorseTranscript(entry.share_id(), entry.requested_public_key())));
  } else {
    answer->set_decline_reason(decline_reason);
  }
  ASSIGN_OR_RETURN(const bool push, mailbox_io_.Write(entry, std::move(content)));
  if (approve) NoteRelayPushLocked(persona, entry, push);
  entry.set_state(approve ? dv::FLOW_AWAITING_RECEIVER : dv::FLOW_FAILED);
  if (!approve) entry.set_last_reason("endorsement_declined");
  RETURN_IF_ERROR(PersistLocked());
  SchedulePollLocked(persona, entry, deps_.clock->Now());
  changed_.SignalAll();
  events_.Emit(ExchangeEvent(dv::EVENT_KEY_SIGNING_RESPONSE, persona, entry,
                             approve ? "" : "endorsement_declined"));
  return absl::OkStatus();
}

}  // namespace sct::device

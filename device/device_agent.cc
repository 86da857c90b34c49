#include "device/device_agent.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "crypto/mailbox_payload.h"
#include "crypto/random.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace ds = ::device::state;
namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;

constexpr uint32_t kContentVersion = 1;
constexpr char kDefaultTitle[] = "A key was shared with you";
constexpr char kDefaultDescription[] = "Open the link on your device to add it to your wallet.";

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(absl::ToUnixSeconds(t)))));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  int64_t s = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(s);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

// gRPC status -> absl, with transport failures named after the service.
absl::Status Translate(const grpc::Status& status, absl::string_view service) {
  if (status.ok()) return absl::OkStatus();
  absl::Status st = FromGrpcStatus(status);
  const std::string reason = ReasonOf(st);
  if ((st.code() == absl::StatusCode::kUnavailable ||
       st.code() == absl::StatusCode::kDeadlineExceeded) &&
      (reason == "unavailable" || reason == "deadline_exceeded")) {
    return MakeError(absl::StatusCode::kUnavailable, absl::StrCat(service, "_unavailable"),
                     absl::StrCat(service, " unreachable: ", st.message()));
  }
  return st;
}

std::string Vertical(cv::Vertical v) {
  switch (v) {
    case cv::VERTICAL_HOME: return "h";
    case cv::VERTICAL_CAR: return "c";
    default: return "a";
  }
}

bool IsSixDigits(const std::string& pin) {
  return pin.size() == 6 && std::all_of(pin.begin(), pin.end(), absl::ascii_isdigit);
}

std::string Bytes(absl::string_view a) { return std::string(a); }

// "sct-holder-v1\0" || method || "\0" || subject || "\0" || decimal seconds.
std::string HolderTranscript(const std::string& method, const std::string& subject,
                             int64_t seconds) {
  return absl::StrCat(Bytes(absl::string_view("sct-holder-v1\0", 14)), method,
                      Bytes(absl::string_view("\0", 1)), subject,
                      Bytes(absl::string_view("\0", 1)), seconds);
}

std::string EndorseTranscript(const std::string& share_id, const std::string& spki) {
  return absl::StrCat(Bytes(absl::string_view("sct-endorse-v1\0", 15)), share_id,
                      Bytes(absl::string_view("\0", 1)), spki);
}

std::string PollKey(const std::string& persona, const std::string& mailbox_id, int role) {
  return absl::StrCat(persona, "/", mailbox_id, "/", role);
}

}  // namespace

absl::StatusOr<ShareLink> ParseShareLink(absl::string_view link) {
  auto bad = [](absl::string_view what) {
    return MakeError(absl::StatusCode::kInvalidArgument, "bad_link",
                     absl::StrCat("link: ", what));
  };
  size_t hash = link.find('#');
  if (hash == absl::string_view::npos) return bad("no #secret fragment");
  ShareLink out;
  out.without_fragment = std::string(link.substr(0, hash));
  absl::string_view fragment = link.substr(hash + 1);
  absl::StatusOr<std::string> secret = Base64UrlDecode(fragment, "link fragment");
  if (!secret.ok()) return bad("fragment is not base64url");
  if (secret->size() != 16 && secret->size() != 32) {
    return bad("secret must be 16 or 32 bytes");
  }
  out.secret = *std::move(secret);
  absl::string_view url = out.without_fragment;
  absl::string_view query;
  size_t q = url.find('?');
  if (q != absl::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  size_t m = url.rfind("/v1/m/");
  if (m == absl::string_view::npos) return bad("path is not /v1/m/{id}");
  absl::string_view id = url.substr(m + 6);
  if (!IsValidUuid(id)) return bad("mailbox id is not a UUID");
  out.mailbox_id = absl::AsciiStrToLower(id);
  for (absl::string_view kv : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    if (absl::StartsWith(kv, "v=")) out.vertical = std::string(kv.substr(2));
  }
  if (!out.vertical.empty() && out.vertical != "a" && out.vertical != "h" &&
      out.vertical != "c") {
    return bad("v must be a, h or c");
  }
  return out;
}

DeviceAgent::DeviceAgent(DeviceAgentOptions options, DeviceAgentDeps deps, Wallet wallet)
    : options_(std::move(options)), deps_(std::move(deps)), wallet_(std::move(wallet)) {}

absl::StatusOr<std::unique_ptr<DeviceAgent>> DeviceAgent::Create(DeviceAgentOptions options,
                                                                 DeviceAgentDeps deps) {
  if (deps.clock == nullptr || deps.secure_element == nullptr || deps.oem == nullptr ||
      deps.relay == nullptr) {
    return InvalidField("deps", "clock, secure_element, oem and relay are required");
  }
  if (options.oem_id.empty()) return InvalidField("oem_id", "must not be empty");
  ASSIGN_OR_RETURN(Wallet wallet, Wallet::FromBytes(deps.secure_element->Wallet()));
  return std::unique_ptr<DeviceAgent>(
      new DeviceAgent(std::move(options), std::move(deps), std::move(wallet)));
}

absl::Status DeviceAgent::PersistLocked() {
  return deps_.secure_element->StoreWallet(wallet_.ToBytes());
}

absl::StatusOr<::oem::v1::DeviceAuth> DeviceAgent::AuthLocked() const {
  if (!wallet_.enrolled()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "not_enrolled",
                     "the device has not enrolled with its OEM (call Enrol)");
  }
  ::oem::v1::DeviceAuth auth;
  auth.set_device_id(wallet_.state().device_id());
  auth.set_device_token(wallet_.state().device_token());
  return auth;
}

#define SCT_CALL(service, stub, method, req, resp)                                       \
  [&]() -> absl::Status {                                                                \
    grpc::ClientContext ctx_;                                                            \
    ctx_.set_deadline(std::chrono::system_clock::now() +                                 \
                      absl::ToChronoMilliseconds(options_.rpc_timeout));                 \
    return Translate((stub)->method(&ctx_, (req), (resp)), service);                     \
  }()

void DeviceAgent::Emit(dv::DeviceEventKind kind, const std::string& persona,
                       const std::string& mailbox_id, const std::string& share_id,
                       const std::string& credential_id, const std::string& reason) {
  absl::MutexLock lock(&events_mu_);
  dv::DeviceEvent e;
  e.set_sequence(events_.size() + 1);
  e.set_kind(kind);
  e.set_persona(persona);
  e.set_mailbox_id(mailbox_id);
  e.set_share_id(share_id);
  e.set_credential_id(credential_id);
  e.set_reason(reason);
  *e.mutable_time() = ToProto(deps_.clock->Now());
  events_.push_back(std::move(e));
  events_cv_.SignalAll();
}

void DeviceAgent::RecordNotification(const std::string& mailbox_id, dv::NotificationVia via) {
  absl::MutexLock lock(&events_mu_);
  dv::NotificationRecord r;
  r.set_mailbox_id(mailbox_id);
  r.set_via(via);
  *r.mutable_received_at() = ToProto(deps_.clock->Now());
  notifications_.push_back(std::move(r));
}

std::vector<dv::DeviceEvent> DeviceAgent::EventsAfter(uint64_t after_sequence,
                                                      const std::string& persona) const {
  absl::MutexLock lock(&events_mu_);
  std::vector<dv::DeviceEvent> out;
  for (size_t i = static_cast<size_t>(std::min<uint64_t>(after_sequence, events_.size()));
       i < events_.size(); ++i) {
    if (persona.empty() || events_[i].persona().empty() || events_[i].persona() == persona) {
      out.push_back(events_[i]);
    }
  }
  return out;
}

bool DeviceAgent::WaitForEventAfter(uint64_t after_sequence, absl::Duration timeout) const {
  absl::MutexLock lock(&events_mu_);
  if (events_.size() > after_sequence) return true;
  events_cv_.WaitWithTimeout(&events_mu_, timeout);
  return events_.size() > after_sequence;
}

// ---------------------------------------------------------------- enrolment

absl::StatusOr<dv::EnrolResponse> DeviceAgent::Enrol(const dv::EnrolRequest&) {
  absl::MutexLock lock(&mu_);
  dv::EnrolResponse resp;
  resp.set_oem_id(options_.oem_id);
  if (wallet_.enrolled()) {
    resp.set_device_id(wallet_.state().device_id());
    resp.set_already_enrolled(true);
    return resp;
  }
  auto& st = wallet_.state();
  if (st.identity_key_id().empty()) {
    ASSIGN_OR_RETURN(std::string id, deps_.secure_element->GenerateKey());
    st.set_identity_key_id(id);
    RETURN_IF_ERROR(PersistLocked());
  }
  ASSIGN_OR_RETURN(std::string spki, deps_.secure_element->PublicKeySpki(st.identity_key_id()));
  ::oem::v1::GetChallengeRequest creq;
  ::oem::v1::GetChallengeResponse cresp;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, GetChallenge, creq, &cresp));
  const std::string message =
      absl::StrCat(Bytes(absl::string_view("sct-enrol-v1\0", 13)), options_.oem_id,
                   Bytes(absl::string_view("\0", 1)), cresp.nonce(), spki);
  ASSIGN_OR_RETURN(std::string proof, deps_.secure_element->Sign(st.identity_key_id(), message));
  ::oem::v1::EnrolDeviceRequest ereq;
  ereq.set_identity_public_key(spki);
  ereq.set_nonce(cresp.nonce());
  ereq.set_proof_of_possession(proof);
  ereq.set_model(options_.model);
  ::oem::v1::EnrolDeviceResponse eresp;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, EnrolDevice, ereq, &eresp));
  if (eresp.device_id().empty() || eresp.device_token().empty()) {
    return MakeError(absl::StatusCode::kInternal, "bad_oem_response",
                     "EnrolDevice answered without device id or token");
  }
  st.set_device_id(eresp.device_id());
  st.set_device_token(eresp.device_token());
  st.set_oem_id(options_.oem_id);
  RETURN_IF_ERROR(PersistLocked());
  std::cerr << "device: enrolled with " << options_.oem_id << "\n";
  resp.set_device_id(eresp.device_id());
  return resp;
}

absl::StatusOr<dv::AddPersonaResponse> DeviceAgent::AddPersona(const dv::AddPersonaRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(bool created, wallet_.AddPersona(req.name(), req.kind()));
  if (created) RETURN_IF_ERROR(PersistLocked());
  dv::AddPersonaResponse resp;
  resp.set_created(created);
  return resp;
}

absl::StatusOr<ds::KeyRecord> DeviceAgent::NewAttestedKeyLocked(Persona& persona) {
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  SecureElement& se = *deps_.secure_element;
  ASSIGN_OR_RETURN(std::string key_id, se.GenerateKey());
  ASSIGN_OR_RETURN(std::string spki, se.PublicKeySpki(key_id));
  ::oem::v1::GetChallengeRequest creq;
  ::oem::v1::GetChallengeResponse cresp;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, GetChallenge, creq, &cresp));
  const std::string message =
      absl::StrCat(Bytes(absl::string_view("sct-attest-key-v1\0", 18)), cresp.nonce(), spki);
  ::oem::v1::AttestKeyRequest areq;
  *areq.mutable_auth() = auth;
  areq.set_public_key(spki);
  areq.set_nonce(cresp.nonce());
  ASSIGN_OR_RETURN(*areq.mutable_identity_signature(),
                   se.Sign(wallet_.state().identity_key_id(), message));
  ASSIGN_OR_RETURN(*areq.mutable_possession_signature(), se.Sign(key_id, message));
  ::oem::v1::AttestKeyResponse aresp;
  absl::Status st = SCT_CALL("oem", deps_.oem, AttestKey, areq, &aresp);
  if (!st.ok()) {
    se.DeleteKey(key_id).IgnoreError();
    return st;
  }
  ds::KeyRecord rec;
  rec.set_key_id(key_id);
  rec.set_public_key(spki);
  *rec.mutable_attestation() = aresp.attestation();
  *persona.add_keys() = rec;
  RETURN_IF_ERROR(PersistLocked());
  return rec;
}

absl::StatusOr<dv::PrepareKeyResponse> DeviceAgent::PrepareKey(const dv::PrepareKeyRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(ds::KeyRecord rec, NewAttestedKeyLocked(*persona));
  dv::PrepareKeyResponse resp;
  resp.set_key_id(rec.key_id());
  resp.set_public_key(rec.public_key());
  *resp.mutable_attestation() = rec.attestation();
  resp.set_oem_id(options_.oem_id);
  return resp;
}

absl::StatusOr<dv::InstallCredentialResponse> DeviceAgent::InstallCredential(
    const dv::InstallCredentialRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(ds::KeyRecord * key, Wallet::Key(*persona, req.key_id()));
  const cv::Credential& cred = req.credential();
  if (cred.credential_id().empty()) {
    return InvalidField("credential.credential_id", "must not be empty");
  }
  if (cred.holder_public_key() != key->public_key()) {
    return InvalidField("credential.holder_public_key", "does not match key_id's public key");
  }
  ds::CredentialRecord rec;
  if (cred.kind() == cv::ASYMMETRIC) {
    if (!cred.has_asymmetric() || cred.asymmetric().certificate_der().empty()) {
      return InvalidField("credential.asymmetric", "certificate missing");
    }
  } else if (cred.kind() == cv::SYMMETRIC) {
    if (!cred.has_symmetric()) return InvalidField("credential.symmetric", "sealed key missing");
    ASSIGN_OR_RETURN(std::string handle,
                     deps_.secure_element->OpenSealedKey(
                         key->key_id(), cred.symmetric().hpke_enc(),
                         cred.symmetric().sealed_key(), cred.symmetric().hpke_info()));
    rec.set_symmetric_handle(handle);
  } else {
    return InvalidField("credential.kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  if (Wallet::Credential(*persona, cred.credential_id()).ok()) {
    dv::InstallCredentialResponse resp;  // idempotent re-install
    resp.set_credential_id(cred.credential_id());
    return resp;
  }
  *rec.mutable_credential() = cred;
  rec.set_label(req.label());
  rec.set_key_id(key->key_id());
  *persona->add_credentials() = rec;
  RETURN_IF_ERROR(PersistLocked());
  dv::InstallCredentialResponse resp;
  resp.set_credential_id(cred.credential_id());
  return resp;
}

absl::StatusOr<std::string> DeviceAgent::CredentialSignLocked(const ds::CredentialRecord& cred,
                                                              const std::string& message) {
  // Holder proofs (share intents, endorsements, RevokeShare/ListShares) are
  // ECDSA by the credential's SE key for both kinds: the authority keeps only
  // the holder's public key (a symmetric credential's key is sealed to it and
  // never stored in clear), so it cannot check an HMAC.
  return deps_.secure_element->Sign(cred.key_id(), message);
}

absl::StatusOr<ca::HolderProof> DeviceAgent::HolderProofLocked(const ds::CredentialRecord& cred,
                                                               const std::string& method,
                                                               const std::string& subject) {
  ca::HolderProof proof;
  proof.set_credential_id(cred.credential().credential_id());
  const int64_t now = absl::ToUnixSeconds(deps_.clock->Now());
  proof.mutable_signed_at()->set_seconds(now);
  ASSIGN_OR_RETURN(*proof.mutable_proof(),
                   CredentialSignLocked(cred, HolderTranscript(method, subject, now)));
  return proof;
}

// ---------------------------------------------------------------- share

absl::StatusOr<dv::ShareCredentialResponse> DeviceAgent::ShareCredential(
    const dv::ShareCredentialRequest& req) {
  absl::MutexLock lock(&mu_);
  if (!req.request_id().empty()) {
    auto it = share_replies_.find(req.request_id());
    if (it != share_replies_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(ds::CredentialRecord * cred, Wallet::Credential(*persona, req.credential_id()));
  if (req.channel() == cv::CHANNEL_KIND_UNSPECIFIED) {
    return InvalidField("channel", "must be SMS, EMAIL or MESSENGER");
  }
  if (req.to_address().empty()) return InvalidField("to_address", "must not be empty");
  if (deps_.channel == nullptr) return InvalidField("channel", "no channel server configured");
  if (!req.pin().empty() && !IsSixDigits(req.pin())) {
    return InvalidField("pin", "must be exactly 6 digits");
  }
  if (req.has_pin_delivery() && req.pin().empty()) {
    return InvalidField("pin_delivery", "given without a pin");
  }
  const std::string payload_type =
      req.payload_type().empty() ? "AEAD_AES_128_GCM" : req.payload_type();
  absl::StatusOr<crypto::PayloadCipher> cipher = crypto::ParsePayloadType(payload_type);
  if (!cipher.ok()) return InvalidField("payload_type", "must be AEAD_AES_128_GCM or AEAD_AES_256_GCM");
  if (req.multi_round() && cred->credential().kind() != cv::ASYMMETRIC) {
    return InvalidField("multi_round", "the key-signing flow needs an asymmetric credential");
  }
  if (!cred->credential().parent_share_id().empty() && !cred->credential().resharing_allowed()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "resharing_forbidden",
                     "credential_id: this credential may not be shared onwards");
  }
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  const absl::Time now = deps_.clock->Now();

  // 1. Share token through the OEM.
  ca::ShareIntent intent;
  intent.set_credential_id(cred->credential().credential_id());
  if (req.entitlements().empty()) {
    *intent.mutable_entitlements() = cred->credential().entitlements();
  } else {
    *intent.mutable_entitlements() = req.entitlements();
  }
  *intent.mutable_validity() =
      req.has_validity() ? req.validity() : cred->credential().validity();
  intent.set_max_redemptions(req.max_redemptions());
  intent.set_pin_required(!req.pin().empty());
  intent.set_endorsement_required(req.multi_round());
  intent.set_resharing_allowed(req.resharing_allowed());
  *intent.mutable_token_ttl() = req.token_ttl();
  *intent.mutable_signed_at() = ToProto(now);
  ASSIGN_OR_RETURN(*intent.mutable_nonce(), crypto::RandomBytes(16));
  const std::string intent_bytes = intent.SerializeAsString();
  ::oem::v1::RequestShareRequest sreq;
  *sreq.mutable_auth() = auth;
  auto* init = sreq.mutable_share();
  init->set_request_id(req.request_id().empty() ? NewUuidV4() : req.request_id());
  init->set_intent(intent_bytes);
  ASSIGN_OR_RETURN(
      *init->mutable_holder_proof(),
      CredentialSignLocked(*cred, absl::StrCat(Bytes(absl::string_view("sct-share-intent-v1\0", 20)),
                                               intent_bytes)));
  init->set_pin(req.pin());
  ca::InitiateShareResponse share;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, RequestShare, sreq, &share));
  cv::ShareTokenBody body;
  if (!body.ParseFromString(share.token().body())) {
    return MakeError(absl::StatusCode::kInternal, "bad_oem_response",
                     "share token body does not parse");
  }

  // 2. Provisioning information, sealed under a fresh secret.
  dv::MailboxContent content;
  content.set_version(kContentVersion);
  content.set_round(1);
  dv::ProvisioningInformation* info = content.mutable_provisioning();
  *info->mutable_token() = share.token();
  info->set_authority_id(body.issuer());
  info->set_access_point_id(cred->credential().access_point_id());
  info->set_access_point_kind(cred->credential().access_point_kind());
  info->set_credential_kind(cred->credential().kind());
  *info->mutable_entitlements() = intent.entitlements();
  *info->mutable_validity() = intent.validity();
  info->set_pin_required(intent.pin_required());
  info->set_endorsement_required(intent.endorsement_required());
  info->set_label(req.label().empty() ? cred->label() : req.label());
  ASSIGN_OR_RETURN(std::string secret, crypto::RandomBytes(crypto::PayloadKeySize(*cipher)));
  const std::string plaintext = content.SerializeAsString();
  if (deps_.observe_plaintext) deps_.observe_plaintext(plaintext);
  ASSIGN_OR_RETURN(std::string sealed, crypto::SealMailboxPayload(*cipher, secret, plaintext));

  // 3. A push token for this mailbox only, then the mailbox under a fresh claim.
  ::oem::v1::MintPushTokenRequest mreq;
  *mreq.mutable_auth() = auth;
  ::oem::v1::MintPushTokenResponse push;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, MintPushToken, mreq, &push));
  ::relay::v1::CreateMailboxRequest creq;
  const std::string claim = NewUuidV4();
  creq.set_device_claim(claim);
  // A fresh id, not the control request's: the relay must not be able to link
  // this call to the OEM's RequestShare.
  creq.set_request_id(NewUuidV4());
  creq.mutable_payload()->set_type(payload_type);
  creq.mutable_payload()->set_data(sealed);
  creq.mutable_display_information()->set_title(
      req.display_title().empty() ? kDefaultTitle : req.display_title());
  creq.mutable_display_information()->set_description(
      req.display_description().empty() ? kDefaultDescription : req.display_description());
  creq.mutable_notification_token()->set_type(push.token_type());
  creq.mutable_notification_token()->set_token_data(push.token_data());
  creq.mutable_mailbox_configuration()->set_access_rights(req.multi_round() ? "RWD" : "RD");
  absl::Time expires = absl::InfiniteFuture();
  if (req.has_mailbox_ttl() && FromProto(req.mailbox_ttl()) > absl::ZeroDuration()) {
    expires = now + FromProto(req.mailbox_ttl());
    creq.mutable_mailbox_configuration()->set_expiration(FormatRfc3339(expires));
  }
  ::relay::v1::CreateMailboxResponse cresp;
  RETURN_IF_ERROR(SCT_CALL("relay", deps_.relay, CreateMailbox, creq, &cresp));
  const std::string mailbox_id = Bytes(cresp.url_link().substr(cresp.url_link().rfind('/') + 1));

  // 4. The link through the channel; the secret only in the fragment.
  const std::string without_fragment =
      absl::StrCat(cresp.url_link(), "?v=", Vertical(req.vertical()));
  const std::string link = absl::StrCat(without_fragment, "#", Base64UrlEncode(secret));
  ::channel::v1::SendRequest send;
  send.set_kind(req.channel());
  send.set_from(req.from_address().empty() ? options_.address : req.from_address());
  send.set_to(req.to_address());
  send.set_body(req.message_text().empty() ? link : absl::StrCat(req.message_text(), " ", link));
  ::channel::v1::SendResponse sent;
  absl::Status st = SCT_CALL("channel", deps_.channel, Send, send, &sent);
  ds::MailboxEntry entry;
  entry.set_mailbox_id(mailbox_id);
  entry.set_share_id(share.share_id());
  entry.set_role(dv::ROLE_SENDER);
  entry.set_round(1);
  entry.set_secret(secret);
  entry.set_payload_type(payload_type);
  entry.set_claim(claim);
  entry.set_push_token_data(push.token_data());
  entry.set_auto_answer(req.auto_answer());
  entry.set_credential_id(cred->credential().credential_id());
  if (expires != absl::InfiniteFuture()) *entry.mutable_expires_at() = ToProto(expires);
  if (!st.ok()) {
    // Nobody can open the mailbox without the link: remove it.
    DeleteMailboxLocked(entry);
    return st;
  }
  if (req.has_pin_delivery()) {
    ::channel::v1::SendRequest pin;
    pin.set_kind(req.pin_delivery().channel());
    pin.set_from(send.from());
    pin.set_to(req.pin_delivery().to());
    pin.set_body(absl::StrCat("PIN: ", req.pin()));
    ::channel::v1::SendResponse pin_sent;
    absl::Status pst = SCT_CALL("channel", deps_.channel, Send, pin, &pin_sent);
    if (!pst.ok()) std::cerr << "device: PIN delivery failed: " << ReasonOf(pst) << "\n";
  }
  entry.set_state(dv::FLOW_LINK_SENT);
  *persona->add_mailboxes() = entry;
  auto* made = persona->add_shares();
  made->set_share_id(share.share_id());
  made->set_credential_id(cred->credential().credential_id());
  RETURN_IF_ERROR(PersistLocked());
  polls_[PollKey(persona->name(), mailbox_id, dv::ROLE_SENDER)] =
      PollState{now + options_.poll_initial, options_.poll_initial};

  dv::ShareCredentialResponse resp;
  resp.set_share_id(share.share_id());
  resp.set_mailbox_id(mailbox_id);
  resp.set_link_without_fragment(without_fragment);
  resp.set_link_length(static_cast<uint32_t>(link.size()));
  resp.set_message_length(sent.body_length() ? sent.body_length()
                                             : static_cast<uint32_t>(send.body().size()));
  resp.set_channel_message_id(sent.message_id());
  resp.set_sms_segments(sent.sms_segments());
  if (expires != absl::InfiniteFuture()) *resp.mutable_mailbox_expires_at() = ToProto(expires);
  *resp.mutable_token_expires_at() = share.token_expires_at();
  if (!req.request_id().empty()) share_replies_[req.request_id()] = resp;
  return resp;
}

void DeviceAgent::DeleteMailboxLocked(Entry& entry) {
  ::relay::v1::DeleteMailboxRequest dreq;
  dreq.set_mailbox_id(entry.mailbox_id());
  dreq.set_device_claim(entry.claim());
  dreq.set_request_id(NewUuidV4());
  ::relay::v1::DeleteMailboxResponse dresp;
  absl::Status st = SCT_CALL("relay", deps_.relay, DeleteMailbox, dreq, &dresp);
  if (!st.ok() && st.code() != absl::StatusCode::kNotFound) {
    std::cerr << "device: mailbox delete failed: " << ReasonOf(st) << "\n";
  }
}

// ---------------------------------------------------------------- mailbox I/O

absl::StatusOr<dv::MailboxContent> DeviceAgent::ReadContentLocked(Entry& entry) {
  ::relay::v1::ReadSecureContentRequest rreq;
  rreq.set_mailbox_id(entry.mailbox_id());
  rreq.set_device_claim(entry.claim());
  rreq.set_request_id(NewUuidV4());
  ::relay::v1::ReadSecureContentResponse rresp;
  RETURN_IF_ERROR(SCT_CALL("relay", deps_.relay, ReadSecureContent, rreq, &rresp));
  if (!rresp.expiration().empty()) {
    absl::StatusOr<absl::Time> exp = ParseRfc3339(rresp.expiration());
    if (exp.ok()) *entry.mutable_expires_at() = ToProto(*exp);
  }
  absl::StatusOr<crypto::PayloadCipher> cipher = crypto::ParsePayloadType(rresp.payload().type());
  if (!cipher.ok() || crypto::PayloadKeySize(*cipher) != entry.secret().size()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "payload type does not match the link's secret");
  }
  absl::StatusOr<std::string> plain =
      crypto::OpenMailboxPayload(*cipher, entry.secret(), rresp.payload().data());
  if (plain.ok() && deps_.observe_plaintext) deps_.observe_plaintext(*plain);
  if (!plain.ok()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "the mailbox payload does not decrypt with the link's secret "
                     "(wrong secret or tampered payload)");
  }
  dv::MailboxContent content;
  if (!content.ParseFromString(*plain) || content.version() != kContentVersion) {
    return InvalidField("payload", "not a version-1 device.v1.MailboxContent");
  }
  entry.set_display_title(rresp.display_information().title());
  return content;
}

absl::Status DeviceAgent::WriteContentLocked(Entry& entry, dv::MailboxContent content) {
  content.set_version(kContentVersion);
  content.set_round(entry.round() + 1);
  ASSIGN_OR_RETURN(crypto::PayloadCipher cipher, crypto::ParsePayloadType(entry.payload_type()));
  ::relay::v1::UpdateMailboxRequest ureq;
  ureq.set_mailbox_id(entry.mailbox_id());
  ureq.set_device_claim(entry.claim());
  ureq.set_request_id(NewUuidV4());
  ureq.mutable_payload()->set_type(entry.payload_type());
  const std::string plaintext = content.SerializeAsString();
  if (deps_.observe_plaintext) deps_.observe_plaintext(plaintext);
  ASSIGN_OR_RETURN(*ureq.mutable_payload()->mutable_data(),
                   crypto::SealMailboxPayload(cipher, entry.secret(), plaintext));
  ::relay::v1::UpdateMailboxResponse uresp;
  RETURN_IF_ERROR(SCT_CALL("relay", deps_.relay, UpdateMailbox, ureq, &uresp));
  entry.set_round(content.round());
  return absl::OkStatus();
}

// ---------------------------------------------------------------- accept

absl::StatusOr<dv::AcceptLinkResponse> DeviceAgent::AcceptLink(const dv::AcceptLinkRequest& req) {
  absl::MutexLock lock(&mu_);
  if (!req.request_id().empty()) {
    auto it = accept_replies_.find(req.request_id());
    if (it != accept_replies_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  std::string link;
  if (req.source_case() == dv::AcceptLinkRequest::kLink) {
    link = req.link();
  } else if (req.source_case() == dv::AcceptLinkRequest::kInbox) {
    if (deps_.channel == nullptr) return InvalidField("inbox", "no channel server configured");
    ::channel::v1::ReceiveRequest rreq;
    rreq.set_kind(req.inbox().channel());
    rreq.set_address(req.inbox().address().empty() ? options_.address : req.inbox().address());
    ::channel::v1::ReceiveResponse rresp;
    RETURN_IF_ERROR(SCT_CALL("channel", deps_.channel, Receive, rreq, &rresp));
    for (int i = rresp.messages_size() - 1; i >= 0 && link.empty(); --i) {
      const auto& m = rresp.messages(i);
      if (!req.inbox().message_id().empty() && m.message_id() != req.inbox().message_id()) continue;
      for (absl::string_view word : absl::StrSplit(m.body(), absl::ByAnyChar(" \n\t"))) {
        if (absl::StrContains(word, "/v1/m/") && absl::StrContains(word, "#")) {
          link = std::string(word);
          break;
        }
      }
    }
    if (link.empty()) {
      return MakeError(absl::StatusCode::kNotFound, "no_link_in_inbox",
                       "inbox: no message with a share link");
    }
  } else {
    return InvalidField("source", "give link or inbox");
  }
  // The fragment is stripped here: only the id goes to the relay.
  ASSIGN_OR_RETURN(ShareLink parsed, ParseShareLink(link));
  link.assign(link.size(), '\0');

  Entry* entry = Wallet::FindMailbox(*persona, parsed.mailbox_id, dv::ROLE_RECEIVER);
  if (entry == nullptr) {
    ds::MailboxEntry fresh;
    fresh.set_mailbox_id(parsed.mailbox_id);
    fresh.set_role(dv::ROLE_RECEIVER);
    fresh.set_secret(parsed.secret);
    fresh.set_claim(NewUuidV4());  // fresh per mailbox
    fresh.set_state(dv::FLOW_STATE_UNSPECIFIED);
    ::oem::v1::MintPushTokenRequest mreq;
    *mreq.mutable_auth() = auth;
    ::oem::v1::MintPushTokenResponse push;
    RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, MintPushToken, mreq, &push));
    fresh.set_push_token_data(push.token_data());
    // First read: binds this claim (trust on first use) and records the push token.
    ::relay::v1::ReadSecureContentRequest rreq;
    rreq.set_mailbox_id(fresh.mailbox_id());
    rreq.set_device_claim(fresh.claim());
    rreq.set_request_id(NewUuidV4());
    rreq.mutable_notification_token()->set_type(push.token_type());
    rreq.mutable_notification_token()->set_token_data(push.token_data());
    ::relay::v1::ReadSecureContentResponse rresp;
    absl::Status st = SCT_CALL("relay", deps_.relay, ReadSecureContent, rreq, &rresp);
    if (st.code() == absl::StatusCode::kUnauthenticated ||
        st.code() == absl::StatusCode::kPermissionDenied) {
      return MakeError(absl::StatusCode::kPermissionDenied, "mailbox_claimed",
                       absl::StrCat("mailbox ", fresh.mailbox_id(),
                                    " is bound to another device (", ReasonOf(st), ")"));
    }
    RETURN_IF_ERROR(st);
    absl::StatusOr<crypto::PayloadCipher> cipher =
        crypto::ParsePayloadType(rresp.payload().type());
    absl::StatusOr<std::string> plain =
        cipher.ok() && crypto::PayloadKeySize(*cipher) == fresh.secret().size()
            ? crypto::OpenMailboxPayload(*cipher, fresh.secret(), rresp.payload().data())
            : absl::StatusOr<std::string>(absl::InvalidArgumentError("type/secret mismatch"));
    if (plain.ok() && deps_.observe_plaintext) deps_.observe_plaintext(*plain);
    dv::MailboxContent content;
    if (!plain.ok() || !content.ParseFromString(*plain) || !content.has_provisioning()) {
      // Release the binding so the rightful receiver can still read it.
      ::relay::v1::RelinquishMailboxRequest lreq;
      lreq.set_mailbox_id(fresh.mailbox_id());
      lreq.set_device_claim(fresh.claim());
      lreq.set_request_id(NewUuidV4());
      ::relay::v1::RelinquishMailboxResponse lresp;
      SCT_CALL("relay", deps_.relay, RelinquishMailbox, lreq, &lresp).IgnoreError();
      if (!plain.ok()) {
        return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                         "the mailbox payload does not decrypt with the link's secret "
                         "(wrong secret or tampered payload); binding released");
      }
      return InvalidField("payload", "not a device.v1.MailboxContent with provisioning information");
    }
    fresh.set_payload_type(rresp.payload().type());
    fresh.set_round(content.round());
    *fresh.mutable_offer() = content.provisioning();
    fresh.set_display_title(rresp.display_information().title());
    if (!rresp.expiration().empty()) {
      absl::StatusOr<absl::Time> exp = ParseRfc3339(rresp.expiration());
      if (exp.ok()) *fresh.mutable_expires_at() = ToProto(*exp);
    }
    cv::ShareTokenBody body;
    if (body.ParseFromString(content.provisioning().token().body())) {
      fresh.set_share_id(body.share_id());
    }
    fresh.set_state(dv::FLOW_AWAITING_RECEIVER);
    *persona->add_mailboxes() = fresh;
    entry = &persona->mutable_mailboxes()->at(persona->mailboxes_size() - 1);
  }
  entry->set_pin(req.pin());
  entry->set_manual_rounds(req.manual_rounds());
  entry->set_label(req.label().empty() ? entry->offer().label() : req.label());
  RETURN_IF_ERROR(PersistLocked());

  dv::AcceptLinkResponse resp;
  resp.set_mailbox_id(entry->mailbox_id());
  resp.set_share_id(entry->share_id());
  *resp.mutable_offer() = entry->offer();
  resp.set_display_title(entry->display_title());
  const std::string persona_name = persona->name();
  const std::string mailbox_id = entry->mailbox_id();

  if (entry->state() == dv::FLOW_PROVISIONED) {
    resp.set_outcome(dv::ACCEPT_PROVISIONED);
    resp.set_credential_id(entry->credential_id());
  } else if (req.manual_rounds()) {
    resp.set_outcome(dv::ACCEPT_READ_ONLY);
  } else if (entry->offer().endorsement_required()) {
    if (entry->state() != dv::FLOW_AWAITING_SENDER) {
      RETURN_IF_ERROR(PostKeySigningRequestLocked(*persona, *entry));
    }
    resp.set_outcome(dv::ACCEPT_AWAITING_SENDER);
    const absl::Duration wait = FromProto(req.round_timeout());
    if (wait > absl::ZeroDuration()) {
      const absl::Time deadline = deps_.clock->Now() + wait;
      while (true) {
        ASSIGN_OR_RETURN(persona, wallet_.Persona(persona_name));
        entry = Wallet::FindMailbox(*persona, mailbox_id, dv::ROLE_RECEIVER);
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
        resp.set_outcome(dv::ACCEPT_PROVISIONED);
        resp.set_credential_id(entry->credential_id());
      } else if (entry->state() == dv::FLOW_FAILED) {
        return MakeError(absl::StatusCode::kFailedPrecondition, entry->last_reason(),
                         "the multi-round exchange failed");
      }
    }
  } else {
    absl::StatusOr<std::string> cred_id = ProvisionLocked(*persona, *entry, "");
    if (!cred_id.ok()) {
      FailLocked(*persona, *entry, cred_id.status());
      return cred_id.status();
    }
    DeleteMailboxLocked(*entry);
    RETURN_IF_ERROR(PersistLocked());
    resp.set_outcome(dv::ACCEPT_PROVISIONED);
    resp.set_credential_id(*cred_id);
  }
  if (!req.request_id().empty()) accept_replies_[req.request_id()] = resp;
  return resp;
}

void DeviceAgent::FailLocked(Persona& persona, Entry& entry, const absl::Status& status) {
  entry.set_last_reason(ReasonOf(status));
  PersistLocked().IgnoreError();
  Emit(dv::EVENT_FLOW_FAILED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
       ReasonOf(status));
}

absl::Status DeviceAgent::PostKeySigningRequestLocked(Persona& persona, Entry& entry) {
  ds::KeyRecord key;
  if (!entry.pending_key_id().empty()) {
    ASSIGN_OR_RETURN(ds::KeyRecord * existing, Wallet::Key(persona, entry.pending_key_id()));
    key = *existing;
  } else {
    ASSIGN_OR_RETURN(key, NewAttestedKeyLocked(persona));
    entry.set_pending_key_id(key.key_id());
  }
  dv::MailboxContent content;
  content.mutable_key_signing_request()->set_receiver_public_key(key.public_key());
  *content.mutable_key_signing_request()->mutable_receiver_attestation() = key.attestation();
  RETURN_IF_ERROR(WriteContentLocked(entry, std::move(content)));
  entry.set_state(dv::FLOW_AWAITING_SENDER);
  RETURN_IF_ERROR(PersistLocked());
  polls_[PollKey(persona.name(), entry.mailbox_id(), dv::ROLE_RECEIVER)] =
      PollState{deps_.clock->Now() + options_.poll_initial, options_.poll_initial};
  Emit(dv::EVENT_KEY_SIGNING_REQUEST, persona.name(), entry.mailbox_id(), entry.share_id(), "",
       "");
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeviceAgent::ProvisionLocked(Persona& persona, Entry& entry,
                                                         const std::string& endorsement) {
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  ds::KeyRecord key;
  if (!entry.pending_key_id().empty()) {
    ASSIGN_OR_RETURN(ds::KeyRecord * existing, Wallet::Key(persona, entry.pending_key_id()));
    key = *existing;
  } else {
    ASSIGN_OR_RETURN(key, NewAttestedKeyLocked(persona));
    entry.set_pending_key_id(key.key_id());
  }
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
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, ProvisionCredential, preq, &presp));
  const cv::Credential& cred = presp.credential();
  if (cred.holder_public_key() != key.public_key()) {
    return MakeError(absl::StatusCode::kInternal, "bad_oem_response",
                     "issued credential is bound to another key");
  }
  ds::CredentialRecord rec;
  if (cred.kind() == cv::SYMMETRIC) {
    ASSIGN_OR_RETURN(std::string handle,
                     deps_.secure_element->OpenSealedKey(key.key_id(), cred.symmetric().hpke_enc(),
                                                         cred.symmetric().sealed_key(),
                                                         cred.symmetric().hpke_info()));
    rec.set_symmetric_handle(handle);
  }
  *rec.mutable_credential() = cred;
  rec.set_label(entry.label().empty() ? entry.offer().label() : entry.label());
  rec.set_key_id(key.key_id());
  *persona.add_credentials() = rec;
  entry.set_credential_id(cred.credential_id());
  entry.set_state(dv::FLOW_PROVISIONED);
  entry.clear_last_reason();
  entry.clear_pin();
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  Emit(dv::EVENT_CREDENTIAL_PROVISIONED, persona.name(), entry.mailbox_id(), entry.share_id(),
       cred.credential_id(), "");
  return cred.credential_id();
}

// ---------------------------------------------------------------- rounds

absl::Status DeviceAgent::AnswerLocked(Persona& persona, Entry& entry, bool approve,
                                       const std::string& decline_reason) {
  dv::MailboxContent content;
  dv::KeySigningResponse* answer = content.mutable_key_signing_response();
  answer->set_approved(approve);
  if (approve) {
    ASSIGN_OR_RETURN(ds::CredentialRecord * cred,
                     Wallet::Credential(persona, entry.credential_id()));
    ASSIGN_OR_RETURN(*answer->mutable_sender_endorsement(),
                     CredentialSignLocked(*cred, EndorseTranscript(entry.share_id(),
                                                                   entry.requested_public_key())));
  } else {
    answer->set_decline_reason(decline_reason);
  }
  RETURN_IF_ERROR(WriteContentLocked(entry, std::move(content)));
  entry.set_state(approve ? dv::FLOW_AWAITING_RECEIVER : dv::FLOW_FAILED);
  if (!approve) entry.set_last_reason("endorsement_declined");
  RETURN_IF_ERROR(PersistLocked());
  polls_[PollKey(persona.name(), entry.mailbox_id(), dv::ROLE_SENDER)] =
      PollState{deps_.clock->Now() + options_.poll_initial, options_.poll_initial};
  changed_.SignalAll();
  Emit(dv::EVENT_KEY_SIGNING_RESPONSE, persona.name(), entry.mailbox_id(), entry.share_id(), "",
       approve ? "" : "endorsement_declined");
  return absl::OkStatus();
}

absl::Status DeviceAgent::HandleAnswerLocked(Persona& persona, Entry& entry,
                                             const dv::KeySigningResponse& answer) {
  Emit(dv::EVENT_KEY_SIGNING_RESPONSE, persona.name(), entry.mailbox_id(), entry.share_id(), "",
       answer.approved() ? "" : "endorsement_declined");
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
  absl::Status wst = WriteContentLocked(entry, std::move(done));
  if (!cred.ok()) {
    FailLocked(persona, entry, cred.status());
    changed_.SignalAll();
    return cred.status();
  }
  // The sender deletes the mailbox once it has read the completion notice; if
  // the notice could not be posted, delete it here.
  if (!wst.ok()) DeleteMailboxLocked(entry);
  return PersistLocked();
}

absl::StatusOr<dv::ReplyResponse> DeviceAgent::Reply(const dv::ReplyRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(Entry * entry, Wallet::Mailbox(*persona, req.mailbox_id()));
  auto wrong_state = [&](absl::string_view why) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "wrong_flow_state",
                     absl::StrCat("mailbox ", entry->mailbox_id(), ": ", why));
  };
  dv::ReplyResponse resp;
  switch (req.action()) {
    case dv::REPLY_KEY_SIGNING_REQUEST: {
      entry = Wallet::FindMailbox(*persona, req.mailbox_id(), dv::ROLE_RECEIVER);
      if (entry == nullptr) return wrong_state("this persona is not its receiver");
      if (entry->state() != dv::FLOW_AWAITING_RECEIVER) {
        return wrong_state("no key-signing request can be posted now");
      }
      RETURN_IF_ERROR(PostKeySigningRequestLocked(*persona, *entry));
      break;
    }
    case dv::REPLY_APPROVE:
    case dv::REPLY_DECLINE: {
      entry = Wallet::FindMailbox(*persona, req.mailbox_id(), dv::ROLE_SENDER);
      if (entry == nullptr) return wrong_state("this persona is not its sender");
      if (entry->requested_public_key().empty() || entry->state() != dv::FLOW_AWAITING_SENDER) {
        ProcessChangeLocked(*persona, *entry, /*automatic=*/false);
      }
      if (entry->requested_public_key().empty() || entry->state() != dv::FLOW_AWAITING_SENDER) {
        return wrong_state("no pending key-signing request");
      }
      RETURN_IF_ERROR(AnswerLocked(*persona, *entry, req.action() == dv::REPLY_APPROVE,
                                   req.decline_reason()));
      resp.set_requested_public_key(entry->requested_public_key());
      break;
    }
    case dv::REPLY_COMPLETE: {
      entry = Wallet::FindMailbox(*persona, req.mailbox_id(), dv::ROLE_RECEIVER);
      if (entry == nullptr) return wrong_state("this persona is not its receiver");
      if (entry->state() == dv::FLOW_PROVISIONED) {
        resp.set_credential_id(entry->credential_id());
        break;
      }
      if (!entry->offer().endorsement_required()) {
        if (entry->state() != dv::FLOW_AWAITING_RECEIVER) return wrong_state("nothing to complete");
        absl::StatusOr<std::string> cred = ProvisionLocked(*persona, *entry, "");
        if (!cred.ok()) {
          FailLocked(*persona, *entry, cred.status());
          return cred.status();
        }
        DeleteMailboxLocked(*entry);
        resp.set_credential_id(*cred);
        break;
      }
      if (entry->state() != dv::FLOW_AWAITING_SENDER) return wrong_state("no request posted");
      ASSIGN_OR_RETURN(dv::MailboxContent content, ReadContentLocked(*entry));
      if (!content.has_key_signing_response() || content.round() <= entry->round()) {
        return wrong_state("the sender has not answered yet");
      }
      entry->set_round(content.round());
      RETURN_IF_ERROR(HandleAnswerLocked(*persona, *entry, content.key_signing_response()));
      resp.set_credential_id(entry->credential_id());
      break;
    }
    default:
      return InvalidField("action", "must be KEY_SIGNING_REQUEST, APPROVE, DECLINE or COMPLETE");
  }
  resp.set_round(entry->round());
  return resp;
}

bool DeviceAgent::WaitsForPeer(const Entry& entry) const {
  if (entry.role() == dv::ROLE_SENDER) {
    return entry.state() == dv::FLOW_LINK_SENT || entry.state() == dv::FLOW_AWAITING_RECEIVER;
  }
  return entry.state() == dv::FLOW_AWAITING_SENDER;
}

bool DeviceAgent::ProcessChangeLocked(Persona& persona, Entry& entry, bool automatic) {
  absl::StatusOr<dv::MailboxContent> content = ReadContentLocked(entry);
  const absl::Time now = deps_.clock->Now();
  if (!content.ok()) {
    if (content.status().code() != absl::StatusCode::kNotFound) return false;
    const bool expired = entry.has_expires_at() && now >= FromProto(entry.expires_at());
    if (entry.role() == dv::ROLE_SENDER &&
        (entry.state() == dv::FLOW_LINK_SENT || entry.state() == dv::FLOW_AWAITING_RECEIVER) &&
        !expired) {
      // The receiver deleted the mailbox: it has what it needed.
      entry.set_state(dv::FLOW_PROVISIONED);
      Emit(dv::EVENT_SHARE_COMPLETED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
           "");
    } else if (expired) {
      entry.set_state(dv::FLOW_EXPIRED);
      Emit(dv::EVENT_FLOW_FAILED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
           "mailbox_expired");
    } else {
      entry.set_state(dv::FLOW_CANCELLED);
      entry.set_last_reason("mailbox_not_found");
      Emit(dv::EVENT_FLOW_FAILED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
           "mailbox_not_found");
    }
    PersistLocked().IgnoreError();
    changed_.SignalAll();
    return true;
  }
  if (content->round() <= entry.round()) return false;
  if (entry.role() == dv::ROLE_SENDER) {
    entry.set_round(content->round());
    if (content->has_key_signing_request()) {
      entry.set_requested_public_key(content->key_signing_request().receiver_public_key());
      entry.set_state(dv::FLOW_AWAITING_SENDER);
      PersistLocked().IgnoreError();
      Emit(dv::EVENT_KEY_SIGNING_REQUEST, persona.name(), entry.mailbox_id(), entry.share_id(),
           "", "");
      if (automatic && entry.auto_answer()) {
        absl::Status st = AnswerLocked(persona, entry, /*approve=*/true, "");
        if (!st.ok()) FailLocked(persona, entry, st);
      }
    } else if (content->has_complete()) {
      entry.set_state(content->complete().success() ? dv::FLOW_PROVISIONED : dv::FLOW_FAILED);
      entry.set_last_reason(content->complete().reason());
      PersistLocked().IgnoreError();
      if (content->complete().success()) {
        Emit(dv::EVENT_SHARE_COMPLETED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
             "");
      } else {
        Emit(dv::EVENT_FLOW_FAILED, persona.name(), entry.mailbox_id(), entry.share_id(), "",
             content->complete().reason());
      }
      DeleteMailboxLocked(entry);
    }
  } else if (content->has_key_signing_response()) {
    if (automatic && !entry.manual_rounds()) {
      entry.set_round(content->round());
      HandleAnswerLocked(persona, entry, content->key_signing_response()).IgnoreError();
    } else {
      Emit(dv::EVENT_KEY_SIGNING_RESPONSE, persona.name(), entry.mailbox_id(), entry.share_id(),
           "", "");
    }
  }
  changed_.SignalAll();
  return true;
}

void DeviceAgent::HandleNotification(const ::oem::v1::DeviceNotification& n) {
  {
    absl::MutexLock lock(&events_mu_);
    push_sequence_ = std::max(push_sequence_, n.sequence());
    if (n.kind() == ::oem::v1::SUBSCRIBED) push_connected_ = true;
  }
  if (n.kind() == ::oem::v1::SUBSCRIBED) {
    Emit(dv::EVENT_PUSH_CONNECTED, "", "", "", "", "");
    return;
  }
  if (n.kind() != ::oem::v1::MAILBOX_CHANGED) return;
  RecordNotification(n.mailbox_id(), dv::VIA_PUSH);
  Emit(dv::EVENT_PUSH_RECEIVED, "", n.mailbox_id(), "", "", "");
  absl::MutexLock lock(&mu_);
  for (auto& persona : *wallet_.state().mutable_personas()) {
    for (auto& entry : *persona.mutable_mailboxes()) {
      if (entry.mailbox_id() != n.mailbox_id()) continue;
      if (!n.token_data().empty() && entry.push_token_data() != n.token_data()) continue;
      ProcessChangeLocked(persona, entry, /*automatic=*/true);
      polls_[PollKey(persona.name(), entry.mailbox_id(), entry.role())] =
          PollState{deps_.clock->Now() + options_.poll_initial, options_.poll_initial};
    }
  }
}

absl::Status DeviceAgent::RunPushStream(grpc::ClientContext* context) {
  ::oem::v1::SubscribeNotificationsRequest req;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(*req.mutable_auth(), AuthLocked());
  }
  {
    absl::MutexLock lock(&events_mu_);
    req.set_after_sequence(push_sequence_);
  }
  std::unique_ptr<grpc::ClientReaderInterface<::oem::v1::DeviceNotification>> reader =
      deps_.oem->SubscribeNotifications(context, req);
  ::oem::v1::DeviceNotification n;
  while (reader->Read(&n)) HandleNotification(n);
  absl::Status st = Translate(reader->Finish(), "oem");
  bool was_connected;
  {
    absl::MutexLock lock(&events_mu_);
    was_connected = push_connected_;
    push_connected_ = false;
  }
  if (was_connected) Emit(dv::EVENT_PUSH_LOST, "", "", "", "", ReasonOf(st));
  return st;
}

int DeviceAgent::Tick() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = deps_.clock->Now();
  int polled = 0;
  for (auto& persona : *wallet_.state().mutable_personas()) {
    for (auto& entry : *persona.mutable_mailboxes()) {
      const std::string key = PollKey(persona.name(), entry.mailbox_id(), entry.role());
      if (!WaitsForPeer(entry)) {
        polls_.erase(key);
        continue;
      }
      auto it = polls_.find(key);
      if (it == polls_.end()) {
        polls_[key] = PollState{now + options_.poll_initial, options_.poll_initial};
        continue;
      }
      if (now < it->second.next_at) continue;
      ++polled;
      bool changed = ProcessChangeLocked(persona, entry, /*automatic=*/true);
      PollState& ps = polls_[key];
      if (changed) {
        RecordNotification(entry.mailbox_id(), dv::VIA_POLL);
        Emit(dv::EVENT_POLL_CHANGE, persona.name(), entry.mailbox_id(), entry.share_id(), "",
             "");
        ps.backoff = options_.poll_initial;
      } else {
        ps.backoff = std::min(ps.backoff * 2, options_.poll_max);
      }
      ps.next_at = now + ps.backoff;
    }
  }
  return polled;
}

absl::Time DeviceAgent::NextPollAt() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [key, ps] : polls_) next = std::min(next, ps.next_at);
  return next;
}

// ---------------------------------------------------------------- use, revoke, state

absl::StatusOr<dv::UseCredentialResponse> DeviceAgent::UseCredential(
    const dv::UseCredentialRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(ds::CredentialRecord * cred, Wallet::Credential(*persona, req.credential_id()));
  if (req.access_point_address().empty()) {
    return InvalidField("access_point_address", "must not be empty");
  }
  if (req.action().empty()) return InvalidField("action", "must not be empty");
  if (!deps_.access_point_factory) {
    return InvalidField("access_point_address", "no access point factory configured");
  }
  std::unique_ptr<::access_point::v1::AccessPoint::StubInterface> ap =
      deps_.access_point_factory(req.access_point_address());
  if (ap == nullptr) return InvalidField("access_point_address", "cannot connect");
  const absl::Time start = deps_.clock->Now();
  ::access_point::v1::GetChallengeRequest creq;
  ::access_point::v1::GetChallengeResponse challenge;
  RETURN_IF_ERROR(SCT_CALL("access_point", ap, GetChallenge, creq, &challenge));
  const std::string transcript = absl::StrCat(
      Bytes(absl::string_view("sct-ap-auth-v1\0", 15)), challenge.access_point_id(),
      Bytes(absl::string_view("\0", 1)), challenge.nonce(), Bytes(absl::string_view("\0", 1)),
      req.action());
  ::access_point::v1::AuthenticateRequest areq;
  areq.set_nonce(challenge.nonce());
  areq.set_action(req.action());
  // At the access point a symmetric credential MACs the challenge with the
  // key held in the element; an asymmetric one signs it.
  ASSIGN_OR_RETURN(std::string proof,
                   cred->credential().kind() == cv::SYMMETRIC
                       ? deps_.secure_element->Hmac(cred->symmetric_handle(), transcript)
                       : CredentialSignLocked(*cred, transcript));
  if (cred->credential().kind() == cv::SYMMETRIC) {
    areq.set_credential_id(cred->credential().credential_id());
    areq.set_hmac(proof);
  } else {
    *areq.mutable_certificate() = cred->credential().asymmetric();
    areq.set_signature(proof);
  }
  ::access_point::v1::AuthenticateResponse aresp;
  RETURN_IF_ERROR(SCT_CALL("access_point", ap, Authenticate, areq, &aresp));
  dv::UseCredentialResponse resp;
  resp.set_granted(aresp.granted());
  resp.set_reason(aresp.reason());
  resp.set_detail(aresp.detail());
  resp.set_access_point_id(aresp.access_point_id().empty() ? challenge.access_point_id()
                                                           : aresp.access_point_id());
  *resp.mutable_latency() = ToProtoDuration(deps_.clock->Now() - start);
  return resp;
}

absl::StatusOr<ca::RevokeResponse> DeviceAgent::Revoke(const dv::RevokeRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  const std::string request_id = req.request_id().empty() ? NewUuidV4() : req.request_id();
  ca::RevokeResponse resp;
  if (req.target_case() == dv::RevokeRequest::kShareId) {
    ASSIGN_OR_RETURN(std::string parent, Wallet::ShareParent(*persona, req.share_id()));
    ASSIGN_OR_RETURN(ds::CredentialRecord * cred, Wallet::Credential(*persona, parent));
    ::oem::v1::RevokeShareRequest rreq;
    *rreq.mutable_auth() = auth;
    rreq.mutable_revoke()->set_request_id(request_id);
    rreq.mutable_revoke()->set_share_id(req.share_id());
    rreq.mutable_revoke()->set_reason(req.reason());
    ASSIGN_OR_RETURN(*rreq.mutable_revoke()->mutable_holder(),
                     HolderProofLocked(*cred, "RevokeShare", req.share_id()));
    RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, RevokeShare, rreq, &resp));
  } else if (req.target_case() == dv::RevokeRequest::kCredentialId) {
    ASSIGN_OR_RETURN(ds::CredentialRecord * cred,
                     Wallet::Credential(*persona, req.credential_id()));
    ::oem::v1::RevokeCredentialRequest rreq;
    *rreq.mutable_auth() = auth;
    rreq.mutable_revoke()->set_request_id(request_id);
    rreq.mutable_revoke()->set_credential_id(req.credential_id());
    rreq.mutable_revoke()->set_reason(req.reason());
    ASSIGN_OR_RETURN(*rreq.mutable_revoke()->mutable_holder(),
                     HolderProofLocked(*cred, "RevokeCredential", req.credential_id()));
    RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, RevokeCredential, rreq, &resp));
  } else {
    return InvalidField("target", "give share_id or credential_id");
  }
  return resp;
}

absl::StatusOr<dv::CancelShareResponse> DeviceAgent::CancelShare(
    const dv::CancelShareRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(Entry * entry, Wallet::SentShare(*persona, req.share_id()));
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  dv::CancelShareResponse resp;
  ::relay::v1::DeleteMailboxRequest dreq;
  dreq.set_mailbox_id(entry->mailbox_id());
  dreq.set_device_claim(entry->claim());
  dreq.set_request_id(NewUuidV4());
  ::relay::v1::DeleteMailboxResponse dresp;
  absl::Status st = SCT_CALL("relay", deps_.relay, DeleteMailbox, dreq, &dresp);
  if (!st.ok() && st.code() != absl::StatusCode::kNotFound) return st;
  resp.set_mailbox_deleted(st.ok());
  ASSIGN_OR_RETURN(ds::CredentialRecord * cred,
                   Wallet::Credential(*persona, entry->credential_id()));
  ::oem::v1::RevokeShareRequest rreq;
  *rreq.mutable_auth() = auth;
  rreq.mutable_revoke()->set_request_id(req.request_id().empty() ? NewUuidV4()
                                                                 : req.request_id());
  rreq.mutable_revoke()->set_share_id(req.share_id());
  rreq.mutable_revoke()->set_reason("cancelled by sender");
  ASSIGN_OR_RETURN(*rreq.mutable_revoke()->mutable_holder(),
                   HolderProofLocked(*cred, "RevokeShare", req.share_id()));
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, RevokeShare, rreq, resp.mutable_revocation()));
  entry->set_state(dv::FLOW_CANCELLED);
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  return resp;
}

absl::StatusOr<dv::RelinquishResponse> DeviceAgent::Relinquish(const dv::RelinquishRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  Entry* entry = Wallet::FindMailbox(*persona, req.mailbox_id(), dv::ROLE_RECEIVER);
  if (entry == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "mailbox_not_found",
                     absl::StrCat("mailbox_id: persona \"", persona->name(),
                                  "\" has not read mailbox ", req.mailbox_id()));
  }
  ::relay::v1::RelinquishMailboxRequest lreq;
  lreq.set_mailbox_id(entry->mailbox_id());
  lreq.set_device_claim(entry->claim());
  lreq.set_request_id(NewUuidV4());
  ::relay::v1::RelinquishMailboxResponse lresp;
  RETURN_IF_ERROR(SCT_CALL("relay", deps_.relay, RelinquishMailbox, lreq, &lresp));
  entry->set_state(dv::FLOW_RELINQUISHED);
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  return dv::RelinquishResponse();
}

absl::StatusOr<ca::ListSharesResponse> DeviceAgent::ListShares(const dv::ListSharesRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Persona * persona, wallet_.Persona(req.persona()));
  ASSIGN_OR_RETURN(ds::CredentialRecord * cred, Wallet::Credential(*persona, req.credential_id()));
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, AuthLocked());
  ::oem::v1::ListSharesRequest lreq;
  *lreq.mutable_auth() = auth;
  lreq.mutable_list()->set_credential_id(req.credential_id());
  lreq.mutable_list()->set_include_descendants(req.include_descendants());
  ASSIGN_OR_RETURN(*lreq.mutable_list()->mutable_holder(),
                   HolderProofLocked(*cred, "ListShares", req.credential_id()));
  ca::ListSharesResponse resp;
  RETURN_IF_ERROR(SCT_CALL("oem", deps_.oem, ListShares, lreq, &resp));
  return resp;
}

absl::StatusOr<dv::GetStateResponse> DeviceAgent::GetState(const dv::GetStateRequest& req) {
  absl::MutexLock lock(&mu_);
  if (!req.persona().empty()) RETURN_IF_ERROR(wallet_.Persona(req.persona()).status());
  dv::GetStateResponse resp;
  resp.set_device_id(wallet_.state().device_id());
  resp.set_oem_id(options_.oem_id);
  resp.set_enrolled(wallet_.enrolled());
  for (const auto& p : wallet_.state().personas()) {
    if (!req.persona().empty() && p.name() != req.persona()) continue;
    dv::PersonaState* ps = resp.add_personas();
    ps->set_name(p.name());
    ps->set_kind(p.kind());
    for (const auto& k : p.keys()) {
      dv::KeyInfo* ki = ps->add_keys();
      ki->set_key_id(k.key_id());
      ki->set_public_key(k.public_key());
      ki->set_attested(k.attestation().certificates_der_size() > 0);
    }
    for (const auto& c : p.credentials()) {
      dv::WalletCredential* wc = ps->add_credentials();
      wc->set_credential_id(c.credential().credential_id());
      wc->set_label(c.label());
      wc->set_access_point_id(c.credential().access_point_id());
      wc->set_kind(c.credential().kind());
      *wc->mutable_entitlements() = c.credential().entitlements();
      *wc->mutable_validity() = c.credential().validity();
      wc->set_resharing_allowed(c.credential().resharing_allowed());
      wc->set_parent_share_id(c.credential().parent_share_id());
      wc->set_key_id(c.key_id());
    }
    for (const auto& m : p.mailboxes()) {
      dv::MailboxRecord* mr = ps->add_mailboxes();
      mr->set_mailbox_id(m.mailbox_id());
      mr->set_share_id(m.share_id());
      mr->set_role(m.role());
      mr->set_state(m.state());
      mr->set_round(m.round());
      if (m.has_expires_at()) *mr->mutable_expires_at() = m.expires_at();
      mr->set_last_reason(m.last_reason());
    }
  }
  absl::MutexLock elock(&events_mu_);
  resp.set_push_connected(push_connected_);
  for (const auto& n : notifications_) *resp.add_notifications() = n;
  return resp;
}

}  // namespace sct::device

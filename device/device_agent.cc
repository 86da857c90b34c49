// DeviceAgent: creation, enrolment, personas, keys, installed credentials,
// holder proofs, the device's state and events, and the bookkeeping every
// flow shares (persisting the wallet, scheduling polls, recording failures).
#include "device/device_agent.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/relay_attestation.h"
#include "common/status_macros.h"
#include "device/transcripts.h"
#include "device/wallet_lookup.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace ds = ::device::state;
namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;
using Oem = ::oem::v1::Oem::StubInterface;

// The state of one persona as GetState reports it (no secrets).
void FillPersonaState(const ds::PersonaRecord& p, dv::PersonaState* ps) {
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

// Checks an out-of-band credential against the key it is installed for.
absl::Status CheckInstalledCredential(const cv::Credential& cred, const ds::KeyRecord& key) {
  if (cred.credential_id().empty()) {
    return InvalidField("credential.credential_id", "must not be empty");
  }
  if (cred.holder_public_key() != key.public_key()) {
    return InvalidField("credential.holder_public_key", "does not match key_id's public key");
  }
  if (cred.kind() == cv::ASYMMETRIC) {
    if (!cred.has_asymmetric() || cred.asymmetric().certificate_der().empty()) {
      return InvalidField("credential.asymmetric", "certificate missing");
    }
  } else if (cred.kind() == cv::SYMMETRIC) {
    if (!cred.has_symmetric()) return InvalidField("credential.symmetric", "sealed key missing");
  } else {
    return InvalidField("credential.kind", "must be ASYMMETRIC or SYMMETRIC");
  }
  return absl::OkStatus();
}

}  // namespace

DeviceAgent::DeviceAgent(DeviceAgentOptions options, DeviceAgentDeps deps, Wallet wallet)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      caller_(options_.rpc_timeout),
      grpc_relay_(deps_.relay_client != nullptr
                      ? nullptr
                      : std::make_unique<GrpcRelayClient>(deps_.relay, &caller_,
                                                          deps_.relay_target)),
      relay_(deps_.relay_client != nullptr ? deps_.relay_client : grpc_relay_.get()),
      mailbox_io_(relay_, deps_.observe_plaintext, deps_.derived_relay),
      events_(deps_.clock),
      wallet_(std::move(wallet)) {}

absl::StatusOr<std::unique_ptr<DeviceAgent>> DeviceAgent::Create(DeviceAgentOptions options,
                                                                 DeviceAgentDeps deps) {
  if (deps.clock == nullptr || deps.secure_element == nullptr || deps.oem == nullptr ||
      (deps.relay == nullptr && deps.relay_client == nullptr)) {
    return InvalidField("deps", "clock, secure_element, oem and relay are required");
  }
  if (options.oem_id.empty()) return InvalidField("oem_id", "must not be empty");
  ASSIGN_OR_RETURN(Wallet wallet, Wallet::FromBytes(deps.secure_element->Wallet()));
  return std::unique_ptr<DeviceAgent>(
      new DeviceAgent(std::move(options), std::move(deps), std::move(wallet)));
}

// ---------------------------------------------------------------- shared bookkeeping

absl::Status DeviceAgent::PersistLocked() {
  return deps_.secure_element->StoreWallet(wallet_.ToBytes());
}

std::string DeviceAgent::PollKey(const Persona& persona, const Entry& entry) {
  return absl::StrCat(persona.name(), "/", entry.mailbox_id(), "/", static_cast<int>(entry.role()));
}

void DeviceAgent::SchedulePollLocked(const Persona& persona, const Entry& entry, absl::Time now) {
  polls_[PollKey(persona, entry)] = PollState{now + options_.poll_initial, options_.poll_initial};
}

void DeviceAgent::FailLocked(Persona& persona, Entry& entry, const absl::Status& status) {
  entry.set_last_reason(ReasonOf(status));
  entry.set_last_code(static_cast<int>(status.code()));
  PersistLocked().IgnoreError();
  events_.Emit(ExchangeEvent(dv::EVENT_FLOW_FAILED, persona, entry, ReasonOf(status)));
}

std::vector<dv::DeviceEvent> DeviceAgent::EventsAfter(uint64_t after_sequence,
                                                      const std::string& persona) const {
  return events_.EventsAfter(after_sequence, persona);
}

bool DeviceAgent::WaitForEventAfter(uint64_t after_sequence, absl::Duration timeout) const {
  return events_.WaitForEventAfter(after_sequence, timeout);
}

// ---------------------------------------------------------------- enrolment and personas

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
  RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::GetChallenge, creq, &cresp));
  ASSIGN_OR_RETURN(std::string proof, deps_.secure_element->Sign(
                                          st.identity_key_id(),
                                          EnrolTranscript(options_.oem_id, cresp.nonce(), spki)));
  ::oem::v1::EnrolDeviceRequest ereq;
  ereq.set_identity_public_key(spki);
  ereq.set_nonce(cresp.nonce());
  ereq.set_proof_of_possession(proof);
  ereq.set_model(options_.model);
  ::oem::v1::EnrolDeviceResponse eresp;
  RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::EnrolDevice, ereq, &eresp));
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

// ---------------------------------------------------------------- keys and credentials

absl::StatusOr<ds::KeyRecord> DeviceAgent::NewAttestedKeyLocked(Persona& persona) {
  ASSIGN_OR_RETURN(::oem::v1::DeviceAuth auth, DeviceAuthOf(wallet_));
  ASSIGN_OR_RETURN(ds::KeyRecord rec, AttestNewKey(auth, wallet_.state().identity_key_id()));
  *persona.add_keys() = rec;
  RETURN_IF_ERROR(PersistLocked());
  return rec;
}

absl::StatusOr<ds::KeyRecord> DeviceAgent::AttestNewKey(const ::oem::v1::DeviceAuth& auth,
                                                       const std::string& identity_key_id) {
  SecureElement& se = *deps_.secure_element;
  // Written with the wallet write that names it: until then a crash loses a
  // key nothing refers to.
  ASSIGN_OR_RETURN(std::string key_id,
                   se.GenerateKey(SecureElement::KeyPersistence::kWithNextWrite));
  absl::StatusOr<ds::KeyRecord> rec = [&]() -> absl::StatusOr<ds::KeyRecord> {
    ASSIGN_OR_RETURN(std::string spki, se.PublicKeySpki(key_id));
    ::oem::v1::GetChallengeRequest creq;
    ::oem::v1::GetChallengeResponse cresp;
    RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::GetChallenge, creq, &cresp));
    const std::string message = AttestKeyTranscript(cresp.nonce(), spki);
    ::oem::v1::AttestKeyRequest areq;
    *areq.mutable_auth() = auth;
    areq.set_public_key(spki);
    areq.set_nonce(cresp.nonce());
    ASSIGN_OR_RETURN(*areq.mutable_identity_signature(), se.Sign(identity_key_id, message));
    ASSIGN_OR_RETURN(*areq.mutable_possession_signature(), se.Sign(key_id, message));
    ::oem::v1::AttestKeyResponse aresp;
    RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::AttestKey, areq, &aresp));
    ds::KeyRecord out;
    out.set_key_id(key_id);
    out.set_public_key(spki);
    *out.mutable_attestation() = aresp.attestation();
    return out;
  }();
  if (!rec.ok()) se.DeleteKey(key_id).IgnoreError();
  return rec;
}

absl::StatusOr<ds::KeyRecord> DeviceAgent::ExchangeKeyLocked(Persona& persona, Entry& entry) {
  if (!entry.pending_key_id().empty()) {
    ASSIGN_OR_RETURN(ds::KeyRecord * existing, Wallet::Key(persona, entry.pending_key_id()));
    return *existing;
  }
  ASSIGN_OR_RETURN(ds::KeyRecord key, NewAttestedKeyLocked(persona));
  entry.set_pending_key_id(key.key_id());
  return key;
}

absl::StatusOr<std::string> DeviceAgent::RelayAttestationLocked(Persona& persona,
                                                               const std::string& claim) {
  if (!options_.relay_attestation) return std::string();
  ASSIGN_OR_RETURN(ds::KeyRecord key, NewAttestedKeyLocked(persona));
  ::relay::v1::DeviceAttestation attestation;
  *attestation.mutable_certificates_der() = key.attestation().certificates_der();
  ASSIGN_OR_RETURN(*attestation.mutable_claim_signature(),
                   deps_.secure_element->Sign(key.key_id(), RelayAttestationTranscript(claim)));
  return Base64UrlEncode(attestation.SerializeAsString());
}

absl::StatusOr<dv::PrepareKeyResponse> DeviceAgent::PrepareKey(const dv::PrepareKeyRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(req.persona()).In(wallet_));
  ASSIGN_OR_RETURN(ds::KeyRecord rec, NewAttestedKeyLocked(*target.persona));
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
  ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(req.persona()).Key(req.key_id()).In(wallet_));
  const cv::Credential& cred = req.credential();
  RETURN_IF_ERROR(CheckInstalledCredential(cred, *target.key));
  ds::CredentialRecord rec;
  if (cred.kind() == cv::SYMMETRIC) {
    ASSIGN_OR_RETURN(std::string handle,
                     deps_.secure_element->OpenSealedKey(
                         target.key->key_id(), cred.symmetric().hpke_enc(),
                         cred.symmetric().sealed_key(), cred.symmetric().hpke_info()));
    rec.set_symmetric_handle(handle);
  }
  dv::InstallCredentialResponse resp;
  resp.set_credential_id(cred.credential_id());
  if (Wallet::Credential(*target.persona, cred.credential_id()).ok()) {
    return resp;  // idempotent re-install
  }
  *rec.mutable_credential() = cred;
  rec.set_label(req.label());
  rec.set_key_id(target.key->key_id());
  *target.persona->add_credentials() = rec;
  RETURN_IF_ERROR(PersistLocked());
  return resp;
}

// ---------------------------------------------------------------- holder proofs

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

// ---------------------------------------------------------------- state

absl::StatusOr<dv::GetStateResponse> DeviceAgent::GetState(const dv::GetStateRequest& req) {
  absl::MutexLock lock(&mu_);
  // An empty persona asks for all of them (not for the default one).
  if (!req.persona().empty()) RETURN_IF_ERROR(WalletLookup(req.persona()).In(wallet_).status());
  dv::GetStateResponse resp;
  resp.set_device_id(wallet_.state().device_id());
  resp.set_oem_id(options_.oem_id);
  resp.set_enrolled(wallet_.enrolled());
  for (const auto& p : wallet_.state().personas()) {
    if (!req.persona().empty() && p.name() != req.persona()) continue;
    FillPersonaState(p, resp.add_personas());
  }
  events_.FillPushState(&resp);
  return resp;
}

}  // namespace sct::device

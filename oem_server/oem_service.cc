#include "oem_server/oem_service.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "crypto/constant_time.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "crypto/random.h"

namespace sct::oem {
namespace {

namespace ca = credential_authority::v1;
using crypto::EcdsaP256PublicKey;
using crypto::SignatureEncoding;

constexpr size_t kMaxModelLength = 64;
constexpr size_t kMaxMailboxIdLength = 128;
constexpr int64_t kSweepBatch = 100;

bool IsPrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

absl::Status BadProof(absl::string_view what) {
  return MakeError(absl::StatusCode::kPermissionDenied,
                   "bad_proof_of_possession",
                   absl::StrCat(what, " does not verify"));
}

absl::Status BadAttestation(absl::string_view why) {
  return MakeError(absl::StatusCode::kPermissionDenied, "bad_attestation",
                   absl::StrCat("redeem.receiver_attestation: ", why));
}

}  // namespace

std::string EnrolmentMessage(absl::string_view oem_id, absl::string_view nonce,
                             absl::string_view identity_public_key) {
  return absl::StrCat(absl::string_view("sct-enrol-v1\0", 13), oem_id,
                      absl::string_view("\0", 1), nonce, identity_public_key);
}

std::string AttestKeyMessage(absl::string_view nonce,
                             absl::string_view public_key) {
  return absl::StrCat(absl::string_view("sct-attest-key-v1\0", 18), nonce,
                      public_key);
}

absl::StatusOr<Malice> ParseMalice(absl::string_view value, absl::string_view field) {
  if (value.empty() || value == "none") return Malice::kNone;
  if (value == "attest_own_key") return Malice::kAttestOwnKey;
  if (value == "redeem_own_key") return Malice::kRedeemOwnKey;
  return InvalidField(field, absl::StrCat("must be none, attest_own_key or redeem_own_key (got \"",
                                          value, "\")"));
}

std::string PushTokenType(absl::string_view oem_id) {
  return absl::StrCat("sct-push/", oem_id);
}

OemService::OemService(OemServiceOptions options, const Clock& clock,
                       DeviceRegistry* registry, const AttestationCa* ca,
                       AuthorityClient* authority, const ProvisioningFormat* format)
    : options_(std::move(options)),
      clock_(clock),
      registry_(registry),
      ca_(ca),
      authority_(authority),
      format_(format),
      hub_(registry, clock, options_.push_queue_limit, options_.max_streams_per_device) {
  ChallengeOptions challenge_options;
  challenge_options.ttl = options_.challenge_ttl;
  challenge_options.max_used = options_.max_used_challenges;
  // Only OpenSSL's RNG failing can stop this; nothing works without it.
  challenges_ = Challenges::Create(clock_, challenge_options).value();
}

absl::StatusOr<::oem::v1::GetChallengeResponse> OemService::GetChallenge(
    const ::oem::v1::GetChallengeRequest&) {
  ASSIGN_OR_RETURN(Challenges::Issued issued, challenges_->Issue());
  ::oem::v1::GetChallengeResponse response;
  response.set_nonce(std::move(issued.nonce));
  *response.mutable_expires_at() = ToProtoTimestamp(issued.expires_at);
  return response;
}

absl::StatusOr<DeviceRecord> OemService::Authenticate(
    const ::oem::v1::DeviceAuth& auth, bool present) {
  if (!present || auth.device_id().empty()) {
    return InvalidField("auth.device_id", "required");
  }
  if (auth.device_id().size() > 64) {
    return InvalidField("auth.device_id", "too long");
  }
  absl::StatusOr<DeviceRecord> device = registry_->GetDevice(auth.device_id());
  if (absl::IsNotFound(device.status())) {
    return MakeError(absl::StatusCode::kUnauthenticated, "unknown_device",
                     "device not enrolled with this OEM");
  }
  if (!device.ok()) return device.status();
  const std::string hash = crypto::Sha256(auth.device_token());
  if (auth.device_token().size() != kDeviceTokenSize ||
      !crypto::ConstantTimeEquals(hash, device->token_hash)) {
    return MakeError(absl::StatusCode::kUnauthenticated, "bad_device_token",
                     "device token does not match");
  }
  return device;
}

absl::StatusOr<::oem::v1::EnrolDeviceResponse> OemService::EnrolDevice(
    const ::oem::v1::EnrolDeviceRequest& request) {
  absl::StatusOr<EcdsaP256PublicKey> identity =
      EcdsaP256PublicKey::FromSpkiDer(request.identity_public_key());
  if (!identity.ok()) {
    return InvalidField("identity_public_key", "not a P-256 SPKI");
  }
  if (request.model().size() > kMaxModelLength ||
      !IsPrintableAscii(request.model())) {
    return InvalidField("model", "at most 64 printable ASCII characters");
  }
  if (request.proof_of_possession().empty()) {
    return InvalidField("proof_of_possession", "required");
  }
  RETURN_IF_ERROR(challenges_->Consume(request.nonce(), "nonce"));
  if (!identity
           ->Verify(EnrolmentMessage(options_.oem_id, request.nonce(),
                                     request.identity_public_key()),
                    request.proof_of_possession(), SignatureEncoding::kDer)
           .ok()) {
    return BadProof("proof_of_possession");
  }

  absl::Time now = clock_.Now();
  DeviceRecord device;
  device.device_id = NewUuidV4();
  device.identity_spki = identity->SpkiDer();
  device.model = request.model();
  device.enrolled_at = now;
  ASSIGN_OR_RETURN(std::string token, crypto::RandomBytes(kDeviceTokenSize));
  device.token_hash = crypto::Sha256(token);
  ASSIGN_OR_RETURN(
      crypto::Certificate cert,
      ca_->IssueDeviceCertificate(*identity, device.device_id, now));
  ASSIGN_OR_RETURN(std::string cert_der, cert.ToDer());
  // The identity certificate names the device, so it is deliberately not
  // registered as an attested key: ProvisionCredential refuses it and it
  // never reaches the authority.
  RETURN_IF_ERROR(registry_->InsertDevice(device));
  std::cerr << "oem " << options_.oem_id << ": enrolled a device (model \""
            << device.model << "\")\n";

  ::oem::v1::EnrolDeviceResponse response;
  response.set_device_id(device.device_id);
  response.set_device_token(token);
  response.mutable_identity_attestation()->add_certificates_der(cert_der);
  response.set_attestation_root_der(ca_->root_der());
  return response;
}

absl::StatusOr<EcdsaP256PublicKey> OemService::OwnKey(const std::string& device_id,
                                                      absl::Time now, std::string* cert_der) {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey own, crypto::EcdsaP256PrivateKey::Generate());
  ASSIGN_OR_RETURN(crypto::Certificate cert, ca_->IssueKeyCertificate(own.PublicKey(), now));
  ASSIGN_OR_RETURN(*cert_der, cert.ToDer());
  RETURN_IF_ERROR(registry_->InsertAttestedKey(
      crypto::Sha256(*cert_der), AttestedKey{device_id, own.PublicKey().SpkiDer()}, now));
  EcdsaP256PublicKey public_key = own.PublicKey();
  absl::MutexLock lock(&own_keys_mu_);
  own_keys_.push_back(std::move(own));
  return public_key;
}

absl::StatusOr<::oem::v1::AttestKeyResponse> OemService::AttestKey(
    const ::oem::v1::AttestKeyRequest& request) {
  ASSIGN_OR_RETURN(DeviceRecord device,
                   Authenticate(request.auth(), request.has_auth()));
  absl::StatusOr<EcdsaP256PublicKey> key =
      EcdsaP256PublicKey::FromSpkiDer(request.public_key());
  if (!key.ok()) return InvalidField("public_key", "not a P-256 SPKI");
  if (request.identity_signature().empty()) {
    return InvalidField("identity_signature", "required");
  }
  if (request.possession_signature().empty()) {
    return InvalidField("possession_signature", "required");
  }
  RETURN_IF_ERROR(challenges_->Consume(request.nonce(), "nonce"));
  std::string message = AttestKeyMessage(request.nonce(), request.public_key());
  ASSIGN_OR_RETURN(EcdsaP256PublicKey identity,
                   EcdsaP256PublicKey::FromSpkiDer(device.identity_spki));
  if (!identity
           .Verify(message, request.identity_signature(),
                   SignatureEncoding::kDer)
           .ok()) {
    return BadProof("identity_signature");
  }
  if (!key->Verify(message, request.possession_signature(),
                   SignatureEncoding::kDer)
           .ok()) {
    return BadProof("possession_signature");
  }
  absl::Time now = clock_.Now();
  if (options_.malice == Malice::kAttestOwnKey) {
    // Malicious: the device proved it holds `key`; certify one of ours.
    ::oem::v1::AttestKeyResponse response;
    std::string cert_der;
    RETURN_IF_ERROR(OwnKey(device.device_id, now, &cert_der).status());
    std::cerr << "oem " << options_.oem_id
              << ": malicious attest_own_key: attested a key of its own for device "
              << device.device_id << "\n";
    response.mutable_attestation()->add_certificates_der(cert_der);
    return response;
  }
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   ca_->IssueKeyCertificate(*key, now));
  ASSIGN_OR_RETURN(std::string cert_der, cert.ToDer());
  const std::string cert_hash = crypto::Sha256(cert_der);
  RETURN_IF_ERROR(registry_->InsertAttestedKey(
      cert_hash, AttestedKey{device.device_id, key->SpkiDer()}, now));
  ::oem::v1::AttestKeyResponse response;
  response.mutable_attestation()->add_certificates_der(cert_der);
  return response;
}

absl::StatusOr<ca::InitiateShareResponse> OemService::RequestShare(
    const ::oem::v1::RequestShareRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()).status());
  if (!request.has_share()) return InvalidField("share", "required");
  ASSIGN_OR_RETURN(ca::InitiateShareResponse response, authority_->InitiateShare(request.share()));
  if (format_ != nullptr) RETURN_IF_ERROR(format_->Wrap(response.mutable_token()));
  return response;
}

absl::StatusOr<ca::RedeemShareResponse> OemService::ProvisionCredential(
    const ::oem::v1::ProvisionCredentialRequest& request) {
  ASSIGN_OR_RETURN(DeviceRecord device,
                   Authenticate(request.auth(), request.has_auth()));
  if (!request.has_redeem()) return InvalidField("redeem", "required");
  const ca::RedeemShareRequest& redeem = request.redeem();
  absl::StatusOr<EcdsaP256PublicKey> receiver =
      EcdsaP256PublicKey::FromSpkiDer(redeem.receiver_public_key());
  if (!receiver.ok()) {
    return InvalidField("redeem.receiver_public_key", "not a P-256 SPKI");
  }
  if (redeem.receiver_attestation().certificates_der_size() == 0) {
    return InvalidField("redeem.receiver_attestation", "required");
  }
  const std::string leaf_hash = crypto::Sha256(redeem.receiver_attestation().certificates_der(0));
  absl::StatusOr<AttestedKey> attested = registry_->GetAttestedKey(leaf_hash);
  if (absl::IsNotFound(attested.status())) {
    return BadAttestation("not issued by this OEM");
  }
  if (!attested.ok()) return attested.status();
  if (attested->device_id != device.device_id) {
    return BadAttestation("issued to another device");
  }
  // A vendor that attested its own key knows this check would refuse: it
  // skips it and leaves the mismatch to the authority.
  if (attested->public_key_spki != receiver->SpkiDer() &&
      options_.malice != Malice::kAttestOwnKey) {
    return BadAttestation("does not certify receiver_public_key");
  }
  ca::RedeemShareRequest substituted;
  const ca::RedeemShareRequest* forwarded = &redeem;
  if (options_.malice == Malice::kRedeemOwnKey) {
    // Malicious: redeem the share for a key of ours, with a valid chain.
    substituted = redeem;
    std::string cert_der;
    ASSIGN_OR_RETURN(EcdsaP256PublicKey own, OwnKey(device.device_id, clock_.Now(), &cert_der));
    substituted.set_receiver_public_key(own.SpkiDer());
    substituted.mutable_receiver_attestation()->clear_certificates_der();
    substituted.mutable_receiver_attestation()->add_certificates_der(cert_der);
    std::cerr << "oem " << options_.oem_id
              << ": malicious redeem_own_key: redeems a share for a key of its own (device "
              << device.device_id << ")\n";
    forwarded = &substituted;
  }
  if (format_ == nullptr) return authority_->RedeemShare(*forwarded);
  ca::RedeemShareRequest unwrapped = *forwarded;
  absl::StatusOr<common::v1::SignedShareToken> inner =
      format_->Unwrap(redeem.token(), "redeem.token");
  if (!inner.ok()) {
    std::cerr << "oem " << options_.oem_id << ": refused a redemption ("
              << ReasonOf(inner.status()) << ")\n";
    return inner.status();
  }
  *unwrapped.mutable_token() = *std::move(inner);
  return authority_->RedeemShare(unwrapped);
}

absl::StatusOr<ca::RevokeResponse> OemService::RevokeShare(
    const ::oem::v1::RevokeShareRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()).status());
  if (!request.has_revoke()) return InvalidField("revoke", "required");
  if (!request.revoke().has_holder()) {
    // Without a holder proof the authority would treat this as an admin
    // call; a device never speaks as the admin.
    return InvalidField("revoke.holder", "required");
  }
  return authority_->RevokeShare(request.revoke());
}

absl::StatusOr<ca::RevokeResponse> OemService::RevokeCredential(
    const ::oem::v1::RevokeCredentialRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()).status());
  if (!request.has_revoke()) return InvalidField("revoke", "required");
  if (!request.revoke().has_holder()) {
    return InvalidField("revoke.holder", "required");
  }
  return authority_->RevokeCredential(request.revoke());
}

absl::StatusOr<ca::ListSharesResponse> OemService::ListShares(
    const ::oem::v1::ListSharesRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()).status());
  if (!request.has_list()) return InvalidField("list", "required");
  if (!request.list().has_holder()) {
    return InvalidField("list.holder", "required");
  }
  return authority_->ListShares(request.list());
}

absl::StatusOr<::oem::v1::MintPushTokenResponse> OemService::MintPushToken(
    const ::oem::v1::MintPushTokenRequest& request) {
  ASSIGN_OR_RETURN(DeviceRecord device,
                   Authenticate(request.auth(), request.has_auth()));
  absl::Time now = clock_.Now();
  // Opportunistic clean-up, bounded so a mint never does unbounded work.
  registry_->SweepExpiredPushTokens(now, kSweepBatch).status().IgnoreError();
  ASSIGN_OR_RETURN(std::string raw, crypto::RandomBytes(kPushTokenSize));
  std::string token = Base64UrlEncode(raw);
  PushRoute route{device.device_id, now + options_.push_token_ttl};
  RETURN_IF_ERROR(registry_->InsertPushToken(token, route));
  ::oem::v1::MintPushTokenResponse response;
  response.set_token_type(PushTokenType(options_.oem_id));
  response.set_token_data(token);
  *response.mutable_expires_at() = ToProtoTimestamp(route.expires_at);
  return response;
}

absl::StatusOr<::oem::v1::NotifyResponse> OemService::Notify(
    const ::oem::v1::NotifyRequest& request,
    absl::string_view caller_identity) {
  if (!options_.relay_cn.empty() && caller_identity != options_.relay_cn) {
    return MakeError(absl::StatusCode::kUnauthenticated, "untrusted_relay",
                     "Notify is only accepted from the relay's TLS identity");
  }
  if (request.mailbox_id().empty() ||
      request.mailbox_id().size() > kMaxMailboxIdLength ||
      !IsPrintableAscii(request.mailbox_id())) {
    return InvalidField("mailbox_id",
                        "1 to 128 printable ASCII characters required");
  }
  if (request.token_data().empty()) {
    return InvalidField("token_data", "required");
  }
  absl::Status unknown =
      MakeError(absl::StatusCode::kNotFound, "unknown_push_token",
                "unknown or expired push token");
  if (request.token_type() != PushTokenType(options_.oem_id)) return unknown;
  absl::StatusOr<PushRoute> route =
      registry_->GetPushToken(request.token_data(), clock_.Now());
  if (absl::IsNotFound(route.status())) return unknown;
  if (!route.ok()) return route.status();
  RETURN_IF_ERROR(
      hub_.Publish(route->device_id, request.mailbox_id(), request.token_data())
          .status());
  ::oem::v1::NotifyResponse response;
  response.set_accepted(true);
  return response;
}

absl::StatusOr<std::unique_ptr<Subscription>>
OemService::SubscribeNotifications(
    const ::oem::v1::SubscribeNotificationsRequest& request) {
  ASSIGN_OR_RETURN(DeviceRecord device,
                   Authenticate(request.auth(), request.has_auth()));
  return hub_.Subscribe(device.device_id, request.after_sequence());
}

::oem::v1::GetOemInfoResponse OemService::GetOemInfo() const {
  ::oem::v1::GetOemInfoResponse response;
  response.set_oem_id(options_.oem_id);
  response.set_attestation_root_der(ca_->root_der());
  response.set_push_token_type(PushTokenType(options_.oem_id));
  return response;
}

}  // namespace sct::oem

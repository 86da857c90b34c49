// The OEM server's logic (oem.v1.Oem without the transport): device
// enrolment with proof of possession, key attestation, device authentication,
// the bridge to the credential authority, and push-token routing.
//
// Device authentication: EnrolDevice returns a device id and a 32-byte random
// bearer token (once); the registry keeps only SHA-256(token). Every later
// device call carries DeviceAuth{device_id, device_token} and is checked with
// a constant-time compare. Proofs of possession (enrolment, key attestation)
// are ECDSA P-256/SHA-256 (DER) signatures over a domain-separated message
// containing a fresh single-use nonce from GetChallenge. Nonces are
// stateless (challenges.h): GetChallenge stores nothing and costs the same
// however many challenges are outstanding.
//
// What the OEM never learns: mailbox secrets and plaintext (it bridges share
// tokens but never sees links), PINs are forwarded to the authority inside
// TLS and never stored or logged, and other OEMs' device identities.
//
// Errors (stable reasons, as in proto/oem/v1/oem.proto):
//   INVALID_ARGUMENT "invalid_field" (message names the field);
//   UNAUTHENTICATED "unknown_device", "bad_device_token", "untrusted_relay";
//   PERMISSION_DENIED "bad_proof_of_possession", "unknown_challenge",
//     "bad_attestation" (ProvisionCredential with a chain not issued to the
//     calling device or not for receiver_public_key);
//   ALREADY_EXISTS "device_already_enrolled" (identity key enrolled before);
//   with a ProvisioningFormat, ProvisionCredential also answers
//     FAILED_PRECONDITION "no_provisioning_agreement", PERMISSION_DENIED
//     "bad_provisioning_format" and invalid_field "redeem.token.vendor_format"
//     (provisioning_format.h) before it calls the authority;
//   NOT_FOUND "unknown_push_token";
//   RESOURCE_EXHAUSTED "too_many_challenges" (EnrolDevice/AttestKey, when
//     max_used_challenges answered nonces are still unexpired);
//   UNAVAILABLE "authority_unavailable", "shutting_down", "store_unavailable";
//   and every authority error unchanged on the bridged calls.
//
// Malicious modes (OemServiceOptions::malice, oem_server --malicious): a
// receiving vendor that substitutes a key it generated and keeps for its
// device's key, at attestation (AttestKey certifies the vendor's key; its
// own ProvisionCredential check of the chain against receiver_public_key is
// skipped) or at redemption (ProvisionCredential forwards RedeemShare with
// the vendor's key and a fresh attestation of it; the authority's answer
// goes back to the device unchanged). Who notices is the point: the
// authority's chain check, the sender's endorsement (multi-round), the
// device's check of the issued credential's holder key (docs/oem_server.md).
// The vendor's private keys stay in memory and are never logged.
//
// Thread-safety: all methods are thread-safe. Ownership: nothing injected is
// owned; the clock, registry, CA and authority client must outlive the
// service.
#ifndef SCT_OEM_SERVER_OEM_SERVICE_H_
#define SCT_OEM_SERVER_OEM_SERVICE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/authority_client.h"
#include "oem_server/challenges.h"
#include "oem_server/device_registry.h"
#include "oem_server/notification_hub.h"
#include "oem_server/provisioning_format.h"
#include "proto/oem/v1/oem.pb.h"

namespace sct::oem {

// What a malicious vendor does (docs/oem_server.md, "Malicious modes").
enum class Malice { kNone, kAttestOwnKey, kRedeemOwnKey };

// "" or "none", "attest_own_key", "redeem_own_key"; else invalid_field
// naming `field`.
absl::StatusOr<Malice> ParseMalice(absl::string_view value, absl::string_view field);

struct OemServiceOptions {
  std::string oem_id;  // e.g. "oem-a"; required
  // TLS client-certificate CN that Notify accepts. Empty accepts any caller:
  // only for --insecure development runs.
  std::string relay_cn;
  absl::Duration challenge_ttl = absl::Minutes(5);
  // Answered challenges remembered (until they expire) to refuse replays.
  size_t max_used_challenges = 100000;
  absl::Duration push_token_ttl = absl::Hours(24 * 7);
  int push_queue_limit = 64;  // per device, retained and per stream
  int max_streams_per_device = 4;  // newest wins (notification_hub.h)
  Malice malice = Malice::kNone;  // honest unless a scenario asks
};

// Domain-separated messages the device signs (exposed for devices and tests).
std::string EnrolmentMessage(absl::string_view oem_id, absl::string_view nonce,
                             absl::string_view identity_public_key);
std::string AttestKeyMessage(absl::string_view nonce,
                             absl::string_view public_key);
// "sct-push/<oem_id>": the notificationToken.type this OEM mints.
std::string PushTokenType(absl::string_view oem_id);

class OemService {
 public:
  inline static constexpr size_t kNonceSize = Challenges::kNonceSize;
  inline static constexpr size_t kDeviceTokenSize = 32;
  inline static constexpr size_t kPushTokenSize = 32;

  // `format`: this vendor's provisioning format (token model
  // PER_OEM_FORMAT); null for the standard token, passed through unchanged.
  OemService(OemServiceOptions options, const Clock& clock,
             DeviceRegistry* registry, const AttestationCa* ca,
             AuthorityClient* authority, const ProvisioningFormat* format = nullptr);
  OemService(const OemService&) = delete;
  OemService& operator=(const OemService&) = delete;

  absl::StatusOr<::oem::v1::GetChallengeResponse> GetChallenge(
      const ::oem::v1::GetChallengeRequest& request);
  absl::StatusOr<::oem::v1::EnrolDeviceResponse> EnrolDevice(
      const ::oem::v1::EnrolDeviceRequest& request);
  absl::StatusOr<::oem::v1::AttestKeyResponse> AttestKey(
      const ::oem::v1::AttestKeyRequest& request);
  absl::StatusOr<credential_authority::v1::InitiateShareResponse> RequestShare(
      const ::oem::v1::RequestShareRequest& request);
  absl::StatusOr<credential_authority::v1::RedeemShareResponse>
  ProvisionCredential(const ::oem::v1::ProvisionCredentialRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeShare(
      const ::oem::v1::RevokeShareRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeCredential(
      const ::oem::v1::RevokeCredentialRequest& request);
  absl::StatusOr<credential_authority::v1::ListSharesResponse> ListShares(
      const ::oem::v1::ListSharesRequest& request);
  absl::StatusOr<::oem::v1::MintPushTokenResponse> MintPushToken(
      const ::oem::v1::MintPushTokenRequest& request);
  // `caller_identity`: the CN of the caller's verified TLS client
  // certificate ("" if none).
  absl::StatusOr<::oem::v1::NotifyResponse> Notify(
      const ::oem::v1::NotifyRequest& request,
      absl::string_view caller_identity);
  // Opens the device's notification stream (see notification_hub.h).
  absl::StatusOr<std::unique_ptr<Subscription>> SubscribeNotifications(
      const ::oem::v1::SubscribeNotificationsRequest& request);
  ::oem::v1::GetOemInfoResponse GetOemInfo() const;

  // Ends every notification stream and refuses new ones.
  void Shutdown() { hub_.Close(); }
  NotificationHub& hub() { return hub_; }
  // Challenge-table entries examined so far (a work counter for tests).
  uint64_t challenge_entries_visited() const {
    return challenges_->entries_visited();
  }

 private:
  absl::StatusOr<DeviceRecord> Authenticate(const ::oem::v1::DeviceAuth& auth,
                                            bool present);
  // Malicious modes: a fresh key of the vendor's own, certified by its
  // attestation CA and recorded as attested to `device_id`; the private key
  // is kept in own_keys_. Returns the public key.
  absl::StatusOr<crypto::EcdsaP256PublicKey> OwnKey(const std::string& device_id, absl::Time now,
                                                    std::string* cert_der);

  const OemServiceOptions options_;
  const Clock& clock_;
  DeviceRegistry* registry_;
  const AttestationCa* ca_;
  AuthorityClient* authority_;
  const ProvisioningFormat* format_;
  NotificationHub hub_;

  // Stateless nonces (challenges.h); in memory: a restart invalidates
  // outstanding challenges, which devices simply re-request.
  std::unique_ptr<Challenges> challenges_;
  absl::Mutex own_keys_mu_;
  std::vector<crypto::EcdsaP256PrivateKey> own_keys_ ABSL_GUARDED_BY(own_keys_mu_);
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_OEM_SERVICE_H_

// What a device without a vendor server (the vendorless-device variant,
// docs/variants/vendorless-device.md) does itself instead of asking its OEM:
// it attests its own secure-element keys under its own attestation root (the
// root the authority registered for it, as it registers an OEM's) and calls
// the credential authority directly, over mutual TLS as itself, for shares,
// redemptions, revocations and share lists. It offers no push: a vendorless
// device polls the relay.
//
// The methods mirror oem.v1.Oem (proto/oem/v1/oem.proto), so that the device
// agent runs unchanged behind an in-process Oem service
// (device/vendorless/direct_authority_grpc.h):
//   GetChallenge, EnrolDevice, AttestKey  answered here: the device's identity
//       key proves possession; AttestKey issues a key certificate (CN
//       "attested key", kOidKeyAttestation = crypto::KeyAttestationStatement
//       of the vendor id) chained to the device's own root, nothing that
//       names the device in it;
//   RequestShare, ProvisionCredential, RevokeShare, RevokeCredential,
//       ListShares  the inner authority request, forwarded unchanged;
//   MintPushToken, SubscribeNotifications, Notify  refused: no push.
// Enrolment answers a fresh UUIDv4 device id, as an OEM does; it never
// leaves the device (the authority knows the device by its TLS identity, the
// caller of every share call).
//
// Thread-safety: thread-safe (one mutex over the nonces and the enrolment).
// Ownership: borrows the clock and the authority stub, which must outlive it.
// Errors: INVALID_ARGUMENT "invalid_field" naming the field;
// PERMISSION_DENIED "unknown_challenge" (nonce not issued here, or used),
// "bad_proof_of_possession"; UNAUTHENTICATED "unknown_device" (not enrolled,
// or another device id), "bad_device_token"; FAILED_PRECONDITION
// "push_unsupported" for the push calls; UNAVAILABLE "authority_unavailable"
// when the authority cannot be reached; every authority reason passes
// through with its code.
#ifndef SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_H_
#define SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "device/outbound_call.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/oem/v1/oem.pb.h"

namespace sct::device {

class DirectAuthority {
 public:
  // `vendor_id`: the device's identity at the authority (its TLS client
  // certificate's CN, and the id its attestation root is registered under).
  // `root_key` must be the key of `root` (a CA certificate).
  // INVALID_ARGUMENT "invalid_field" for an empty vendor id, a null clock or
  // authority, a root that is not a CA or does not match the key.
  static absl::StatusOr<std::unique_ptr<DirectAuthority>> Create(
      std::string vendor_id, crypto::EcdsaP256PrivateKey root_key, crypto::Certificate root,
      const Clock* clock, ::credential_authority::v1::CredentialAuthority::StubInterface* authority,
      absl::Duration rpc_timeout);

  // Loads the root key (PEM) and certificate (PEM) from files. NOT_FOUND
  // "file_unreadable" naming the file; otherwise as Create.
  static absl::StatusOr<std::unique_ptr<DirectAuthority>> Load(
      std::string vendor_id, const std::string& key_file, const std::string& cert_file,
      const Clock* clock, ::credential_authority::v1::CredentialAuthority::StubInterface* authority,
      absl::Duration rpc_timeout);

  absl::StatusOr<::oem::v1::GetChallengeResponse> GetChallenge();
  absl::StatusOr<::oem::v1::EnrolDeviceResponse> EnrolDevice(
      const ::oem::v1::EnrolDeviceRequest& request);
  absl::StatusOr<::oem::v1::AttestKeyResponse> AttestKey(
      const ::oem::v1::AttestKeyRequest& request);
  absl::StatusOr<::credential_authority::v1::InitiateShareResponse> RequestShare(
      const ::oem::v1::RequestShareRequest& request);
  absl::StatusOr<::credential_authority::v1::RedeemShareResponse> ProvisionCredential(
      const ::oem::v1::ProvisionCredentialRequest& request);
  absl::StatusOr<::credential_authority::v1::RevokeResponse> RevokeShare(
      const ::oem::v1::RevokeShareRequest& request);
  absl::StatusOr<::credential_authority::v1::RevokeResponse> RevokeCredential(
      const ::oem::v1::RevokeCredentialRequest& request);
  absl::StatusOr<::credential_authority::v1::ListSharesResponse> ListShares(
      const ::oem::v1::ListSharesRequest& request);
  // FAILED_PRECONDITION "push_unsupported".
  absl::Status NoPush() const;
  // oem_id = the vendor id, the root, no push token type.
  ::oem::v1::GetOemInfoResponse Info() const;

  const std::string& vendor_id() const { return vendor_id_; }

 private:
  // Nonces outstanding at once; the oldest is forgotten beyond this.
  static constexpr size_t kMaxNonces = 64;
  static constexpr absl::Duration kCertValidity = absl::Hours(24 * 825);
  static constexpr absl::Duration kBackdate = absl::Minutes(5);

  DirectAuthority(std::string vendor_id, crypto::EcdsaP256PrivateKey root_key,
                  crypto::Certificate root, std::string root_der, const Clock* clock,
                  ::credential_authority::v1::CredentialAuthority::StubInterface* authority,
                  absl::Duration rpc_timeout);

  absl::Status ConsumeNonce(const std::string& nonce) ABSL_LOCKS_EXCLUDED(mu_);
  // OK when `auth` is this device's enrolment.
  absl::Status Authenticate(const ::oem::v1::DeviceAuth& auth, bool present)
      ABSL_LOCKS_EXCLUDED(mu_);

  const std::string vendor_id_;
  const crypto::EcdsaP256PrivateKey root_key_;
  const crypto::Certificate root_;
  const std::string root_der_;
  const Clock* const clock_;
  ::credential_authority::v1::CredentialAuthority::StubInterface* const authority_;
  const OutboundCaller caller_;

  mutable absl::Mutex mu_;
  std::deque<std::string> nonces_ ABSL_GUARDED_BY(mu_);
  std::string identity_spki_ ABSL_GUARDED_BY(mu_);  // set by EnrolDevice
  std::string device_token_ ABSL_GUARDED_BY(mu_);
  std::string device_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::device

#endif  // SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_H_

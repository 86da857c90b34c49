#include "device/vendorless/direct_authority.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "crypto/constant_time.h"
#include "crypto/pem.h"
#include "crypto/random.h"
#include "device/transcripts.h"
#include "runtime/files.h"

namespace sct::device {
namespace {

namespace cav1 = ::credential_authority::v1;
using CaStub = cav1::CredentialAuthority::StubInterface;
using crypto::EcdsaP256PublicKey;
using crypto::SignatureEncoding;

absl::StatusOr<std::string> ReadNamed(const std::string& path, absl::string_view flag) {
  absl::StatusOr<std::string> data = ReadWholeFile(path);
  if (!data.ok()) {
    return MakeError(absl::StatusCode::kNotFound, "file_unreadable",
                     absl::StrCat(flag, ": ", data.status().message()));
  }
  return data;
}

// OK when `signature` (DER ECDSA) by the SPKI `spki` signs `message`;
// PERMISSION_DENIED "bad_proof_of_possession" naming `field` otherwise.
absl::Status CheckSignature(absl::string_view spki, absl::string_view message,
                            absl::string_view signature, absl::string_view field) {
  absl::StatusOr<EcdsaP256PublicKey> key = EcdsaP256PublicKey::FromSpkiDer(spki);
  if (!key.ok() || !key->Verify(message, signature, SignatureEncoding::kDer).ok()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "bad_proof_of_possession",
                     absl::StrCat(field, ": does not verify"));
  }
  return absl::OkStatus();
}

}  // namespace

DirectAuthority::DirectAuthority(std::string vendor_id, crypto::EcdsaP256PrivateKey root_key,
                                 crypto::Certificate root, std::string root_der, const Clock* clock,
                                 CaStub* authority, absl::Duration rpc_timeout)
    : vendor_id_(std::move(vendor_id)),
      root_key_(std::move(root_key)),
      root_(std::move(root)),
      root_der_(std::move(root_der)),
      clock_(clock),
      authority_(authority),
      caller_(rpc_timeout) {}

absl::StatusOr<std::unique_ptr<DirectAuthority>> DirectAuthority::Create(
    std::string vendor_id, crypto::EcdsaP256PrivateKey root_key, crypto::Certificate root,
    const Clock* clock, CaStub* authority, absl::Duration rpc_timeout) {
  if (vendor_id.empty()) return InvalidField("vendor_id", "required");
  if (clock == nullptr) return InvalidField("clock", "required");
  if (authority == nullptr) return InvalidField("authority", "required");
  if (!root.IsCa()) return InvalidField("attestation root", "not a CA certificate");
  ASSIGN_OR_RETURN(std::string point, root.PublicKeyPoint());
  if (point != root_key.PublicKey().UncompressedPoint()) {
    return InvalidField("attestation root key", "does not match the root certificate");
  }
  ASSIGN_OR_RETURN(std::string der, root.ToDer());
  return std::unique_ptr<DirectAuthority>(
      new DirectAuthority(std::move(vendor_id), std::move(root_key), std::move(root),
                          std::move(der), clock, authority, rpc_timeout));
}

absl::StatusOr<std::unique_ptr<DirectAuthority>> DirectAuthority::Load(
    std::string vendor_id, const std::string& key_file, const std::string& cert_file,
    const Clock* clock, CaStub* authority, absl::Duration rpc_timeout) {
  ASSIGN_OR_RETURN(std::string key_pem, ReadNamed(key_file, "--vendorless_attestation_key"));
  absl::StatusOr<crypto::EcdsaP256PrivateKey> key =
      crypto::P256PrivateKeyFromPem(key_pem, "--vendorless_attestation_key");
  key_pem.assign(key_pem.size(), '\0');
  if (!key.ok()) return key.status();
  ASSIGN_OR_RETURN(std::string cert_pem, ReadNamed(cert_file, "--vendorless_attestation_cert"));
  absl::StatusOr<crypto::Certificate> root = crypto::Certificate::FromPem(cert_pem);
  if (!root.ok()) {
    return InvalidField("--vendorless_attestation_cert", root.status().message());
  }
  return Create(std::move(vendor_id), *std::move(key), *std::move(root), clock, authority,
                rpc_timeout);
}

absl::StatusOr<::oem::v1::GetChallengeResponse> DirectAuthority::GetChallenge() {
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(32));
  {
    absl::MutexLock lock(&mu_);
    nonces_.push_back(nonce);
    if (nonces_.size() > kMaxNonces) nonces_.pop_front();
  }
  ::oem::v1::GetChallengeResponse response;
  response.set_nonce(std::move(nonce));
  *response.mutable_expires_at() = ToProtoTimestamp(clock_->Now() + absl::Minutes(5));
  return response;
}

absl::Status DirectAuthority::ConsumeNonce(const std::string& nonce) {
  absl::MutexLock lock(&mu_);
  auto it = std::find(nonces_.begin(), nonces_.end(), nonce);
  if (nonce.empty() || it == nonces_.end()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "unknown_challenge",
                     "nonce: not issued by this device's attestation root, or already used");
  }
  nonces_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<::oem::v1::EnrolDeviceResponse> DirectAuthority::EnrolDevice(
    const ::oem::v1::EnrolDeviceRequest& request) {
  if (request.identity_public_key().empty()) {
    return InvalidField("identity_public_key", "required");
  }
  RETURN_IF_ERROR(ConsumeNonce(request.nonce()));
  RETURN_IF_ERROR(
      CheckSignature(request.identity_public_key(),
                     EnrolTranscript(vendor_id_, request.nonce(), request.identity_public_key()),
                     request.proof_of_possession(), "proof_of_possession"));
  ASSIGN_OR_RETURN(std::string token, crypto::RandomBytes(32));
  absl::MutexLock lock(&mu_);
  identity_spki_ = request.identity_public_key();
  device_token_ = token;
  device_id_ = NewUuidV4();
  ::oem::v1::EnrolDeviceResponse response;
  response.set_device_id(device_id_);
  response.set_device_token(std::move(token));
  response.set_attestation_root_der(root_der_);
  return response;
}

absl::Status DirectAuthority::Authenticate(const ::oem::v1::DeviceAuth& auth, bool present) {
  if (!present || auth.device_id().empty()) return InvalidField("auth.device_id", "required");
  absl::MutexLock lock(&mu_);
  if (device_token_.empty() || auth.device_id() != device_id_) {
    return MakeError(absl::StatusCode::kUnauthenticated, "unknown_device",
                     "auth.device_id: not the enrolled device");
  }
  if (!crypto::ConstantTimeEquals(auth.device_token(), device_token_)) {
    return MakeError(absl::StatusCode::kUnauthenticated, "bad_device_token",
                     "auth.device_token: does not match");
  }
  return absl::OkStatus();
}

absl::StatusOr<::oem::v1::AttestKeyResponse> DirectAuthority::AttestKey(
    const ::oem::v1::AttestKeyRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  absl::StatusOr<EcdsaP256PublicKey> key = EcdsaP256PublicKey::FromSpkiDer(request.public_key());
  if (!key.ok()) return InvalidField("public_key", "not a P-256 SPKI");
  RETURN_IF_ERROR(ConsumeNonce(request.nonce()));
  const std::string message = AttestKeyTranscript(request.nonce(), request.public_key());
  std::string identity;
  {
    absl::MutexLock lock(&mu_);
    identity = identity_spki_;
  }
  RETURN_IF_ERROR(
      CheckSignature(identity, message, request.identity_signature(), "identity_signature"));
  RETURN_IF_ERROR(CheckSignature(request.public_key(), message, request.possession_signature(),
                                 "possession_signature"));
  const absl::Time now = clock_->Now();
  crypto::CertificateSpec spec;
  spec.subject_cn = "attested key";
  spec.not_before = now - kBackdate;
  spec.not_after = std::min(now + kCertValidity, root_.NotAfter());
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back({std::string(crypto::kOidKeyAttestation), false,
                             crypto::KeyAttestationStatement(vendor_id_)});
  ASSIGN_OR_RETURN(crypto::Certificate cert,
                   crypto::IssueCertificate(spec, *key, root_, root_key_));
  ::oem::v1::AttestKeyResponse response;
  ASSIGN_OR_RETURN(*response.mutable_attestation()->add_certificates_der(), cert.ToDer());
  return response;
}

absl::StatusOr<cav1::InitiateShareResponse> DirectAuthority::RequestShare(
    const ::oem::v1::RequestShareRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  cav1::InitiateShareResponse response;
  RETURN_IF_ERROR(
      caller_.Call("authority", authority_, &CaStub::InitiateShare, request.share(), &response));
  return response;
}

absl::StatusOr<cav1::RedeemShareResponse> DirectAuthority::ProvisionCredential(
    const ::oem::v1::ProvisionCredentialRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  cav1::RedeemShareResponse response;
  RETURN_IF_ERROR(
      caller_.Call("authority", authority_, &CaStub::RedeemShare, request.redeem(), &response));
  return response;
}

absl::StatusOr<cav1::RevokeResponse> DirectAuthority::RevokeShare(
    const ::oem::v1::RevokeShareRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  cav1::RevokeResponse response;
  RETURN_IF_ERROR(
      caller_.Call("authority", authority_, &CaStub::RevokeShare, request.revoke(), &response));
  return response;
}

absl::StatusOr<cav1::RevokeResponse> DirectAuthority::RevokeCredential(
    const ::oem::v1::RevokeCredentialRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  cav1::RevokeResponse response;
  RETURN_IF_ERROR(caller_.Call("authority", authority_, &CaStub::RevokeCredential, request.revoke(),
                               &response));
  return response;
}

absl::StatusOr<cav1::ListSharesResponse> DirectAuthority::ListShares(
    const ::oem::v1::ListSharesRequest& request) {
  RETURN_IF_ERROR(Authenticate(request.auth(), request.has_auth()));
  cav1::ListSharesResponse response;
  RETURN_IF_ERROR(
      caller_.Call("authority", authority_, &CaStub::ListShares, request.list(), &response));
  return response;
}

absl::Status DirectAuthority::NoPush() const {
  return MakeError(absl::StatusCode::kFailedPrecondition, "push_unsupported",
                   "a device without a vendor server has no push service: it polls the relay");
}

::oem::v1::GetOemInfoResponse DirectAuthority::Info() const {
  ::oem::v1::GetOemInfoResponse response;
  response.set_oem_id(vendor_id_);
  response.set_attestation_root_der(root_der_);
  return response;
}

}  // namespace sct::device

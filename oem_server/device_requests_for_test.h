// Test-only: builds the signed requests a device sends to its OEM (enrolment
// and key attestation proofs), as the simulated device in device/ does.
// Header-only; thread-compatible.
#ifndef SCT_OEM_SERVER_DEVICE_REQUESTS_FOR_TEST_H_
#define SCT_OEM_SERVER_DEVICE_REQUESTS_FOR_TEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/ecdsa.h"
#include "oem_server/oem_service.h"
#include "proto/oem/v1/oem.pb.h"

namespace sct::oem::testing {

inline ::oem::v1::EnrolDeviceRequest MakeEnrolRequest(
    absl::string_view oem_id, absl::string_view nonce,
    const crypto::EcdsaP256PrivateKey& identity,
    absl::string_view model = "sim-phone") {
  ::oem::v1::EnrolDeviceRequest request;
  request.set_identity_public_key(identity.PublicKey().SpkiDer());
  request.set_nonce(std::string(nonce));
  request.set_model(std::string(model));
  request.set_proof_of_possession(
      identity
          .Sign(EnrolmentMessage(oem_id, nonce, request.identity_public_key()),
                crypto::SignatureEncoding::kDer)
          .value());
  return request;
}

inline ::oem::v1::AttestKeyRequest MakeAttestKeyRequest(
    const ::oem::v1::DeviceAuth& auth, absl::string_view nonce,
    const crypto::EcdsaP256PrivateKey& identity,
    const crypto::EcdsaP256PrivateKey& key) {
  ::oem::v1::AttestKeyRequest request;
  *request.mutable_auth() = auth;
  request.set_public_key(key.PublicKey().SpkiDer());
  request.set_nonce(std::string(nonce));
  std::string message = AttestKeyMessage(nonce, request.public_key());
  request.set_identity_signature(
      identity.Sign(message, crypto::SignatureEncoding::kDer).value());
  request.set_possession_signature(
      key.Sign(message, crypto::SignatureEncoding::kDer).value());
  return request;
}

}  // namespace sct::oem::testing

#endif  // SCT_OEM_SERVER_DEVICE_REQUESTS_FOR_TEST_H_

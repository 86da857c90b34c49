// Fuzz target: the OEM server's gRPC face (oem.v1.Oem) — what any device or
// TLS client sends: enrolment challenges and enrolments, key attestation,
// share, provisioning and revocation requests (bridged to a fake authority
// that accepts everything), push-token minting, Notify and info requests,
// and the notification stream (SubscribeNotifications) — through the real
// adapter and OemService with a real attestation CA and a SQLite device
// registry. Notify runs as an unauthenticated caller with relay_cn empty (the
// --insecure development setting), so its decoding runs.
//
// Each world enrols one device with a real proof of possession, mints it a
// push token and publishes one notification to it; in a request,
// kDevicePlaceholder becomes its device id, kTokenPlaceholder its bearer
// token and kPushTokenPlaceholder its push token, so seeds reach what only an
// enrolled device can (push tokens, the stream and its replay, attestation)
// and what the relay sends for it (Notify).
// Input format: runtime/fuzz/grpc_fuzz_harness.h (the unary methods, then
// SubscribeNotifications; the id placeholder follows the last UUID an answer
// named).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/authority_client.h"
#include "oem_server/oem_grpc.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "runtime/fuzz/fuzz_world.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

namespace cav1 = ::credential_authority::v1;

// Inputs served before everything is rebuilt (bounds the registry).
constexpr int kInputsPerWorld = 2000;
// Same lengths as a device id (UUID) and a device token (32 bytes).
constexpr char kDevicePlaceholder[] = "5eedde71-0000-4000-8000-000000000000";
constexpr char kTokenPlaceholder[] = "5eed-device-token-0000000000000.";
// Same length as a push token (32 bytes, base64url).
constexpr char kPushTokenPlaceholder[] = "5eed-push-token-000000000000000000000000000";
// How long a notification stream waits before checking for cancellation.
constexpr absl::Duration kStreamPoll = absl::Milliseconds(20);

// An authority that accepts every bridged request with an empty answer.
class AcceptingAuthority : public sct::oem::AuthorityClient {
 public:
  absl::StatusOr<cav1::InitiateShareResponse> InitiateShare(
      const cav1::InitiateShareRequest&) override {
    return cav1::InitiateShareResponse();
  }
  absl::StatusOr<cav1::RedeemShareResponse> RedeemShare(const cav1::RedeemShareRequest&) override {
    return cav1::RedeemShareResponse();
  }
  absl::StatusOr<cav1::RevokeResponse> RevokeShare(const cav1::RevokeShareRequest&) override {
    return cav1::RevokeResponse();
  }
  absl::StatusOr<cav1::RevokeResponse> RevokeCredential(
      const cav1::RevokeCredentialRequest&) override {
    return cav1::RevokeResponse();
  }
  absl::StatusOr<cav1::ListSharesResponse> ListShares(const cav1::ListSharesRequest&) override {
    return cav1::ListSharesResponse();
  }
};

template <typename T>
T OrAbort(absl::StatusOr<T> made) {
  if (!made.ok()) {
    std::fprintf(stderr, "oem fuzz setup failed: %s\n", made.status().ToString().c_str());
    std::abort();
  }
  return *std::move(made);
}

struct World {
  World() : db("oem_fuzz") {
    ca = std::make_unique<sct::oem::AttestationCa>(
        OrAbort(sct::oem::AttestationCa::Create("oem-a", clock.Now())));
    registry = OrAbort(sct::oem::SqliteDeviceRegistry::Open(db.path()));
    sct::oem::OemServiceOptions options;
    options.oem_id = "oem-a";
    service = std::make_unique<sct::oem::OemService>(options, clock, registry.get(), ca.get(),
                                                     &authority);
    adapter = std::make_unique<sct::oem::OemGrpcService>(service.get(), kStreamPoll);
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(adapter.get(),
                                                           ::oem::v1::Oem::service_full_name());
    ::oem::v1::EnrolDeviceResponse device = EnrolDevice();
    const std::string push_token = PushTo(device);
    harness->set_substitutions({{kDevicePlaceholder, device.device_id()},
                                {kTokenPlaceholder, device.device_token()},
                                {kPushTokenPlaceholder, push_token}});
  }
  ~World() {
    harness.reset();
    service->Shutdown();
  }

  ::oem::v1::EnrolDeviceResponse EnrolDevice() {
    sct::crypto::EcdsaP256PrivateKey key = OrAbort(sct::crypto::EcdsaP256PrivateKey::Generate());
    ::oem::v1::GetChallengeResponse challenge =
        OrAbort(service->GetChallenge(::oem::v1::GetChallengeRequest()));
    ::oem::v1::EnrolDeviceRequest request;
    request.set_identity_public_key(key.PublicKey().SpkiDer());
    request.set_nonce(challenge.nonce());
    request.set_proof_of_possession(OrAbort(key.Sign(
        sct::oem::EnrolmentMessage("oem-a", challenge.nonce(), request.identity_public_key()),
        sct::crypto::SignatureEncoding::kDer)));
    ::oem::v1::EnrolDeviceResponse enrolled = OrAbort(service->EnrolDevice(request));
    if (enrolled.device_id().size() != sizeof(kDevicePlaceholder) - 1 ||
        enrolled.device_token().size() != sizeof(kTokenPlaceholder) - 1) {
      std::abort();  // the placeholders must keep the proto encoding's lengths
    }
    return enrolled;
  }

  // Mints a push token for `device` and publishes two notifications with it
  // (sequences 1 and 2 of the device's stream: after_sequence 1 replays one);
  // returns the token.
  std::string PushTo(const ::oem::v1::EnrolDeviceResponse& device) {
    ::oem::v1::MintPushTokenRequest mint;
    mint.mutable_auth()->set_device_id(device.device_id());
    mint.mutable_auth()->set_device_token(device.device_token());
    ::oem::v1::MintPushTokenResponse token = OrAbort(service->MintPushToken(mint));
    if (token.token_data().size() != sizeof(kPushTokenPlaceholder) - 1) std::abort();
    ::oem::v1::NotifyRequest notify;
    notify.set_token_type(token.token_type());
    notify.set_token_data(token.token_data());
    notify.set_mailbox_id("6f1c2b8e-3d4a-4f5b-9c7d-0e1f2a3b4c5d");
    OrAbort(service->Notify(notify, ""));
    OrAbort(service->Notify(notify, ""));
    return token.token_data();
  }

  sct::fuzz::ScratchFile db;
  sct::FakeClock clock;
  AcceptingAuthority authority;
  std::unique_ptr<sct::oem::AttestationCa> ca;
  std::unique_ptr<sct::oem::SqliteDeviceRegistry> registry;
  std::unique_ptr<sct::oem::OemService> service;
  std::unique_ptr<sct::oem::OemGrpcService> adapter;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::fuzz::CurrentWorld<World>(kInputsPerWorld).harness->RunInput(data, size);
  return 0;
}

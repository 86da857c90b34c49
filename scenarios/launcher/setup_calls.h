// The gRPC calls the launcher makes to bring a started topology to the state
// a scenario starts from: the authority's identity and root, access points
// registered, channels configured, devices enrolled with their personas, and
// owner credentials bootstrapped and installed.
//
// Each call takes a channel from Ecosystem::Channel (the engine's "admin"
// identity; plaintext for device agents) and a timeout (the launcher passes
// its start-up wait, LaunchOptions::start_timeout, which the engine stretches
// by SCT_TIME_SCALE): the call's deadline is that long from its start. It returns a
// failed RPC as "<Rpc>[ <what>]: <message>" keeping the callee's code and
// stable reason (common/status_mapping.h). The caller adds which service and
// which topology element it was for.
//
// Thread-safe (no state).
#ifndef SCT_SCENARIOS_LAUNCHER_SETUP_CALLS_H_
#define SCT_SCENARIOS_LAUNCHER_SETUP_CALLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "proto/channel/v1/channel.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"
#include "proto/device/v1/device.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

using GrpcChannel = std::shared_ptr<grpc::Channel>;

// The authority's id and its root certificate (PEM): the trust anchor of its
// access points.
struct AuthorityInfo {
  std::string authority_id;
  std::string root_pem;
};

// GetAuthorityInfo. A root that does not parse: the error of
// crypto::Certificate::FromDer.
absl::StatusOr<AuthorityInfo> FetchAuthorityInfo(const GrpcChannel& authority,
                                                 absl::Duration timeout);

// RegisterAccessPoint (as admin): the access point's id (also its display
// name), kind, entitlements and HPKE public key (SPKI DER).
absl::Status RegisterAccessPoint(const GrpcChannel& authority,
                                 const scenario::v1::AccessPointSpec& spec,
                                 const std::string& public_key_spki_der,
                                 absl::Duration timeout);

// One Configure per request ("Configure <KIND>: ..." on failure).
absl::Status ConfigureChannel(const GrpcChannel& channel,
                              const std::vector<::channel::v1::ConfigureRequest>& requests,
                              absl::Duration timeout);

// Enrol; the OEM-assigned device id.
absl::StatusOr<std::string> EnrolDevice(const GrpcChannel& device, absl::Duration timeout);

// AddPersona for every persona of `spec` ("AddPersona <name>: ...").
absl::Status AddPersonas(const GrpcChannel& device, const scenario::v1::DeviceSpec& spec,
                         absl::Duration timeout);

// PrepareKey: a fresh secure-element key of `persona` with its attestation.
absl::StatusOr<::device::v1::PrepareKeyResponse> PrepareKey(const GrpcChannel& device,
                                                            const std::string& persona,
                                                            absl::Duration timeout);

// The BootstrapOwner request for `spec` over `key`: a fresh request id,
// validity relative to `now` (not_before default 0s, not_after 720h),
// resharing allowed unless the spec says no_resharing.
::credential_authority::v1::BootstrapOwnerRequest OwnerBootstrapRequest(
    const scenario::v1::OwnerCredentialSpec& spec, const ::device::v1::PrepareKeyResponse& key,
    absl::Time now);

// BootstrapOwner (as admin).
absl::StatusOr<::credential_authority::v1::BootstrapOwnerResponse> BootstrapOwner(
    const GrpcChannel& authority, const ::credential_authority::v1::BootstrapOwnerRequest& req,
    absl::Duration timeout);

// InstallCredential of the owner credential into `persona`'s wallet; the
// device-local credential id.
absl::StatusOr<std::string> InstallCredential(const GrpcChannel& device,
                                              const scenario::v1::OwnerCredentialSpec& spec,
                                              const std::string& key_id,
                                              const ::common::v1::Credential& credential,
                                              absl::Duration timeout);

// Refresh: the access point pulls its key grants now.
absl::Status RefreshAccessPoint(const GrpcChannel& access_point, absl::Duration timeout);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_SETUP_CALLS_H_

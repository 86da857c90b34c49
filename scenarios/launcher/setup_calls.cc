#include "scenarios/launcher/setup_calls.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/launcher/service_commands.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cav1 = ::credential_authority::v1;
namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;
namespace apv1 = ::access_point::v1;

// A client context with the launcher's deadline: `timeout` from now.
class Call {
 public:
  explicit Call(absl::Duration timeout) {
    ctx_.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  }
  grpc::ClientContext* get() { return &ctx_; }

 private:
  grpc::ClientContext ctx_;
};

// A failed RPC as "<what>: <status>" with the original code and reason.
absl::Status RpcError(absl::string_view what, const grpc::Status& s) {
  absl::Status st = FromGrpcStatus(s);
  return absl::Status(st.code(), absl::StrCat(what, ": ", st.message()));
}

}  // namespace

absl::StatusOr<AuthorityInfo> FetchAuthorityInfo(const GrpcChannel& authority,
                                                 absl::Duration timeout) {
  auto stub = cav1::CredentialAuthority::NewStub(authority);
  cav1::GetAuthorityInfoResponse info;
  Call call(timeout);
  grpc::Status s = stub->GetAuthorityInfo(call.get(), {}, &info);
  if (!s.ok()) return RpcError("GetAuthorityInfo", s);
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   crypto::Certificate::FromDer(info.root_certificate_der()));
  AuthorityInfo out;
  out.authority_id = info.authority_id();
  ASSIGN_OR_RETURN(out.root_pem, root.ToPem());
  return out;
}

absl::Status RegisterAccessPoint(const GrpcChannel& authority, const sv1::AccessPointSpec& spec,
                                 const std::string& public_key_spki_der,
                                 absl::Duration timeout) {
  auto admin = cav1::CredentialAuthority::NewStub(authority);
  cav1::RegisterAccessPointRequest req;
  auto* reg = req.mutable_access_point();
  reg->set_access_point_id(spec.id());
  reg->set_kind(spec.kind());
  reg->set_display_name(spec.id());
  for (const auto& e : spec.entitlements()) reg->add_supported_entitlements(e);
  reg->set_public_key(public_key_spki_der);
  cav1::RegisterAccessPointResponse resp;
  Call call(timeout);
  grpc::Status s = admin->RegisterAccessPoint(call.get(), req, &resp);
  if (!s.ok()) return RpcError("RegisterAccessPoint " + spec.id(), s);
  return absl::OkStatus();
}

absl::Status ConfigureChannel(const GrpcChannel& channel,
                              const std::vector<chv1::ConfigureRequest>& requests,
                              absl::Duration timeout) {
  auto stub = chv1::Channel::NewStub(channel);
  for (const auto& req : requests) {
    chv1::ConfigureResponse resp;
    Call call(timeout);
    grpc::Status s = stub->Configure(call.get(), req, &resp);
    if (!s.ok()) {
      return RpcError(absl::StrCat("Configure ", ::common::v1::ChannelKind_Name(req.kind())), s);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EnrolDevice(const GrpcChannel& device, absl::Duration timeout) {
  auto stub = dv1::DeviceAgent::NewStub(device);
  dv1::EnrolResponse resp;
  Call call(timeout);
  grpc::Status s = stub->Enrol(call.get(), {}, &resp);
  if (!s.ok()) return RpcError("Enrol", s);
  return resp.device_id();
}

absl::Status AddPersonas(const GrpcChannel& device, const sv1::DeviceSpec& spec,
                         absl::Duration timeout) {
  auto stub = dv1::DeviceAgent::NewStub(device);
  for (const auto& p : spec.personas()) {
    dv1::AddPersonaRequest req;
    req.set_name(p.name());
    req.set_kind(p.kind());
    dv1::AddPersonaResponse resp;
    Call call(timeout);
    grpc::Status s = stub->AddPersona(call.get(), req, &resp);
    if (!s.ok()) return RpcError("AddPersona " + p.name(), s);
  }
  return absl::OkStatus();
}

absl::StatusOr<dv1::PrepareKeyResponse> PrepareKey(const GrpcChannel& device,
                                                   const std::string& persona,
                                                   absl::Duration timeout) {
  auto stub = dv1::DeviceAgent::NewStub(device);
  dv1::PrepareKeyRequest req;
  req.set_persona(persona);
  dv1::PrepareKeyResponse key;
  Call call(timeout);
  grpc::Status s = stub->PrepareKey(call.get(), req, &key);
  if (!s.ok()) return RpcError("PrepareKey", s);
  return key;
}

cav1::BootstrapOwnerRequest OwnerBootstrapRequest(const sv1::OwnerCredentialSpec& spec,
                                                  const dv1::PrepareKeyResponse& key,
                                                  absl::Time now) {
  cav1::BootstrapOwnerRequest req;
  req.set_request_id(NewUuidV4());
  req.set_access_point_id(spec.access_point());
  req.set_owner_label(spec.label());
  req.set_oem_id(key.oem_id());
  req.set_holder_public_key(key.public_key());
  *req.mutable_holder_attestation() = key.attestation();
  req.set_kind(spec.kind());
  for (const auto& e : spec.entitlements()) req.add_entitlements(e);
  req.mutable_validity()->mutable_not_before()->set_seconds(
      absl::ToUnixSeconds(now + DurationOr(spec.validity().not_before(), absl::ZeroDuration())));
  req.mutable_validity()->mutable_not_after()->set_seconds(
      absl::ToUnixSeconds(now + DurationOr(spec.validity().not_after(), absl::Hours(720))));
  req.set_resharing_allowed(!spec.no_resharing());
  return req;
}

absl::StatusOr<cav1::BootstrapOwnerResponse> BootstrapOwner(
    const GrpcChannel& authority, const cav1::BootstrapOwnerRequest& req,
    absl::Duration timeout) {
  auto admin = cav1::CredentialAuthority::NewStub(authority);
  cav1::BootstrapOwnerResponse owner;
  Call call(timeout);
  grpc::Status s = admin->BootstrapOwner(call.get(), req, &owner);
  if (!s.ok()) return RpcError("BootstrapOwner", s);
  return owner;
}

absl::StatusOr<std::string> InstallCredential(const GrpcChannel& device,
                                              const sv1::OwnerCredentialSpec& spec,
                                              const std::string& key_id,
                                              const ::common::v1::Credential& credential,
                                              absl::Duration timeout) {
  auto stub = dv1::DeviceAgent::NewStub(device);
  dv1::InstallCredentialRequest req;
  req.set_persona(spec.persona());
  req.set_key_id(key_id);
  *req.mutable_credential() = credential;
  req.set_label(spec.label());
  dv1::InstallCredentialResponse resp;
  Call call(timeout);
  grpc::Status s = stub->InstallCredential(call.get(), req, &resp);
  if (!s.ok()) return RpcError("InstallCredential", s);
  return resp.credential_id();
}

absl::Status RefreshAccessPoint(const GrpcChannel& access_point, absl::Duration timeout) {
  auto stub = apv1::AccessPoint::NewStub(access_point);
  apv1::RefreshResponse resp;
  Call call(timeout);
  grpc::Status s = stub->Refresh(call.get(), {}, &resp);
  if (!s.ok()) return RpcError("Refresh", s);
  return absl::OkStatus();
}

}  // namespace sct::scenarios

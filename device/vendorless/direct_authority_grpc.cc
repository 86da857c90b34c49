#include "device/vendorless/direct_authority_grpc.h"

#include <utility>

#include "common/errors.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"

namespace sct::device {
namespace {

namespace ov1 = ::oem::v1;
namespace cav1 = ::credential_authority::v1;

// Copies an OK result into `*response`, or maps the error.
template <typename T>
grpc::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status DirectAuthorityOemService::GetChallenge(grpc::ServerContext*,
                                                     const ov1::GetChallengeRequest*,
                                                     ov1::GetChallengeResponse* response) {
  return Answer(logic_->GetChallenge(), response);
}

grpc::Status DirectAuthorityOemService::EnrolDevice(grpc::ServerContext*,
                                                    const ov1::EnrolDeviceRequest* request,
                                                    ov1::EnrolDeviceResponse* response) {
  return Answer(logic_->EnrolDevice(*request), response);
}

grpc::Status DirectAuthorityOemService::AttestKey(grpc::ServerContext*,
                                                  const ov1::AttestKeyRequest* request,
                                                  ov1::AttestKeyResponse* response) {
  return Answer(logic_->AttestKey(*request), response);
}

grpc::Status DirectAuthorityOemService::RequestShare(grpc::ServerContext*,
                                                     const ov1::RequestShareRequest* request,
                                                     cav1::InitiateShareResponse* response) {
  return Answer(logic_->RequestShare(*request), response);
}

grpc::Status DirectAuthorityOemService::ProvisionCredential(
    grpc::ServerContext*, const ov1::ProvisionCredentialRequest* request,
    cav1::RedeemShareResponse* response) {
  return Answer(logic_->ProvisionCredential(*request), response);
}

grpc::Status DirectAuthorityOemService::RevokeShare(grpc::ServerContext*,
                                                    const ov1::RevokeShareRequest* request,
                                                    cav1::RevokeResponse* response) {
  return Answer(logic_->RevokeShare(*request), response);
}

grpc::Status DirectAuthorityOemService::RevokeCredential(
    grpc::ServerContext*, const ov1::RevokeCredentialRequest* request,
    cav1::RevokeResponse* response) {
  return Answer(logic_->RevokeCredential(*request), response);
}

grpc::Status DirectAuthorityOemService::ListShares(grpc::ServerContext*,
                                                   const ov1::ListSharesRequest* request,
                                                   cav1::ListSharesResponse* response) {
  return Answer(logic_->ListShares(*request), response);
}

grpc::Status DirectAuthorityOemService::MintPushToken(grpc::ServerContext*,
                                                      const ov1::MintPushTokenRequest*,
                                                      ov1::MintPushTokenResponse*) {
  return ToGrpcStatus(logic_->NoPush());
}

grpc::Status DirectAuthorityOemService::Notify(grpc::ServerContext*, const ov1::NotifyRequest*,
                                               ov1::NotifyResponse*) {
  return ToGrpcStatus(logic_->NoPush());
}

grpc::Status DirectAuthorityOemService::SubscribeNotifications(
    grpc::ServerContext*, const ov1::SubscribeNotificationsRequest*,
    grpc::ServerWriter<ov1::DeviceNotification>*) {
  return ToGrpcStatus(logic_->NoPush());
}

grpc::Status DirectAuthorityOemService::GetOemInfo(grpc::ServerContext*,
                                                   const ov1::GetOemInfoRequest*,
                                                   ov1::GetOemInfoResponse* response) {
  *response = logic_->Info();
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<InProcessOem>> InProcessOem::Start(
    std::shared_ptr<grpc::Channel> authority_channel, std::string vendor_id,
    const std::string& root_key_file, const std::string& root_cert_file, const Clock* clock,
    absl::Duration rpc_timeout) {
  std::unique_ptr<InProcessOem> out(new InProcessOem());
  out->authority_ = cav1::CredentialAuthority::NewStub(std::move(authority_channel));
  ASSIGN_OR_RETURN(out->logic_,
                   DirectAuthority::Load(std::move(vendor_id), root_key_file, root_cert_file, clock,
                                         out->authority_.get(), rpc_timeout));
  out->service_ = std::make_unique<DirectAuthorityOemService>(out->logic_.get());
  grpc::ServerBuilder builder;
  builder.RegisterService(out->service_.get());
  out->server_ = builder.BuildAndStart();
  if (out->server_ == nullptr) {
    return MakeError(absl::StatusCode::kInternal, "in_process_server_failed",
                     "could not start the in-process vendor service");
  }
  out->stub_ = ov1::Oem::NewStub(out->server_->InProcessChannel(grpc::ChannelArguments()));
  return out;
}

InProcessOem::~InProcessOem() {
  stub_.reset();
  if (server_ != nullptr) server_->Shutdown();
}

}  // namespace sct::device

#include "oem_server/oem_grpc.h"

#include <iostream>

#include "common/errors.h"
#include "common/status_mapping.h"
#include "runtime/peer_identity.h"

namespace sct::oem {
namespace {

namespace ov1 = ::oem::v1;
namespace ca = ::credential_authority::v1;

// Copies an OK result into `*response`, or maps the error.
template <typename T>
grpc::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status OemGrpcService::GetChallenge(
    grpc::ServerContext*, const ov1::GetChallengeRequest* request,
    ov1::GetChallengeResponse* response) {
  return Answer(service_->GetChallenge(*request), response);
}

grpc::Status OemGrpcService::EnrolDevice(grpc::ServerContext*,
                                         const ov1::EnrolDeviceRequest* request,
                                         ov1::EnrolDeviceResponse* response) {
  return Answer(service_->EnrolDevice(*request), response);
}

grpc::Status OemGrpcService::AttestKey(grpc::ServerContext*,
                                       const ov1::AttestKeyRequest* request,
                                       ov1::AttestKeyResponse* response) {
  return Answer(service_->AttestKey(*request), response);
}

grpc::Status OemGrpcService::RequestShare(
    grpc::ServerContext*, const ov1::RequestShareRequest* request,
    ca::InitiateShareResponse* response) {
  return Answer(service_->RequestShare(*request), response);
}

grpc::Status OemGrpcService::ProvisionCredential(
    grpc::ServerContext*, const ov1::ProvisionCredentialRequest* request,
    ca::RedeemShareResponse* response) {
  return Answer(service_->ProvisionCredential(*request), response);
}

grpc::Status OemGrpcService::RevokeShare(grpc::ServerContext*,
                                         const ov1::RevokeShareRequest* request,
                                         ca::RevokeResponse* response) {
  return Answer(service_->RevokeShare(*request), response);
}

grpc::Status OemGrpcService::RevokeCredential(
    grpc::ServerContext*, const ov1::RevokeCredentialRequest* request,
    ca::RevokeResponse* response) {
  return Answer(service_->RevokeCredential(*request), response);
}

grpc::Status OemGrpcService::ListShares(grpc::ServerContext*,
                                        const ov1::ListSharesRequest* request,
                                        ca::ListSharesResponse* response) {
  return Answer(service_->ListShares(*request), response);
}

grpc::Status OemGrpcService::MintPushToken(
    grpc::ServerContext*, const ov1::MintPushTokenRequest* request,
    ov1::MintPushTokenResponse* response) {
  return Answer(service_->MintPushToken(*request), response);
}

grpc::Status OemGrpcService::Notify(grpc::ServerContext* context,
                                    const ov1::NotifyRequest* request,
                                    ov1::NotifyResponse* response) {
  std::string caller = PeerCommonName(*context);
  absl::StatusOr<ov1::NotifyResponse> result =
      service_->Notify(*request, caller);
  if (!result.ok() && ReasonOf(result.status()) == "untrusted_relay") {
    std::cerr << "oem: Notify refused for TLS identity \"" << caller << "\"\n";
  }
  return Answer(std::move(result), response);
}

grpc::Status OemGrpcService::SubscribeNotifications(
    grpc::ServerContext* context,
    const ov1::SubscribeNotificationsRequest* request,
    grpc::ServerWriter<ov1::DeviceNotification>* writer) {
  absl::StatusOr<std::unique_ptr<Subscription>> sub =
      service_->SubscribeNotifications(*request);
  if (!sub.ok()) return ToGrpcStatus(sub.status());
  ov1::DeviceNotification next;
  while (true) {
    switch ((*sub)->Next(poll_, &next)) {
      case Subscription::Result::kNotification:
        if (!writer->Write(next)) return grpc::Status::CANCELLED;
        break;
      case Subscription::Result::kTimeout:
        if (context->IsCancelled()) return grpc::Status::CANCELLED;
        break;
      case Subscription::Result::kClosed:
        return grpc::Status::OK;
      case Subscription::Result::kReplaced:
        return ToGrpcStatus(MakeError(absl::StatusCode::kResourceExhausted, "stream_replaced",
                                      "a newer notification stream of this device replaced "
                                      "this one"));
    }
  }
}

grpc::Status OemGrpcService::GetOemInfo(grpc::ServerContext*,
                                        const ov1::GetOemInfoRequest*,
                                        ov1::GetOemInfoResponse* response) {
  *response = service_->GetOemInfo();
  return grpc::Status::OK;
}

}  // namespace sct::oem

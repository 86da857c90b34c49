// gRPC adapter for oem.v1.Oem: decodes, calls OemService, encodes. The only
// place in oem_server/ (besides grpc_authority_client and main.cc) where
// gRPC types appear. Errors are mapped with common/status_mapping's
// ToGrpcStatus, so every stable reason (including the authority's, passed
// through) reaches the client in the status details.
//
// Caller identity for Notify: the common name of the peer's TLS client
// certificate, taken only when gRPC reports the peer as authenticated (the
// certificate verified against --tls_client_ca).
//
// SubscribeNotifications holds the call open, writing each notification as
// it arrives; it ends when the client cancels, a write fails, or the service
// shuts down (OemService::Shutdown; then the call finishes with OK so clients
// reconnect and resume with after_sequence).
//
// Thread-safety: as OemService (thread-safe). Does not own the service.
#ifndef SCT_OEM_SERVER_OEM_GRPC_H_
#define SCT_OEM_SERVER_OEM_GRPC_H_

#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "oem_server/oem_service.h"
#include "proto/oem/v1/oem.grpc.pb.h"

namespace sct::oem {

class OemGrpcService final : public ::oem::v1::Oem::Service {
 public:
  // `poll` bounds how long a notification stream waits before checking
  // whether the client went away.
  explicit OemGrpcService(OemService* service,
                          absl::Duration poll = absl::Milliseconds(200))
      : service_(service), poll_(poll) {}

  grpc::Status GetChallenge(grpc::ServerContext* context,
                            const ::oem::v1::GetChallengeRequest* request,
                            ::oem::v1::GetChallengeResponse* response) override;
  grpc::Status EnrolDevice(grpc::ServerContext* context,
                           const ::oem::v1::EnrolDeviceRequest* request,
                           ::oem::v1::EnrolDeviceResponse* response) override;
  grpc::Status AttestKey(grpc::ServerContext* context,
                         const ::oem::v1::AttestKeyRequest* request,
                         ::oem::v1::AttestKeyResponse* response) override;
  grpc::Status RequestShare(
      grpc::ServerContext* context,
      const ::oem::v1::RequestShareRequest* request,
      ::credential_authority::v1::InitiateShareResponse* response) override;
  grpc::Status ProvisionCredential(
      grpc::ServerContext* context,
      const ::oem::v1::ProvisionCredentialRequest* request,
      ::credential_authority::v1::RedeemShareResponse* response) override;
  grpc::Status RevokeShare(
      grpc::ServerContext* context,
      const ::oem::v1::RevokeShareRequest* request,
      ::credential_authority::v1::RevokeResponse* response) override;
  grpc::Status RevokeCredential(
      grpc::ServerContext* context,
      const ::oem::v1::RevokeCredentialRequest* request,
      ::credential_authority::v1::RevokeResponse* response) override;
  grpc::Status ListShares(
      grpc::ServerContext* context, const ::oem::v1::ListSharesRequest* request,
      ::credential_authority::v1::ListSharesResponse* response) override;
  grpc::Status MintPushToken(
      grpc::ServerContext* context,
      const ::oem::v1::MintPushTokenRequest* request,
      ::oem::v1::MintPushTokenResponse* response) override;
  grpc::Status Notify(grpc::ServerContext* context,
                      const ::oem::v1::NotifyRequest* request,
                      ::oem::v1::NotifyResponse* response) override;
  grpc::Status SubscribeNotifications(
      grpc::ServerContext* context,
      const ::oem::v1::SubscribeNotificationsRequest* request,
      grpc::ServerWriter<::oem::v1::DeviceNotification>* writer) override;
  grpc::Status GetOemInfo(grpc::ServerContext* context,
                          const ::oem::v1::GetOemInfoRequest* request,
                          ::oem::v1::GetOemInfoResponse* response) override;

 private:
  OemService* service_;
  absl::Duration poll_;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_OEM_GRPC_H_

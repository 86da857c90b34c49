// The vendorless device's "vendor" as an oem.v1.Oem service served inside
// the device process (docs/variants/vendorless-device.md): each method
// decodes, calls DirectAuthority (device/direct_authority.h) and encodes, so
// the device agent talks to it through an ordinary Oem stub and runs
// unchanged. The server has no listening port: only the in-process channel
// of InProcessOem reaches it, so nothing outside the device can call it.
//
// Thread-safety: thread-safe (gRPC's threads call DirectAuthority, which is).
// Ownership: InProcessOem owns the adapter and the server; it borrows the
// DirectAuthority, which must outlive it. Errors: DirectAuthority's, mapped
// by common/status_mapping; SubscribeNotifications, MintPushToken and Notify
// answer FAILED_PRECONDITION "push_unsupported".
#ifndef SCT_DEVICE_DIRECT_AUTHORITY_GRPC_H_
#define SCT_DEVICE_DIRECT_AUTHORITY_GRPC_H_

#include <memory>

#include "absl/status/statusor.h"
#include "device/direct_authority.h"
#include "grpcpp/grpcpp.h"
#include "proto/oem/v1/oem.grpc.pb.h"

namespace sct::device {

class DirectAuthorityOemService final : public ::oem::v1::Oem::Service {
 public:
  explicit DirectAuthorityOemService(DirectAuthority* logic) : logic_(logic) {}

  grpc::Status GetChallenge(grpc::ServerContext*, const ::oem::v1::GetChallengeRequest*,
                            ::oem::v1::GetChallengeResponse* response) override;
  grpc::Status EnrolDevice(grpc::ServerContext*, const ::oem::v1::EnrolDeviceRequest* request,
                           ::oem::v1::EnrolDeviceResponse* response) override;
  grpc::Status AttestKey(grpc::ServerContext*, const ::oem::v1::AttestKeyRequest* request,
                         ::oem::v1::AttestKeyResponse* response) override;
  grpc::Status RequestShare(grpc::ServerContext*, const ::oem::v1::RequestShareRequest* request,
                            ::credential_authority::v1::InitiateShareResponse* response) override;
  grpc::Status ProvisionCredential(
      grpc::ServerContext*, const ::oem::v1::ProvisionCredentialRequest* request,
      ::credential_authority::v1::RedeemShareResponse* response) override;
  grpc::Status RevokeShare(grpc::ServerContext*, const ::oem::v1::RevokeShareRequest* request,
                           ::credential_authority::v1::RevokeResponse* response) override;
  grpc::Status RevokeCredential(grpc::ServerContext*,
                                const ::oem::v1::RevokeCredentialRequest* request,
                                ::credential_authority::v1::RevokeResponse* response) override;
  grpc::Status ListShares(grpc::ServerContext*, const ::oem::v1::ListSharesRequest* request,
                          ::credential_authority::v1::ListSharesResponse* response) override;
  grpc::Status MintPushToken(grpc::ServerContext*, const ::oem::v1::MintPushTokenRequest*,
                             ::oem::v1::MintPushTokenResponse*) override;
  grpc::Status Notify(grpc::ServerContext*, const ::oem::v1::NotifyRequest*,
                      ::oem::v1::NotifyResponse*) override;
  grpc::Status SubscribeNotifications(grpc::ServerContext*,
                                      const ::oem::v1::SubscribeNotificationsRequest*,
                                      grpc::ServerWriter<::oem::v1::DeviceNotification>*) override;
  grpc::Status GetOemInfo(grpc::ServerContext*, const ::oem::v1::GetOemInfoRequest*,
                          ::oem::v1::GetOemInfoResponse* response) override;

 private:
  DirectAuthority* const logic_;
};

// The adapter on a server without ports, and a stub over its in-process
// channel.
class InProcessOem {
 public:
  // INTERNAL "in_process_server_failed" when gRPC cannot build the server.
  static absl::StatusOr<std::unique_ptr<InProcessOem>> Start(DirectAuthority* logic);
  ~InProcessOem();  // shuts the server down

  ::oem::v1::Oem::StubInterface* stub() { return stub_.get(); }

 private:
  explicit InProcessOem(DirectAuthority* logic) : service_(logic) {}

  DirectAuthorityOemService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<::oem::v1::Oem::StubInterface> stub_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_DIRECT_AUTHORITY_GRPC_H_

// The vendorless device's "vendor" as an oem.v1.Oem service served inside
// the device process (docs/variants/vendorless-device.md): each method
// decodes, calls DirectAuthority (device/vendorless/direct_authority.h) and encodes, so
// the device agent talks to it through an ordinary Oem stub and runs
// unchanged. The server has no listening port: only the in-process channel
// of InProcessOem reaches it, so nothing outside the device can call it.
//
// Thread-safety: thread-safe (gRPC's threads call DirectAuthority, which is).
// Ownership: InProcessOem owns the authority stub, the DirectAuthority, the
// adapter and the server; it borrows the clock. Errors: DirectAuthority's, mapped
// by common/status_mapping; SubscribeNotifications, MintPushToken and Notify
// answer FAILED_PRECONDITION "push_unsupported".
#ifndef SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_GRPC_H_
#define SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_GRPC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "device/vendorless/direct_authority.h"
#include "grpcpp/grpcpp.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
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

// What a vendorless device runs in place of its OEM: the authority stub
// over `authority_channel`, the DirectAuthority (its root loaded from the
// two files) and the adapter on a server without ports, reached through the
// in-process Oem stub().
class InProcessOem {
 public:
  // DirectAuthority::Load's errors; INTERNAL "in_process_server_failed" when
  // gRPC cannot build the server.
  static absl::StatusOr<std::unique_ptr<InProcessOem>> Start(
      std::shared_ptr<grpc::Channel> authority_channel, std::string vendor_id,
      const std::string& root_key_file, const std::string& root_cert_file, const Clock* clock,
      absl::Duration rpc_timeout);
  ~InProcessOem();  // shuts the server down

  ::oem::v1::Oem::StubInterface* stub() { return stub_.get(); }

 private:
  InProcessOem() = default;

  std::unique_ptr<::credential_authority::v1::CredentialAuthority::StubInterface> authority_;
  std::unique_ptr<DirectAuthority> logic_;
  std::unique_ptr<DirectAuthorityOemService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<::oem::v1::Oem::StubInterface> stub_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_VENDORLESS_DIRECT_AUTHORITY_GRPC_H_

// The gRPC adapter of the simulated device: device.v1.DeviceAgent over
// DeviceAgent (device_agent.h). It decodes nothing beyond what protobuf does,
// calls the logic and maps errors through common/status_mapping.h.
// WatchEvents streams DeviceAgent events until the client cancels or the
// server shuts down. Thread-safe; `agent` is not owned.
#ifndef SCT_DEVICE_DEVICE_GRPC_H_
#define SCT_DEVICE_DEVICE_GRPC_H_

#include "device/device_agent.h"
#include "proto/device/v1/device.grpc.pb.h"

namespace sct::device {

class DeviceAgentGrpcService final : public ::device::v1::DeviceAgent::Service {
 public:
  explicit DeviceAgentGrpcService(DeviceAgent* agent) : agent_(agent) {}

  grpc::Status Enrol(grpc::ServerContext*, const ::device::v1::EnrolRequest*,
                     ::device::v1::EnrolResponse*) override;
  grpc::Status AddPersona(grpc::ServerContext*, const ::device::v1::AddPersonaRequest*,
                          ::device::v1::AddPersonaResponse*) override;
  grpc::Status PrepareKey(grpc::ServerContext*, const ::device::v1::PrepareKeyRequest*,
                          ::device::v1::PrepareKeyResponse*) override;
  grpc::Status InstallCredential(grpc::ServerContext*,
                                 const ::device::v1::InstallCredentialRequest*,
                                 ::device::v1::InstallCredentialResponse*) override;
  grpc::Status ShareCredential(grpc::ServerContext*, const ::device::v1::ShareCredentialRequest*,
                               ::device::v1::ShareCredentialResponse*) override;
  grpc::Status AcceptLink(grpc::ServerContext*, const ::device::v1::AcceptLinkRequest*,
                          ::device::v1::AcceptLinkResponse*) override;
  grpc::Status Reply(grpc::ServerContext*, const ::device::v1::ReplyRequest*,
                     ::device::v1::ReplyResponse*) override;
  grpc::Status UseCredential(grpc::ServerContext*, const ::device::v1::UseCredentialRequest*,
                             ::device::v1::UseCredentialResponse*) override;
  grpc::Status Revoke(grpc::ServerContext*, const ::device::v1::RevokeRequest*,
                      ::credential_authority::v1::RevokeResponse*) override;
  grpc::Status CancelShare(grpc::ServerContext*, const ::device::v1::CancelShareRequest*,
                           ::device::v1::CancelShareResponse*) override;
  grpc::Status Relinquish(grpc::ServerContext*, const ::device::v1::RelinquishRequest*,
                          ::device::v1::RelinquishResponse*) override;
  grpc::Status ListShares(grpc::ServerContext*, const ::device::v1::ListSharesRequest*,
                          ::credential_authority::v1::ListSharesResponse*) override;
  grpc::Status GetState(grpc::ServerContext*, const ::device::v1::GetStateRequest*,
                        ::device::v1::GetStateResponse*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const ::device::v1::WatchEventsRequest*,
                           grpc::ServerWriter<::device::v1::DeviceEvent>*) override;

 private:
  DeviceAgent* agent_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_DEVICE_GRPC_H_

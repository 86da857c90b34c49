// RelayClient over the project's relay.v1.Relay gRPC API: each operation is
// one unary call through OutboundCaller (the device's per-call deadline,
// transport failures as UNAVAILABLE "relay_unavailable"). Under the
// simulator the stub's channel carries the link faults and trace
// (sim/client_side.h).
//
// Thread-safety: thread-safe. `stub` and `caller` are not owned and must
// outlive the client. Errors: relay_client.h.
#ifndef SCT_DEVICE_GRPC_RELAY_CLIENT_H_
#define SCT_DEVICE_GRPC_RELAY_CLIENT_H_

#include <string>

#include "device/outbound_call.h"
#include "device/relay_client.h"
#include "proto/relay/v1/relay.grpc.pb.h"

namespace sct::device {

class GrpcRelayClient : public RelayClient {
 public:
  // `target` is the stub's "host:port" (only its host is reported).
  GrpcRelayClient(::relay::v1::Relay::StubInterface* stub, const OutboundCaller* caller,
                  std::string target = "")
      : stub_(stub), caller_(caller), target_(std::move(target)) {}

  absl::StatusOr<::relay::v1::CreateMailboxResponse> CreateMailbox(
      const ::relay::v1::CreateMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::UpdateMailboxResponse> UpdateMailbox(
      const ::relay::v1::UpdateMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::ReadSecureContentResponse> ReadSecureContent(
      const ::relay::v1::ReadSecureContentRequest& request) const override;
  absl::StatusOr<::relay::v1::ReadDisplayInformationResponse> ReadDisplayInformation(
      const ::relay::v1::ReadDisplayInformationRequest& request) const override;
  absl::StatusOr<::relay::v1::DeleteMailboxResponse> DeleteMailbox(
      const ::relay::v1::DeleteMailboxRequest& request) const override;
  absl::StatusOr<::relay::v1::RelinquishMailboxResponse> RelinquishMailbox(
      const ::relay::v1::RelinquishMailboxRequest& request) const override;
  std::string host() const override;

 private:
  ::relay::v1::Relay::StubInterface* const stub_;
  const OutboundCaller* const caller_;
  const std::string target_;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_GRPC_RELAY_CLIENT_H_

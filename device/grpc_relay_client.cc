#include "device/grpc_relay_client.h"

#include "common/status_macros.h"

namespace sct::device {
namespace {

namespace rv = ::relay::v1;
using Relay = ::relay::v1::Relay::StubInterface;

template <typename Request, typename Response>
absl::StatusOr<Response> CallRelay(const OutboundCaller& caller, Relay* stub,
                                   grpc::Status (Relay::*method)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                                   const Request& request) {
  Response response;
  RETURN_IF_ERROR(caller.Call("relay", stub, method, request, &response));
  return response;
}

}  // namespace

absl::StatusOr<rv::CreateMailboxResponse> GrpcRelayClient::CreateMailbox(
    const rv::CreateMailboxRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::CreateMailbox, request);
}

absl::StatusOr<rv::UpdateMailboxResponse> GrpcRelayClient::UpdateMailbox(
    const rv::UpdateMailboxRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::UpdateMailbox, request);
}

absl::StatusOr<rv::ReadSecureContentResponse> GrpcRelayClient::ReadSecureContent(
    const rv::ReadSecureContentRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::ReadSecureContent, request);
}

absl::StatusOr<rv::ReadDisplayInformationResponse> GrpcRelayClient::ReadDisplayInformation(
    const rv::ReadDisplayInformationRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::ReadDisplayInformation, request);
}

absl::StatusOr<rv::DeleteMailboxResponse> GrpcRelayClient::DeleteMailbox(
    const rv::DeleteMailboxRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::DeleteMailbox, request);
}

absl::StatusOr<rv::RelinquishMailboxResponse> GrpcRelayClient::RelinquishMailbox(
    const rv::RelinquishMailboxRequest& request) const {
  return CallRelay(*caller_, stub_, &Relay::RelinquishMailbox, request);
}

std::string GrpcRelayClient::host() const {
  std::string host = target_;
  const size_t scheme = host.find("://");
  if (scheme != std::string::npos) host = host.substr(scheme + 3);
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  const size_t colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

}  // namespace sct::device

// The device's view of the mailbox relay: the draft's six operations on the
// relay.v1 messages, whatever the transport. GrpcRelayClient
// (device/grpc_relay_client.h) speaks the project's relay.v1.Relay gRPC
// API; HttpRelayClient (device/http_relay_client.h) speaks
// draft-vinokurov-tigress-http-00 over HTTP(S). The agent's logic
// (MailboxIo, DeviceAgent) sees only this interface, so it cannot tell which
// one it got.
//
// Errors, the same from both implementations: the relay's failures keep
// their code and stable reason (INVALID_ARGUMENT "invalid_field",
// UNAUTHENTICATED "claim_mismatch", PERMISSION_DENIED "access_denied",
// NOT_FOUND "mailbox_not_found", RESOURCE_EXHAUSTED "payload_too_large" /
// "rate_limited", UNAVAILABLE "store_unavailable", ...); a relay that cannot
// be reached in time is UNAVAILABLE "relay_unavailable"; a link fault the
// simulator injects is UNAVAILABLE "simulated_drop"; an answer that does not
// decode is INTERNAL "bad_relay_response". A repeated request id answers OK
// with `repeated` set.
//
// Thread-safety: implementations are thread-safe.
#ifndef SCT_DEVICE_RELAY_CLIENT_H_
#define SCT_DEVICE_RELAY_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/relay/v1/relay.pb.h"

namespace sct::device {

class RelayClient {
 public:
  virtual ~RelayClient() = default;

  virtual absl::StatusOr<::relay::v1::CreateMailboxResponse> CreateMailbox(
      const ::relay::v1::CreateMailboxRequest& request) const = 0;
  virtual absl::StatusOr<::relay::v1::UpdateMailboxResponse> UpdateMailbox(
      const ::relay::v1::UpdateMailboxRequest& request) const = 0;
  virtual absl::StatusOr<::relay::v1::ReadSecureContentResponse> ReadSecureContent(
      const ::relay::v1::ReadSecureContentRequest& request) const = 0;
  // The preview (no claim): the display information and the mailbox URL.
  virtual absl::StatusOr<::relay::v1::ReadDisplayInformationResponse> ReadDisplayInformation(
      const ::relay::v1::ReadDisplayInformationRequest& request) const = 0;
  virtual absl::StatusOr<::relay::v1::DeleteMailboxResponse> DeleteMailbox(
      const ::relay::v1::DeleteMailboxRequest& request) const = 0;
  virtual absl::StatusOr<::relay::v1::RelinquishMailboxResponse> RelinquishMailbox(
      const ::relay::v1::RelinquishMailboxRequest& request) const = 0;

  // The relay's host (no port, no path: never a mailbox URL), for events
  // and logs, e.g. "127.0.0.1" or "relay.example".
  virtual std::string host() const = 0;
};

}  // namespace sct::device

#endif  // SCT_DEVICE_RELAY_CLIENT_H_

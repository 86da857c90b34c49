// The relay's push client: a table from notificationToken.type to the OEM
// push endpoint that understands it, delivering oem.v1.Oem/Notify over gRPC.
//
// Routes come from the command line (--push_route=TYPE=HOST:PORT, repeatable
// or comma-separated); Supports(type) is true exactly for the types in the
// table, which is what the relay answers as isPushNotificationSupported.
// Notify sends only (token type, token data, mailbox id) with a deadline, so
// a slow or dead OEM delays one mailbox operation by at most that deadline.
// Thread-safe (gRPC stubs are). Stubs are owned by the notifier.
//
// Errors from Notify: NOT_FOUND / no_push_route for an unrouted type; the
// OEM's status otherwise (FromGrpcStatus), e.g. UNAVAILABLE,
// DEADLINE_EXCEEDED, NOT_FOUND / unknown_push_token.
#ifndef SCT_RELAY_GRPC_PUSH_NOTIFIER_H_
#define SCT_RELAY_GRPC_PUSH_NOTIFIER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "relay/push_notifier.h"

namespace sct::relay {

// Parses route flags: each entry is "TYPE=HOST:PORT" or a comma-separated
// list of them. INVALID_ARGUMENT naming "--push_route" for an empty type, a
// bad HOST:PORT or a type given twice.
absl::StatusOr<std::map<std::string, std::string>> ParsePushRoutes(
    const std::vector<std::string>& entries);

class GrpcPushNotifier : public PushNotifier {
 public:
  using StubMap = std::map<std::string, std::unique_ptr<::oem::v1::Oem::StubInterface>>;

  explicit GrpcPushNotifier(StubMap stubs, absl::Duration timeout = absl::Seconds(2))
      : stubs_(std::move(stubs)), timeout_(timeout) {}

  // Makes the channel for one route: (token type, HOST:PORT, credentials).
  using ChannelFactory = std::function<std::shared_ptr<grpc::Channel>(
      const std::string&, const std::string&, std::shared_ptr<grpc::ChannelCredentials>)>;

  // One channel per route with `credentials` (insecure when null), made by
  // `make_channel` (default: grpc::CreateChannel).
  static std::unique_ptr<GrpcPushNotifier> Create(
      const std::map<std::string, std::string>& routes,
      std::shared_ptr<grpc::ChannelCredentials> credentials,
      absl::Duration timeout = absl::Seconds(2), ChannelFactory make_channel = nullptr);

  bool Supports(absl::string_view type) const override;
  absl::Status Notify(const NotificationToken& token, absl::string_view mailbox_id) override;

 private:
  const StubMap stubs_;
  const absl::Duration timeout_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_GRPC_PUSH_NOTIFIER_H_

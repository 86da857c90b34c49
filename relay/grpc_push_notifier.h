// The relay's push client: a table from notificationToken.type to the OEM
// push endpoint that understands it, delivering oem.v1.Oem/Notify over gRPC.
//
// Routes come from the command line (--push_route=TYPE=HOST:PORT, repeatable
// or comma-separated); Supports(type) is true exactly for the types in the
// table, which is what the relay answers as isPushNotificationSupported.
// Notify sends only (token type, token data, mailbox id) with a deadline, on
// gRPC's callback API: it returns at once and `done` runs on a gRPC thread, so
// a slow or dead OEM delays no mailbox operation. At most `max_in_flight`
// pushes are under way at once; a push beyond them is refused at once
// (RESOURCE_EXHAUSTED / push_backlog), so a dead OEM costs bounded memory.
// Drain() (and the destructor) waits for the pushes under way; each ends by
// its deadline. Thread-safe (gRPC stubs are). Stubs are owned by the notifier.
//
// Errors from Notify: NOT_FOUND / no_push_route for an unrouted type; the
// OEM's status otherwise (FromGrpcStatus), e.g. UNAVAILABLE,
// DEADLINE_EXCEEDED, NOT_FOUND / unknown_push_token; RESOURCE_EXHAUSTED /
// push_backlog when max_in_flight pushes are already under way.
#ifndef SCT_RELAY_GRPC_PUSH_NOTIFIER_H_
#define SCT_RELAY_GRPC_PUSH_NOTIFIER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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

  static constexpr int kDefaultMaxInFlight = 1024;

  // Every stub must serve the callback API (`async()` not null), as the stubs
  // Oem::NewStub makes do.
  explicit GrpcPushNotifier(StubMap stubs, absl::Duration timeout = absl::Seconds(2),
                            int max_in_flight = kDefaultMaxInFlight)
      : stubs_(std::move(stubs)), timeout_(timeout), max_in_flight_(max_in_flight) {}
  ~GrpcPushNotifier() override { Drain(); }

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
  void Notify(const NotificationToken& token, absl::string_view mailbox_id,
              Done done) override;

  // Returns once no push is under way (each `done` has returned).
  void Drain();

 private:
  struct Call;
  void Finish(Call* call, const grpc::Status& status);

  const StubMap stubs_;
  const absl::Duration timeout_;
  const int max_in_flight_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_GRPC_PUSH_NOTIFIER_H_

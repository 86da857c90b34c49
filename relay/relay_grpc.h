// The relay's gRPC face: relay.v1.Relay on the shared MailboxService, and the
// trivial relay.v1.Echo service the load generator uses as its baseline.
//
// Like the HTTP adapter it only translates: proto -> the service's request
// types (a missing payload and an expiration that is not RFC 3339 are the
// only errors of its own), the call on CallContext::face = kGrpc (so errors
// name the proto's snake_case fields), the result -> proto. Errors go
// through ToGrpcStatus (common/status_mapping.h), so the stable reason
// rides in the status details. The rate-limit key is the peer address from
// ServerContext::peer(). A repeated request id answers OK with `repeated`
// set (HTTP answers 201). Thread-safe; `service` and `metrics` are not owned.
#ifndef SCT_RELAY_RELAY_GRPC_H_
#define SCT_RELAY_RELAY_GRPC_H_

#include <array>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/mailbox_service.h"
#include "relay/metrics.h"

namespace sct::relay {

class RelayGrpcService final : public ::relay::v1::Relay::CallbackService {
 public:
  // `metrics` may be null (no recording).
  RelayGrpcService(MailboxOperations* service, RelayMetrics* metrics);

  // Asked before each call; a status that is not OK answers the call with it
  // and the operation does not run (the simulator's outage: sim::OutageStatus,
  // which gRPC's handler wrapping in sim::InstallOutageGate cannot give a
  // callback service). Unset: every call runs. Set before serving.
  using Admission = std::function<absl::Status()>;
  void set_admission(Admission admission) { admission_ = std::move(admission); }

  // gRPC's callback API: each handler runs the operation on the thread gRPC
  // calls it on, inside a DeferredDurability scope (runtime/
  // deferred_durability.h), and returns. A read, or any operation on a store
  // that does not defer (memory, Redis), is answered before the handler
  // returns; a write to the SQLite store is answered by the thread that ends
  // the sync making it durable (never before), so no gRPC thread sleeps while
  // the disk syncs. A sync that fails turns the answer into UNAVAILABLE
  // store_unavailable.
  grpc::ServerUnaryReactor* CreateMailbox(grpc::CallbackServerContext* context,
                                          const ::relay::v1::CreateMailboxRequest* request,
                                          ::relay::v1::CreateMailboxResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMailbox(grpc::CallbackServerContext* context,
                                          const ::relay::v1::UpdateMailboxRequest* request,
                                          ::relay::v1::UpdateMailboxResponse* response) override;
  grpc::ServerUnaryReactor* ReadSecureContent(
      grpc::CallbackServerContext* context, const ::relay::v1::ReadSecureContentRequest* request,
      ::relay::v1::ReadSecureContentResponse* response) override;
  grpc::ServerUnaryReactor* ReadDisplayInformation(
      grpc::CallbackServerContext* context,
      const ::relay::v1::ReadDisplayInformationRequest* request,
      ::relay::v1::ReadDisplayInformationResponse* response) override;
  grpc::ServerUnaryReactor* DeleteMailbox(grpc::CallbackServerContext* context,
                                          const ::relay::v1::DeleteMailboxRequest* request,
                                          ::relay::v1::DeleteMailboxResponse* response) override;
  grpc::ServerUnaryReactor* RelinquishMailbox(
      grpc::CallbackServerContext* context, const ::relay::v1::RelinquishMailboxRequest* request,
      ::relay::v1::RelinquishMailboxResponse* response) override;

  // The largest request message accepted (for the server's max receive size):
  // the payload limit plus the text limits plus slack.
  static int MaxMessageBytes(const RelayLimits& limits);

 private:
  // The operations, in the order of their series below.
  enum Op { kCreate, kUpdate, kReadSecureContent, kReadDisplayInformation, kDelete, kRelinquish };
  MailboxOperations* service_;
  Admission admission_;
  // One per Op (null without metrics): each call is recorded with atomics,
  // no lock or lookup (metrics.h).
  std::array<RelayMetrics::CodeSeries*, 6> series_{};
};

// The rate-limit key from a gRPC peer string: "ipv4:1.2.3.4:5" -> "1.2.3.4",
// "ipv6:[::1]:5" -> "::1"; anything else is returned unchanged. Pure.
std::string ClientAddressFromGrpcPeer(absl::string_view peer);

// Returns the request's data unchanged. Stateless, thread-safe.
class EchoGrpcService final : public ::relay::v1::Echo::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const ::relay::v1::EchoRequest* request,
                    ::relay::v1::EchoResponse* response) override;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_RELAY_GRPC_H_

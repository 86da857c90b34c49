// gRPC adapter: channel.v1.Channel on top of ChannelService. Decodes
// requests (kind, durations), calls the logic, encodes answers; errors map
// through common/status_mapping.h only. The two server-streaming calls wait
// on the logic's queues in short slices so they notice client cancellation,
// and end with OK when the service shuts down (clean stream shutdown).
//
// Thread-safety: thread-safe (gRPC calls methods concurrently). Ownership:
// `service` is not owned and must outlive this object and the server.
#ifndef SCT_CHANNEL_CHANNEL_GRPC_H_
#define SCT_CHANNEL_CHANNEL_GRPC_H_

#include "channel/channel_service.h"
#include "proto/channel/v1/channel.grpc.pb.h"

namespace sct::channel {

class ChannelGrpcService final : public ::channel::v1::Channel::Service {
 public:
  explicit ChannelGrpcService(ChannelService* service) : service_(service) {}

  grpc::Status Send(grpc::ServerContext* context, const ::channel::v1::SendRequest* request,
                    ::channel::v1::SendResponse* response) override;
  grpc::Status Receive(grpc::ServerContext* context, const ::channel::v1::ReceiveRequest* request,
                       ::channel::v1::ReceiveResponse* response) override;
  grpc::Status WatchInbox(grpc::ServerContext* context,
                          const ::channel::v1::WatchInboxRequest* request,
                          grpc::ServerWriter<::channel::v1::ChannelMessage>* writer) override;
  grpc::Status Tap(grpc::ServerContext* context, const ::channel::v1::TapRequest* request,
                   grpc::ServerWriter<::channel::v1::TappedMessage>* writer) override;
  grpc::Status Configure(grpc::ServerContext* context,
                         const ::channel::v1::ConfigureRequest* request,
                         ::channel::v1::ConfigureResponse* response) override;
  grpc::Status GetDeliveryLog(grpc::ServerContext* context,
                              const ::channel::v1::GetDeliveryLogRequest* request,
                              ::channel::v1::GetDeliveryLogResponse* response) override;

 private:
  ChannelService* const service_;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_CHANNEL_GRPC_H_

// The baseline server: relay.v1.Echo returns the request bytes unchanged.
//
// It is served by the same framework as the relay (runtime/grpc_server.h) and
// on the same gRPC C++ API as the relay's mailbox RPCs (the callback API,
// EchoCallbackService, since the relay's gRPC face moved to it; the
// synchronous EchoService for comparisons with relays of before), so the
// ratio relay/echo isolates what the relay itself costs per RPC: decoding,
// the mailbox logic and the store. Thread-safe (stateless).
#ifndef SCT_RELAY_LOADGEN_ECHO_SERVICE_H_
#define SCT_RELAY_LOADGEN_ECHO_SERVICE_H_

#include "grpcpp/grpcpp.h"
#include "proto/relay/v1/relay.grpc.pb.h"

namespace sct::relay::loadgen {

// On the synchronous API: a gRPC thread per call in flight.
class EchoService final : public ::relay::v1::Echo::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const ::relay::v1::EchoRequest* request,
                    ::relay::v1::EchoResponse* response) override;
};

// On the callback API: answered inline, as the relay answers a read.
class EchoCallbackService final : public ::relay::v1::Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const ::relay::v1::EchoRequest* request,
                                 ::relay::v1::EchoResponse* response) override;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_ECHO_SERVICE_H_

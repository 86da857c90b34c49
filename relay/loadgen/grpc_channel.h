// gRPC channels for load-generator clients.
//
// Each client thread gets its own channel with a local subchannel pool, so it
// has its own TCP connection (gRPC would otherwise share one connection among
// channels with equal arguments). That matches the HTTP clients, which keep
// one keep-alive connection each, and applies equally to relay and echo.
#ifndef SCT_RELAY_LOADGEN_GRPC_CHANNEL_H_
#define SCT_RELAY_LOADGEN_GRPC_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace sct::relay::loadgen {

// An insecure channel to `target` ("127.0.0.1:PORT") on its own connection.
std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& target);

// "OK", "UNAVAILABLE", ... for error labels.
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_GRPC_CHANNEL_H_

#include "relay/loadgen/echo_service.h"

namespace sct::relay::loadgen {

grpc::Status EchoService::Echo(grpc::ServerContext* context,
                               const ::relay::v1::EchoRequest* request,
                               ::relay::v1::EchoResponse* response) {
  response->set_data(request->data());
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* EchoCallbackService::Echo(grpc::CallbackServerContext* context,
                                                    const ::relay::v1::EchoRequest* request,
                                                    ::relay::v1::EchoResponse* response) {
  response->set_data(request->data());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace sct::relay::loadgen

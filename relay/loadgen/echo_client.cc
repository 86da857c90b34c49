#include "relay/loadgen/echo_client.h"

#include "common/uuid.h"
#include "relay/loadgen/grpc_channel.h"

namespace sct::relay::loadgen {

EchoCycleClient::EchoCycleClient(const std::string& target, size_t payload_bytes, uint64_t seed)
    : stub_(::relay::v1::Echo::NewStub(MakeClientChannel(target))), data_(payload_bytes, seed) {}

void EchoCycleClient::BeginCycle() { data_.NewCycle(); }

std::string EchoCycleClient::Do(CycleOp op) {
  // Each relay operation moves the payload once (create and update send it,
  // the reads receive it); delete moves only a claim and a request id. Echo
  // sends those bytes and gets them back, so per RPC it moves the payload in
  // both directions: slightly more bytes than the relay, never fewer.
  switch (op) {
    case CycleOp::kCreate:
    case CycleOp::kReadBind:
      request_.set_data(data_.share_payload());
      break;
    case CycleOp::kUpdate:
    case CycleOp::kReadReply:
      request_.set_data(data_.reply_payload());
      break;
    case CycleOp::kDelete:
      request_.set_data(data_.sender_claim() + NewUuidV4());
      break;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  response_.Clear();
  grpc::Status s = stub_->Echo(&ctx, request_, &response_);
  if (!s.ok()) return GrpcCodeName(s.error_code());
  if (response_.data() != request_.data()) return "bad_response";
  return "";
}

}  // namespace sct::relay::loadgen

#include "relay/loadgen/relay_grpc_client.h"

#include <chrono>

#include "common/uuid.h"
#include "relay/loadgen/grpc_channel.h"

namespace sct::relay::loadgen {
namespace {

using ::relay::v1::CreateMailboxRequest;
using ::relay::v1::CreateMailboxResponse;
using ::relay::v1::DeleteMailboxRequest;
using ::relay::v1::DeleteMailboxResponse;
using ::relay::v1::ReadSecureContentRequest;
using ::relay::v1::ReadSecureContentResponse;
using ::relay::v1::UpdateMailboxRequest;
using ::relay::v1::UpdateMailboxResponse;

void SetDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

}  // namespace

std::string MailboxIdFromUrlLink(const std::string& url_link) {
  const std::string marker = "/v1/m/";
  size_t at = url_link.rfind(marker);
  if (at == std::string::npos) return "";
  std::string id = url_link.substr(at + marker.size());
  size_t end = id.find_first_of("?#/");
  if (end != std::string::npos) id.resize(end);
  return id;
}

RelayGrpcCycleClient::RelayGrpcCycleClient(const std::string& target, size_t payload_bytes,
                                           uint64_t seed)
    : RelayGrpcCycleClient(std::vector<std::string>{target}, 0, false, payload_bytes, seed) {}

RelayGrpcCycleClient::RelayGrpcCycleClient(const std::vector<std::string>& targets, size_t first,
                                           bool rotate_per_op, size_t payload_bytes, uint64_t seed)
    : first_(first), rotate_(rotate_per_op), data_(payload_bytes, seed) {
  for (const std::string& t : targets) {
    stubs_.push_back(::relay::v1::Relay::NewStub(MakeClientChannel(t)));
  }
}

void RelayGrpcCycleClient::BeginCycle() {
  data_.NewCycle();
  mailbox_id_.clear();
}

std::string RelayGrpcCycleClient::Do(CycleOp op) {
  if (stubs_.empty()) return "no_target";
  auto& stub = stubs_[(first_ + (rotate_ ? static_cast<size_t>(op) : 0)) % stubs_.size()];
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  switch (op) {
    case CycleOp::kCreate: {
      CreateMailboxRequest req;
      req.set_device_claim(data_.sender_claim());
      req.set_request_id(NewUuidV4());
      req.mutable_payload()->set_type(kPayloadType);
      req.mutable_payload()->set_data(data_.share_payload());
      req.mutable_display_information()->set_title("Load test share");
      req.mutable_display_information()->set_description("relay_loadgen cycle");
      // The receiver replies with an update, which needs the W right.
      req.mutable_mailbox_configuration()->set_access_rights("RWD");
      CreateMailboxResponse resp;
      grpc::Status s = stub->CreateMailbox(&ctx, req, &resp);
      if (!s.ok()) return GrpcCodeName(s.error_code());
      mailbox_id_ = MailboxIdFromUrlLink(resp.url_link());
      if (mailbox_id_.empty() || resp.repeated()) return "bad_response";
      return "";
    }
    case CycleOp::kReadBind:
    case CycleOp::kReadReply: {
      const bool bind = op == CycleOp::kReadBind;
      ReadSecureContentRequest req;
      req.set_mailbox_id(mailbox_id_);
      req.set_device_claim(bind ? data_.receiver_claim() : data_.sender_claim());
      req.set_request_id(NewUuidV4());
      ReadSecureContentResponse resp;
      grpc::Status s = stub->ReadSecureContent(&ctx, req, &resp);
      if (!s.ok()) return GrpcCodeName(s.error_code());
      const std::string& want = bind ? data_.share_payload() : data_.reply_payload();
      if (resp.payload().data() != want) return "bad_response";
      return "";
    }
    case CycleOp::kUpdate: {
      UpdateMailboxRequest req;
      req.set_mailbox_id(mailbox_id_);
      req.set_device_claim(data_.receiver_claim());
      req.set_request_id(NewUuidV4());
      req.mutable_payload()->set_type(kPayloadType);
      req.mutable_payload()->set_data(data_.reply_payload());
      UpdateMailboxResponse resp;
      grpc::Status s = stub->UpdateMailbox(&ctx, req, &resp);
      if (!s.ok()) return GrpcCodeName(s.error_code());
      if (resp.repeated()) return "bad_response";
      return "";
    }
    case CycleOp::kDelete: {
      DeleteMailboxRequest req;
      req.set_mailbox_id(mailbox_id_);
      req.set_device_claim(data_.sender_claim());
      req.set_request_id(NewUuidV4());
      DeleteMailboxResponse resp;
      grpc::Status s = stub->DeleteMailbox(&ctx, req, &resp);
      if (!s.ok()) return GrpcCodeName(s.error_code());
      if (resp.repeated()) return "bad_response";
      return "";
    }
  }
  return "bad_op";
}

}  // namespace sct::relay::loadgen

#include "device/device_grpc.h"

#include "common/errors.h"
#include "common/status_mapping.h"

namespace sct::device {
namespace {

template <typename T, typename R>
grpc::Status Answer(absl::StatusOr<T> result, R* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

namespace dv = ::device::v1;

grpc::Status DeviceAgentGrpcService::Enrol(grpc::ServerContext*, const dv::EnrolRequest* req,
                                           dv::EnrolResponse* resp) {
  return Answer(agent_->Enrol(*req), resp);
}
grpc::Status DeviceAgentGrpcService::AddPersona(grpc::ServerContext*,
                                                const dv::AddPersonaRequest* req,
                                                dv::AddPersonaResponse* resp) {
  return Answer(agent_->AddPersona(*req), resp);
}
grpc::Status DeviceAgentGrpcService::PrepareKey(grpc::ServerContext*,
                                                const dv::PrepareKeyRequest* req,
                                                dv::PrepareKeyResponse* resp) {
  return Answer(agent_->PrepareKey(*req), resp);
}
grpc::Status DeviceAgentGrpcService::InstallCredential(grpc::ServerContext*,
                                                       const dv::InstallCredentialRequest* req,
                                                       dv::InstallCredentialResponse* resp) {
  return Answer(agent_->InstallCredential(*req), resp);
}
grpc::Status DeviceAgentGrpcService::ShareCredential(grpc::ServerContext*,
                                                     const dv::ShareCredentialRequest* req,
                                                     dv::ShareCredentialResponse* resp) {
  return Answer(agent_->ShareCredential(*req), resp);
}
grpc::Status DeviceAgentGrpcService::AcceptLink(grpc::ServerContext*,
                                                const dv::AcceptLinkRequest* req,
                                                dv::AcceptLinkResponse* resp) {
  return Answer(agent_->AcceptLink(*req), resp);
}
grpc::Status DeviceAgentGrpcService::Reply(grpc::ServerContext*, const dv::ReplyRequest* req,
                                           dv::ReplyResponse* resp) {
  return Answer(agent_->Reply(*req), resp);
}
grpc::Status DeviceAgentGrpcService::UseCredential(grpc::ServerContext*,
                                                   const dv::UseCredentialRequest* req,
                                                   dv::UseCredentialResponse* resp) {
  return Answer(agent_->UseCredential(*req), resp);
}
grpc::Status DeviceAgentGrpcService::Revoke(grpc::ServerContext*, const dv::RevokeRequest* req,
                                            ::credential_authority::v1::RevokeResponse* resp) {
  return Answer(agent_->Revoke(*req), resp);
}
grpc::Status DeviceAgentGrpcService::CancelShare(grpc::ServerContext*,
                                                 const dv::CancelShareRequest* req,
                                                 dv::CancelShareResponse* resp) {
  return Answer(agent_->CancelShare(*req), resp);
}
grpc::Status DeviceAgentGrpcService::Relinquish(grpc::ServerContext*,
                                                const dv::RelinquishRequest* req,
                                                dv::RelinquishResponse* resp) {
  return Answer(agent_->Relinquish(*req), resp);
}
grpc::Status DeviceAgentGrpcService::ListShares(
    grpc::ServerContext*, const dv::ListSharesRequest* req,
    ::credential_authority::v1::ListSharesResponse* resp) {
  return Answer(agent_->ListShares(*req), resp);
}
grpc::Status DeviceAgentGrpcService::GetState(grpc::ServerContext*,
                                              const dv::GetStateRequest* req,
                                              dv::GetStateResponse* resp) {
  return Answer(agent_->GetState(*req), resp);
}

grpc::Status DeviceAgentGrpcService::WatchEvents(grpc::ServerContext* context,
                                                 const dv::WatchEventsRequest* req,
                                                 grpc::ServerWriter<dv::DeviceEvent>* writer) {
  if (!req->persona().empty()) {
    dv::GetStateRequest probe;
    probe.set_persona(req->persona());
    absl::Status st = agent_->GetState(probe).status();
    if (!st.ok()) return ToGrpcStatus(st);
  }
  // after_sequence = 0 means "only new ones": start from the current end.
  uint64_t seen = req->after_sequence();
  if (seen == 0) {
    for (const auto& e : agent_->EventsAfter(0, "")) seen = e.sequence();
  }
  while (!context->IsCancelled()) {
    for (const auto& e : agent_->EventsAfter(seen, "")) {
      seen = e.sequence();
      if (!req->persona().empty() && !e.persona().empty() && e.persona() != req->persona()) {
        continue;
      }
      if (!writer->Write(e)) return grpc::Status::OK;
    }
    agent_->WaitForEventAfter(seen, absl::Milliseconds(200));
  }
  return grpc::Status::OK;
}

}  // namespace sct::device

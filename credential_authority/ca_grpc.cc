#include "credential_authority/ca_grpc.h"

#include <iostream>

#include "common/errors.h"
#include "common/status_mapping.h"
#include "runtime/peer_identity.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

// Logs the service boundary (method, caller, outcome; never payloads).
grpc::Status Finish(absl::string_view method, const Caller& caller,
                    const absl::Status& status) {
  if (!status.ok()) {
    std::cerr << "ca: " << method << " caller=" << caller.id << " -> "
              << absl::StatusCodeToString(status.code()) << " "
              << ReasonOf(status) << "\n";
  }
  return ToGrpcStatus(status);
}

template <typename Resp>
grpc::Status Reply(absl::string_view method, const Caller& caller,
                   absl::StatusOr<Resp> result, Resp* response) {
  if (!result.ok()) return Finish(method, caller, result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

#define SCT_CA_UNARY(Method, Req, Resp)                               \
  grpc::Status CaGrpcService::Method(grpc::ServerContext* context,    \
                                     const cav1::Req* request,        \
                                     cav1::Resp* response) {          \
    Caller caller = service_->Identify(PeerCommonName(*context));     \
    return Reply(#Method, caller, service_->Method(caller, *request), \
                 response);                                           \
  }

SCT_CA_UNARY(RegisterAccessPoint, RegisterAccessPointRequest,
             RegisterAccessPointResponse)
SCT_CA_UNARY(RegisterOem, RegisterOemRequest, RegisterOemResponse)
SCT_CA_UNARY(BootstrapOwner, BootstrapOwnerRequest, BootstrapOwnerResponse)
SCT_CA_UNARY(InitiateShare, InitiateShareRequest, InitiateShareResponse)
SCT_CA_UNARY(RedeemShare, RedeemShareRequest, RedeemShareResponse)
SCT_CA_UNARY(RevokeShare, RevokeShareRequest, RevokeResponse)
SCT_CA_UNARY(RevokeCredential, RevokeCredentialRequest, RevokeResponse)
SCT_CA_UNARY(ListShares, ListSharesRequest, ListSharesResponse)
SCT_CA_UNARY(GetRevocationList, GetRevocationListRequest,
             GetRevocationListResponse)
SCT_CA_UNARY(GetAccessPointKeys, GetAccessPointKeysRequest,
             GetAccessPointKeysResponse)

#undef SCT_CA_UNARY

grpc::Status CaGrpcService::GetAuthorityInfo(
    grpc::ServerContext* context, const cav1::GetAuthorityInfoRequest* request,
    cav1::GetAuthorityInfoResponse* response) {
  *response = service_->GetAuthorityInfo();
  return grpc::Status::OK;
}

grpc::Status CaGrpcService::WatchRevocations(
    grpc::ServerContext* context, const cav1::WatchRevocationsRequest* request,
    grpc::ServerWriter<cav1::RevocationUpdate>* writer) {
  Caller caller = service_->Identify(PeerCommonName(*context));
  absl::Status s = service_->WatchRevocations(
      caller, *request,
      [writer](const cav1::RevocationUpdate& u) { return writer->Write(u); },
      [context] { return context->IsCancelled(); });
  return Finish("WatchRevocations", caller, s);
}

}  // namespace sct::ca

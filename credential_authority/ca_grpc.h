// gRPC adapter for the credential authority: credential_authority.v1.
// CredentialAuthority. Identifies the caller from the TLS client certificate
// (x509 common name, as verified by the server's mutual-TLS handshake),
// decodes, calls CaService and maps errors with common/status_mapping.h.
// The only place where gRPC types meet the logic.
//
// Thread-safety: thread-safe. Ownership: borrows the CaService.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_GRPC_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_GRPC_H_

#include <string>

#include "credential_authority/ca_service.h"
#include "grpcpp/grpcpp.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

namespace sct::ca {

class CaGrpcService final
    : public credential_authority::v1::CredentialAuthority::Service {
 public:
  explicit CaGrpcService(CaService* service) : service_(service) {}

  grpc::Status RegisterAccessPoint(
      grpc::ServerContext* context,
      const credential_authority::v1::RegisterAccessPointRequest* request,
      credential_authority::v1::RegisterAccessPointResponse* response) override;
  grpc::Status RegisterOem(
      grpc::ServerContext* context,
      const credential_authority::v1::RegisterOemRequest* request,
      credential_authority::v1::RegisterOemResponse* response) override;
  grpc::Status BootstrapOwner(
      grpc::ServerContext* context,
      const credential_authority::v1::BootstrapOwnerRequest* request,
      credential_authority::v1::BootstrapOwnerResponse* response) override;
  grpc::Status InitiateShare(
      grpc::ServerContext* context,
      const credential_authority::v1::InitiateShareRequest* request,
      credential_authority::v1::InitiateShareResponse* response) override;
  grpc::Status RedeemShare(
      grpc::ServerContext* context,
      const credential_authority::v1::RedeemShareRequest* request,
      credential_authority::v1::RedeemShareResponse* response) override;
  grpc::Status RevokeShare(
      grpc::ServerContext* context,
      const credential_authority::v1::RevokeShareRequest* request,
      credential_authority::v1::RevokeResponse* response) override;
  grpc::Status RevokeCredential(
      grpc::ServerContext* context,
      const credential_authority::v1::RevokeCredentialRequest* request,
      credential_authority::v1::RevokeResponse* response) override;
  grpc::Status ListShares(
      grpc::ServerContext* context,
      const credential_authority::v1::ListSharesRequest* request,
      credential_authority::v1::ListSharesResponse* response) override;
  grpc::Status GetRevocationList(
      grpc::ServerContext* context,
      const credential_authority::v1::GetRevocationListRequest* request,
      credential_authority::v1::GetRevocationListResponse* response) override;
  grpc::Status WatchRevocations(
      grpc::ServerContext* context,
      const credential_authority::v1::WatchRevocationsRequest* request,
      grpc::ServerWriter<credential_authority::v1::RevocationUpdate>* writer)
      override;
  grpc::Status GetAccessPointKeys(
      grpc::ServerContext* context,
      const credential_authority::v1::GetAccessPointKeysRequest* request,
      credential_authority::v1::GetAccessPointKeysResponse* response) override;
  grpc::Status GetAuthorityInfo(
      grpc::ServerContext* context,
      const credential_authority::v1::GetAuthorityInfoRequest* request,
      credential_authority::v1::GetAuthorityInfoResponse* response) override;

 private:
  CaService* const service_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_GRPC_H_

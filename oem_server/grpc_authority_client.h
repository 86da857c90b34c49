// AuthorityClient over gRPC: each call gets a deadline, runs on the injected
// CredentialAuthority::StubInterface (not owned; gMock's
// MockCredentialAuthorityStub in tests, a mutual-TLS channel in main.cc), and
// maps the answer with common/status_mapping's FromGrpcStatus, so the
// authority's code and reason reach the device unchanged.
//
// A transport failure (UNAVAILABLE or DEADLINE_EXCEEDED without an
// authority reason) becomes UNAVAILABLE "authority_unavailable"; UNAVAILABLE
// with a reason from the authority (e.g. "simulated_outage") passes through.
// Thread-safe (gRPC stubs are).
#ifndef SCT_OEM_SERVER_GRPC_AUTHORITY_CLIENT_H_
#define SCT_OEM_SERVER_GRPC_AUTHORITY_CLIENT_H_

#include "absl/time/time.h"
#include "oem_server/authority_client.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

namespace sct::oem {

class GrpcAuthorityClient : public AuthorityClient {
 public:
  GrpcAuthorityClient(
      credential_authority::v1::CredentialAuthority::StubInterface* stub,
      absl::Duration timeout = absl::Seconds(10))
      : stub_(stub), timeout_(timeout) {}

  absl::StatusOr<credential_authority::v1::InitiateShareResponse> InitiateShare(
      const credential_authority::v1::InitiateShareRequest& request) override;
  absl::StatusOr<credential_authority::v1::RedeemShareResponse> RedeemShare(
      const credential_authority::v1::RedeemShareRequest& request) override;
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeShare(
      const credential_authority::v1::RevokeShareRequest& request) override;
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeCredential(
      const credential_authority::v1::RevokeCredentialRequest& request)
      override;
  absl::StatusOr<credential_authority::v1::ListSharesResponse> ListShares(
      const credential_authority::v1::ListSharesRequest& request) override;

 private:
  template <typename Req, typename Resp, typename Method>
  absl::StatusOr<Resp> Call(const char* name, Method method,
                            const Req& request);

  credential_authority::v1::CredentialAuthority::StubInterface* stub_;
  absl::Duration timeout_;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_GRPC_AUTHORITY_CLIENT_H_

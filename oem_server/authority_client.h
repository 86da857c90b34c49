// What the OEM service needs from the credential authority, as plain C++:
// the five calls it bridges for its devices. The gRPC implementation
// (grpc_authority_client.h) wraps a CredentialAuthority::StubInterface that
// main.cc connects over mutual TLS as this OEM.
//
// Errors: whatever the authority answered, with its code and stable reason
// unchanged (credential_authority.proto lists them); UNAVAILABLE with reason
// "authority_unavailable" when the authority cannot be reached or does not
// answer in time. Implementations are thread-safe.
#ifndef SCT_OEM_SERVER_AUTHORITY_CLIENT_H_
#define SCT_OEM_SERVER_AUTHORITY_CLIENT_H_

#include "absl/status/statusor.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::oem {

class AuthorityClient {
 public:
  virtual ~AuthorityClient() = default;

  virtual absl::StatusOr<credential_authority::v1::InitiateShareResponse>
  InitiateShare(
      const credential_authority::v1::InitiateShareRequest& request) = 0;
  virtual absl::StatusOr<credential_authority::v1::RedeemShareResponse>
  RedeemShare(const credential_authority::v1::RedeemShareRequest& request) = 0;
  virtual absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeShare(
      const credential_authority::v1::RevokeShareRequest& request) = 0;
  virtual absl::StatusOr<credential_authority::v1::RevokeResponse>
  RevokeCredential(
      const credential_authority::v1::RevokeCredentialRequest& request) = 0;
  virtual absl::StatusOr<credential_authority::v1::ListSharesResponse>
  ListShares(const credential_authority::v1::ListSharesRequest& request) = 0;
};

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_AUTHORITY_CLIENT_H_

#include "oem_server/grpc_authority_client.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"

namespace sct::oem {

namespace ca = credential_authority::v1;

template <typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> GrpcAuthorityClient::Call(const char* name, Method method,
                                               const Req& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  Resp response;
  grpc::Status status = (stub_->*method)(&context, request, &response);
  if (status.ok()) return response;
  absl::Status mapped = FromGrpcStatus(status);
  bool transport = (mapped.code() == absl::StatusCode::kUnavailable &&
                    ReasonOf(mapped) == "unavailable") ||
                   (mapped.code() == absl::StatusCode::kDeadlineExceeded &&
                    ReasonOf(mapped) == "deadline_exceeded");
  if (transport) {
    std::cerr << "oem: authority " << name
              << " unreachable: " << mapped.message() << "\n";
    return MakeError(absl::StatusCode::kUnavailable, "authority_unavailable",
                     absl::StrCat("credential authority unreachable (", name,
                                  "): ", mapped.message()));
  }
  return mapped;
}

absl::StatusOr<ca::InitiateShareResponse> GrpcAuthorityClient::InitiateShare(
    const ca::InitiateShareRequest& request) {
  return Call<ca::InitiateShareRequest, ca::InitiateShareResponse>(
      "InitiateShare", &ca::CredentialAuthority::StubInterface::InitiateShare,
      request);
}

absl::StatusOr<ca::RedeemShareResponse> GrpcAuthorityClient::RedeemShare(
    const ca::RedeemShareRequest& request) {
  return Call<ca::RedeemShareRequest, ca::RedeemShareResponse>(
      "RedeemShare", &ca::CredentialAuthority::StubInterface::RedeemShare,
      request);
}

absl::StatusOr<ca::RevokeResponse> GrpcAuthorityClient::RevokeShare(
    const ca::RevokeShareRequest& request) {
  return Call<ca::RevokeShareRequest, ca::RevokeResponse>(
      "RevokeShare", &ca::CredentialAuthority::StubInterface::RevokeShare,
      request);
}

absl::StatusOr<ca::RevokeResponse> GrpcAuthorityClient::RevokeCredential(
    const ca::RevokeCredentialRequest& request) {
  return Call<ca::RevokeCredentialRequest, ca::RevokeResponse>(
      "RevokeCredential",
      &ca::CredentialAuthority::StubInterface::RevokeCredential, request);
}

absl::StatusOr<ca::ListSharesResponse> GrpcAuthorityClient::ListShares(
    const ca::ListSharesRequest& request) {
  return Call<ca::ListSharesRequest, ca::ListSharesResponse>(
      "ListShares", &ca::CredentialAuthority::StubInterface::ListShares,
      request);
}

}  // namespace sct::oem

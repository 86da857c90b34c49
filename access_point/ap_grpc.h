// gRPC adapter for access_point.v1.AccessPoint: decodes requests, calls the
// Verifier / revocation state, encodes responses. The only file of the
// access point where gRPC types meet the logic.
//
// Denials are OK responses (granted=false, reason); gRPC errors are only
// INVALID_ARGUMENT "invalid_field" for malformed requests, RESOURCE_EXHAUSTED
// "too_many_challenges", and UNAVAILABLE "authority_unavailable" from
// Refresh. All mapping goes through common/status_mapping.h.
//
// Thread-safety: thread-safe (the parts it calls are). Ownership: borrows
// everything; `key_sync` may be null (no symmetric key grants).
#ifndef SCT_ACCESS_POINT_AP_GRPC_H_
#define SCT_ACCESS_POINT_AP_GRPC_H_

#include <string>

#include "access_point/key_grant_sync.h"
#include "access_point/revocation_list.h"
#include "access_point/revocation_sync.h"
#include "access_point/verifier.h"
#include "common/clock.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"

namespace sct::access_point {

class AccessPointGrpcService final
    : public ::access_point::v1::AccessPoint::Service {
 public:
  AccessPointGrpcService(Verifier* verifier, const RevocationList* revocations,
                         RevocationSync* sync, KeyGrantSync* key_sync,
                         std::string authority_id, const Clock& clock);

  grpc::Status GetChallenge(
      grpc::ServerContext* context,
      const ::access_point::v1::GetChallengeRequest* request,
      ::access_point::v1::GetChallengeResponse* response) override;
  grpc::Status Authenticate(
      grpc::ServerContext* context,
      const ::access_point::v1::AuthenticateRequest* request,
      ::access_point::v1::AuthenticateResponse* response) override;
  grpc::Status GetStatus(
      grpc::ServerContext* context,
      const ::access_point::v1::GetStatusRequest* request,
      ::access_point::v1::GetStatusResponse* response) override;
  grpc::Status Refresh(grpc::ServerContext* context,
                       const ::access_point::v1::RefreshRequest* request,
                       ::access_point::v1::RefreshResponse* response) override;

 private:
  Verifier* const verifier_;
  const RevocationList* const revocations_;
  RevocationSync* const sync_;
  KeyGrantSync* const key_sync_;
  const std::string authority_id_;
  const Clock& clock_;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_AP_GRPC_H_

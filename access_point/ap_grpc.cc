#include "access_point/ap_grpc.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "google/protobuf/timestamp.pb.h"
#include "runtime/peer_identity.h"

namespace sct::access_point {
namespace {

namespace apv1 = ::access_point::v1;

// An infinite time (e.g. the last update of a list never received) leaves
// the field unset.
void SetIfFinite(absl::Time t, google::protobuf::Timestamp* ts) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return;
  ToProto(t, ts);
}

// Who asks, for the per-client challenge bound: the TLS identity when the
// client presented a certificate, else its address without the port.
std::string ClientOf(const grpc::ServerContext& context) {
  const std::string cn = PeerCommonName(context);
  if (!cn.empty()) return absl::StrCat("cn:", cn);
  const std::string peer = context.peer();
  const size_t colon = peer.rfind(':');
  return absl::StrCat("addr:", colon == std::string::npos ? peer : peer.substr(0, colon));
}

}  // namespace

AccessPointGrpcService::AccessPointGrpcService(
    Verifier* verifier, const RevocationList* revocations, RevocationSync* sync,
    KeyGrantSync* key_sync, std::string authority_id, const Clock& clock)
    : verifier_(verifier),
      revocations_(revocations),
      sync_(sync),
      key_sync_(key_sync),
      authority_id_(std::move(authority_id)),
      clock_(clock) {}

grpc::Status AccessPointGrpcService::GetChallenge(
    grpc::ServerContext* context, const apv1::GetChallengeRequest*,
    apv1::GetChallengeResponse* response) {
  absl::StatusOr<Challenge> c = verifier_->IssueChallenge(ClientOf(*context));
  if (!c.ok()) return ToGrpcStatus(c.status());
  response->set_access_point_id(verifier_->options().access_point_id);
  response->set_nonce(c->nonce);
  SetIfFinite(c->expires_at, response->mutable_expires_at());
  response->set_kind(verifier_->options().kind);
  for (const std::string& a : verifier_->supported_actions()) {
    response->add_supported_actions(a);
  }
  return grpc::Status::OK;
}

grpc::Status AccessPointGrpcService::Authenticate(
    grpc::ServerContext*, const apv1::AuthenticateRequest* request,
    apv1::AuthenticateResponse* response) {
  AuthAttempt a;
  a.nonce = request->nonce();
  a.action = request->action();
  switch (request->credential_case()) {
    case apv1::AuthenticateRequest::kCertificate:
      a.kind = AuthAttempt::Kind::kAsymmetric;
      a.certificate_der = request->certificate().certificate_der();
      a.intermediates_der.assign(
          request->certificate().intermediates_der().begin(),
          request->certificate().intermediates_der().end());
      if (request->proof_case() != apv1::AuthenticateRequest::kSignature) {
        return ToGrpcStatus(
            InvalidField("signature", "required for a certificate credential"));
      }
      a.proof = request->signature();
      break;
    case apv1::AuthenticateRequest::kCredentialId:
      a.kind = AuthAttempt::Kind::kSymmetric;
      a.credential_id = request->credential_id();
      if (request->proof_case() != apv1::AuthenticateRequest::kHmac) {
        return ToGrpcStatus(
            InvalidField("hmac", "required for a symmetric credential"));
      }
      a.proof = request->hmac();
      break;
    default:
      return ToGrpcStatus(
          InvalidField("credential", "certificate or credential_id required"));
  }
  absl::StatusOr<Decision> d = verifier_->Authenticate(a);
  if (!d.ok()) return ToGrpcStatus(d.status());
  response->set_granted(d->granted());
  response->set_reason(d->reason);
  response->set_detail(d->detail);
  response->set_credential_id(d->credential_id);
  response->set_access_point_id(verifier_->options().access_point_id);
  SetIfFinite(d->decided_at, response->mutable_decided_at());
  response->set_revocation_list_version(d->revocation_list_version);
  return grpc::Status::OK;
}

grpc::Status AccessPointGrpcService::GetStatus(
    grpc::ServerContext*, const apv1::GetStatusRequest*,
    apv1::GetStatusResponse* response) {
  response->set_access_point_id(verifier_->options().access_point_id);
  response->set_kind(verifier_->options().kind);
  for (const std::string& a : verifier_->supported_actions()) {
    response->add_supported_actions(a);
  }
  response->set_authority_id(authority_id_);
  response->set_revocation_list_version(revocations_->version());
  SetIfFinite(revocations_->last_update(),
        response->mutable_revocation_last_update());
  response->set_revocation_source(
      sync_ != nullptr ? sync_->source() : apv1::REVOCATION_SOURCE_UNSPECIFIED);
  response->set_revoked_count(revocations_->revoked_count());
  VerifierCounters c = verifier_->Counters();
  response->set_symmetric_key_count(c.symmetric_key_count);
  response->set_outstanding_challenges(c.outstanding_challenges);
  for (const auto& [reason, count] : c.decisions) {
    apv1::ReasonCount* rc = response->add_decisions();
    rc->set_reason(reason);
    rc->set_count(count);
  }
  SetIfFinite(clock_.Now(), response->mutable_now());
  return grpc::Status::OK;
}

grpc::Status AccessPointGrpcService::Refresh(grpc::ServerContext*,
                                             const apv1::RefreshRequest*,
                                             apv1::RefreshResponse* response) {
  if (sync_ != nullptr) {
    absl::Status s = sync_->SyncNow();
    if (!s.ok()) return ToGrpcStatus(s);
  }
  if (key_sync_ != nullptr) {
    absl::Status s = key_sync_->SyncNow();
    if (!s.ok()) return ToGrpcStatus(s);
    response->set_key_grant_sequence(key_sync_->last_sequence());
  }
  response->set_revocation_list_version(revocations_->version());
  return grpc::Status::OK;
}

}  // namespace sct::access_point

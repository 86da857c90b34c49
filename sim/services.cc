#include "sim/services.h"

#include <malloc.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "runtime/peer_identity.h"

namespace sct::sim {
namespace {

// About 100 years: far beyond any expiry a scenario jumps past, far inside
// the Timestamp range every service converts its clock to.
constexpr absl::Duration kMaxClockOffset = absl::Hours(24 * 36525);

absl::Status NotAdmin(absl::string_view why) {
  return MakeError(absl::StatusCode::kPermissionDenied, "not_admin", why);
}

}  // namespace

absl::Status CheckAdmin(const grpc::ServerContext& context, const AdminAuth& auth) {
  if (auth.client_certs) {
    if (PeerCommonName(context) != auth.admin_cn) {
      return NotAdmin(absl::StrCat("simulation controls need the \"", auth.admin_cn,
                                   "\" client certificate on this TLS server (verified against "
                                   "its client CA, --tls_client_ca)"));
    }
    return absl::OkStatus();
  }
  if (!IsLoopbackPeer(context.peer())) {
    return NotAdmin("simulation controls accept loopback callers only on this server");
  }
  return absl::OkStatus();
}

#define SIM_CHECK_ADMIN(context)                                 \
  do {                                                           \
    absl::Status check_admin_status = CheckAdmin(*(context), auth_); \
    if (!check_admin_status.ok()) return ToGrpcStatus(check_admin_status); \
  } while (false)

grpc::Status AuditService::GetObservations(grpc::ServerContext* context,
                                           const ::common::v1::GetObservationsRequest*,
                                           ::common::v1::GetObservationsResponse* response) {
  SIM_CHECK_ADMIN(context);
  for (auto& o : state_->recorder().Observations()) *response->add_observations() = std::move(o);
  for (auto& o : state_->recorder().CoObservations()) {
    *response->add_co_observations() = std::move(o);
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::GetTrace(grpc::ServerContext* context,
                                    const ::common::v1::GetTraceRequest* request,
                                    ::common::v1::GetTraceResponse* response) {
  SIM_CHECK_ADMIN(context);
  for (auto& e : state_->recorder().Trace(request->after_seq())) {
    *response->add_events() = std::move(e);
  }
  return grpc::Status::OK;
}

grpc::Status AuditService::ResetAudit(grpc::ServerContext* context,
                                      const ::common::v1::ResetAuditRequest*,
                                      ::common::v1::ResetAuditResponse*) {
  SIM_CHECK_ADMIN(context);
  state_->recorder().ResetAudit();
  return grpc::Status::OK;
}

grpc::Status SimControlService::SetClock(grpc::ServerContext* context,
                                         const ::common::v1::SetClockRequest* request,
                                         ::common::v1::SetClockResponse* response) {
  SIM_CHECK_ADMIN(context);
  absl::Duration offset = state_->clock().offset();
  if (request->has_offset()) {
    absl::StatusOr<absl::Duration> d =
        FromProto(request->offset(), "offset", -kMaxClockOffset, kMaxClockOffset);
    if (!d.ok()) return ToGrpcStatus(d.status());
    offset = *d;
  }
  if (request->has_advance()) {
    absl::StatusOr<absl::Duration> d =
        FromProto(request->advance(), "advance", -kMaxClockOffset, kMaxClockOffset);
    if (!d.ok()) return ToGrpcStatus(d.status());
    offset += *d;
    if (offset < -kMaxClockOffset || offset > kMaxClockOffset) {
      return ToGrpcStatus(
          InvalidField("advance", absl::StrCat("would move the clock offset past +-",
                                               absl::FormatDuration(kMaxClockOffset))));
    }
  }
  if (request->has_offset() || request->has_advance()) state_->clock().SetOffset(offset);
  ToProto(state_->clock().Now(), response->mutable_now());
  return grpc::Status::OK;
}

grpc::Status SimControlService::SetLinkFaults(grpc::ServerContext* context,
                                              const ::common::v1::SetLinkFaultsRequest* request,
                                              ::common::v1::SetLinkFaultsResponse*) {
  SIM_CHECK_ADMIN(context);
  std::vector<::common::v1::LinkFault> faults(request->faults().begin(), request->faults().end());
  return ToGrpcStatus(state_->SetLinkFaults(faults));
}

grpc::Status SimControlService::SetOutage(grpc::ServerContext* context,
                                          const ::common::v1::SetOutageRequest* request,
                                          ::common::v1::SetOutageResponse*) {
  SIM_CHECK_ADMIN(context);
  if (!request->has_until()) {
    state_->SetOutage(std::nullopt);
    return grpc::Status::OK;
  }
  absl::StatusOr<absl::Time> until = FromProto(request->until(), "until");
  if (!until.ok()) return ToGrpcStatus(until.status());
  state_->SetOutage(*until);
  return grpc::Status::OK;
}

grpc::Status SimControlService::SetAuditKey(grpc::ServerContext* context,
                                            const ::common::v1::SetAuditKeyRequest* request,
                                            ::common::v1::SetAuditKeyResponse*) {
  SIM_CHECK_ADMIN(context);
  return ToGrpcStatus(state_->recorder().SetAuditKey(request->key()));
}

grpc::Status SimControlService::GetMemory(grpc::ServerContext* context,
                                          const ::common::v1::GetMemoryRequest* request,
                                          ::common::v1::GetMemoryResponse* response) {
  SIM_CHECK_ADMIN(context);
  if (request->trim()) {
    malloc_trim(0);
    response->set_trimmed(true);
  }
  const struct mallinfo2 m = mallinfo2();
  response->set_heap_in_use_bytes(m.uordblks + m.hblkhd);
  response->set_heap_free_bytes(m.fordblks);
  response->set_heap_system_bytes(m.arena + m.hblkhd);
  response->set_heap_mmapped_bytes(m.hblkhd);
  response->set_trace_events(state_->recorder().event_count());
  for (const auto& [name, count] : state_->Sizes()) (*response->mutable_sizes())[name] = count;
  return grpc::Status::OK;
}

}  // namespace sct::sim

// common.v1.Audit and common.v1.SimControl on a SimState, and the rule for
// who may call them.
//
// Authorization (AdminAuth): on a server that runs TLS (`client_certs`
// true) only a caller whose verified client certificate has the CN
// `admin_cn` (the dev PKI admin identity, "admin") may call. Such a server
// must verify client certificates when they are presented (a client CA:
// runtime/tls.h TlsServerFiles::client_ca_file, required or only
// requested); without one nobody can present the admin certificate, and
// every call is refused. A loopback address counts for nothing then. On a
// plaintext server only loopback peers (127.0.0.0/8, ::1, unix sockets) may
// call. Anyone else gets PERMISSION_DENIED with reason "not_admin".
//
// SetClock: `offset` replaces the SimClock offset, then `advance` is added
// to it (both may be set). Each, and the resulting offset, must lie within
// +-876000h (about 100 years), else INVALID_ARGUMENT "invalid_field" naming
// `offset` or `advance` and the clock is unchanged. SetLinkFaults / SetOutage / SetAuditKey
// validate and answer INVALID_ARGUMENT (reason "invalid_field") naming the field.
//
// Thread-safe; the SimState is not owned and must outlive the services.
#ifndef SCT_SIM_SERVICES_H_
#define SCT_SIM_SERVICES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "sim/sim_state.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"

namespace sct::sim {

struct AdminAuth {
  // True when the server runs TLS: the admin client certificate is required.
  bool client_certs = false;
  std::string admin_cn = "admin";
};

// OK or PERMISSION_DENIED "not_admin" for the caller of `context`.
absl::Status CheckAdmin(const grpc::ServerContext& context, const AdminAuth& auth);

class AuditService final : public ::common::v1::Audit::Service {
 public:
  AuditService(SimState* state, AdminAuth auth) : state_(state), auth_(std::move(auth)) {}
  grpc::Status GetObservations(grpc::ServerContext* context,
                               const ::common::v1::GetObservationsRequest* request,
                               ::common::v1::GetObservationsResponse* response) override;
  grpc::Status GetTrace(grpc::ServerContext* context, const ::common::v1::GetTraceRequest* request,
                        ::common::v1::GetTraceResponse* response) override;
  grpc::Status ResetAudit(grpc::ServerContext* context,
                          const ::common::v1::ResetAuditRequest* request,
                          ::common::v1::ResetAuditResponse* response) override;

 private:
  SimState* const state_;
  const AdminAuth auth_;
};

class SimControlService final : public ::common::v1::SimControl::Service {
 public:
  SimControlService(SimState* state, AdminAuth auth) : state_(state), auth_(std::move(auth)) {}
  grpc::Status SetClock(grpc::ServerContext* context, const ::common::v1::SetClockRequest* request,
                        ::common::v1::SetClockResponse* response) override;
  grpc::Status SetLinkFaults(grpc::ServerContext* context,
                             const ::common::v1::SetLinkFaultsRequest* request,
                             ::common::v1::SetLinkFaultsResponse* response) override;
  grpc::Status SetOutage(grpc::ServerContext* context,
                         const ::common::v1::SetOutageRequest* request,
                         ::common::v1::SetOutageResponse* response) override;
  grpc::Status SetAuditKey(grpc::ServerContext* context,
                           const ::common::v1::SetAuditKeyRequest* request,
                           ::common::v1::SetAuditKeyResponse* response) override;
  grpc::Status GetMemory(grpc::ServerContext* context,
                         const ::common::v1::GetMemoryRequest* request,
                         ::common::v1::GetMemoryResponse* response) override;

 private:
  SimState* const state_;
  const AdminAuth auth_;
};

}  // namespace sct::sim

#endif  // SCT_SIM_SERVICES_H_

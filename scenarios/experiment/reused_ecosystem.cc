#include "scenarios/experiment/reused_ecosystem.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/control.grpc.pb.h"

namespace sct::scenarios::experiment {

absl::Status ResetClocks(Ecosystem& eco) {
  absl::Status first;
  for (const std::string& name : eco.Names()) {
    const Service* svc = eco.Find(name);
    if (svc == nullptr || !svc->sim || !svc->running) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = eco.Channel(name);
    if (!ch.ok()) {
      if (first.ok()) first = ch.status();
      continue;
    }
    auto stub = ::common::v1::SimControl::NewStub(*ch);
    grpc::ClientContext call;
    call.AddMetadata("sct-actor", "engine");
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ::common::v1::SetClockRequest req;
    req.mutable_offset();  // present and zero: replaces the offset
    ::common::v1::SetClockResponse resp;
    absl::Status s = FromGrpcStatus(stub->SetClock(&call, req, &resp));
    if (!s.ok() && first.ok()) first = absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
  }
  return first;
}

}  // namespace sct::scenarios::experiment

#include "scenarios/engine/actor_clients.h"

#include <utility>

#include "common/errors.h"
#include "common/proto_time.h"
#include "scenarios/engine/expect.h"

namespace sct::scenarios {

namespace cv1 = ::common::v1;

ActorClients::ActorClients(Ecosystem* eco, RunContext* ctx, const RunClock* clock)
    : eco_(eco), ctx_(ctx), clock_(clock) {}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ActorClients::ChannelTo(const std::string& name) {
  auto it = channels_.find(name);
  if (it != channels_.end()) return it->second;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = eco_->Channel(name);
  if (c.ok()) channels_[name] = *c;
  return c;
}

absl::StatusOr<std::unique_ptr<::device::v1::DeviceAgent::Stub>> ActorClients::Device(
    const std::string& name) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = ChannelTo(name);
  if (!c.ok()) return c.status();
  return ::device::v1::DeviceAgent::NewStub(*c);
}

absl::StatusOr<std::unique_ptr<::credential_authority::v1::CredentialAuthority::Stub>>
ActorClients::Authority(const std::string& name) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = ChannelTo(name);
  if (!c.ok()) return c.status();
  return ::credential_authority::v1::CredentialAuthority::NewStub(*c);
}

absl::StatusOr<std::unique_ptr<::access_point::v1::AccessPoint::Stub>> ActorClients::AccessPoint(
    const std::string& name) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = ChannelTo(name);
  if (!c.ok()) return c.status();
  return ::access_point::v1::AccessPoint::NewStub(*c);
}

absl::StatusOr<std::unique_ptr<::channel::v1::Channel::Stub>> ActorClients::ChannelServer() {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = ChannelTo("channel");
  if (!c.ok()) return c.status();
  return ::channel::v1::Channel::NewStub(*c);
}

absl::StatusOr<std::unique_ptr<cv1::SimControl::Stub>> ActorClients::SimControl(
    const std::string& name) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> c = ChannelTo(name);
  if (!c.ok()) return c.status();
  return cv1::SimControl::NewStub(*c);
}

void ActorClients::Prepare(grpc::ClientContext* call, const std::string& from,
                           absl::Duration timeout) const {
  call->AddMetadata("sct-actor", from);
  call->AddMetadata("sct-step", ctx_->current_step);
  call->set_deadline(absl::ToChronoTime(clock_->Deadline(timeout)));
}

bool ActorClients::TracedByCallee(const std::string& to) const {
  const Service* callee = eco_->Find(to);
  return callee != nullptr && callee->sim && callee->running;
}

void ActorClients::Record(const std::string& from, const std::string& to, const std::string& method,
                          const std::string& summary, const absl::Status& status,
                          absl::Duration took, absl::Time when) {
  cv1::TraceEvent ev;
  ev.set_seq(++trace_seq_);
  ev.set_from(from);
  ev.set_to(to);
  ev.set_rpc(method);
  ev.set_summary(summary);
  *ev.mutable_time() = ToProtoTimestamp(when == absl::InfinitePast() ? clock_->Now() : when);
  *ev.mutable_duration() = ToProtoDuration(took);
  ev.set_status_code(CodeName(status.code()));
  if (!status.ok()) ev.set_reason(ReasonOf(status));
  ev.set_step_id(ctx_->current_step);
  ctx_->engine_trace.push_back(std::move(ev));
}

}  // namespace sct::scenarios

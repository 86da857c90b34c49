#include "scenarios/attack/trace_events.h"

#include <chrono>
#include <utility>

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"

namespace sct::scenarios::attack {

void PrepareCall(grpc::ClientContext& call, const std::string& actor, const std::string& step,
                 absl::Duration timeout) {
  call.AddMetadata("sct-actor", actor);
  if (!step.empty()) call.AddMetadata("sct-step", step);
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
}

std::string CodeName(const absl::Status& status) { return absl::StatusCodeToString(status.code()); }

::common::v1::TraceEvent MakeEvent(const std::string& from, const std::string& to,
                                   const std::string& rpc, const std::string& summary,
                                   absl::Time start, const absl::Status& status,
                                   ::common::v1::TraceKind kind, const std::string& step) {
  ::common::v1::TraceEvent e;
  e.set_from(from);
  e.set_to(to);
  e.set_rpc(rpc);
  e.set_summary(summary);
  *e.mutable_time() = ToProtoTimestamp(start);
  *e.mutable_duration() = ToProtoDuration(absl::Now() - start);
  e.set_status_code(CodeName(status));
  e.set_reason(status.ok() ? "" : ReasonOf(status));
  e.set_kind(kind);
  e.set_step_id(step);
  return e;
}

void AppendEvent(RunContext& ctx, ::common::v1::TraceEvent event) {
  event.set_seq(ctx.engine_trace.size() + 1);
  ctx.engine_trace.push_back(std::move(event));
}

void AddAdversaryMarker(RunContext& ctx, const std::string& label,
                        const std::vector<std::string>& actors, absl::Time start, bool with_end) {
  scenario::v1::Marker m;
  m.set_label(label);
  m.set_kind(::common::v1::ADVERSARY);
  for (const std::string& a : actors) {
    if (!a.empty()) m.add_actors(a);
  }
  *m.mutable_start() = ToProtoTimestamp(start);
  if (with_end) *m.mutable_end() = ToProtoTimestamp(absl::Now());
  ctx.markers.push_back(std::move(m));
}

}  // namespace sct::scenarios::attack

// How the attack code makes its calls visible: the `sct-actor` / `sct-step`
// metadata every call carries, and the trace events and markers it adds to
// the run (RunContext::engine_trace, RunContext::markers) for the report's
// sequence diagram. Internal to scenarios/attack.
//
// Thread safety: PrepareCall, MakeEvent and CodeName keep no state (the tap
// threads use them); AppendEvent and AddAdversaryMarker change ctx and run on
// the engine's thread only.
#ifndef SCT_SCENARIOS_ATTACK_TRACE_EVENTS_H_
#define SCT_SCENARIOS_ATTACK_TRACE_EVENTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// Adds `sct-actor`, `sct-step` (when not empty) metadata and a deadline
// `timeout` from now.
void PrepareCall(grpc::ClientContext& call, const std::string& actor, const std::string& step,
                 absl::Duration timeout);

// "OK", "NOT_FOUND", ...
std::string CodeName(const absl::Status& status);

// A trace event from `start` until now (seq assigned by AppendEvent).
::common::v1::TraceEvent MakeEvent(const std::string& from, const std::string& to,
                                   const std::string& rpc, const std::string& summary,
                                   absl::Time start, const absl::Status& status,
                                   ::common::v1::TraceKind kind, const std::string& step);

// Appends to ctx.engine_trace with the next seq.
void AppendEvent(RunContext& ctx, ::common::v1::TraceEvent event);

// An ADVERSARY marker labelled `label` over `actors` (empty names skipped)
// from `start`, ending now when `with_end` (else DisarmAdversaries ends it).
void AddAdversaryMarker(RunContext& ctx, const std::string& label,
                        const std::vector<std::string>& actors, absl::Time start, bool with_end);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_TRACE_EVENTS_H_

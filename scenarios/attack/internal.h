// Internals shared by attack.cc, faults.cc and adversaries.cc: the per-run
// state kept beside a RunContext (tap threads, captured links, adversary
// evidence, active link faults) and small call/trace helpers. Not part of the
// contract; only scenarios/attack includes it.
//
// Thread safety: RunState::mu guards every field the tap threads touch
// (taps' captured/pins/claims/probe_seen, pending_trace, evidence, step).
// Everything else is used from the engine's thread only.
#ifndef SCT_SCENARIOS_ATTACK_INTERNAL_H_
#define SCT_SCENARIOS_ATTACK_INTERNAL_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/common/v1/control.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/knowledge.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// A link a tap captured.
struct CapturedLink {
  ShareLink link;
  absl::Time at;
};

// Result of claiming a link through the adversary's device.
struct ClaimResult {
  bool done = false;
  absl::Status status;
};

// Something an adversary held, kept raw until the audit fingerprints it.
// `value` is secret: never logged.
struct RawEvidence {
  std::string actor;
  ::common::v1::KnowledgeItem item = ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED;
  std::string value;  // "" when only the class is known
  std::string where;
};

// One link_interceptor's tap.
struct TapState {
  std::string adversary;
  scenario::v1::LinkInterceptor spec;
  std::string to_address;  // server-side filter ("" = all)
  std::unique_ptr<grpc::ClientContext> call;
  std::thread thread;
  // Guarded by RunState::mu.
  std::vector<CapturedLink> captured;
  std::vector<std::string> pins;              // 6-digit candidates, newest last
  std::map<std::string, ClaimResult> claims;  // mailbox id -> race claim
  std::string probe;                          // nonce of the arming probe
  bool probe_seen = false;
  bool ended = false;
};

struct RunState {
  const void* scenario = nullptr;
  absl::Time started_at;

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::unique_ptr<TapState>> taps;
  std::vector<::common::v1::TraceEvent> pending_trace;  // guarded by mu
  std::vector<RawEvidence> evidence;                    // guarded by mu
  std::string step;                                     // guarded by mu

  // Relay dump hits by adversary name (engine thread only).
  std::map<std::string, std::vector<DumpHit>> dumps;
  // Active link faults: calling service -> fault name -> faults.
  std::map<std::string, std::map<std::string, std::vector<::common::v1::LinkFault>>> link_faults;
  // What services recorded before they were killed (their records live in
  // memory and die with the process): service -> observations; all events.
  std::map<std::string, std::vector<::common::v1::Observation>> saved_observations;
  std::vector<::common::v1::TraceEvent> saved_trace;
};

// The state of `ctx`'s run (created on first use; replaced when ctx now
// belongs to another run, after stopping the old run's taps).
RunState& StateOf(RunContext& ctx);

// Moves what the tap threads produced into ctx: pending trace events into
// ctx.engine_trace (numbering them), captured links into ctx.intercepted, and
// publishes ctx.current_step to the threads.
void Sync(RunContext& ctx);

// Stops every tap of `state` and joins its thread.
void StopTaps(RunState& state);

// Adds `sct-actor`, `sct-step` metadata and a deadline `timeout` from now.
void PrepareCall(grpc::ClientContext& call, const std::string& actor, const std::string& step,
                 absl::Duration timeout);

// Proto time helpers.
google::protobuf::Timestamp ToTimestamp(absl::Time t);
google::protobuf::Duration ToDurationProto(absl::Duration d);
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);

// absl status of a gRPC result, with the stable reason kept.
absl::Status FromGrpc(const grpc::Status& status);
// "OK", "NOT_FOUND", ...
std::string CodeName(const absl::Status& status);

// A trace event of the attack code (seq assigned by Sync/AppendEvent).
::common::v1::TraceEvent MakeEvent(const std::string& from, const std::string& to,
                                   const std::string& rpc, const std::string& summary,
                                   absl::Time start, const absl::Status& status,
                                   ::common::v1::TraceKind kind, const std::string& step);
// Appends to ctx.engine_trace with the next seq.
void AppendEvent(RunContext& ctx, ::common::v1::TraceEvent event);

// The adversary named `name`, or nullptr.
const scenario::v1::Adversary* FindAdversary(const RunContext& ctx, const std::string& name);

// Sets ctx.audit_key on `service` (after a restart). No-op for non-sim or
// stopped services and when no key is set yet.
absl::Status ApplyAuditKey(RunContext& ctx, const std::string& service);

// An HTTP answer (status 0: transport failure, `error` says why).
struct HttpAnswer {
  int status = 0;
  std::string error;
  std::string body;
};
// Keep-alive HTTP(S) client of one origin (http:// or https://, trusting
// `ca_file` for https). Not thread-safe.
class HttpSession {
 public:
  HttpSession(const std::string& base_url, const std::string& ca_file);
  ~HttpSession();
  // method: "GET" or "POST" (POST sends an empty JSON body).
  HttpAnswer Call(const std::string& method, const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The relay's HTTP base URL and the CA file to trust for it.
struct RelayHttp {
  std::string url;
  std::string ca_file;
};
absl::StatusOr<RelayHttp> RelayHttpOf(RunContext& ctx);

// Evidence the adversaries produced, as audit sightings (fingerprinted with
// ctx.audit_key), plus the relay dump hits (for the dump adversary and the
// relay).
absl::StatusOr<std::vector<Sighting>> AdversarySightings(RunContext& ctx);

// What a relay dump read and found.
struct DumpResult {
  std::vector<std::string> files_read;  // base names
  std::vector<std::string> missing;     // base names of listed files absent
  uint64_t bytes_read = 0;
  std::vector<DumpHit> hits;
};
// Reads every data file of the relay (sqlite: also -wal and -shm) and, with
// include_logs, its stderr, and searches them for ctx.known.
// FAILED_PRECONDITION "no_data_files" when the relay has none (attached or
// Redis) and no log is read.
absl::StatusOr<DumpResult> DumpRelay(RunContext& ctx, bool include_logs);

// Whether a known value of `item` may legitimately sit at the relay
// (mailbox ids, ciphertext, push tokens: ARCHITECTURE.md section 2).
bool RelayMayHold(::common::v1::KnowledgeItem item);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_INTERNAL_H_

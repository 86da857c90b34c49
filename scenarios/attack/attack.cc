// The audit plumbing of attack.h (PrepareAudit, EvaluateKnowledge,
// CollectTrace) and the shared runtime of internal.h. Faults live in
// faults.cc, adversaries in adversaries.cc.
#include "scenarios/attack/attack.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/random.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "scenarios/attack/internal.h"
#include "scenarios/attack/knowledge.h"

namespace sct::scenarios {
namespace attack {
namespace {

constexpr absl::Duration kAdminTimeout = absl::Seconds(15);

std::mutex& RegistryMu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
std::map<const RunContext*, std::unique_ptr<RunState>>& Registry() {
  static auto* registry = new std::map<const RunContext*, std::unique_ptr<RunState>>;
  return *registry;
}

}  // namespace

RunState& StateOf(RunContext& ctx) {
  std::lock_guard<std::mutex> lock(RegistryMu());
  std::unique_ptr<RunState>& slot = Registry()[&ctx];
  if (slot != nullptr && (slot->scenario != ctx.scenario || slot->started_at != ctx.started_at)) {
    StopTaps(*slot);
    slot.reset();
  }
  if (slot == nullptr) {
    slot = std::make_unique<RunState>();
    slot->scenario = ctx.scenario;
    slot->started_at = ctx.started_at;
  }
  return *slot;
}

void StopTaps(RunState& state) {
  for (auto& [name, tap] : state.taps) {
    if (tap->call != nullptr) tap->call->TryCancel();
  }
  for (auto& [name, tap] : state.taps) {
    if (tap->thread.joinable()) tap->thread.join();
  }
}

void Sync(RunContext& ctx) {
  RunState& state = StateOf(ctx);
  std::lock_guard<std::mutex> lock(state.mu);
  state.step = ctx.current_step;
  for (::common::v1::TraceEvent& e : state.pending_trace) {
    AppendEvent(ctx, std::move(e));
  }
  state.pending_trace.clear();
  for (auto& [name, tap] : state.taps) {
    std::map<std::string, std::string>& out = ctx.intercepted[name];
    for (const CapturedLink& c : tap->captured) {
      std::string key = MatchShare(c.link, ctx.shares);
      if (key.empty()) {
        key = c.link.mailbox_id;
      } else {
        out.erase(c.link.mailbox_id);
      }
      out[key] = c.link.ToString();
    }
  }
}

void PrepareCall(grpc::ClientContext& call, const std::string& actor, const std::string& step,
                 absl::Duration timeout) {
  call.AddMetadata("sct-actor", actor);
  if (!step.empty()) call.AddMetadata("sct-step", step);
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t secs = nanos / 1000000000;
  int64_t rem = nanos % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --secs;
  }
  out.set_seconds(secs);
  out.set_nanos(static_cast<int32_t>(rem));
  return out;
}

google::protobuf::Duration ToDurationProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return out;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Status FromGrpc(const grpc::Status& status) { return FromGrpcStatus(status); }

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
  *e.mutable_time() = ToTimestamp(start);
  *e.mutable_duration() = ToDurationProto(absl::Now() - start);
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

const scenario::v1::Adversary* FindAdversary(const RunContext& ctx, const std::string& name) {
  if (ctx.scenario == nullptr) return nullptr;
  for (const scenario::v1::Adversary& a : ctx.scenario->adversaries()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

absl::Status ApplyAuditKey(RunContext& ctx, const std::string& service) {
  if (ctx.audit_key.empty() || ctx.eco == nullptr) return absl::OkStatus();
  const Service* svc = ctx.eco->Find(service);
  if (svc == nullptr || !svc->sim || !svc->running) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(service);
  if (!channel.ok()) return channel.status();
  auto stub = ::common::v1::SimControl::NewStub(*channel);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, kAdminTimeout);
  ::common::v1::SetAuditKeyRequest req;
  req.set_key(ctx.audit_key);
  ::common::v1::SetAuditKeyResponse resp;
  absl::Status s = FromGrpc(stub->SetAuditKey(&call, req, &resp));
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("SetAuditKey on ", service, ": ", s.message()));
  }
  return absl::OkStatus();
}

bool RelayMayHold(::common::v1::KnowledgeItem item) {
  return item == ::common::v1::MAILBOX_ID || item == ::common::v1::CIPHERTEXT ||
         item == ::common::v1::PUSH_TOKEN;
}

struct HttpSession::Impl {
  std::unique_ptr<httplib::Client> client;
  std::string init_error;
};

HttpSession::HttpSession(const std::string& base_url, const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
  std::string origin = base_url;
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  impl_->client = std::make_unique<httplib::Client>(origin);
  if (!impl_->client->is_valid()) {
    impl_->init_error = absl::StrCat("bad relay URL ", origin);
    return;
  }
  impl_->client->set_connection_timeout(5, 0);
  impl_->client->set_read_timeout(10, 0);
  impl_->client->set_keep_alive(true);
  if (absl::StartsWith(origin, "https://")) {
    impl_->client->enable_server_certificate_verification(true);
    if (!ca_file.empty()) impl_->client->set_ca_cert_path(ca_file.c_str());
  }
}

HttpSession::~HttpSession() = default;

HttpAnswer HttpSession::Call(const std::string& method, const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpAnswer answer;
  if (!impl_->init_error.empty()) {
    answer.error = impl_->init_error;
    return answer;
  }
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  httplib::Result result = method == "GET"
                               ? impl_->client->Get(path.c_str(), h)
                               : impl_->client->Post(path.c_str(), h, "", "application/json");
  if (!result) {
    answer.error = httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  return answer;
}

absl::StatusOr<RelayHttp> RelayHttpOf(RunContext& ctx) {
  const Service* relay = ctx.eco == nullptr ? nullptr : ctx.eco->Find("relay");
  if (relay == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "service_not_found",
                     "the topology has no service \"relay\"");
  }
  if (relay->http_url.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "no_http_url",
                     "relay: no HTTP URL known");
  }
  RelayHttp out;
  out.url = relay->http_url;
  if (relay->attached && ctx.scenario != nullptr &&
      !ctx.scenario->topology().relay().attach().ca_cert_file().empty()) {
    out.ca_file = ctx.scenario->topology().relay().attach().ca_cert_file();
  } else {
    out.ca_file = ctx.eco->pki().root_cert;
    if (absl::StartsWith(out.ca_file, "-----BEGIN")) {
      // PEM text rather than a path: write it where httplib can read it.
      const std::string path =
          absl::StrCat(ctx.work_dir.empty() ? "/tmp" : ctx.work_dir, "/attack-root-ca.pem");
      std::ofstream(path, std::ios::binary) << out.ca_file;
      out.ca_file = path;
    }
  }
  return out;
}

}  // namespace attack

using attack::FromGrpc;
using attack::PrepareCall;

absl::Status PrepareAudit(RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  attack::Sync(ctx);
  absl::StatusOr<std::string> key = crypto::RandomBytes(32);
  if (!key.ok()) return key.status();
  ctx.audit_key = *key;
  for (const std::string& name : ctx.eco->Names()) {
    const Service* svc = ctx.eco->Find(name);
    if (svc == nullptr || !svc->sim || !svc->running) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(name);
    if (!channel.ok()) return channel.status();
    auto control = ::common::v1::SimControl::NewStub(*channel);
    {
      grpc::ClientContext call;
      PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
      ::common::v1::SetAuditKeyRequest req;
      req.set_key(ctx.audit_key);
      ::common::v1::SetAuditKeyResponse resp;
      absl::Status s = FromGrpc(control->SetAuditKey(&call, req, &resp));
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("SetAuditKey on ", name, ": ", s.message()));
      }
    }
    auto audit = ::common::v1::Audit::NewStub(*channel);
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
    ::common::v1::ResetAuditResponse resp;
    absl::Status s = FromGrpc(audit->ResetAudit(&call, {}, &resp));
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("ResetAudit on ", name, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> EvaluateKnowledge(RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  if (ctx.scenario == nullptr) return InvalidField("ctx.scenario", "no scenario");
  attack::Sync(ctx);
  attack::AuditInput input;
  input.audit_key = ctx.audit_key;
  input.known = ctx.known;

  std::set<std::string> actors;
  for (const std::string& name : ctx.eco->Names()) actors.insert(name);
  for (const scenario::v1::Adversary& a : ctx.scenario->adversaries()) {
    actors.insert(a.name());
    input.audited[a.name()] = true;
  }

  attack::RunState& state = attack::StateOf(ctx);
  auto add_observation = [&](const std::string& name, const ::common::v1::Observation& o) {
    attack::Sighting sighting;
    sighting.actor =
        (!o.observer().empty() && o.observer() != name && actors.count(o.observer()) > 0)
            ? o.observer()
            : name;
    sighting.item = o.item();
    sighting.fingerprint = o.fingerprint();
    sighting.where = o.where().empty() ? name : o.where();
    sighting.count = o.count() == 0 ? 1 : o.count();
    input.sightings.push_back(std::move(sighting));
  };
  for (const std::string& name : ctx.eco->Names()) {
    const Service* svc = ctx.eco->Find(name);
    if (svc == nullptr) continue;
    for (const ::common::v1::Observation& o : state.saved_observations[name]) {
      add_observation(name, o);
    }
    if (!svc->sim) {
      input.unaudited_reason[name] = svc->attached ? "attached without sim services: not audited"
                                                   : "started without sim services: not audited";
      continue;
    }
    if (!svc->running) {
      input.unaudited_reason[name] =
          state.saved_observations.count(name) > 0
              ? "not running at audit time: only observations saved before it was killed"
              : "not running at audit time: observations lost";
      continue;
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(name);
    if (!channel.ok()) {
      input.unaudited_reason[name] =
          absl::StrCat("no channel: ", attack::CodeName(channel.status()));
      continue;
    }
    auto audit = ::common::v1::Audit::NewStub(*channel);
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
    ::common::v1::GetObservationsResponse resp;
    absl::Status s = FromGrpc(audit->GetObservations(&call, {}, &resp));
    if (!s.ok()) {
      input.unaudited_reason[name] =
          absl::StrCat("GetObservations failed: ", attack::CodeName(s), " ", ReasonOf(s));
      continue;
    }
    input.audited[name] = true;
    for (const ::common::v1::Observation& o : resp.observations()) add_observation(name, o);
  }

  absl::StatusOr<std::vector<attack::Sighting>> own = attack::AdversarySightings(ctx);
  if (!own.ok()) return own.status();
  for (attack::Sighting& s : *own) input.sightings.push_back(std::move(s));

  for (const scenario::v1::Assertion& a : ctx.scenario->assertions()) {
    if (a.has_knowledge()) input.assertions.push_back(a.knowledge());
  }
  return attack::BuildAuditRows(input);
}

absl::Status RestoreAuditKey(RunContext& ctx, const std::string& service) {
  return attack::ApplyAuditKey(ctx, service);
}

void PreserveAudit(RunContext& ctx, const std::string& service) {
  if (ctx.eco == nullptr) return;
  const Service* svc = ctx.eco->Find(service);
  if (svc == nullptr || !svc->sim || !svc->running) return;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(service);
  if (!channel.ok()) return;
  auto audit = ::common::v1::Audit::NewStub(*channel);
  attack::RunState& state = attack::StateOf(ctx);
  {
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
    ::common::v1::GetObservationsResponse resp;
    if (audit->GetObservations(&call, {}, &resp).ok()) {
      std::vector<::common::v1::Observation>& saved = state.saved_observations[service];
      for (const ::common::v1::Observation& o : resp.observations()) saved.push_back(o);
    }
  }
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
  ::common::v1::GetTraceResponse resp;
  if (audit->GetTrace(&call, {}, &resp).ok()) {
    for (const ::common::v1::TraceEvent& e : resp.events()) state.saved_trace.push_back(e);
  }
}

absl::StatusOr<std::vector<::common::v1::TraceEvent>> CollectTrace(RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  attack::Sync(ctx);
  std::vector<::common::v1::TraceEvent> all;
  for (const std::string& name : ctx.eco->Names()) {
    const Service* svc = ctx.eco->Find(name);
    if (svc == nullptr || !svc->sim || !svc->running) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(name);
    if (!channel.ok()) continue;
    auto audit = ::common::v1::Audit::NewStub(*channel);
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, attack::kAdminTimeout);
    ::common::v1::GetTraceRequest req;
    req.set_after_seq(0);
    ::common::v1::GetTraceResponse resp;
    absl::Status s = FromGrpc(audit->GetTrace(&call, req, &resp));
    if (!s.ok()) {
      std::cerr << "attack: GetTrace on " << name << " failed: " << attack::CodeName(s) << "\n";
      continue;
    }
    for (const ::common::v1::TraceEvent& e : resp.events()) all.push_back(e);
  }
  for (const ::common::v1::TraceEvent& e : attack::StateOf(ctx).saved_trace) all.push_back(e);
  for (const ::common::v1::TraceEvent& e : ctx.engine_trace) all.push_back(e);
  std::stable_sort(all.begin(), all.end(),
                   [](const ::common::v1::TraceEvent& a, const ::common::v1::TraceEvent& b) {
                     if (a.time().seconds() != b.time().seconds()) {
                       return a.time().seconds() < b.time().seconds();
                     }
                     if (a.time().nanos() != b.time().nanos()) {
                       return a.time().nanos() < b.time().nanos();
                     }
                     return a.seq() < b.seq();
                   });
  return all;
}

}  // namespace sct::scenarios

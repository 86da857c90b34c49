// The knowledge audit and trace collection of attack.h: PrepareAudit,
// EvaluateKnowledge, PreserveAudit, RestoreAuditKey and CollectTrace, over
// common.v1.Audit and common.v1.SimControl on every sim service. The audit
// table itself is built by knowledge.h from what is collected here.
#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/random.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "scenarios/attack/adversaries.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/knowledge.h"
#include "scenarios/attack/linkability.h"
#include "scenarios/attack/run_state.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {
namespace {

using attack::PrepareCall;

constexpr absl::Duration kAdminTimeout = absl::Seconds(15);

// Whether `svc` is a running service with the sim services.
bool IsRunningSim(const Service* svc) { return svc != nullptr && svc->sim && svc->running; }

// SetAuditKey(ctx.audit_key) on `name` ("SetAuditKey on <name>: ..." on
// failure).
absl::Status SetAuditKeyOn(RunContext& ctx, const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& name) {
  auto control = ::common::v1::SimControl::NewStub(channel);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
  ::common::v1::SetAuditKeyRequest req;
  req.set_key(ctx.audit_key);
  ::common::v1::SetAuditKeyResponse resp;
  absl::Status s = FromGrpcStatus(control->SetAuditKey(&call, req, &resp));
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("SetAuditKey on ", name, ": ", s.message()));
  }
  return absl::OkStatus();
}

// The observations of every service (live ones through GetObservations,
// killed ones from what PreserveAudit saved) into `input`, and why a service
// is not audited when it is not.
void CollectServiceObservations(RunContext& ctx, const std::set<std::string>& actors,
                                attack::AuditInput& input,
                                std::vector<attack::CoSighting>* co = nullptr) {
  attack::RunState& state = attack::StateOf(ctx);
  auto add_together = [&](const std::string& name, const ::common::v1::CoObservation& o) {
    if (co == nullptr) return;
    attack::CoSighting c;
    c.actor = name;
    c.where = o.where();
    c.fingerprints.assign(o.fingerprints().begin(), o.fingerprints().end());
    c.count = o.count() == 0 ? 1 : o.count();
    co->push_back(std::move(c));
  };
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
    for (const ::common::v1::CoObservation& o : state.saved_co_observations[name]) {
      add_together(name, o);
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
    PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
    ::common::v1::GetObservationsResponse resp;
    absl::Status s = FromGrpcStatus(audit->GetObservations(&call, {}, &resp));
    if (!s.ok()) {
      input.unaudited_reason[name] =
          absl::StrCat("GetObservations failed: ", attack::CodeName(s), " ", ReasonOf(s));
      continue;
    }
    input.audited[name] = true;
    for (const ::common::v1::Observation& o : resp.observations()) add_observation(name, o);
    for (const ::common::v1::CoObservation& o : resp.co_observations()) add_together(name, o);
  }
}

}  // namespace

absl::Status PrepareAudit(RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  attack::Sync(ctx);
  absl::StatusOr<std::string> key = crypto::RandomBytes(32);
  if (!key.ok()) return key.status();
  ctx.audit_key = *key;
  for (const std::string& name : ctx.eco->Names()) {
    if (!IsRunningSim(ctx.eco->Find(name))) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(name);
    if (!channel.ok()) return channel.status();
    absl::Status keyed = SetAuditKeyOn(ctx, *channel, name);
    if (!keyed.ok()) return keyed;
    auto audit = ::common::v1::Audit::NewStub(*channel);
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
    ::common::v1::ResetAuditResponse resp;
    absl::Status s = FromGrpcStatus(audit->ResetAudit(&call, {}, &resp));
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
  CollectServiceObservations(ctx, actors, input);

  absl::StatusOr<std::vector<attack::Sighting>> own = attack::AdversarySightings(ctx);
  if (!own.ok()) return own.status();
  for (attack::Sighting& s : *own) input.sightings.push_back(std::move(s));

  for (const scenario::v1::Assertion& a : ctx.scenario->assertions()) {
    if (a.has_knowledge()) input.assertions.push_back(a.knowledge());
  }
  return attack::BuildAuditRows(input);
}

absl::StatusOr<std::vector<scenario::v1::LinkabilityAuditRow>> EvaluateLinkability(
    RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  if (ctx.scenario == nullptr) return InvalidField("ctx.scenario", "no scenario");
  attack::Sync(ctx);
  attack::AuditInput base;
  base.audit_key = ctx.audit_key;
  base.known = ctx.known;
  std::set<std::string> actors;
  for (const std::string& name : ctx.eco->Names()) actors.insert(name);
  attack::LinkInput input;
  CollectServiceObservations(ctx, actors, base, &input.co_sightings);
  input.base = &base;
  for (const auto& [name, share] : ctx.shares) input.shares[name] = {share.sender, share.receiver};
  for (const scenario::v1::Assertion& a : ctx.scenario->assertions()) {
    if (a.has_linkability()) input.assertions.push_back(a.linkability());
  }
  for (const std::string& name : ctx.eco->Names()) {
    const Service* svc = ctx.eco->Find(name);
    if (svc == nullptr || svc->kind == ServiceKind::kDevice || svc->kind == ServiceKind::kRedis ||
        svc->kind == ServiceKind::kAccessPoint || !base.audited[name]) {
      continue;
    }
    input.collusion_candidates.push_back(name);
  }
  return attack::BuildLinkRows(input);
}

absl::Status RestoreAuditKey(RunContext& ctx, const std::string& service) {
  if (ctx.audit_key.empty() || ctx.eco == nullptr) return absl::OkStatus();
  if (!IsRunningSim(ctx.eco->Find(service))) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(service);
  if (!channel.ok()) return channel.status();
  return SetAuditKeyOn(ctx, *channel, service);
}

void PreserveAudit(RunContext& ctx, const std::string& service) {
  if (ctx.eco == nullptr) return;
  if (!IsRunningSim(ctx.eco->Find(service))) return;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(service);
  if (!channel.ok()) return;
  auto audit = ::common::v1::Audit::NewStub(*channel);
  attack::RunState& state = attack::StateOf(ctx);
  {
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
    ::common::v1::GetObservationsResponse resp;
    if (audit->GetObservations(&call, {}, &resp).ok()) {
      std::vector<::common::v1::Observation>& saved = state.saved_observations[service];
      for (const ::common::v1::Observation& o : resp.observations()) saved.push_back(o);
      std::vector<::common::v1::CoObservation>& together = state.saved_co_observations[service];
      for (const ::common::v1::CoObservation& o : resp.co_observations()) together.push_back(o);
    }
  }
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
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
    if (!IsRunningSim(ctx.eco->Find(name))) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ctx.eco->Channel(name);
    if (!channel.ok()) continue;
    auto audit = ::common::v1::Audit::NewStub(*channel);
    grpc::ClientContext call;
    PrepareCall(call, "engine", ctx.current_step, Scaled(kAdminTimeout, ctx.time_scale));
    ::common::v1::GetTraceRequest req;
    req.set_after_seq(0);
    ::common::v1::GetTraceResponse resp;
    absl::Status s = FromGrpcStatus(audit->GetTrace(&call, req, &resp));
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

// ApplyFault / ClearFault of attack.h.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/run_state.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/engine/time_scale.h"

namespace sct::scenarios {
namespace {

using attack::CodeName;
using attack::PrepareCall;
using scenario::v1::Fault;

constexpr absl::Duration kCallTimeout = absl::Seconds(15);
constexpr char kChannelService[] = "channel";

std::string Field(const Fault& fault, absl::string_view sub) {
  return absl::StrCat("faults[", fault.name(), "]", sub.empty() ? "" : ".", sub);
}

absl::StatusOr<absl::Duration> ParseDur(const Fault& fault, absl::string_view sub,
                                        const std::string& text, bool allow_negative) {
  if (text.empty()) return absl::ZeroDuration();
  absl::Duration d;
  if (!absl::ParseDuration(text, &d)) {
    return InvalidField(Field(fault, sub), absl::StrCat("not a duration: \"", text, "\""));
  }
  if (!allow_negative && d < absl::ZeroDuration()) {
    return InvalidField(Field(fault, sub), "must not be negative");
  }
  return d;
}

absl::Status CheckProbability(const Fault& fault, absl::string_view sub, double p) {
  if (!(p >= 0.0 && p <= 1.0)) return InvalidField(Field(fault, sub), "must be in [0,1]");
  return absl::OkStatus();
}

absl::StatusOr<const Service*> NeedService(const Fault& fault, absl::string_view sub,
                                           RunContext& ctx, const std::string& name) {
  if (name.empty()) return InvalidField(Field(fault, sub), "missing");
  const Service* svc = ctx.eco->Find(name);
  if (svc == nullptr) {
    return InvalidField(Field(fault, sub), absl::StrCat("no service \"", name, "\""));
  }
  return svc;
}

uint64_t SeedFor(const RunContext& ctx, const Fault& fault) {
  const uint64_t base = ctx.scenario != nullptr ? ctx.scenario->seed() : 0;
  return base ^ std::hash<std::string>()(fault.name());
}

std::vector<std::string> ActorsOf(const Fault& fault) {
  switch (fault.kind_case()) {
    case Fault::kChannel:
      return {kChannelService};
    case Fault::kLink:
      return {fault.link().from(), fault.link().to()};
    case Fault::kRestart:
      return {fault.restart().service()};
    case Fault::kClockSkew:
      return {fault.clock_skew().service()};
    case Fault::kOutage:
      return {fault.outage().service()};
    default:
      return {};
  }
}

// Records the FAULT trace event of one fault call.
void Trace(RunContext& ctx, const std::string& to, const std::string& rpc,
           const std::string& summary, absl::Time start, const absl::Status& s) {
  attack::AppendEvent(ctx, attack::MakeEvent("engine", to, rpc, summary, start, s,
                                             ::common::v1::FAULT, ctx.current_step));
}

absl::Status Named(const Fault& fault, const absl::Status& s) {
  if (s.ok()) return s;
  return MakeError(s.code(), ReasonOf(s).empty() ? "fault_failed" : ReasonOf(s),
                   absl::StrCat("fault ", fault.name(), ": ", s.message()));
}

// The channel's configuration from the topology (or defaults) for `kind`.
absl::StatusOr<channel::v1::ChannelConfig> BaseChannelConfig(const Fault& fault,
                                                             const RunContext& ctx,
                                                             ::common::v1::ChannelKind kind) {
  channel::v1::ChannelConfig config;
  config.set_seed(ctx.scenario != nullptr ? ctx.scenario->seed() : 0);
  if (ctx.scenario == nullptr) return config;
  for (const scenario::v1::ChannelSpec& spec : ctx.scenario->topology().channels()) {
    if (spec.kind() != kind) continue;
    absl::Duration d;
    if (!spec.delay().empty()) {
      if (!absl::ParseDuration(spec.delay(), &d)) {
        return InvalidField("topology.channels.delay", "not a duration");
      }
      *config.mutable_delay() = ToProtoDuration(d);
    }
    if (!spec.jitter().empty()) {
      if (!absl::ParseDuration(spec.jitter(), &d)) {
        return InvalidField("topology.channels.jitter", "not a duration");
      }
      *config.mutable_jitter() = ToProtoDuration(d);
    }
    if (!spec.preview_delay().empty()) {
      if (!absl::ParseDuration(spec.preview_delay(), &d)) {
        return InvalidField("topology.channels.preview_delay", "not a duration");
      }
      *config.mutable_preview_delay() = ToProtoDuration(d);
    }
    config.set_loss_probability(spec.loss());
    config.set_duplicate_probability(spec.duplicate());
    config.set_max_body_length(spec.max_body_length());
    config.set_preview_bot(spec.preview_bot());
    // A channel fault keeps the provider's mail scanner (same numbers in
    // both enums, scenario.v1 and channel.v1).
    config.set_mail_scanner(static_cast<channel::v1::MailScanner>(spec.mail_scanner()));
  }
  return config;
}

absl::Status Configure(RunContext& ctx, const Fault& fault,
                       const channel::v1::ChannelConfig& config, ::common::v1::ChannelKind kind,
                       bool applying) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = ctx.eco->Channel(kChannelService);
  if (!ch.ok()) return ch.status();
  auto stub = channel::v1::Channel::NewStub(*ch);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kCallTimeout, ctx.time_scale));
  channel::v1::ConfigureRequest req;
  req.set_kind(kind);
  *req.mutable_config() = config;
  channel::v1::ConfigureResponse resp;
  const absl::Time start = absl::Now();
  absl::Status s = FromGrpcStatus(stub->Configure(&call, req, &resp));
  Trace(ctx, kChannelService, "channel.v1.Channel/Configure",
        absl::StrCat("fault ", fault.name(),
                     applying ? " on: " : " off: ", ::common::v1::ChannelKind_Name(kind), " delay ",
                     absl::FormatDuration(ToAbslDuration(config.delay())),
                     " loss ", config.loss_probability(), " duplicate ",
                     config.duplicate_probability(), " preview_bot ",
                     config.preview_bot() ? "on" : "off"),
        start, s);
  return s;
}

absl::Status SendLinkFaults(RunContext& ctx, const Fault& fault, const std::string& from,
                            bool applying) {
  attack::RunState& state = attack::StateOf(ctx);
  ::common::v1::SetLinkFaultsRequest req;
  for (const auto& [name, faults] : state.link_faults[from]) {
    for (const ::common::v1::LinkFault& f : faults) *req.add_faults() = f;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = ctx.eco->Channel(from);
  if (!ch.ok()) return ch.status();
  auto stub = ::common::v1::SimControl::NewStub(*ch);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kCallTimeout, ctx.time_scale));
  ::common::v1::SetLinkFaultsResponse resp;
  const absl::Time start = absl::Now();
  absl::Status s = FromGrpcStatus(stub->SetLinkFaults(&call, req, &resp));
  const scenario::v1::LinkFault& lf = fault.link();
  Trace(ctx, from, "common.v1.SimControl/SetLinkFaults",
        applying ? absl::StrCat("fault ", fault.name(), " on: calls ", from, " -> ", lf.to(),
                                " delay ", lf.delay().empty() ? "0s" : lf.delay(), " drop ",
                                lf.drop(), " duplicate ", lf.duplicate())
                 : absl::StrCat("fault ", fault.name(), " off: ", req.faults_size(),
                                " link fault(s) remain on ", from),
        start, s);
  return s;
}

absl::Status SetClockOffset(RunContext& ctx, const Fault& fault, const std::string& service,
                            absl::Duration offset, bool applying) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = ctx.eco->Channel(service);
  if (!ch.ok()) return ch.status();
  auto stub = ::common::v1::SimControl::NewStub(*ch);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kCallTimeout, ctx.time_scale));
  ::common::v1::SetClockRequest req;
  *req.mutable_offset() = ToProtoDuration(offset);
  ::common::v1::SetClockResponse resp;
  const absl::Time start = absl::Now();
  absl::Status s = FromGrpcStatus(stub->SetClock(&call, req, &resp));
  Trace(ctx, service, "common.v1.SimControl/SetClock",
        absl::StrCat("fault ", fault.name(), applying ? " on" : " off", ": clock offset ",
                     absl::FormatDuration(offset)),
        start, s);
  return s;
}

absl::Status SetOutage(RunContext& ctx, const Fault& fault, const std::string& service,
                       bool applying) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = ctx.eco->Channel(service);
  if (!ch.ok()) return ch.status();
  auto stub = ::common::v1::SimControl::NewStub(*ch);
  grpc::ClientContext call;
  PrepareCall(call, "engine", ctx.current_step, Scaled(kCallTimeout, ctx.time_scale));
  ::common::v1::SetOutageRequest req;
  // "Until further notice": far beyond any fake-clock advance of a scenario.
  if (applying)
    *req.mutable_until() = ToProtoTimestamp(absl::Now() + absl::Hours(24 * 365 * 100));
  ::common::v1::SetOutageResponse resp;
  const absl::Time start = absl::Now();
  absl::Status s = FromGrpcStatus(stub->SetOutage(&call, req, &resp));
  Trace(ctx, service, "common.v1.SimControl/SetOutage",
        absl::StrCat("fault ", fault.name(), applying ? ": outage begins" : ": outage ends"), start,
        s);
  return s;
}

void StartMarker(RunContext& ctx, const Fault& fault) {
  scenario::v1::Marker m;
  m.set_label(fault.name());
  m.set_kind(::common::v1::FAULT);
  for (const std::string& a : ActorsOf(fault)) {
    if (!a.empty()) m.add_actors(a);
  }
  *m.mutable_start() = ToProtoTimestamp(absl::Now());
  ctx.markers.push_back(std::move(m));
}

void EndMarker(RunContext& ctx, const Fault& fault) {
  for (auto it = ctx.markers.rbegin(); it != ctx.markers.rend(); ++it) {
    if (it->kind() == ::common::v1::FAULT && it->label() == fault.name() && !it->has_end()) {
      *it->mutable_end() = ToProtoTimestamp(absl::Now());
      return;
    }
  }
}

absl::Status Validate(const Fault& fault, RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  if (fault.name().empty()) return InvalidField("faults.name", "missing");
  switch (fault.kind_case()) {
    case Fault::kChannel: {
      const scenario::v1::ChannelFault& c = fault.channel();
      if (c.kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        return InvalidField(Field(fault, "channel.kind"), "missing");
      }
      absl::StatusOr<absl::Duration> d = ParseDur(fault, "channel.delay", c.delay(), false);
      if (!d.ok()) return d.status();
      RETURN_IF_ERROR(CheckProbability(fault, "channel.loss", c.loss()));
      RETURN_IF_ERROR(CheckProbability(fault, "channel.duplicate", c.duplicate()));
      absl::StatusOr<const Service*> svc = NeedService(fault, "channel", ctx, kChannelService);
      return svc.status();
    }
    case Fault::kLink: {
      const scenario::v1::LinkFault& l = fault.link();
      absl::StatusOr<const Service*> from = NeedService(fault, "link.from", ctx, l.from());
      if (!from.ok()) return from.status();
      if (!(*from)->sim) {
        return InvalidField(Field(fault, "link.from"),
                            absl::StrCat(l.from(), " has no sim services"));
      }
      if (l.to() != "*") {
        absl::StatusOr<const Service*> to = NeedService(fault, "link.to", ctx, l.to());
        if (!to.ok()) return to.status();
      }
      absl::StatusOr<absl::Duration> d = ParseDur(fault, "link.delay", l.delay(), false);
      if (!d.ok()) return d.status();
      RETURN_IF_ERROR(CheckProbability(fault, "link.drop", l.drop()));
      return CheckProbability(fault, "link.duplicate", l.duplicate());
    }
    case Fault::kRestart: {
      absl::StatusOr<const Service*> svc =
          NeedService(fault, "restart.service", ctx, fault.restart().service());
      if (!svc.ok()) return svc.status();
      if ((*svc)->attached) {
        return InvalidField(Field(fault, "restart.service"), "attached services cannot be killed");
      }
      return absl::OkStatus();
    }
    case Fault::kClockSkew: {
      absl::StatusOr<const Service*> svc =
          NeedService(fault, "clock_skew.service", ctx, fault.clock_skew().service());
      if (!svc.ok()) return svc.status();
      if (fault.clock_skew().offset().empty()) {
        return InvalidField(Field(fault, "clock_skew.offset"), "missing");
      }
      return ParseDur(fault, "clock_skew.offset", fault.clock_skew().offset(), true).status();
    }
    case Fault::kOutage:
      return NeedService(fault, "outage.service", ctx, fault.outage().service()).status();
    default:
      return InvalidField(Field(fault, ""),
                          "no fault kind (channel, link, restart, "
                          "clock_skew or outage)");
  }
}

}  // namespace

absl::Status ApplyFault(const Fault& fault, RunContext& ctx) {
  RETURN_IF_ERROR(Validate(fault, ctx));
  attack::Sync(ctx);
  StartMarker(ctx, fault);
  switch (fault.kind_case()) {
    case Fault::kChannel: {
      const scenario::v1::ChannelFault& c = fault.channel();
      absl::StatusOr<channel::v1::ChannelConfig> config = BaseChannelConfig(fault, ctx, c.kind());
      if (!config.ok()) return Named(fault, config.status());
      if (!c.delay().empty()) {
        absl::Duration d;
        absl::ParseDuration(c.delay(), &d);
        *config->mutable_delay() = ToProtoDuration(d);
      }
      if (c.loss() != 0) config->set_loss_probability(c.loss());
      if (c.duplicate() != 0) config->set_duplicate_probability(c.duplicate());
      if (c.has_preview_bot()) config->set_preview_bot(c.preview_bot());
      config->set_seed(SeedFor(ctx, fault));
      return Named(fault, Configure(ctx, fault, *config, c.kind(), true));
    }
    case Fault::kLink: {
      const scenario::v1::LinkFault& l = fault.link();
      absl::Duration delay = absl::ZeroDuration();
      if (!l.delay().empty()) absl::ParseDuration(l.delay(), &delay);
      ::common::v1::LinkFault f;
      *f.mutable_delay() = ToProtoDuration(delay);
      f.set_drop_probability(l.drop());
      f.set_duplicate_probability(l.duplicate());
      f.set_seed(SeedFor(ctx, fault));
      std::vector<::common::v1::LinkFault> faults;
      // control.proto names the peer by actor id; attack.h by gRPC address.
      // Send both forms: the one the service does not match is inert.
      f.set_peer(l.to());
      faults.push_back(f);
      if (l.to() != "*") {
        const Service* to = ctx.eco->Find(l.to());
        if (to != nullptr && !to->grpc_address.empty() && to->grpc_address != l.to()) {
          f.set_peer(to->grpc_address);
          faults.push_back(f);
        }
      }
      attack::StateOf(ctx).link_faults[l.from()][fault.name()] = faults;
      return Named(fault, SendLinkFaults(ctx, fault, l.from(), true));
    }
    case Fault::kRestart: {
      const std::string& name = fault.restart().service();
      const Service* svc = ctx.eco->Find(name);
      if (svc == nullptr || !svc->running) return absl::OkStatus();
      PreserveAudit(ctx, name);  // its records live in memory
      const absl::Time start = absl::Now();
      absl::Status s = ctx.eco->Kill(name);
      Trace(ctx, name, "SIGKILL",
            absl::StrCat("fault ", fault.name(), ": ", name, " killed",
                         fault.restart().no_restart() ? " (stays down)" : ""),
            start, s);
      return Named(fault, s);
    }
    case Fault::kClockSkew: {
      absl::Duration offset;
      absl::ParseDuration(fault.clock_skew().offset(), &offset);
      return Named(fault, SetClockOffset(ctx, fault, fault.clock_skew().service(), offset, true));
    }
    case Fault::kOutage:
      return Named(fault, SetOutage(ctx, fault, fault.outage().service(), true));
    default:
      return absl::OkStatus();
  }
}

absl::Status ClearFault(const Fault& fault, RunContext& ctx) {
  RETURN_IF_ERROR(Validate(fault, ctx));
  attack::Sync(ctx);
  EndMarker(ctx, fault);
  switch (fault.kind_case()) {
    case Fault::kChannel: {
      absl::StatusOr<channel::v1::ChannelConfig> config =
          BaseChannelConfig(fault, ctx, fault.channel().kind());
      if (!config.ok()) return Named(fault, config.status());
      return Named(fault, Configure(ctx, fault, *config, fault.channel().kind(), false));
    }
    case Fault::kLink: {
      const std::string& from = fault.link().from();
      attack::StateOf(ctx).link_faults[from].erase(fault.name());
      const Service* svc = ctx.eco->Find(from);
      if (svc == nullptr || !svc->running) return absl::OkStatus();
      return Named(fault, SendLinkFaults(ctx, fault, from, false));
    }
    case Fault::kRestart: {
      const std::string& name = fault.restart().service();
      const Service* svc = ctx.eco->Find(name);
      if (fault.restart().no_restart() || svc == nullptr || svc->running) {
        return absl::OkStatus();
      }
      const absl::Time start = absl::Now();
      absl::Status s = ctx.eco->Start(name);
      Trace(ctx, name, "start", absl::StrCat("fault ", fault.name(), ": ", name, " restarted"),
            start, s);
      if (!s.ok()) return Named(fault, s);
      return Named(fault, RestoreAuditKey(ctx, name));
    }
    case Fault::kClockSkew: {
      const Service* svc = ctx.eco->Find(fault.clock_skew().service());
      if (svc == nullptr || !svc->running) return absl::OkStatus();
      return Named(fault, SetClockOffset(ctx, fault, fault.clock_skew().service(),
                                         absl::ZeroDuration(), false));
    }
    case Fault::kOutage: {
      const Service* svc = ctx.eco->Find(fault.outage().service());
      if (svc == nullptr || !svc->running) return absl::OkStatus();
      return Named(fault, SetOutage(ctx, fault, fault.outage().service(), false));
    }
    default:
      return absl::OkStatus();
  }
}

}  // namespace sct::scenarios

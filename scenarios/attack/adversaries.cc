// ArmAdversaries / SyncAdversaries / DisarmAdversaries / ActAdversary of
// attack.h, which dispatch on the adversary's kind, and the pieces the
// adversaries share (adversaries.h).
#include "scenarios/attack/adversaries.h"

#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/trace_events.h"
#include "scenarios/launcher/address_plan.h"
#include "sim/recorder.h"

namespace sct::scenarios {
namespace attack {

using scenario::v1::Adversary;

const Adversary* FindAdversary(const RunContext& ctx, const std::string& name) {
  if (ctx.scenario == nullptr) return nullptr;
  for (const Adversary& a : ctx.scenario->adversaries()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

namespace {

absl::Status ValidateInterceptor(const std::string& field, const scenario::v1::LinkInterceptor& li,
                                 const std::function<bool(const std::string&)>& has_device) {
  if (li.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
    return InvalidField(field + ".link_interceptor.channel", "missing");
  }
  if (!li.target().empty() && !has_device(li.target())) {
    return InvalidField(field + ".link_interceptor.target",
                        absl::StrCat("no device \"", li.target(), "\""));
  }
  if (!li.device().empty() && !has_device(li.device())) {
    return InvalidField(field + ".link_interceptor.device",
                        absl::StrCat("no device \"", li.device(), "\""));
  }
  if (li.race() && li.device().empty()) {
    return InvalidField(field + ".link_interceptor.device", "race needs a device");
  }
  for (int i = 0; i < li.also_channels_size(); ++i) {
    const ::common::v1::ChannelKind kind = li.also_channels(i);
    if (kind == ::common::v1::CHANNEL_KIND_UNSPECIFIED || kind == li.channel()) {
      return InvalidField(absl::StrCat(field, ".link_interceptor.also_channels[", i, "]"),
                          "must be a channel other than `channel`");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReplayer(const RunContext& ctx, const std::string& field,
                              const scenario::v1::TokenReplayer& tr,
                              const std::function<bool(const std::string&)>& has_device) {
  const Adversary* interceptor = FindAdversary(ctx, tr.interceptor());
  if (interceptor == nullptr || !interceptor->has_link_interceptor()) {
    return InvalidField(field + ".token_replayer.interceptor",
                        absl::StrCat("no link_interceptor \"", tr.interceptor(), "\""));
  }
  if (tr.share().empty()) return InvalidField(field + ".token_replayer.share", "missing");
  const std::string device =
      tr.device().empty() ? interceptor->link_interceptor().device() : tr.device();
  if (device.empty() || !has_device(device)) {
    return InvalidField(field + ".token_replayer.device",
                        absl::StrCat("no device \"", device, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateAdversary(const RunContext& ctx, const Adversary& a) {
  const std::string field = absl::StrCat("adversaries[", a.name(), "]");
  if (a.name().empty()) return InvalidField("adversaries.name", "missing");
  auto has_device = [&](const std::string& d) {
    for (const scenario::v1::DeviceSpec& spec : ctx.scenario->topology().devices()) {
      if (spec.id() == d) return true;
    }
    return false;
  };
  switch (a.kind_case()) {
    case Adversary::kLinkInterceptor:
      return ValidateInterceptor(field, a.link_interceptor(), has_device);
    case Adversary::kIdGuesser:
      if (!(a.id_guesser().rate() >= 0)) {
        return InvalidField(field + ".id_guesser.rate", "must not be negative");
      }
      if (a.id_guesser().attackers() > kMaxAttackers) {
        return InvalidField(field + ".id_guesser.attackers",
                            absl::StrCat("must be at most ", kMaxAttackers, " (0 means 1)"));
      }
      return absl::OkStatus();
    case Adversary::kTokenReplayer:
      return ValidateReplayer(ctx, field, a.token_replayer(), has_device);
    case Adversary::kRelayDump:
      return absl::OkStatus();
    default:
      return InvalidField(field, "no adversary kind");
  }
}

std::string ShortId(const std::string& mailbox_id) {
  return absl::StrCat(mailbox_id.substr(0, 8), "...");
}

std::string KindName(::common::v1::ChannelKind kind) {
  return ::common::v1::ChannelKind_Name(kind);
}

std::string PersonaOf(const RunContext& ctx, const std::string& device) {
  if (ctx.scenario != nullptr) {
    for (const scenario::v1::DeviceSpec& d : ctx.scenario->topology().devices()) {
      if (d.id() == device && d.personas_size() > 0) return d.personas(0).name();
    }
  }
  return "personal";
}

absl::Status Claim(const std::shared_ptr<grpc::Channel>& device_channel, const std::string& persona,
                   const std::string& link, const std::string& pin, const std::string& actor,
                   const std::string& step, absl::Duration timeout,
                   ::device::v1::AcceptLinkResponse* resp) {
  auto stub = ::device::v1::DeviceAgent::NewStub(device_channel);
  grpc::ClientContext call;
  PrepareCall(call, actor, step, timeout);
  ::device::v1::AcceptLinkRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(persona);
  req.set_link(link);
  if (!pin.empty()) req.set_pin(pin);
  return FromGrpcStatus(stub->AcceptLink(&call, req, resp));
}

void AddLinkEvidence(std::vector<RawEvidence>& out, const std::string& actor, const ShareLink& link,
                     const std::string& where) {
  out.push_back({actor, ::common::v1::FULL_LINK, link.ToString(), where});
  out.push_back({actor, ::common::v1::MAILBOX_ID, link.mailbox_id, where});
  if (!link.fragment.empty()) {
    out.push_back({actor, ::common::v1::MAILBOX_SECRET, link.fragment, where});
    absl::StatusOr<std::string> raw = Base64UrlDecode(link.fragment);
    if (raw.ok()) out.push_back({actor, ::common::v1::MAILBOX_SECRET, *raw, where});
  }
}

AdversaryOutcome Failed(absl::StatusCode code, const std::string& reason,
                        const std::string& summary) {
  AdversaryOutcome out;
  out.succeeded = false;
  out.code = absl::StatusCodeToString(code);
  out.reason = reason;
  out.summary = summary;
  return out;
}

absl::StatusOr<std::vector<Sighting>> AdversarySightings(RunContext& ctx) {
  RunState& state = StateOf(ctx);
  std::vector<RawEvidence> evidence;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    evidence = state.evidence;
  }
  std::vector<Sighting> out;
  for (const RawEvidence& e : evidence) {
    Sighting s;
    s.actor = e.actor;
    s.item = e.item;
    s.where = e.where;
    s.exact_class = true;
    if (!e.value.empty() && !ctx.audit_key.empty()) {
      ASSIGN_OR_RETURN(s.fingerprint, sim::Recorder::Fingerprint(ctx.audit_key, e.value));
    }
    out.push_back(std::move(s));
  }
  // Relay operators: what they found when they acted, and what the store
  // holds now (the operator can read it at any time).
  if (ctx.scenario != nullptr) {
    for (const Adversary& a : ctx.scenario->adversaries()) {
      if (!a.has_relay_dump()) continue;
      std::vector<DumpHit> hits = state.dumps[a.name()];
      absl::StatusOr<DumpResult> now = DumpRelay(ctx, a.relay_dump().include_logs());
      if (now.ok()) hits.insert(hits.end(), now->hits.begin(), now->hits.end());
      for (Sighting& s : SightingsFromDump(a.name(), hits)) out.push_back(std::move(s));
      for (Sighting& s : SightingsFromDump("relay", hits)) out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace attack

absl::Status ArmAdversaries(RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  if (ctx.scenario == nullptr) return InvalidField("ctx.scenario", "no scenario");
  for (const scenario::v1::Adversary& a : ctx.scenario->adversaries()) {
    RETURN_IF_ERROR(attack::ValidateAdversary(ctx, a));
  }
  attack::Sync(ctx);
  for (const scenario::v1::Adversary& a : ctx.scenario->adversaries()) {
    if (a.has_link_interceptor()) RETURN_IF_ERROR(attack::ArmInterceptor(ctx, a));
  }
  return absl::OkStatus();
}

void SyncAdversaries(RunContext& ctx) { attack::Sync(ctx); }

void DisarmAdversaries(RunContext& ctx) {
  attack::Sync(ctx);
  attack::RunState& state = attack::StateOf(ctx);
  attack::StopTaps(state);
  attack::Sync(ctx);
  for (scenario::v1::Marker& m : ctx.markers) {
    if (m.kind() == ::common::v1::ADVERSARY && !m.has_end() && state.taps.count(m.label()) > 0) {
      *m.mutable_end() = ToProtoTimestamp(absl::Now());
    }
  }
}

absl::StatusOr<AdversaryOutcome> ActAdversary(const std::string& adversary, RunContext& ctx) {
  if (ctx.eco == nullptr) return InvalidField("ctx.eco", "no ecosystem");
  const scenario::v1::Adversary* a = attack::FindAdversary(ctx, adversary);
  if (a == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "adversary_not_found",
                     absl::StrCat("no adversary named \"", adversary, "\""));
  }
  RETURN_IF_ERROR(attack::ValidateAdversary(ctx, *a));
  attack::Sync(ctx);
  const absl::Time start = absl::Now();
  absl::StatusOr<AdversaryOutcome> out;
  std::vector<std::string> actors = {a->name()};
  switch (a->kind_case()) {
    case scenario::v1::Adversary::kLinkInterceptor:
      out = attack::ActInterceptor(ctx, *a);
      actors.push_back(a->link_interceptor().device());
      break;
    case scenario::v1::Adversary::kIdGuesser:
      out = attack::ActGuesser(ctx, *a);
      actors.push_back("relay");
      break;
    case scenario::v1::Adversary::kTokenReplayer:
      out = attack::ActReplayer(ctx, *a);
      actors.push_back(a->token_replayer().device());
      break;
    case scenario::v1::Adversary::kRelayDump:
      out = attack::ActDump(ctx, *a);
      actors.push_back("relay");
      break;
    default:
      return InvalidField(absl::StrCat("adversaries[", adversary, "]"), "no adversary kind");
  }
  attack::Sync(ctx);
  attack::AddAdversaryMarker(ctx, a->name(), actors, start, true);
  return out;
}

}  // namespace sct::scenarios

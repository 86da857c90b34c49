// ArmAdversaries / DisarmAdversaries / ActAdversary of attack.h, the relay
// dump and the adversaries' own evidence for the knowledge audit.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/adversary_logic.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/internal.h"
#include "scenarios/attack/knowledge.h"

namespace sct::scenarios {
namespace attack {
namespace {

using ::common::v1::KnowledgeItem;
using scenario::v1::Adversary;

constexpr absl::Duration kClaimTimeout = absl::Seconds(60);
constexpr absl::Duration kCaptureWait = absl::Seconds(5);
constexpr absl::Duration kArmWait = absl::Seconds(5);
constexpr uint32_t kDefaultGuesses = 100;
constexpr char kChannelService[] = "channel";

std::string ShortId(const std::string& mailbox_id) {
  return absl::StrCat(mailbox_id.substr(0, 8), "...");
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string KindName(::common::v1::ChannelKind kind) {
  return ::common::v1::ChannelKind_Name(kind);
}

// The persona an adversary's device acts as: the device's first persona.
std::string PersonaOf(const RunContext& ctx, const std::string& device) {
  if (ctx.scenario != nullptr) {
    for (const scenario::v1::DeviceSpec& d : ctx.scenario->topology().devices()) {
      if (d.id() == device && d.personas_size() > 0) return d.personas(0).name();
    }
  }
  return "personal";
}

// Claims `link` through a device agent (AcceptLink with the link itself).
absl::Status Claim(const std::shared_ptr<grpc::Channel>& device_channel, const std::string& persona,
                   const std::string& link, const std::string& pin, const std::string& actor,
                   const std::string& step, device::v1::AcceptLinkResponse* resp) {
  auto stub = device::v1::DeviceAgent::NewStub(device_channel);
  grpc::ClientContext call;
  PrepareCall(call, actor, step, kClaimTimeout);
  device::v1::AcceptLinkRequest req;
  req.set_request_id(NewUuidV4());
  req.set_persona(persona);
  req.set_link(link);
  if (!pin.empty()) req.set_pin(pin);
  return FromGrpc(stub->AcceptLink(&call, req, resp));
}

void AddLinkEvidence(std::vector<RawEvidence>& out, const std::string& actor,
                     const ShareLink& link, const std::string& where) {
  out.push_back({actor, ::common::v1::FULL_LINK, link.ToString(), where});
  out.push_back({actor, ::common::v1::MAILBOX_ID, link.mailbox_id, where});
  if (!link.fragment.empty()) {
    out.push_back({actor, ::common::v1::MAILBOX_SECRET, link.fragment, where});
    absl::StatusOr<std::string> raw = Base64UrlDecode(link.fragment);
    if (raw.ok()) out.push_back({actor, ::common::v1::MAILBOX_SECRET, *raw, where});
  }
}

// What a tap thread needs (copied on the engine thread: the Ecosystem is
// not used from tap threads).
struct TapEnv {
  std::shared_ptr<grpc::Channel> channel;         // channel server, as the adversary
  std::shared_ptr<grpc::Channel> device_channel;  // adversary's device (may be null)
  std::string device;
  std::string persona;
  std::string relay_url;
  std::string ca_file;
};

void TapLoop(RunState* state, TapState* tap, TapEnv env) {
  auto stub = channel::v1::Channel::NewStub(env.channel);
  channel::v1::TapRequest req;
  req.set_kind(tap->spec.channel());
  req.set_to(tap->to_address);
  req.set_interceptor(tap->adversary);
  std::unique_ptr<grpc::ClientReader<channel::v1::TappedMessage>> reader =
      stub->Tap(tap->call.get(), req);
  std::unique_ptr<HttpSession> http;
  const std::string where = absl::StrCat("tap of ", KindName(tap->spec.channel()));
  channel::v1::TappedMessage tm;
  while (reader->Read(&tm)) {
    const std::string& body = tm.message().body();
    const absl::Time now = absl::Now();
    std::string step;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      step = state->step;
      if (!tap->probe.empty() && absl::StrContains(body, tap->probe)) {
        tap->probe_seen = true;
        state->cv.notify_all();
        continue;
      }
    }
    std::vector<ShareLink> links = FindMailboxUrls(body);
    std::vector<std::string> pins = ExtractPinCandidates(body);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      for (const ShareLink& link : links) {
        tap->captured.push_back({link, now});
        AddLinkEvidence(state->evidence, tap->adversary, link, where);
        state->pending_trace.push_back(
            MakeEvent(tap->adversary, kChannelService, "channel.v1.Channel/Tap",
                      absl::StrCat("captured a share link to ", tm.message().to(), " (mailbox ",
                                   ShortId(link.mailbox_id), ")",
                                   tm.dropped() ? "; recipient's copy dropped" : ""),
                      now, absl::OkStatus(), ::common::v1::ADVERSARY, step));
        if (tap->spec.race()) tap->claims[link.mailbox_id] = ClaimResult{};
      }
      for (const std::string& pin : pins) {
        tap->pins.push_back(pin);
        state->evidence.push_back({tap->adversary, ::common::v1::PIN, pin, where});
        state->pending_trace.push_back(
            MakeEvent(tap->adversary, kChannelService, "channel.v1.Channel/Tap",
                      absl::StrCat("captured a 6-digit code sent to ", tm.message().to()), now,
                      absl::OkStatus(), ::common::v1::ADVERSARY, step));
      }
      state->cv.notify_all();
    }
    for (const ShareLink& link : links) {
      if (tap->spec.preview() && !env.relay_url.empty()) {
        if (http == nullptr) http = std::make_unique<HttpSession>(env.relay_url, env.ca_file);
        const absl::Time start = absl::Now();
        const std::string path = absl::StrCat("/v1/m/", link.mailbox_id);
        HttpAnswer a = http->Call("GET", path, {{"sct-actor", tap->adversary}, {"sct-step", step}});
        absl::Status s =
            a.status == 200
                ? absl::OkStatus()
                : MakeError(
                      a.status == 404 ? absl::StatusCode::kNotFound : absl::StatusCode::kUnknown,
                      a.status == 0 ? "transport" : absl::StrCat("http_", a.status), a.error);
        std::lock_guard<std::mutex> lock(state->mu);
        state->pending_trace.push_back(
            MakeEvent(tap->adversary, "relay", "HTTP GET /v1/m/{id}",
                      absl::StrCat("preview of captured mailbox ", ShortId(link.mailbox_id),
                                   ": HTTP ", a.status),
                      start, s, ::common::v1::ADVERSARY, step));
      }
      if (tap->spec.race() && env.device_channel != nullptr) {
        std::string pin;
        {
          std::lock_guard<std::mutex> lock(state->mu);
          if (!tap->pins.empty()) pin = tap->pins.back();
        }
        const absl::Time start = absl::Now();
        device::v1::AcceptLinkResponse resp;
        absl::Status s = Claim(env.device_channel, env.persona, link.ToString(), pin,
                               tap->adversary, step, &resp);
        std::lock_guard<std::mutex> lock(state->mu);
        tap->claims[link.mailbox_id] = ClaimResult{true, s};
        if (s.ok()) {
          state->evidence.push_back({tap->adversary, ::common::v1::PLAINTEXT, "",
                                     "race claim of a captured link (decrypted the mailbox)"});
        }
        state->pending_trace.push_back(
            MakeEvent(tap->adversary, env.device, "device.v1.DeviceAgent/AcceptLink",
                      absl::StrCat("race: claims captured mailbox ", ShortId(link.mailbox_id),
                                   " before the recipient"),
                      start, s, ::common::v1::ADVERSARY, step));
        state->cv.notify_all();
      }
    }
  }
  grpc::Status end = reader->Finish();
  std::lock_guard<std::mutex> lock(state->mu);
  tap->ended = true;
  if (end.error_code() != grpc::StatusCode::CANCELLED) {
    state->pending_trace.push_back(
        MakeEvent(tap->adversary, kChannelService, "channel.v1.Channel/Tap",
                  absl::StrCat("tap ended: ", end.error_message()), absl::Now(), FromGrpc(end),
                  ::common::v1::ADVERSARY, state->step));
  }
  state->cv.notify_all();
}

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
    case Adversary::kLinkInterceptor: {
      const scenario::v1::LinkInterceptor& li = a.link_interceptor();
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
      return absl::OkStatus();
    }
    case Adversary::kIdGuesser:
      if (!(a.id_guesser().rate() >= 0)) {
        return InvalidField(field + ".id_guesser.rate", "must not be negative");
      }
      return absl::OkStatus();
    case Adversary::kTokenReplayer: {
      const scenario::v1::TokenReplayer& tr = a.token_replayer();
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
    case Adversary::kRelayDump:
      return absl::OkStatus();
    default:
      return InvalidField(field, "no adversary kind");
  }
}

// Waits (up to `timeout`, on the state's condition variable) until `done`.
template <typename Pred>
bool WaitFor(RunState& state, absl::Duration timeout, Pred done) {
  std::unique_lock<std::mutex> lock(state.mu);
  return state.cv.wait_for(lock, std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)),
                           [&] { return done(); });
}

void AddMarker(RunContext& ctx, const std::string& label, std::vector<std::string> actors,
               absl::Time start, bool with_end) {
  scenario::v1::Marker m;
  m.set_label(label);
  m.set_kind(::common::v1::ADVERSARY);
  for (const std::string& a : actors) {
    if (!a.empty()) m.add_actors(a);
  }
  *m.mutable_start() = ToTimestamp(start);
  if (with_end) *m.mutable_end() = ToTimestamp(absl::Now());
  ctx.markers.push_back(std::move(m));
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

absl::StatusOr<AdversaryOutcome> ActInterceptor(RunContext& ctx, const Adversary& a) {
  RunState& state = StateOf(ctx);
  auto it = state.taps.find(a.name());
  if (it == state.taps.end()) {
    return Failed(absl::StatusCode::kFailedPrecondition, "not_armed",
                  "the interceptor's tap is not running (ArmAdversaries not called)");
  }
  TapState* tap = it->second.get();
  WaitFor(state, kCaptureWait, [&] { return !tap->captured.empty() || tap->ended; });
  CapturedLink newest;
  size_t captured = 0;
  std::string pin;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    captured = tap->captured.size();
    if (captured > 0) newest = tap->captured.back();
    if (!tap->pins.empty()) pin = tap->pins.back();
  }
  if (captured == 0) {
    return Failed(absl::StatusCode::kNotFound, "no_link_captured",
                  absl::StrCat("no share link seen on the ",
                               KindName(a.link_interceptor().channel()), " tap"));
  }
  const std::string share = MatchShare(newest.link, ctx.shares);
  AdversaryOutcome out;
  out.details.push_back({"links_captured", absl::StrCat(captured)});
  out.details.push_back({"share", share.empty() ? "(unmatched)" : share});
  absl::Status s;
  bool by_race = false;
  if (a.link_interceptor().race()) {
    const std::string id = newest.link.mailbox_id;
    WaitFor(state, kClaimTimeout, [&] {
      auto c = tap->claims.find(id);
      return c == tap->claims.end() || c->second.done;
    });
    std::lock_guard<std::mutex> lock(state.mu);
    auto c = tap->claims.find(id);
    if (c != tap->claims.end() && c->second.done) {
      s = c->second.status;
      by_race = true;
    }
  }
  if (!by_race) {
    const std::string& device = a.link_interceptor().device();
    if (device.empty()) {
      return InvalidField(absl::StrCat("adversaries[", a.name(), "].link_interceptor.device"),
                          "needed to claim a link");
    }
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> ch, ctx.eco->Channel(device));
    const absl::Time start = absl::Now();
    device::v1::AcceptLinkResponse resp;
    s = Claim(ch, PersonaOf(ctx, device), newest.link.ToString(), pin, a.name(),
              ctx.current_step, &resp);
    AppendEvent(ctx, MakeEvent(a.name(), device, "device.v1.DeviceAgent/AcceptLink",
                               absl::StrCat("claims the captured link (mailbox ",
                                            ShortId(newest.link.mailbox_id), ")"),
                               start, s, ::common::v1::ADVERSARY, ctx.current_step));
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(state.mu);
      state.evidence.push_back({a.name(), ::common::v1::PLAINTEXT, "",
                                "claim of a captured link (decrypted the mailbox)"});
    }
  }
  out.succeeded = s.ok();
  out.code = CodeName(s);
  out.reason = s.ok() ? "" : ReasonOf(s);
  out.details.push_back({"claimed_by_race", by_race ? "true" : "false"});
  out.details.push_back({"pin_used", pin.empty() ? "false" : "true"});
  out.summary = s.ok() ? absl::StrCat("claimed the captured link",
                                      share.empty() ? "" : " of " + share, by_race ? " (race)" : "")
                       : absl::StrCat("claim of the captured link refused: ", out.code,
                                      out.reason.empty() ? "" : " " + out.reason);
  return out;
}

absl::StatusOr<AdversaryOutcome> ActGuesser(RunContext& ctx, const Adversary& a) {
  const scenario::v1::MailboxIdGuesser& spec = a.id_guesser();
  ASSIGN_OR_RETURN(RelayHttp relay, RelayHttpOf(ctx));
  const uint32_t tries = spec.tries() == 0 ? kDefaultGuesses : spec.tries();
  HttpSession session(relay.url, relay.ca_file);
  GuessStats stats;
  std::vector<std::string> hit_ids;
  std::string transport_error;
  const absl::Time start = absl::Now();
  for (uint32_t i = 0; i < tries; ++i) {
    if (spec.rate() > 0) {
      // Pace the guesses at `rate` per second (the attacker's speed).
      const absl::Time due = start + absl::Seconds(i / spec.rate());
      const absl::Time now = absl::Now();
      if (due > now) absl::SleepFor(due - now);
    }
    const std::string id = RandomMailboxId();
    std::vector<std::pair<std::string, std::string>> headers = {{"sct-actor", a.name()},
                                                                {"sct-step", ctx.current_step}};
    if (!spec.preview_only()) {
      headers.push_back({"Mailbox-Device-Claim", NewUuidV4()});
      headers.push_back({"Mailbox-Request-ID", NewUuidV4()});
    }
    HttpAnswer answer =
        session.Call(spec.preview_only() ? "GET" : "POST", absl::StrCat("/v1/m/", id), headers);
    stats.Record(answer.status);
    if (answer.status == 0) transport_error = answer.error;
    if (answer.status == 200 || answer.status == 201 || answer.status == 401) {
      hit_ids.push_back(id);
    }
  }
  {
    RunState& state = StateOf(ctx);
    std::lock_guard<std::mutex> lock(state.mu);
    for (const std::string& id : hit_ids) {
      state.evidence.push_back(
          {a.name(), ::common::v1::MAILBOX_ID, id, "guessed mailbox id answered by the relay"});
    }
  }
  AdversaryOutcome out;
  out.succeeded = stats.Succeeded(spec);
  absl::Status decisive;
  if (stats.hits > 0) {
    decisive = absl::OkStatus();
  } else if (stats.rate_limited > 0) {
    decisive = MakeError(absl::StatusCode::kResourceExhausted, "rate_limited", "");
  } else if (stats.not_found > 0) {
    decisive = MakeError(absl::StatusCode::kNotFound, "mailbox_not_found", "");
  } else {
    decisive = MakeError(
        absl::StatusCode::kUnavailable,
        stats.last_other_status == 0 ? "transport" : absl::StrCat("http_", stats.last_other_status),
        transport_error);
  }
  out.code = CodeName(decisive);
  out.reason = decisive.ok() ? "" : ReasonOf(decisive);
  out.details = stats.Details();
  out.details.push_back({"method", spec.preview_only() ? "GET" : "POST"});
  out.details.push_back({"rate_per_s", spec.rate() > 0 ? absl::StrCat(spec.rate()) : "unpaced"});
  out.summary = absl::StrCat(stats.tries, " guessed mailbox ids (",
                             spec.preview_only() ? "preview GET" : "read POST", "): ", stats.hits,
                             " hit(s), ", stats.not_found, " not found, ", stats.rate_limited,
                             " rate-limited",
                             stats.rate_limited_after >= 0
                                 ? absl::StrCat(" (from guess ", stats.rate_limited_after + 1, ")")
                                 : "",
                             stats.other > 0 ? absl::StrCat(", ", stats.other, " other") : "");
  AppendEvent(ctx,
              MakeEvent(a.name(), "relay",
                        spec.preview_only() ? "guesses: HTTP GET /v1/m/{id}"
                                            : "guesses: HTTP POST /v1/m/{id}",
                        out.summary, start, decisive, ::common::v1::ADVERSARY, ctx.current_step));
  return out;
}

absl::StatusOr<AdversaryOutcome> ActReplayer(RunContext& ctx, const Adversary& a) {
  const scenario::v1::TokenReplayer& spec = a.token_replayer();
  const Adversary* interceptor = FindAdversary(ctx, spec.interceptor());
  const std::string device =
      spec.device().empty() ? interceptor->link_interceptor().device() : spec.device();
  RunState& state = StateOf(ctx);
  auto tap_it = state.taps.find(spec.interceptor());
  std::string link;
  const absl::Time deadline = absl::Now() + kCaptureWait;
  while (true) {
    Sync(ctx);
    auto by_share = ctx.intercepted[spec.interceptor()].find(spec.share());
    if (by_share != ctx.intercepted[spec.interceptor()].end()) {
      link = by_share->second;
      break;
    }
    if (absl::Now() >= deadline || tap_it == state.taps.end()) break;
    size_t before = 0;
    {
      std::lock_guard<std::mutex> lock(state.mu);
      before = tap_it->second->captured.size();
    }
    WaitFor(state, absl::Milliseconds(200),
            [&] { return tap_it->second->captured.size() != before || tap_it->second->ended; });
  }
  if (link.empty()) {
    return Failed(absl::StatusCode::kNotFound, "no_link_captured",
                  absl::StrCat(spec.interceptor(), " captured no link of ", spec.share()));
  }
  std::string pin;
  if (tap_it != state.taps.end()) {
    std::lock_guard<std::mutex> lock(state.mu);
    if (!tap_it->second->pins.empty()) pin = tap_it->second->pins.back();
  }
  std::vector<ShareLink> parsed = FindMailboxUrls(link);
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (!parsed.empty()) {
      AddLinkEvidence(state.evidence, a.name(), parsed[0],
                      absl::StrCat("link captured by ", spec.interceptor()));
    }
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> ch, ctx.eco->Channel(device));
  const uint32_t times = std::max<uint32_t>(1, spec.times());
  uint32_t refused = 0;
  std::map<std::string, int> refusals;
  absl::Status decisive;
  bool any_accepted = false;
  for (uint32_t i = 0; i < times; ++i) {
    const absl::Time start = absl::Now();
    device::v1::AcceptLinkResponse resp;
    absl::Status s =
        Claim(ch, PersonaOf(ctx, device), link, pin, a.name(), ctx.current_step, &resp);
    AppendEvent(ctx, MakeEvent(a.name(), device, "device.v1.DeviceAgent/AcceptLink",
                               absl::StrCat("replay ", i + 1, "/", times, " of the token of ",
                                            spec.share()),
                               start, s, ::common::v1::ADVERSARY, ctx.current_step));
    if (s.ok()) {
      any_accepted = true;
      decisive = s;
      std::lock_guard<std::mutex> lock(state.mu);
      state.evidence.push_back(
          {a.name(), ::common::v1::PLAINTEXT, "", "replay accepted (decrypted the mailbox)"});
    } else {
      ++refused;
      ++refusals[absl::StrCat(CodeName(s), " ", ReasonOf(s))];
      if (!any_accepted) decisive = s;
    }
  }
  AdversaryOutcome out;
  out.succeeded = refused == times;
  out.code = CodeName(decisive);
  out.reason = decisive.ok() ? "" : ReasonOf(decisive);
  std::vector<std::string> parts;
  for (const auto& [what, n] : refusals) parts.push_back(absl::StrCat(what, " x", n));
  out.details = {{"times", absl::StrCat(times)},
                 {"refused", absl::StrCat(refused)},
                 {"accepted", absl::StrCat(times - refused)},
                 {"refusals", absl::StrJoin(parts, ", ")},
                 {"device", device}};
  out.summary = absl::StrCat("replayed the token of ", spec.share(), " ", times,
                             " time(s) through ", device, ": ", refused, " refused",
                             parts.empty() ? "" : " (" + absl::StrJoin(parts, ", ") + ")");
  return out;
}

absl::StatusOr<AdversaryOutcome> ActDump(RunContext& ctx, const Adversary& a) {
  const absl::Time start = absl::Now();
  absl::StatusOr<DumpResult> dump = DumpRelay(ctx, a.relay_dump().include_logs());
  if (!dump.ok()) {
    AppendEvent(ctx, MakeEvent(a.name(), "relay", "read store files", "relay dump impossible",
                               start, dump.status(), ::common::v1::ADVERSARY, ctx.current_step));
    return Failed(dump.status().code(), ReasonOf(dump.status()),
                  std::string(dump.status().message()));
  }
  RunState& state = StateOf(ctx);
  std::vector<DumpHit>& kept = state.dumps[a.name()];
  kept.insert(kept.end(), dump->hits.begin(), dump->hits.end());
  std::vector<std::string> forbidden, allowed;
  for (const DumpHit& h : dump->hits) {
    std::string line = absl::StrCat(h.label, " in ", h.where, " (", h.form, ")");
    (RelayMayHold(h.item) ? allowed : forbidden).push_back(std::move(line));
  }
  size_t searched = 0;
  for (const KnownValue& k : ctx.known) {
    if (k.value.size() >= kMinSearchLength && !RelayMayHold(k.item)) ++searched;
  }
  AdversaryOutcome out;
  out.succeeded = forbidden.empty();
  out.code = "OK";
  out.reason = forbidden.empty() ? "" : "known_value_found";
  out.details = {{"files_read", absl::StrJoin(dump->files_read, ",")},
                 {"files_missing", absl::StrJoin(dump->missing, ",")},
                 {"bytes_read", absl::StrCat(dump->bytes_read)},
                 {"forbidden_values_searched", absl::StrCat(searched)},
                 {"forbidden_hits", absl::StrCat(forbidden.size())},
                 {"allowed_hits", absl::StrCat(allowed.size())}};
  if (!forbidden.empty()) out.details.push_back({"found", absl::StrJoin(forbidden, "; ")});
  if (!allowed.empty()) out.details.push_back({"found_allowed", absl::StrJoin(allowed, "; ")});
  out.summary =
      forbidden.empty()
          ? absl::StrCat("read ", dump->files_read.size(), " relay file(s), ", dump->bytes_read,
                         " bytes: none of ", searched, " known values the relay must not hold")
          : absl::StrCat("relay files hold ", absl::StrJoin(forbidden, "; "));
  AppendEvent(ctx, MakeEvent(a.name(), "relay", "read store files", absl::StrCat(out.summary),
                             start, absl::OkStatus(), ::common::v1::ADVERSARY, ctx.current_step));
  return out;
}

}  // namespace

absl::StatusOr<DumpResult> DumpRelay(RunContext& ctx, bool include_logs) {
  const Service* relay = ctx.eco == nullptr ? nullptr : ctx.eco->Find("relay");
  if (relay == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "service_not_found",
                     "the topology has no service \"relay\"");
  }
  std::vector<std::string> files;
  auto add = [&](const std::string& f) {
    if (!f.empty() && std::find(files.begin(), files.end(), f) == files.end()) {
      files.push_back(f);
    }
  };
  for (const std::string& f : relay->data_files) {
    add(f);
    if (absl::EndsWith(f, ".db") || absl::EndsWith(f, ".sqlite") || absl::EndsWith(f, ".sqlite3")) {
      add(f + "-wal");
      add(f + "-shm");
    }
  }
  std::vector<std::string> logs;
  if (include_logs && !relay->stderr_path.empty()) {
    // The launcher keeps the logs of earlier starts as "<stderr>.N".
    for (int n = 1; n <= 100; ++n) {
      const std::string older = absl::StrCat(relay->stderr_path, ".", n);
      if (!std::ifstream(older).good()) break;
      logs.push_back(older);
      add(older);
    }
    logs.push_back(relay->stderr_path);
    add(relay->stderr_path);
  }
  if (files.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "no_data_files",
                     relay->attached ? "the relay is attached: its store cannot be read"
                                     : "the relay keeps no data files (memory or Redis store)");
  }
  DumpResult out;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      out.missing.push_back(Basename(f));
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string contents = buf.str();
    out.files_read.push_back(Basename(f));
    out.bytes_read += contents.size();
    const bool is_log = std::find(logs.begin(), logs.end(), f) != logs.end();
    const std::string where = is_log ? "relay log " + Basename(f) : Basename(f);
    for (DumpHit& h : SearchDump(where, contents, ctx.known)) out.hits.push_back(std::move(h));
  }
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
      ASSIGN_OR_RETURN(s.fingerprint, Fingerprint(ctx.audit_key, e.value));
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
  attack::RunState& state = attack::StateOf(ctx);
  for (const scenario::v1::Adversary& a : ctx.scenario->adversaries()) {
    const absl::Time armed_at = absl::Now();
    if (!a.has_link_interceptor()) continue;
    if (state.taps.count(a.name()) > 0) continue;
    const scenario::v1::LinkInterceptor& spec = a.link_interceptor();
    attack::TapEnv env;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch =
        ctx.eco->ChannelAs(attack::kChannelService, a.name());
    if (!ch.ok()) ch = ctx.eco->Channel(attack::kChannelService);
    if (!ch.ok()) return ch.status();
    env.channel = *ch;
    if (!spec.device().empty()) {
      ASSIGN_OR_RETURN(env.device_channel, ctx.eco->Channel(spec.device()));
      env.device = spec.device();
      env.persona = attack::PersonaOf(ctx, spec.device());
    }
    if (spec.preview()) {
      ASSIGN_OR_RETURN(attack::RelayHttp relay, attack::RelayHttpOf(ctx));
      env.relay_url = relay.url;
      env.ca_file = relay.ca_file;
    }
    if (!spec.target().empty() && ctx.topology == nullptr) {
      return InvalidField("ctx.topology", "a targeted tap needs the resolved topology");
    }
    auto tap = std::make_unique<attack::TapState>();
    tap->adversary = a.name();
    tap->spec = spec;
    tap->to_address =
        spec.target().empty() ? "" : ctx.topology->AddressOf(spec.target(), spec.channel());
    tap->probe = absl::StrCat("sct-tap-probe-", NewUuidV4());
    tap->call = std::make_unique<grpc::ClientContext>();
    tap->call->AddMetadata("sct-actor", a.name());
    if (!ctx.current_step.empty()) tap->call->AddMetadata("sct-step", ctx.current_step);
    attack::TapState* raw = tap.get();
    state.taps[a.name()] = std::move(tap);
    raw->thread = std::thread(attack::TapLoop, &state, raw, env);

    // The channel registers a tap asynchronously: send probe messages (to the
    // tapped address, no link in them) until the tap has seen one.
    auto stub = channel::v1::Channel::NewStub(env.channel);
    const std::string probe_to = raw->to_address.empty()
                                     ? absl::StrCat("tap-probe.", a.name(), "@sct.invalid")
                                     : raw->to_address;
    bool seen = false;
    const absl::Time deadline = absl::Now() + attack::kArmWait;
    absl::Status last;
    while (!seen && absl::Now() < deadline) {
      grpc::ClientContext call;
      attack::PrepareCall(call, a.name(), ctx.current_step, absl::Seconds(5));
      channel::v1::SendRequest req;
      req.set_kind(spec.channel());
      req.set_from(absl::StrCat("sct-lab.", a.name()));
      req.set_to(probe_to);
      req.set_body(absl::StrCat("[sct-lab] interceptor check ", raw->probe));
      channel::v1::SendResponse resp;
      last = attack::FromGrpc(stub->Send(&call, req, &resp));
      seen = attack::WaitFor(state, absl::Milliseconds(100),
                             [&] { return raw->probe_seen || raw->ended; }) &&
             raw->probe_seen;
    }
    attack::Sync(ctx);
    attack::AppendEvent(
        ctx,
        attack::MakeEvent(a.name(), attack::kChannelService, "channel.v1.Channel/Tap",
                          absl::StrCat("taps ", attack::KindName(spec.channel()),
                                       raw->to_address.empty() ? std::string(" (all addresses)")
                                                               : " to " + raw->to_address,
                                       spec.race() ? ", races the recipient" : ""),
                          armed_at, seen ? absl::OkStatus() : last, ::common::v1::ADVERSARY,
                          ctx.current_step));
    if (!seen) {
      return MakeError(
          absl::StatusCode::kUnavailable, "tap_not_established",
          absl::StrCat("adversary ", a.name(), ": the ", attack::KindName(spec.channel()),
                       " tap saw no probe message within ", absl::FormatDuration(attack::kArmWait),
                       last.ok() ? "" : absl::StrCat(" (Send: ", last.message(), ")")));
    }
    attack::AddMarker(ctx, a.name(), {a.name(), attack::kChannelService, spec.target()}, armed_at,
                      false);
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
      *m.mutable_end() = attack::ToTimestamp(absl::Now());
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
  attack::AddMarker(ctx, a->name(), actors, start, true);
  return out;
}

}  // namespace sct::scenarios

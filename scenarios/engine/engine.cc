#include "scenarios/engine/engine.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/engine/expect.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace dv1 = ::device::v1;
namespace apv1 = ::access_point::v1;
namespace cav1 = ::credential_authority::v1;
namespace chv1 = ::channel::v1;
using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}
google::protobuf::Duration ToProto(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

absl::Duration Dur(const std::string& text, absl::Duration fallback,
                   bool allow_negative = false) {
  absl::StatusOr<absl::Duration> d =
      ParseScenarioDuration(text, "duration", fallback, allow_negative);
  return d.ok() ? *d : fallback;
}

std::string ChannelWord(cv1::ChannelKind kind) {
  switch (kind) {
    case cv1::SMS:
      return "sms";
    case cv1::EMAIL:
      return "email";
    case cv1::MESSENGER:
      return "messenger";
    default:
      return "unknown";
  }
}

// The share link in `body` whose path names `mailbox_id` ("" if none).
std::string LinkIn(const std::string& body, const std::string& mailbox_id) {
  size_t at = 0;
  while ((at = body.find("http", at)) != std::string::npos) {
    size_t end = body.find_first_of(" \t\r\n", at);
    std::string url =
        body.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (absl::StrContains(url, "/v1/m/") &&
        (mailbox_id.empty() ||
         absl::StrContains(url, absl::StrCat("/v1/m/", mailbox_id)))) {
      return url;
    }
    at = end == std::string::npos ? body.size() : end;
  }
  return "";
}

// Collects a device's events in the background (WatchEvents), reconnecting
// after the stream breaks (e.g. the device was restarted).
class EventCollector {
 public:
  explicit EventCollector(std::shared_ptr<grpc::Channel> channel)
      : stub_(dv1::DeviceAgent::NewStub(channel)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~EventCollector() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
      stopping_ = true;
      if (ctx_ != nullptr) ctx_->TryCancel();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Waits until an unconsumed event matches `pred`; consumes and returns it.
  bool WaitFor(const std::function<bool(const dv1::DeviceEvent&)>& pred,
               absl::Time deadline, dv1::DeviceEvent* out) {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      for (size_t i = 0; i < events_.size(); ++i) {
        if (!consumed_[i] && pred(events_[i])) {
          consumed_[i] = true;
          *out = events_[i];
          return true;
        }
      }
      absl::Time now = absl::Now();
      if (now >= deadline || stopping_) return false;
      cv_.wait_for(l, std::chrono::milliseconds(std::min<int64_t>(
                          200, absl::ToInt64Milliseconds(deadline - now) + 1)));
    }
  }

 private:
  void Loop() {
    uint64_t last = 0;
    while (true) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("sct-actor", "engine");
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stopping_) return;
        ctx_ = &ctx;
      }
      dv1::WatchEventsRequest req;
      req.set_after_sequence(last);
      std::unique_ptr<grpc::ClientReader<dv1::DeviceEvent>> reader =
          stub_->WatchEvents(&ctx, req);
      dv1::DeviceEvent e;
      while (reader->Read(&e)) {
        last = e.sequence();
        std::lock_guard<std::mutex> l(mu_);
        events_.push_back(e);
        consumed_.push_back(false);
        cv_.notify_all();
      }
      reader->Finish();
      {
        std::lock_guard<std::mutex> l(mu_);
        ctx_ = nullptr;
        if (stopping_) return;
      }
      // The device went away (restart): reconnect for new events only.
      last = 0;
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::milliseconds(200));
    }
  }

  std::unique_ptr<dv1::DeviceAgent::Stub> stub_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  grpc::ClientContext* ctx_ = nullptr;
  std::vector<dv1::DeviceEvent> events_;
  std::vector<bool> consumed_;
  std::thread thread_;
};

// A credential the engine can name.
struct CredInfo {
  std::string id;      // device credential id
  std::string device;  // holder
  std::string persona;
  std::string access_point;
};

class Runner {
 public:
  Runner(const sv1::Scenario& s, const std::string& file,
         const EngineOptions& options)
      : s_(s), file_(file), options_(options) {
    // Seed 0 means "random, recorded": fix one so faults and adversaries
    // (scenarios/attack reads ctx.scenario->seed) can be replayed.
    if (s_.seed() == 0) {
      std::random_device rd;
      s_.set_seed((static_cast<uint64_t>(rd()) << 32) | rd());
      if (s_.seed() == 0) s_.set_seed(1);
      std::cerr << "scenario " << s_.name() << ": seed " << s_.seed() << "\n";
    }
    result_.set_name(s.name());
    result_.set_file(file);
    result_.set_description(s.description());
    ctx_.scenario = &s_;
    // The launcher's defaults (addresses, personas) drive the run too.
    resolved_ = ResolveTopology(s.topology());
    if (resolved_.ok()) ctx_.topology = &*resolved_;
  }

  sv1::ScenarioResult Run();

 private:
  // ---- helpers ----------------------------------------------------------
  absl::Time Now() const { return absl::Now() + advanced_; }
  absl::Time Deadline(absl::Duration d) const {
    return std::min(absl::Now() + d, scenario_deadline_);
  }

  const sv1::DeviceSpec* DeviceSpecOf(const std::string& id) const {
    for (const auto& d : resolved_->proto().devices()) {
      if (d.id() == id) return &d;
    }
    return nullptr;
  }
  std::string FirstPersona(const std::string& device) const {
    const sv1::DeviceSpec* d = DeviceSpecOf(device);
    if (d != nullptr && d->personas_size() > 0) return d->personas(0).name();
    return "personal";
  }
  std::string AddressOf(const std::string& device, cv1::ChannelKind kind) const {
    const sv1::DeviceSpec* d = DeviceSpecOf(device);
    if (d != nullptr) {
      std::string a = ::sct::scenarios::AddressOf(*d, kind);
      if (!a.empty()) return a;
    }
    return absl::StrCat(device, "@", ChannelWord(kind));
  }
  std::string AuthorityOf(const std::string& access_point) const {
    for (const auto& ap : s_.topology().access_points()) {
      if (ap.id() == access_point && !ap.authority().empty()) {
        return ap.authority();
      }
    }
    return s_.topology().authorities_size() > 0
               ? s_.topology().authorities(0).id()
               : "";
  }
  cv1::AccessPointKind ApKind(const std::string& access_point) const {
    for (const auto& ap : s_.topology().access_points()) {
      if (ap.id() == access_point) return ap.kind();
    }
    return cv1::ACCESS_POINT_KIND_UNSPECIFIED;
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> Chan(const std::string& name) {
    auto it = channels_.find(name);
    if (it != channels_.end()) return it->second;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> c = eco_->Channel(name);
    if (c.ok()) channels_[name] = *c;
    return c;
  }

  // Runs one unary RPC with metadata, deadline and an engine trace event.
  template <typename Fn>
  absl::Status Call(const std::string& from, const std::string& to,
                    const std::string& method, const std::string& summary,
                    absl::Duration timeout, Fn fn) {
    grpc::ClientContext cctx;
    cctx.AddMetadata("sct-actor", from);
    cctx.AddMetadata("sct-step", ctx_.current_step);
    cctx.set_deadline(absl::ToChronoTime(Deadline(timeout)));
    const absl::Time start = Now();
    const absl::Time real_start = absl::Now();
    absl::Status st = FromGrpcStatus(fn(&cctx));
    // A running sim service traces the call itself (same from/step): record
    // it here only when nobody else will, so the diagram shows it once.
    const Service* callee = eco_->Find(to);
    if (callee == nullptr || !callee->sim || !callee->running) {
      Record(from, to, method, summary, st, absl::Now() - real_start, start);
    }
    return st;
  }
  // Appends one event to the engine trace.
  void Record(const std::string& from, const std::string& to,
              const std::string& method, const std::string& summary,
              const absl::Status& st, absl::Duration took,
              absl::Time when = absl::InfinitePast()) {
    cv1::TraceEvent ev;
    ev.set_seq(++trace_seq_);
    ev.set_from(from);
    ev.set_to(to);
    ev.set_rpc(method);
    ev.set_summary(summary);
    *ev.mutable_time() = ToProto(when == absl::InfinitePast() ? Now() : when);
    *ev.mutable_duration() = ToProto(took);
    ev.set_status_code(CodeName(st.code()));
    if (!st.ok()) ev.set_reason(ReasonOf(st));
    ev.set_step_id(ctx_.current_step);
    ctx_.engine_trace.push_back(std::move(ev));
  }
  absl::Duration Rpc() const { return options_.rpc_timeout; }

  void Know(cv1::KnowledgeItem item, const std::string& value,
            const std::string& label) {
    if (value.empty()) return;
    for (const KnownValue& k : ctx_.known) {
      if (k.item == item && k.value == value) return;
    }
    ctx_.known.push_back(KnownValue{item, value, label});
  }
  void KnowLink(const std::string& name, SavedShare& share,
                const std::string& link) {
    if (link.empty()) return;
    if (share.link.empty()) share.link = link;
    Know(cv1::FULL_LINK, link, absl::StrCat("link of ", name));
    size_t hash = link.find('#');
    if (hash != std::string::npos) {
      std::string fragment = link.substr(hash + 1);
      Know(cv1::MAILBOX_SECRET, fragment,
           absl::StrCat("mailbox secret of ", name, " (base64url)"));
      std::string raw;
      if (absl::WebSafeBase64Unescape(fragment, &raw)) {
        Know(cv1::MAILBOX_SECRET, raw,
             absl::StrCat("mailbox secret of ", name, " (raw)"));
      }
    }
  }

  // The newest message in (kind, address) carrying the link of `mailbox_id`;
  // polls until `deadline`. Returns {message_id, link} or empties. Only the
  // last poll goes to the trace (the diagram stays readable).
  std::pair<std::string, std::string> FindLink(const std::string& actor,
                                               cv1::ChannelKind kind,
                                               const std::string& address,
                                               const std::string& mailbox_id,
                                               absl::Time deadline) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = Chan("channel");
    if (!ch.ok()) return {};
    auto stub = chv1::Channel::NewStub(*ch);
    const absl::Time start = absl::Now();
    const absl::Time when = Now();
    int polls = 0;
    std::pair<std::string, std::string> found;
    absl::Status st;
    while (found.second.empty()) {
      chv1::ReceiveRequest req;
      req.set_kind(kind);
      req.set_address(address);
      chv1::ReceiveResponse resp;
      grpc::ClientContext cctx;
      cctx.AddMetadata("sct-actor", "engine");
      cctx.AddMetadata("sct-step", ctx_.current_step);
      cctx.set_deadline(absl::ToChronoTime(Deadline(absl::Seconds(10))));
      st = FromGrpcStatus(stub->Receive(&cctx, req, &resp));
      ++polls;
      if (st.ok()) {
        for (int i = resp.messages_size() - 1; i >= 0; --i) {
          std::string link = LinkIn(resp.messages(i).body(), mailbox_id);
          if (!link.empty()) {
            found = {resp.messages(i).message_id(), link};
            break;
          }
        }
      }
      if (!found.second.empty() || absl::Now() >= deadline ||
          absl::Now() >= scenario_deadline_) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    Record("engine", "channel", "channel.v1.Channel/Receive",
           absl::StrCat("inbox of ", actor, " on ", ChannelWord(kind), ": ",
                        found.second.empty() ? "no link" : "link found",
                        " (", polls, polls == 1 ? " poll)" : " polls)"),
           st, absl::Now() - start, when);
    return found;
  }

  // How long a channel message may take to arrive.
  absl::Duration ChannelWait(cv1::ChannelKind kind) const {
    absl::Duration d = absl::ZeroDuration();
    for (const auto& c : s_.topology().channels()) {
      if (c.kind() == kind) {
        d = std::max(d, Dur(c.delay(), absl::ZeroDuration()) +
                            Dur(c.jitter(), absl::ZeroDuration()));
      }
    }
    for (const auto& f : s_.faults()) {
      if (f.has_channel() && f.channel().kind() == kind) {
        d = std::max(d, Dur(f.channel().delay(), absl::ZeroDuration()));
      }
    }
    return d + absl::Seconds(5);
  }

  // The share saved as `name`, or nullptr (its share step failed or was
  // skipped).
  SavedShare* ShareOf(const std::string& name) {
    auto it = ctx_.shares.find(name);
    return it == ctx_.shares.end() ? nullptr : &it->second;
  }
  static Outcome NoShare(const std::string& name) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "share_not_found",
        absl::StrCat("share \"", name, "\" was never made (its share step did not succeed)")));
  }

  CredInfo* Cred(const std::string& name) {
    auto it = creds_.find(name);
    if (it != creds_.end()) return &it->second;
    return ResolvePending(name);
  }
  // A credential that an accept (multi-round) or reply step named but that
  // was provisioned later (push, polling): looked up in the holder's wallet
  // by the share it came from.
  CredInfo* ResolvePending(const std::string& name);
  void SaveCred(const std::string& name, const CredInfo& c) {
    if (name.empty() || c.id.empty()) return;
    creds_[name] = c;
    ctx_.credentials[name] = c.id;
    ctx_.credential_device[name] = c.device;
  }
  std::string PersonaIn(const std::string& share, const std::string& device,
                        const std::string& given) {
    if (!given.empty()) return given;
    auto it = exchange_persona_.find({share, device});
    return it != exchange_persona_.end() ? it->second : FirstPersona(device);
  }

  // ---- actions (observed outcome; non-OK status = engine error) --------
  absl::StatusOr<Outcome> Act(const sv1::Step& step,
                              const std::string& request_id,
                              sv1::StepResult& r);
  absl::StatusOr<Outcome> DoShare(const sv1::Step& st, const std::string& rid,
                                  sv1::StepResult& r);
  absl::StatusOr<Outcome> DoAccept(const sv1::Step& st, const std::string& rid,
                                   sv1::StepResult& r);
  absl::StatusOr<Outcome> DoReply(const sv1::Step& st, const std::string& rid,
                                  sv1::StepResult& r);
  absl::StatusOr<Outcome> DoUse(const sv1::Step& st, sv1::StepResult& r);
  absl::StatusOr<Outcome> DoRevoke(const sv1::Step& st, const std::string& rid,
                                   sv1::StepResult& r);
  absl::StatusOr<Outcome> DoCancel(const sv1::Step& st, const std::string& rid,
                                   sv1::StepResult& r);
  absl::StatusOr<Outcome> DoRelinquish(const sv1::Step& st,
                                       const std::string& rid);
  absl::StatusOr<Outcome> DoForward(const sv1::Step& st, sv1::StepResult& r);
  absl::StatusOr<Outcome> DoListShares(const sv1::Step& st,
                                       sv1::StepResult& r);
  absl::StatusOr<Outcome> DoWaitForEvent(const sv1::Step& st,
                                         sv1::StepResult& r);
  absl::StatusOr<Outcome> DoCheckState(const sv1::Step& st,
                                       sv1::StepResult& r);
  absl::StatusOr<Outcome> DoAdvanceClock(const sv1::Step& st,
                                         sv1::StepResult& r);
  absl::StatusOr<Outcome> DoAwaitRevocation(const sv1::Step& st,
                                            sv1::StepResult& r);
  absl::StatusOr<Outcome> DoService(const sv1::Step& st);
  absl::StatusOr<Outcome> DoPause(const sv1::Step& st);
  absl::StatusOr<Outcome> DoAdversary(const sv1::Step& st, sv1::StepResult& r);

  absl::StatusOr<std::unique_ptr<dv1::DeviceAgent::Stub>> Device(
      const std::string& name) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> c = Chan(name);
    if (!c.ok()) return c.status();
    return dv1::DeviceAgent::NewStub(*c);
  }

  // ---- run phases -------------------------------------------------------
  void Fail(const std::string& why) {
    result_.set_passed(false);
    if (result_.first_failure().empty()) result_.set_first_failure(why);
  }
  void RunSteps();
  void ApplyFaults(const std::string& step_id, bool at_start);
  void ClearFaults(const std::string& step_id, bool at_end);
  void Finish();
  void ResolveLinks();
  void OrderActors();

  sv1::Scenario s_;     // the file's scenario, seed fixed
  // s_.topology() with the launcher's defaults, or why it has none.
  absl::StatusOr<ResolvedTopology> resolved_;
  std::string file_;
  EngineOptions options_;
  sv1::ScenarioResult result_;
  RunContext ctx_;
  std::unique_ptr<Ecosystem> eco_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  std::map<std::string, std::unique_ptr<EventCollector>> collectors_;
  std::map<std::string, CredInfo> creds_;
  std::map<std::string, CredInfo> share_cred_;  // share -> credential shared
  // save_as name -> {holder (id empty), share save_as name}, until provisioned.
  std::map<std::string, std::pair<CredInfo, std::string>> pending_creds_;
  std::map<std::pair<std::string, std::string>, std::string> exchange_persona_;
  std::map<std::pair<std::string, std::string>, cv1::ChannelKind> forwarded_;
  std::set<int> active_faults_;
  std::map<std::string, std::pair<absl::Time, absl::Time>> step_times_;
  absl::Duration advanced_ = absl::ZeroDuration();
  absl::Time scenario_deadline_ = absl::InfiniteFuture();
  uint64_t last_revocation_version_ = 0;
  uint64_t trace_seq_ = 0;
  bool adversaries_armed_ = false;
};

CredInfo* Runner::ResolvePending(const std::string& name) {
  auto p = pending_creds_.find(name);
  if (p == pending_creds_.end()) return nullptr;
  CredInfo c = p->second.first;
  SavedShare* share = ShareOf(p->second.second);
  if (share == nullptr || share->share_id.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<dv1::DeviceAgent::Stub>> dev = Device(c.device);
  if (!dev.ok()) return nullptr;
  dv1::GetStateRequest req;
  req.set_persona(c.persona);
  dv1::GetStateResponse resp;
  absl::Status st = Call(
      "engine", c.device, "device.v1.DeviceAgent/GetState",
      absl::StrCat("is ", name, " provisioned?"), Rpc(),
      [&](grpc::ClientContext* cc) { return (*dev)->GetState(cc, req, &resp); });
  if (!st.ok()) return nullptr;
  for (const auto& persona : resp.personas()) {
    for (const auto& w : persona.credentials()) {
      if (w.parent_share_id() == share->share_id) {
        c.id = w.credential_id();
        if (!w.access_point_id().empty()) c.access_point = w.access_point_id();
        pending_creds_.erase(p);
        SaveCred(name, c);
        return &creds_[name];
      }
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Actions.
// ---------------------------------------------------------------------------

absl::StatusOr<Outcome> Runner::DoShare(const sv1::Step& st,
                                        const std::string& rid,
                                        sv1::StepResult& r) {
  const sv1::ShareAction& a = st.share();
  CredInfo* cred = Cred(a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "credential_not_found",
        absl::StrCat("no credential \"", a.credential(),
                     "\" is known (no step provisioned it)")));
  }
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::ShareCredentialRequest req;
  req.set_request_id(rid);
  const std::string persona =
      !a.persona().empty()
          ? a.persona()
          : (cred->device == st.actor() ? cred->persona
                                        : FirstPersona(st.actor()));
  req.set_persona(persona);
  req.set_credential_id(cred->id);
  for (const auto& e : a.entitlements()) req.add_entitlements(e);
  if (a.has_validity()) {
    const absl::Time now = Now();
    *req.mutable_validity()->mutable_not_before() =
        ToProto(now + Dur(a.validity().not_before(), absl::ZeroDuration(), true));
    *req.mutable_validity()->mutable_not_after() =
        ToProto(now + Dur(a.validity().not_after(), absl::Hours(24), true));
  }
  req.set_max_redemptions(a.max_redemptions());
  if (!a.token_ttl().empty()) {
    *req.mutable_token_ttl() = ToProto(Dur(a.token_ttl(), absl::ZeroDuration()));
  }
  req.set_pin(a.pin());
  const std::string to_address =
      a.to().empty() ? a.to_address() : AddressOf(a.to(), a.channel());
  if (a.pin_channel() != cv1::CHANNEL_KIND_UNSPECIFIED) {
    req.mutable_pin_delivery()->set_channel(a.pin_channel());
    req.mutable_pin_delivery()->set_to(
        a.to().empty() ? a.to_address() : AddressOf(a.to(), a.pin_channel()));
  }
  req.set_resharing_allowed(a.resharing_allowed());
  req.set_channel(a.channel());
  req.set_from_address(AddressOf(st.actor(), a.channel()));
  req.set_to_address(to_address);
  cv1::Vertical vertical = a.vertical();
  if (vertical == cv1::VERTICAL_UNSPECIFIED) {
    switch (ApKind(cred->access_point)) {
      case cv1::CAR:
        vertical = cv1::VERTICAL_CAR;
        break;
      case cv1::DOOR:
        vertical = cv1::VERTICAL_HOME;
        break;
      default:
        vertical = cv1::VERTICAL_GENERAL;
    }
  }
  req.set_vertical(vertical);
  req.set_multi_round(a.multi_round());
  req.set_auto_answer(a.auto_answer());
  if (!a.mailbox_ttl().empty()) {
    *req.mutable_mailbox_ttl() =
        ToProto(Dur(a.mailbox_ttl(), absl::ZeroDuration()));
  }
  req.set_payload_type(a.payload_type());
  req.set_message_text(a.message_text());
  dv1::ShareCredentialResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/ShareCredential",
      absl::StrCat("share ", a.credential(), " over ", ChannelWord(a.channel()),
                   " as ", a.save_as()),
      Rpc(), [&](grpc::ClientContext* c) {
        return dev->ShareCredential(c, req, &resp);
      });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;

  SavedShare& s = ctx_.shares[a.save_as()];
  s.share_id = resp.share_id();
  s.mailbox_id = resp.mailbox_id();
  s.pin = a.pin();
  s.sender = st.actor();
  s.receiver = a.to();
  s.receiver_address = to_address;
  s.channel = a.channel();
  exchange_persona_[{a.save_as(), st.actor()}] = persona;
  share_cred_[a.save_as()] = *cred;
  Know(cv1::PIN, a.pin(), absl::StrCat("PIN of ", a.save_as()));
  Know(cv1::MAILBOX_ID, resp.mailbox_id(),
       absl::StrCat("mailbox id of ", a.save_as()));
  Know(cv1::LINKAGE, resp.share_id(), absl::StrCat("share id of ", a.save_as()));
  (*r.mutable_details())["share_id"] = resp.share_id();
  (*r.mutable_details())["link_length"] = absl::StrCat(resp.link_length());
  (*r.mutable_details())["message_length"] = absl::StrCat(resp.message_length());
  if (a.channel() == cv1::SMS) {
    (*r.mutable_details())["sms_segments"] = absl::StrCat(resp.sms_segments());
  }
  // The link itself never comes back from the device: look in the inbox now
  // (no wait); accept steps wait for it.
  auto found = FindLink("engine", a.channel(), to_address, resp.mailbox_id(),
                        absl::Now());
  KnowLink(a.save_as(), s, found.second);
  o.message = absl::StrCat("share ", a.save_as(), " sent");
  return o;
}

absl::StatusOr<Outcome> Runner::DoAccept(const sv1::Step& st,
                                         const std::string& rid,
                                         sv1::StepResult& r) {
  const sv1::AcceptAction& a = st.accept();
  auto sit = ctx_.shares.find(a.share());
  if (sit == ctx_.shares.end()) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "share_not_found",
        absl::StrCat("share \"", a.share(), "\" was never made")));
  }
  SavedShare& s = sit->second;
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::AcceptLinkRequest req;
  req.set_request_id(rid);
  const std::string persona =
      a.persona().empty() ? FirstPersona(st.actor()) : a.persona();
  req.set_persona(persona);
  if (!a.intercepted_by().empty()) {
    const absl::Time until = Deadline(absl::Seconds(5));
    std::string link;
    while (true) {
      auto adv = ctx_.intercepted.find(a.intercepted_by());
      if (adv != ctx_.intercepted.end()) {
        auto l = adv->second.find(a.share());
        if (l != adv->second.end()) link = l->second;
      }
      if (!link.empty() || absl::Now() >= until) break;
      // The taps run in the background; SyncAdversaries moves what they
      // captured into ctx.intercepted.
      SyncAdversaries(ctx_);
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (link.empty()) {
      return Outcome::FromStatus(MakeError(
          absl::StatusCode::kNotFound, "no_link_in_inbox",
          absl::StrCat("adversary ", a.intercepted_by(),
                       " captured no link of share ", a.share())));
    }
    KnowLink(a.share(), s, link);
    req.set_link(link);
  } else {
    cv1::ChannelKind kind = s.channel;
    auto fw = forwarded_.find({a.share(), st.actor()});
    if (fw != forwarded_.end()) kind = fw->second;
    const std::string address =
        fw == forwarded_.end() && st.actor() == s.receiver
            ? s.receiver_address
            : AddressOf(st.actor(), kind);
    auto found = FindLink(st.actor(), kind, address, s.mailbox_id,
                          Deadline(ChannelWait(kind)));
    if (found.second.empty()) {
      return Outcome::FromStatus(MakeError(
          absl::StatusCode::kNotFound, "no_link_in_inbox",
          absl::StrCat("no message with the link of ", a.share(),
                       " reached ", st.actor(), " on ", ChannelWord(kind))));
    }
    KnowLink(a.share(), s, found.second);
    req.mutable_inbox()->set_channel(kind);
    req.mutable_inbox()->set_address(address);
    req.mutable_inbox()->set_message_id(found.first);
  }
  if (!a.no_pin()) req.set_pin(a.pin().empty() ? s.pin : a.pin());
  req.set_manual_rounds(a.manual_rounds());
  const absl::Duration round = Dur(a.round_timeout(), absl::ZeroDuration());
  if (round > absl::ZeroDuration()) *req.mutable_round_timeout() = ToProto(round);
  dv1::AcceptLinkResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/AcceptLink",
      absl::StrCat("accept ", a.share(),
                   a.intercepted_by().empty() ? " from the inbox"
                                              : " from the captured link"),
      Rpc() + round,
      [&](grpc::ClientContext* c) { return dev->AcceptLink(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  exchange_persona_[{a.share(), st.actor()}] = persona;
  if (s.share_id.empty()) s.share_id = resp.share_id();
  (*r.mutable_details())["outcome"] = dv1::AcceptOutcome_Name(resp.outcome());
  CredInfo c{resp.credential_id(), st.actor(), persona,
             share_cred_.count(a.share()) ? share_cred_[a.share()].access_point
                                          : resp.offer().access_point_id()};
  if (c.access_point.empty()) c.access_point = resp.offer().access_point_id();
  if (!resp.credential_id().empty()) {
    SaveCred(a.save_as(), c);
  } else if (!a.save_as().empty()) {
    pending_creds_[a.save_as()] = {c, a.share()};
  }
  o.message = dv1::AcceptOutcome_Name(resp.outcome());
  return o;
}

absl::StatusOr<Outcome> Runner::DoReply(const sv1::Step& st,
                                        const std::string& rid,
                                        sv1::StepResult& r) {
  const sv1::ReplyStepAction& a = st.reply();
  SavedShare* sp = ShareOf(a.share());
  if (sp == nullptr) return NoShare(a.share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::ReplyRequest req;
  req.set_request_id(rid);
  const std::string persona = PersonaIn(a.share(), st.actor(), a.persona());
  req.set_persona(persona);
  req.set_mailbox_id(s.mailbox_id);
  req.set_action(a.action());
  req.set_decline_reason(a.decline_reason());
  dv1::ReplyResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/Reply",
      absl::StrCat(dv1::ReplyAction_Name(a.action()), " on ", a.share()), Rpc(),
      [&](grpc::ClientContext* c) { return dev->Reply(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  (*r.mutable_details())["round"] = absl::StrCat(resp.round());
  if (!resp.credential_id().empty()) {
    SaveCred(a.save_as(), CredInfo{resp.credential_id(), st.actor(), persona,
                                   share_cred_[a.share()].access_point});
  }
  return o;
}

absl::StatusOr<Outcome> Runner::DoUse(const sv1::Step& st, sv1::StepResult& r) {
  const sv1::UseAction& a = st.use();
  CredInfo* cred = Cred(a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "credential_not_found",
        absl::StrCat("no credential \"", a.credential(),
                     "\" is known (no step provisioned it)")));
  }
  const Service* ap = eco_->Find(a.access_point());
  if (ap == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("access point ", a.access_point(), " is not running"));
  }
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::UseCredentialRequest req;
  req.set_persona(!a.persona().empty() ? a.persona()
                  : cred->device == st.actor() ? cred->persona
                                               : FirstPersona(st.actor()));
  req.set_credential_id(cred->id);
  req.set_access_point_address(ap->grpc_address);
  req.set_action(a.action());
  dv1::UseCredentialResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/UseCredential",
      absl::StrCat(a.action(), " ", a.access_point(), " with ", a.credential()),
      Rpc(), [&](grpc::ClientContext* c) {
        return dev->UseCredential(c, req, &resp);
      });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  o.has_access = true;
  o.access = resp.reason();
  r.set_access(resp.reason());
  if (!resp.detail().empty()) o.message = resp.detail();
  (*r.mutable_details())["latency"] =
      absl::FormatDuration(absl::Nanoseconds(
          TimeUtil::DurationToNanoseconds(resp.latency())));
  return o;
}

absl::StatusOr<Outcome> Runner::DoRevoke(const sv1::Step& st,
                                         const std::string& rid,
                                         sv1::StepResult& r) {
  const sv1::RevokeAction& a = st.revoke();
  std::string share_id, credential_id, persona, holder, ap;
  if (a.target_case() == sv1::RevokeAction::kShare) {
    SavedShare* sp = ShareOf(a.share());
    if (sp == nullptr) return NoShare(a.share());
    const SavedShare& s = *sp;
    share_id = s.share_id;
    holder = s.sender;
    ap = share_cred_[a.share()].access_point;
    persona = PersonaIn(a.share(), s.sender, a.persona());
  } else {
    CredInfo* c = Cred(a.credential());
    if (c == nullptr) {
      return Outcome::FromStatus(MakeError(
          absl::StatusCode::kNotFound, "credential_not_found",
          absl::StrCat("no credential \"", a.credential(), "\" is known")));
    }
    credential_id = c->id;
    holder = c->device;
    ap = c->access_point;
    persona = !a.persona().empty()           ? a.persona()
              : c->device == st.actor()      ? c->persona
                                             : FirstPersona(st.actor());
  }
  if (share_id.empty() && credential_id.empty()) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "share_not_found",
        absl::StrCat("share \"", a.share(), "\" was never made")));
  }
  cav1::RevokeResponse resp;
  absl::Status status;
  if (a.as_admin()) {
    const std::string authority = AuthorityOf(ap);
    ASSIGN_OR_RETURN(auto ch, Chan(authority));
    auto stub = cav1::CredentialAuthority::NewStub(ch);
    const std::string actor = st.actor().empty() ? "engine" : st.actor();
    if (!share_id.empty()) {
      cav1::RevokeShareRequest req;
      req.set_request_id(rid);
      req.set_share_id(share_id);
      req.set_reason("scenario admin revoke");
      status = Call(actor, authority,
                    "credential_authority.v1.CredentialAuthority/RevokeShare",
                    absl::StrCat("admin revokes ", a.share()), Rpc(),
                    [&](grpc::ClientContext* c) {
                      return stub->RevokeShare(c, req, &resp);
                    });
    } else {
      cav1::RevokeCredentialRequest req;
      req.set_request_id(rid);
      req.set_credential_id(credential_id);
      req.set_reason("scenario admin revoke");
      status = Call(
          actor, authority,
          "credential_authority.v1.CredentialAuthority/RevokeCredential",
          absl::StrCat("admin revokes ", a.credential()), Rpc(),
          [&](grpc::ClientContext* c) {
            return stub->RevokeCredential(c, req, &resp);
          });
    }
  } else {
    ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
    dv1::RevokeRequest req;
    req.set_request_id(rid);
    req.set_persona(persona);
    if (!share_id.empty()) {
      req.set_share_id(share_id);
    } else {
      req.set_credential_id(credential_id);
    }
    req.set_reason("scenario");
    status = Call(st.actor(), st.actor(), "device.v1.DeviceAgent/Revoke",
                  absl::StrCat("revoke ", a.target_case() ==
                                                  sv1::RevokeAction::kShare
                                              ? a.share()
                                              : a.credential()),
                  Rpc(), [&](grpc::ClientContext* c) {
                    return dev->Revoke(c, req, &resp);
                  });
  }
  Outcome o = Outcome::FromStatus(status);
  if (status.ok()) {
    last_revocation_version_ =
        std::max(last_revocation_version_, resp.revocation_list_version());
    (*r.mutable_details())["revocation_list_version"] =
        absl::StrCat(resp.revocation_list_version());
    (*r.mutable_details())["revoked_shares"] =
        absl::StrCat(resp.revoked_share_ids_size());
    (*r.mutable_details())["revoked_credentials"] =
        absl::StrCat(resp.revoked_credential_ids_size());
  }
  return o;
}

absl::StatusOr<Outcome> Runner::DoCancel(const sv1::Step& st,
                                         const std::string& rid,
                                         sv1::StepResult& r) {
  SavedShare* sp = ShareOf(st.cancel().share());
  if (sp == nullptr) return NoShare(st.cancel().share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::CancelShareRequest req;
  req.set_request_id(rid);
  req.set_persona(PersonaIn(st.cancel().share(), st.actor(), ""));
  req.set_share_id(s.share_id);
  dv1::CancelShareResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/CancelShare",
      absl::StrCat("cancel ", st.cancel().share()), Rpc(),
      [&](grpc::ClientContext* c) { return dev->CancelShare(c, req, &resp); });
  if (status.ok()) {
    (*r.mutable_details())["mailbox_deleted"] =
        resp.mailbox_deleted() ? "true" : "false";
    last_revocation_version_ = std::max(
        last_revocation_version_, resp.revocation().revocation_list_version());
  }
  return Outcome::FromStatus(status);
}

absl::StatusOr<Outcome> Runner::DoRelinquish(const sv1::Step& st,
                                             const std::string& rid) {
  SavedShare* sp = ShareOf(st.relinquish().share());
  if (sp == nullptr) return NoShare(st.relinquish().share());
  const SavedShare& s = *sp;
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::RelinquishRequest req;
  req.set_request_id(rid);
  req.set_persona(PersonaIn(st.relinquish().share(), st.actor(), ""));
  req.set_mailbox_id(s.mailbox_id);
  dv1::RelinquishResponse resp;
  return Outcome::FromStatus(Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/Relinquish",
      absl::StrCat("relinquish ", st.relinquish().share()), Rpc(),
      [&](grpc::ClientContext* c) { return dev->Relinquish(c, req, &resp); }));
}

absl::StatusOr<Outcome> Runner::DoForward(const sv1::Step& st,
                                          sv1::StepResult& r) {
  const sv1::ForwardAction& a = st.forward();
  SavedShare* sp = ShareOf(a.share());
  if (sp == nullptr) return NoShare(a.share());
  SavedShare& s = *sp;
  cv1::ChannelKind in_kind = s.channel;
  auto fw = forwarded_.find({a.share(), st.actor()});
  if (fw != forwarded_.end()) in_kind = fw->second;
  const std::string in_address = st.actor() == s.receiver && fw == forwarded_.end()
                                     ? s.receiver_address
                                     : AddressOf(st.actor(), in_kind);
  auto found = FindLink(st.actor(), in_kind, in_address, s.mailbox_id,
                        Deadline(ChannelWait(in_kind)));
  if (found.second.empty()) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "no_link_in_inbox",
        absl::StrCat(st.actor(), " never received the link of ", a.share())));
  }
  KnowLink(a.share(), s, found.second);
  const cv1::ChannelKind kind =
      a.channel() == cv1::CHANNEL_KIND_UNSPECIFIED ? in_kind : a.channel();
  ASSIGN_OR_RETURN(auto ch, Chan("channel"));
  auto stub = chv1::Channel::NewStub(ch);
  chv1::SendRequest req;
  req.set_kind(kind);
  req.set_from(AddressOf(st.actor(), kind));
  req.set_to(AddressOf(a.to(), kind));
  req.set_body(absl::StrCat("Fwd: ", found.second));
  chv1::SendResponse resp;
  absl::Status status = Call(
      st.actor(), "channel", "channel.v1.Channel/Send",
      absl::StrCat(st.actor(), " forwards ", a.share(), " to ", a.to()), Rpc(),
      [&](grpc::ClientContext* c) { return stub->Send(c, req, &resp); });
  if (status.ok()) {
    forwarded_[{a.share(), a.to()}] = kind;
    (*r.mutable_details())["message_length"] = absl::StrCat(resp.body_length());
  }
  return Outcome::FromStatus(status);
}

absl::StatusOr<Outcome> Runner::DoListShares(const sv1::Step& st,
                                             sv1::StepResult& r) {
  const sv1::ListSharesAction& a = st.list_shares();
  CredInfo* cred = Cred(a.credential());
  if (cred == nullptr) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kNotFound, "credential_not_found",
        absl::StrCat("no credential \"", a.credential(), "\" is known")));
  }
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::ListSharesRequest req;
  req.set_persona(cred->device == st.actor() ? cred->persona
                                             : FirstPersona(st.actor()));
  req.set_credential_id(cred->id);
  req.set_include_descendants(a.include_descendants());
  cav1::ListSharesResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/ListShares",
      absl::StrCat("list shares of ", a.credential()), Rpc(),
      [&](grpc::ClientContext* c) { return dev->ListShares(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  (*r.mutable_details())["shares"] = absl::StrCat(resp.shares_size());
  std::vector<std::string> problems;
  if (a.has_expect_count() &&
      static_cast<uint32_t>(resp.shares_size()) != a.expect_count()) {
    problems.push_back(absl::StrCat("expected ", a.expect_count(),
                                    " shares, listed ", resp.shares_size()));
  }
  for (const auto& e : a.expect_states()) {
    SavedShare* sp = ShareOf(e.share());
    const std::string id = sp == nullptr ? "" : sp->share_id;
    const cv1::ShareRecord* rec = nullptr;
    for (const auto& x : resp.shares()) {
      if (x.share_id() == id) rec = &x;
    }
    if (rec == nullptr) {
      problems.push_back(absl::StrCat(e.share(), " not listed"));
    } else if (rec->state() != e.state()) {
      problems.push_back(absl::StrCat(e.share(), " is ",
                                      cv1::ShareState_Name(rec->state()),
                                      ", expected ",
                                      cv1::ShareState_Name(e.state())));
    }
  }
  if (!problems.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kFailedPrecondition,
                                         "list_mismatch",
                                         absl::StrJoin(problems, "; ")));
  }
  o.message = absl::StrCat(resp.shares_size(), " shares");
  return o;
}

absl::StatusOr<Outcome> Runner::DoWaitForEvent(const sv1::Step& st,
                                               sv1::StepResult& r) {
  const sv1::WaitForEventAction& a = st.wait_for_event();
  auto it = collectors_.find(st.actor());
  if (it == collectors_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no event stream for device ", st.actor()));
  }
  std::string mailbox, share_id;
  if (!a.share().empty()) {
    SavedShare* sp = ShareOf(a.share());
    if (sp == nullptr) return NoShare(a.share());
    mailbox = sp->mailbox_id;
    share_id = sp->share_id;
  }
  const absl::Duration timeout = Dur(a.timeout(), absl::Seconds(10));
  dv1::DeviceEvent ev;
  const absl::Time start = absl::Now();
  bool got = it->second->WaitFor(
      [&](const dv1::DeviceEvent& e) {
        if (e.kind() != a.event()) return false;
        if (a.share().empty()) return true;
        return (!mailbox.empty() && e.mailbox_id() == mailbox) ||
               (!share_id.empty() && e.share_id() == share_id);
      },
      Deadline(timeout), &ev);
  if (!got) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kDeadlineExceeded, "event_timeout",
        absl::StrCat("no ", dv1::DeviceEventKind_Name(a.event()), " on ",
                     st.actor(), " within ", absl::FormatDuration(timeout))));
  }
  (*r.mutable_details())["waited"] = absl::FormatDuration(absl::Now() - start);
  if (!ev.reason().empty()) (*r.mutable_details())["event_reason"] = ev.reason();
  if (!a.save_as().empty() && !ev.credential_id().empty()) {
    std::string ap;
    if (!a.share().empty()) ap = share_cred_[a.share()].access_point;
    SaveCred(a.save_as(), CredInfo{ev.credential_id(), st.actor(),
                                   ev.persona().empty()
                                       ? FirstPersona(st.actor())
                                       : ev.persona(),
                                   ap});
  }
  Outcome o;
  o.message = dv1::DeviceEventKind_Name(ev.kind());
  return o;
}

absl::StatusOr<Outcome> Runner::DoCheckState(const sv1::Step& st,
                                             sv1::StepResult& r) {
  const sv1::CheckStateAction& a = st.check_state();
  ASSIGN_OR_RETURN(auto dev, Device(st.actor()));
  dv1::GetStateRequest req;
  req.set_persona(a.persona());
  dv1::GetStateResponse resp;
  absl::Status status = Call(
      st.actor(), st.actor(), "device.v1.DeviceAgent/GetState", "state check",
      Rpc(), [&](grpc::ClientContext* c) { return dev->GetState(c, req, &resp); });
  Outcome o = Outcome::FromStatus(status);
  if (!status.ok()) return o;
  std::vector<std::string> problems;
  std::set<std::string> held;
  for (const auto& p : resp.personas()) {
    for (const auto& c : p.credentials()) held.insert(c.credential_id());
  }
  if (!a.share().empty() && a.flow_state() != dv1::FLOW_STATE_UNSPECIFIED) {
    SavedShare* sp = ShareOf(a.share());
    if (sp == nullptr) return NoShare(a.share());
    const std::string& mailbox = sp->mailbox_id;
    const dv1::MailboxRecord* rec = nullptr;
    for (const auto& p : resp.personas()) {
      for (const auto& m : p.mailboxes()) {
        if (m.mailbox_id() == mailbox) rec = &m;
      }
    }
    if (rec == nullptr) {
      problems.push_back(absl::StrCat("no exchange for ", a.share()));
    } else {
      (*r.mutable_details())["flow_state"] = dv1::FlowState_Name(rec->state());
      if (rec->state() != a.flow_state()) {
        problems.push_back(absl::StrCat(
            a.share(), " is ", dv1::FlowState_Name(rec->state()),
            rec->last_reason().empty() ? "" : " (" + rec->last_reason() + ")",
            ", expected ", dv1::FlowState_Name(a.flow_state())));
      }
    }
  }
  for (const auto& name : a.has_credentials()) {
    CredInfo* c = Cred(name);
    if (c == nullptr || !held.count(c->id)) {
      problems.push_back(absl::StrCat("lacks ", name));
    }
  }
  for (const auto& name : a.lacks_credentials()) {
    CredInfo* c = Cred(name);
    if (c != nullptr && held.count(c->id)) {
      problems.push_back(absl::StrCat("still holds ", name));
    }
  }
  if (a.has_push_connected() && a.push_connected() != resp.push_connected()) {
    problems.push_back(absl::StrCat("push_connected is ",
                                    resp.push_connected() ? "true" : "false"));
  }
  if (!problems.empty()) {
    return Outcome::FromStatus(MakeError(absl::StatusCode::kFailedPrecondition,
                                         "state_mismatch",
                                         absl::StrJoin(problems, "; ")));
  }
  return o;
}

absl::StatusOr<Outcome> Runner::DoAdvanceClock(const sv1::Step& st,
                                               sv1::StepResult& r) {
  const absl::Duration by = Dur(st.advance_clock().by(), absl::ZeroDuration());
  std::vector<std::string> targets(st.advance_clock().services().begin(),
                                   st.advance_clock().services().end());
  if (targets.empty()) {
    for (const std::string& n : eco_->Names()) {
      const Service* svc = eco_->Find(n);
      if (svc != nullptr && svc->sim && svc->running) targets.push_back(n);
    }
  }
  if (targets.empty()) {
    return Outcome::FromStatus(MakeError(
        absl::StatusCode::kFailedPrecondition, "no_sim_control",
        "no running service serves SimControl (launched without "
        "--sim_control?): no clock to advance"));
  }
  const std::string actor = st.actor().empty() ? "engine" : st.actor();
  absl::Status first;
  for (const std::string& n : targets) {
    const Service* svc = eco_->Find(n);
    if (svc == nullptr || !svc->sim) {
      if (first.ok()) {
        first = MakeError(absl::StatusCode::kFailedPrecondition,
                          "no_sim_control",
                          absl::StrCat(n, " serves no SimControl"));
      }
      continue;
    }
    ASSIGN_OR_RETURN(auto ch, Chan(n));
    auto stub = cv1::SimControl::NewStub(ch);
    cv1::SetClockRequest req;
    *req.mutable_advance() = ToProto(by);
    cv1::SetClockResponse resp;
    absl::Status s = Call(
        actor, n, "common.v1.SimControl/SetClock",
        absl::StrCat("advance clock ", st.advance_clock().by()), Rpc(),
        [&](grpc::ClientContext* c) { return stub->SetClock(c, req, &resp); });
    if (!s.ok() && first.ok()) {
      first = MakeError(s.code(), ReasonOf(s), absl::StrCat(n, ": ", s.message()));
    }
  }
  if (st.advance_clock().services().empty()) advanced_ += by;
  (*r.mutable_details())["services"] = absl::StrJoin(targets, ",");
  return Outcome::FromStatus(first);
}

absl::StatusOr<Outcome> Runner::DoAwaitRevocation(const sv1::Step& st,
                                                  sv1::StepResult& r) {
  const std::string& ap = st.await_revocation().access_point();
  const absl::Duration timeout =
      Dur(st.await_revocation().timeout(), absl::Seconds(10));
  const absl::Time start = absl::Now();
  const absl::Time until = Deadline(timeout);
  uint64_t target = last_revocation_version_;
  // The authority's current version also covers revocations the engine did
  // not make itself (cascades, adversary acts).
  const std::string authority = AuthorityOf(ap);
  if (!authority.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = Chan(authority);
    if (ch.ok()) {
      auto stub = cav1::CredentialAuthority::NewStub(*ch);
      cav1::GetAuthorityInfoRequest req;
      cav1::GetAuthorityInfoResponse resp;
      absl::Status s = Call(
          "engine", authority,
          "credential_authority.v1.CredentialAuthority/GetAuthorityInfo",
          "current revocation version", Rpc(), [&](grpc::ClientContext* c) {
            return stub->GetAuthorityInfo(c, req, &resp);
          });
      if (s.ok()) target = std::max(target, resp.revocation_list_version());
    }
  }
  ASSIGN_OR_RETURN(auto ch, Chan(ap));
  auto stub = apv1::AccessPoint::NewStub(ch);
  uint64_t seen = 0;
  absl::Status last;
  int polls = 0;
  while (true) {
    apv1::GetStatusRequest req;
    apv1::GetStatusResponse resp;
    // Only the first and last polls go to the trace (the diagram stays readable).
    grpc::ClientContext cctx;
    cctx.AddMetadata("sct-actor", "engine");
    cctx.AddMetadata("sct-step", ctx_.current_step);
    cctx.set_deadline(absl::ToChronoTime(Deadline(absl::Seconds(5))));
    last = FromGrpcStatus(stub->GetStatus(&cctx, req, &resp));
    ++polls;
    if (last.ok()) {
      seen = resp.revocation_list_version();
      if (seen >= target) break;
    }
    if (absl::Now() >= until) {
      (*r.mutable_details())["polls"] = absl::StrCat(polls);
      return Outcome::FromStatus(MakeError(
          absl::StatusCode::kDeadlineExceeded, "revocation_not_propagated",
          absl::StrCat(ap, " holds revocation list version ", seen,
                       ", wanted ", target, " within ",
                       absl::FormatDuration(timeout),
                       last.ok() ? "" : absl::StrCat(" (", last.message(), ")"))));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  Record("engine", ap, "access_point.v1.AccessPoint/GetStatus",
         absl::StrCat("revocation version ", seen, " >= ", target),
         absl::OkStatus(), absl::Now() - start);
  (*r.mutable_details())["propagation"] =
      absl::FormatDuration(absl::Now() - start);
  (*r.mutable_details())["revocation_list_version"] = absl::StrCat(seen);
  (*r.mutable_details())["polls"] = absl::StrCat(polls);
  Outcome o;
  o.message = absl::StrCat("version ", seen);
  return o;
}

absl::StatusOr<Outcome> Runner::DoService(const sv1::Step& st) {
  const std::string& name = st.service().service();
  absl::Status s;
  // A killed service loses its in-memory audit record: save it first, and
  // give a started one the run's audit key again.
  switch (st.service().op()) {
    case sv1::KILL:
      PreserveAudit(ctx_, name);
      s = eco_->Kill(name);
      break;
    case sv1::START:
      s = eco_->Start(name);
      if (s.ok()) s = RestoreAuditKey(ctx_, name);
      break;
    case sv1::RESTART:
      PreserveAudit(ctx_, name);
      s = eco_->Restart(name);
      if (s.ok()) s = RestoreAuditKey(ctx_, name);
      break;
    default:
      s = absl::InvalidArgumentError("service.op: not set");
  }
  Record("engine", name,
         absl::StrCat("launcher/", sv1::ServiceOp_Name(st.service().op())),
         absl::StrCat(sv1::ServiceOp_Name(st.service().op()), " ", name), s,
         absl::ZeroDuration());
  return Outcome::FromStatus(s);
}

absl::StatusOr<Outcome> Runner::DoPause(const sv1::Step& st) {
  const absl::Duration d = Dur(st.pause().duration(), absl::ZeroDuration());
  absl::SleepFor(std::max(absl::ZeroDuration(),
                          std::min(d, scenario_deadline_ - absl::Now())));
  return Outcome{};
}

absl::StatusOr<Outcome> Runner::DoAdversary(const sv1::Step& st,
                                            sv1::StepResult& r) {
  absl::StatusOr<AdversaryOutcome> out =
      ActAdversary(st.adversary_act().adversary(), ctx_);
  if (!out.ok()) return Outcome::FromStatus(out.status());
  for (const auto& [k, v] : out->details) (*r.mutable_details())[k] = v;
  Outcome o;
  o.message = out->summary;
  if (out->succeeded) return o;
  sv1::StatusCode code = sv1::FAILED_PRECONDITION;
  if (!sv1::StatusCode_Parse(out->code, &code) || code == sv1::ANY_ERROR_CODE) {
    code = sv1::FAILED_PRECONDITION;
  }
  o.code = static_cast<absl::StatusCode>(static_cast<int>(code));
  o.reason = out->reason.empty() ? "adversary_failed" : out->reason;
  return o;
}

absl::StatusOr<Outcome> Runner::Act(const sv1::Step& st, const std::string& rid,
                                    sv1::StepResult& r) {
  switch (st.action_case()) {
    case sv1::Step::kShare:
      return DoShare(st, rid, r);
    case sv1::Step::kAccept:
      return DoAccept(st, rid, r);
    case sv1::Step::kReply:
      return DoReply(st, rid, r);
    case sv1::Step::kUse:
      return DoUse(st, r);
    case sv1::Step::kRevoke:
      return DoRevoke(st, rid, r);
    case sv1::Step::kCancel:
      return DoCancel(st, rid, r);
    case sv1::Step::kRelinquish:
      return DoRelinquish(st, rid);
    case sv1::Step::kForward:
      return DoForward(st, r);
    case sv1::Step::kListShares:
      return DoListShares(st, r);
    case sv1::Step::kWaitForEvent:
      return DoWaitForEvent(st, r);
    case sv1::Step::kCheckState:
      return DoCheckState(st, r);
    case sv1::Step::kAdvanceClock:
      return DoAdvanceClock(st, r);
    case sv1::Step::kAwaitRevocation:
      return DoAwaitRevocation(st, r);
    case sv1::Step::kService:
      return DoService(st);
    case sv1::Step::kPause:
      return DoPause(st);
    case sv1::Step::kAdversaryAct:
      return DoAdversary(st, r);
    case sv1::Step::ACTION_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("step has no action");
}

// ---------------------------------------------------------------------------
// Phases.
// ---------------------------------------------------------------------------

void Runner::ApplyFaults(const std::string& step_id, bool at_start) {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const sv1::Fault& f = s_.faults(i);
    const bool due = at_start ? f.from_step().empty() : f.from_step() == step_id;
    if (!due || active_faults_.count(i)) continue;
    absl::Status st = ApplyFault(f, ctx_);
    if (!st.ok()) {
      Fail(absl::StrCat("fault \"", f.name(), "\" could not be applied: ",
                        st.message()));
      continue;
    }
    active_faults_.insert(i);
  }
}

void Runner::ClearFaults(const std::string& step_id, bool at_end) {
  for (int i = 0; i < s_.faults_size(); ++i) {
    const sv1::Fault& f = s_.faults(i);
    if (!active_faults_.count(i)) continue;
    if (!at_end && f.until_step() != step_id) continue;
    absl::Status st = ClearFault(f, ctx_);
    active_faults_.erase(i);
    if (!st.ok() && !at_end) {
      Fail(absl::StrCat("fault \"", f.name(), "\" could not be cleared: ",
                        st.message()));
    }
  }
}

void Runner::RunSteps() {
  bool stopped = false;
  for (int i = 0; i < s_.steps_size(); ++i) {
    const sv1::Step& st = s_.steps(i);
    sv1::StepResult* r = result_.add_steps();
    r->set_step_id(st.id());
    r->set_actor(st.actor());
    r->set_action(ActionName(st));
    r->set_note(st.note());
    r->set_expected(DescribeExpectation(st.expect(), st.has_use()));
    if (stopped) {
      r->set_status(sv1::SKIPPED);
      r->set_observed("not run: an earlier step failed");
      continue;
    }
    if (absl::Now() >= scenario_deadline_) {
      r->set_status(sv1::ERRORED);
      r->set_observed(absl::StrCat("not run: scenario timeout (",
                                   s_.timeout().empty() ? "120s" : s_.timeout(),
                                   ") reached"));
      Fail(absl::StrCat("step ", st.id(), ": scenario timeout reached"));
      stopped = true;
      continue;
    }
    ctx_.current_step = st.id();
    if (i == 0) ApplyFaults("", true);
    ApplyFaults(st.id(), false);
    const size_t trace_before = ctx_.engine_trace.size();
    const std::string rid = NewUuidV4();
    const absl::Time start = absl::Now();
    *r->mutable_started_at() = ToProto(Now());
    absl::StatusOr<Outcome> o;
    int attempt = 0;
    while (true) {
      ++attempt;
      o = Act(st, rid, *r);
      if (!o.ok()) break;
      o->duration = absl::Now() - start;
      if (Judge(st.expect(), st.has_use(), *o).passed) break;
      if (!ShouldRetry(st.retry(), attempt, *o)) break;
      const absl::Duration backoff = RetryBackoff(st.retry());
      if (absl::Now() + backoff >= scenario_deadline_) break;
      absl::SleepFor(backoff);
    }
    const absl::Time end = absl::Now();
    step_times_[st.id()] = {start, end};
    *r->mutable_duration() = ToProto(end - start);
    r->set_attempts(attempt);
    r->set_messages_traced(
        static_cast<uint32_t>(ctx_.engine_trace.size() - trace_before));
    bool failed = false;
    if (!o.ok()) {
      r->set_status(sv1::ERRORED);
      r->set_observed(absl::StrCat("engine error: ", o.status().message()));
      r->set_code(CodeName(o.status().code()));
      failed = true;
    } else {
      o->duration = end - start;
      Judgement j = Judge(st.expect(), st.has_use(), *o);
      r->set_status(j.passed ? sv1::PASSED : sv1::FAILED);
      r->set_expected(j.expected);
      r->set_observed(j.observed);
      r->set_code(CodeName(o->code));
      r->set_reason(o->reason);
      if (o->has_access) r->set_access(o->access);
      failed = !j.passed;
    }
    if (failed) {
      Fail(absl::StrCat("step ", st.id(), ": expected ", r->expected(),
                        ", got ", r->observed()));
      if (!st.continue_on_failure()) stopped = true;
    }
    ClearFaults(st.id(), false);
  }
  ctx_.current_step.clear();
  ClearFaults("", true);
}

void Runner::ResolveLinks() {
  for (auto& [name, s] : ctx_.shares) {
    if (!s.link.empty() || s.receiver_address.empty()) continue;
    auto found = FindLink("engine", s.channel, s.receiver_address, s.mailbox_id,
                          absl::Now());
    KnowLink(name, s, found.second);
  }
  for (const auto& [adv, links] : ctx_.intercepted) {
    for (const auto& [share, link] : links) {
      auto it = ctx_.shares.find(share);
      if (it != ctx_.shares.end()) KnowLink(share, it->second, link);
    }
  }
}

void Runner::OrderActors() {
  std::vector<std::string> order;
  std::set<std::string> seen;
  auto add = [&](const std::string& a) {
    if (!a.empty() && seen.insert(a).second) order.push_back(a);
  };
  const sv1::Topology& t = s_.topology();
  // Sender-side devices first (in the order they share), then the others.
  for (const auto& st : s_.steps()) {
    if (st.has_share()) add(st.actor());
  }
  std::vector<std::string> receivers;
  for (const auto& d : t.devices()) {
    if (!seen.count(d.id())) receivers.push_back(d.id());
  }
  add("channel");
  add("relay");
  for (const auto& o : t.oems()) add(o.id());
  for (const auto& a : t.authorities()) add(a.id());
  for (const auto& a : t.access_points()) add(a.id());
  for (const auto& d : receivers) add(d);
  for (const auto& a : s_.adversaries()) add(a.name());
  for (const auto& e : result_.trace()) {
    add(e.from());
    add(e.to());
  }
  for (const auto& a : order) result_.add_actors(a);
}

void Runner::Finish() {
  // Timing assertions.
  for (const auto& a : s_.assertions()) {
    if (!a.has_timing()) continue;
    sv1::TimingResult* t = result_.add_timings();
    t->set_name(a.name());
    t->set_from_step(a.timing().from_step());
    t->set_to_step(a.timing().to_step());
    const absl::Duration max = Dur(a.timing().max(), absl::ZeroDuration());
    *t->mutable_max() = ToProto(max);
    auto from = step_times_.find(a.timing().from_step());
    auto to = step_times_.find(a.timing().to_step());
    if (from == step_times_.end() || to == step_times_.end()) {
      t->set_passed(false);
      Fail(absl::StrCat("timing \"", a.name(), "\": step ",
                        from == step_times_.end() ? a.timing().from_step()
                                                  : a.timing().to_step(),
                        " did not run"));
      continue;
    }
    const absl::Duration measured = to->second.second - from->second.first;
    *t->mutable_measured() = ToProto(measured);
    t->set_passed(measured <= max);
    if (!t->passed()) {
      Fail(absl::StrCat("timing \"", a.name(), "\": ", a.timing().from_step(),
                        " -> ", a.timing().to_step(), " took ",
                        absl::FormatDuration(measured), ", max ",
                        a.timing().max()));
    }
  }

  ResolveLinks();
  bool has_knowledge = false;
  for (const auto& a : s_.assertions()) has_knowledge |= a.has_knowledge();
  absl::StatusOr<std::vector<sv1::KnowledgeAuditRow>> rows =
      EvaluateKnowledge(ctx_);
  if (rows.ok()) {
    for (auto& row : *rows) {
      if (row.verdict() == sv1::AUDIT_VIOLATED) {
        Fail(absl::StrCat("knowledge: ", row.actor(),
                          row.must_not_learn() ? " learned " : " did not learn ",
                          cv1::KnowledgeItem_Name(row.item()),
                          row.evidence().empty() ? ""
                                                 : " (" + row.evidence() + ")"));
      }
      *result_.add_knowledge_audit() = std::move(row);
    }
  } else if (has_knowledge) {
    Fail(absl::StrCat("knowledge audit unavailable: ", rows.status().message()));
  }

  absl::StatusOr<std::vector<cv1::TraceEvent>> trace = CollectTrace(ctx_);
  if (trace.ok()) {
    for (auto& e : *trace) *result_.add_trace() = std::move(e);
  } else {
    // Fall back to what the engine recorded itself.
    for (const auto& e : ctx_.engine_trace) *result_.add_trace() = e;
  }
  for (const auto& m : ctx_.markers) *result_.add_markers() = m;
  for (const auto& [k, v] : eco_->Endpoints()) {
    (*result_.mutable_endpoints())[k] = v;
  }
}

sv1::ScenarioResult Runner::Run() {
  const absl::Time start = absl::Now();
  *result_.mutable_started_at() = ToProto(start);
  result_.set_passed(true);
  const absl::Duration timeout = Dur(s_.timeout(), absl::Seconds(120));
  scenario_deadline_ = start + timeout;

  LaunchOptions lo;
  lo.binaries_dir = options_.binaries_dir;
  lo.sim_control = options_.sim_control;
  static std::atomic<int> counter{0};
  std::string safe = s_.name().empty() ? "scenario" : s_.name();
  for (char& c : safe) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') c = '_';
  }
  lo.work_dir = absl::StrCat(options_.work_dir, "/", safe, "-", getpid(), "-",
                             counter.fetch_add(1));
  ctx_.work_dir = lo.work_dir;
  std::error_code ec;
  std::filesystem::create_directories(lo.work_dir, ec);
  LaunchFn launch = options_.launch;
  if (!launch) {
    launch = [](const ResolvedTopology& t, const LaunchOptions& o) { return Launch(t, o); };
  }
  absl::StatusOr<std::unique_ptr<Ecosystem>> eco =
      resolved_.ok() ? launch(*resolved_, lo) : resolved_.status();
  if (!eco.ok()) {
    Fail(absl::StrCat(resolved_.ok() ? "launch failed: " : "invalid topology: ",
                      eco.status().message()));
    for (const auto& st : s_.steps()) {
      sv1::StepResult* r = result_.add_steps();
      r->set_step_id(st.id());
      r->set_actor(st.actor());
      r->set_action(ActionName(st));
      r->set_note(st.note());
      r->set_status(sv1::SKIPPED);
      r->set_expected(DescribeExpectation(st.expect(), st.has_use()));
      r->set_observed(resolved_.ok() ? "not run: launch failed" : "not run: invalid topology");
    }
    *result_.mutable_duration() = ToProto(absl::Now() - start);
    return result_;
  }
  eco_ = std::move(*eco);
  ctx_.eco = eco_.get();
  ctx_.started_at = Now();
  if (options_.on_ecosystem) options_.on_ecosystem(eco_.get());

  // Names the engine can resolve from the start.
  for (const auto& oc : s_.topology().owner_credentials()) {
    CredInfo c{eco_->OwnerCredentialId(oc.id()), oc.device(),
               oc.persona().empty() ? FirstPersona(oc.device()) : oc.persona(),
               oc.access_point()};
    SaveCred(oc.id(), c);
  }
  for (const auto& d : s_.topology().devices()) {
    Know(cv1::DEVICE_IDENTITY, eco_->DeviceId(d.id()),
         absl::StrCat("device id of ", d.id()));
    for (cv1::ChannelKind k : {cv1::SMS, cv1::EMAIL, cv1::MESSENGER}) {
      Know(cv1::PERSON_IDENTITY, AddressOf(d.id(), k),
           absl::StrCat(ChannelWord(k), " address of ", d.id()));
    }
    const Service* svc = eco_->Find(d.id());
    if (svc != nullptr && !svc->attached) {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = Chan(d.id());
      if (ch.ok()) collectors_[d.id()] = std::make_unique<EventCollector>(*ch);
    }
  }

  absl::Status audit = PrepareAudit(ctx_);
  if (!audit.ok() && audit.code() != absl::StatusCode::kUnimplemented) {
    Fail(absl::StrCat("audit preparation failed: ", audit.message()));
  }
  absl::Status armed = ArmAdversaries(ctx_);
  adversaries_armed_ = true;
  if (!armed.ok() && (s_.adversaries_size() > 0 ||
                      armed.code() != absl::StatusCode::kUnimplemented)) {
    Fail(absl::StrCat("adversaries could not be armed: ", armed.message()));
  }
  if (result_.passed()) {
    RunSteps();
  } else {
    for (const auto& st : s_.steps()) {
      sv1::StepResult* r = result_.add_steps();
      r->set_step_id(st.id());
      r->set_actor(st.actor());
      r->set_action(ActionName(st));
      r->set_status(sv1::SKIPPED);
      r->set_observed("not run: set-up failed");
    }
  }
  DisarmAdversaries(ctx_);
  Finish();
  OrderActors();
  for (auto& [name, c] : collectors_) c->Stop();
  collectors_.clear();
  if (options_.on_ecosystem) options_.on_ecosystem(nullptr);
  eco_->Shutdown();
  *result_.mutable_duration() = ToProto(absl::Now() - start);
  return result_;
}

}  // namespace

sv1::ScenarioResult RunScenario(const sv1::Scenario& scenario,
                                const std::string& file,
                                const EngineOptions& options) {
  Runner runner(scenario, file, options);
  return runner.Run();
}

sv1::ScenarioResult RunScenarioFile(const std::string& file,
                                    const EngineOptions& options) {
  absl::StatusOr<sv1::Scenario> s = LoadScenarioFile(file);
  if (!s.ok()) {
    sv1::ScenarioResult r;
    r.set_file(file);
    r.set_name(std::filesystem::path(file).stem().string());
    r.set_passed(false);
    r.set_first_failure(std::string(s.status().message()));
    *r.mutable_started_at() = ToProto(absl::Now());
    return r;
  }
  return RunScenario(*s, file, options);
}

}  // namespace sct::scenarios

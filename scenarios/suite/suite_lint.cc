#include "scenarios/suite/suite_lint.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace sct::scenarios::suite {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// Speed budget of the default suite (the whole suite runs in minutes).
constexpr absl::Duration kMaxChannelDelay = absl::Milliseconds(200);
constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(500);
constexpr absl::Duration kMaxWait = absl::Seconds(10);
constexpr absl::Duration kMaxPause = absl::Milliseconds(500);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);
constexpr absl::Duration kMaxScenarioTimeout = absl::Seconds(120);
constexpr uint32_t kMaxRetryAttempts = 5;
constexpr int kMaxDevicesAndAccessPoints = 6;

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  Collector(std::string file, std::vector<std::string>* out) : file_(std::move(file)), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": warning: ", message));
  }

 private:
  std::string file_;
  std::vector<std::string>* out_;
};

// One element of a field path from the Scenario root: field name and index
// (ignored for singular fields).
struct Elem {
  const char* field;
  int index;
};
using Path = std::vector<Elem>;

Path Plus(Path p, const char* field, int index = -1) {
  p.push_back({field, index});
  return p;
}

class Linter {
 public:
  Linter(const std::string& path, const std::string& text) : text_(text) {
    file_ = path;
    const size_t slash = file_.rfind('/');
    if (slash != std::string::npos) file_ = file_.substr(slash + 1);
    absl::string_view stem = file_;
    absl::ConsumeSuffix(&stem, ".textproto");
    stem_ = std::string(stem);
  }

  LintResult Run() {
    LintResult result;
    {
      Collector collector(file_, &problems_);
      TextFormat::Parser parser;
      parser.RecordErrorsTo(&collector);
      parser.AllowPartialMessage(false);
      parser.WriteLocationsTo(&tree_);
      result.parsed = parser.ParseFromString(text_, &sc_);
    }
    if (result.parsed) {
      CheckHeader();
      CheckTopLevel();
      CheckTopology();
      CheckAdversaries();
      CheckSteps();
      CheckFaults();
      CheckAssertions();
      result.scenario = sc_;
    } else if (problems_.empty()) {
      problems_.push_back(absl::StrCat(file_, ":1:1: does not parse"));
    }
    result.problems = std::move(problems_);
    return result;
  }

 private:
  // "FILE:LINE:COL" of the deepest element of `path` that has a location.
  std::string At(const Path& path) const {
    int line = 0, column = 0;
    const Descriptor* desc = sv1::Scenario::descriptor();
    const TextFormat::ParseInfoTree* tree = &tree_;
    for (const Elem& e : path) {
      if (desc == nullptr || tree == nullptr) break;
      const FieldDescriptor* fd = desc->FindFieldByName(e.field);
      if (fd == nullptr) break;
      const int index = fd->is_repeated() ? (e.index < 0 ? 0 : e.index) : -1;
      TextFormat::ParseLocation loc = tree->GetLocation(fd, index);
      if (loc.line < 0) break;
      line = loc.line;
      column = loc.column;
      if (fd->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
      tree = tree->GetTreeForNested(fd, index);
      desc = fd->message_type();
    }
    return absl::StrCat(file_, ":", line + 1, ":", column + 1);
  }

  void Problem(const Path& path, absl::string_view what) {
    problems_.push_back(absl::StrCat(At(path), ": ", what));
  }

  // Parses a duration field; reports bad syntax, a missing required value,
  // a negative value where not allowed and a value over `max`.
  void Duration(const Path& path, const std::string& value, bool required, bool allow_negative,
                absl::Duration max = absl::InfiniteDuration()) {
    const std::string name = path.empty() ? "" : path.back().field;
    if (value.empty()) {
      if (required) Problem(path, absl::StrCat(name, ": required duration missing"));
      return;
    }
    absl::Duration d;
    if (!absl::ParseDuration(value, &d)) {
      Problem(path, absl::StrCat(name, ": \"", value,
                                 "\" is not a duration (absl::ParseDuration, e.g. \"300ms\")"));
      return;
    }
    if (!allow_negative && d < absl::ZeroDuration()) {
      Problem(path, absl::StrCat(name, ": must not be negative"));
    }
    if (d > max) {
      Problem(path, absl::StrCat(name, ": ", value, " exceeds the suite budget of ",
                                 absl::FormatDuration(max)));
    }
  }

  void Window(const Path& path, const sv1::RelativeWindow& w) {
    Duration(Plus(path, "not_before"), w.not_before(), false, true);
    Duration(Plus(path, "not_after"), w.not_after(), true, true);
  }

  // ---------------------------------------------------------------- header

  void CheckHeader() {
    std::vector<std::string> prose;
    bool cites = false;
    for (absl::string_view line : absl::StrSplit(text_, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!absl::ConsumePrefix(&line, "#")) break;
      line = absl::StripAsciiWhitespace(line);
      if (absl::StrContains(line, "ARCHITECTURE.md")) cites = true;
      if (line.empty() || absl::StartsWith(line, "proto-file:") ||
          absl::StartsWith(line, "proto-message:")) {
        continue;
      }
      prose.emplace_back(line);
    }
    if (prose.size() < 3) {
      problems_.push_back(
          absl::StrCat(file_,
                       ":1:1: the file must start with a comment block (at least 3 lines) "
                       "saying what it demonstrates and why it matters"));
    }
    if (!cites) {
      problems_.push_back(
          absl::StrCat(file_, ":1:1: the leading comment must cite ARCHITECTURE.md (section N)"));
    }
  }

  void CheckTopLevel() {
    if (sc_.name() != stem_) {
      Problem({{"name", -1}},
              absl::StrCat("name: \"", sc_.name(), "\" must equal the file stem \"", stem_, "\""));
    }
    if (sc_.description().empty()) Problem({{"name", -1}}, "description: missing");
    bool category = false;
    for (const std::string& t : sc_.tags()) {
      if (t == "happy-path" || t == "lifecycle" || t == "failure-mode") category = true;
    }
    if (!category) {
      Problem({{"tags", 0}}, "tags: need one of happy-path, lifecycle, failure-mode");
    }
    if (sc_.steps().empty()) Problem({{"name", -1}}, "steps: a scenario needs at least one step");
    Duration({{"timeout", -1}}, sc_.timeout(), false, false, kMaxScenarioTimeout);
  }

  // ---------------------------------------------------------------- topology

  void AddService(const Path& path, const std::string& id) {
    if (id.empty()) {
      Problem(path, "id: missing");
      return;
    }
    if (!services_.insert(id).second) Problem(path, absl::StrCat("id \"", id, "\" used twice"));
  }

  void CheckTopology() {
    const sv1::Topology& t = sc_.topology();
    const Path top = {{"topology", -1}};
    if (!sc_.has_topology()) Problem(top, "topology: missing");
    services_ = {"relay", "channel"};
    Duration(Plus(Plus(top, "relay"), "default_ttl"), t.relay().default_ttl(), false, false);
    Duration(Plus(Plus(top, "relay"), "max_ttl"), t.relay().max_ttl(), false, false);
    if (t.relay().store() == sv1::REDIS && t.relay().redis_address().empty()) {
      Problem(Plus(top, "relay"), "relay: store REDIS needs redis_address");
    }
    for (int i = 0; i < t.authorities_size(); ++i) {
      AddService(Plus(top, "authorities", i), t.authorities(i).id());
      authorities_.insert(t.authorities(i).id());
    }
    if (t.authorities().empty()) Problem(top, "topology: needs an authority");
    for (int i = 0; i < t.oems_size(); ++i) {
      AddService(Plus(top, "oems", i), t.oems(i).id());
      oems_.insert(t.oems(i).id());
      const std::string& a = t.oems(i).authority();
      if (!a.empty() && !authorities_.count(a)) {
        Problem(Plus(Plus(top, "oems", i), "authority"),
                absl::StrCat("unknown authority \"", a, "\""));
      }
    }
    for (int i = 0; i < t.access_points_size(); ++i) {
      const sv1::AccessPointSpec& ap = t.access_points(i);
      const Path p = Plus(top, "access_points", i);
      AddService(p, ap.id());
      access_points_.insert(ap.id());
      if (ap.kind() == ::common::v1::ACCESS_POINT_KIND_UNSPECIFIED) Problem(p, "kind: missing");
      if (!ap.authority().empty() && !authorities_.count(ap.authority())) {
        Problem(Plus(p, "authority"), absl::StrCat("unknown authority \"", ap.authority(), "\""));
      }
      Duration(Plus(p, "poll_interval"), ap.poll_interval(), false, false, kMaxPollInterval);
    }
    for (int i = 0; i < t.devices_size(); ++i) {
      const sv1::DeviceSpec& d = t.devices(i);
      const Path p = Plus(top, "devices", i);
      AddService(p, d.id());
      devices_.insert(d.id());
      if (!oems_.count(d.oem()))
        Problem(Plus(p, "oem"), absl::StrCat("unknown OEM \"", d.oem(), "\""));
      std::set<std::string>& personas = personas_[d.id()];
      personas.insert("personal");  // every device has it (docs/device.md)
      for (int j = 0; j < d.personas_size(); ++j) {
        if (d.personas(j).name().empty()) Problem(Plus(p, "personas", j), "persona name missing");
        personas.insert(d.personas(j).name());
      }
      Duration(Plus(p, "poll_interval"), d.poll_interval(), false, false, kMaxPollInterval);
    }
    if (t.devices_size() + t.access_points_size() > kMaxDevicesAndAccessPoints) {
      Problem(top, absl::StrCat("topology: ", t.devices_size() + t.access_points_size(),
                                " devices + access points; the suite budget is ",
                                kMaxDevicesAndAccessPoints));
    }
    for (int i = 0; i < t.channels_size(); ++i) {
      const sv1::ChannelSpec& c = t.channels(i);
      const Path p = Plus(top, "channels", i);
      if (c.kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) Problem(p, "kind: missing");
      Duration(Plus(p, "delay"), c.delay(), false, false, kMaxChannelDelay);
      Duration(Plus(p, "jitter"), c.jitter(), false, false, kMaxChannelDelay);
      Duration(Plus(p, "preview_delay"), c.preview_delay(), false, false, kMaxChannelDelay);
      if (c.loss() < 0 || c.loss() > 1) Problem(Plus(p, "loss"), "loss: must be in [0,1]");
      if (c.duplicate() < 0 || c.duplicate() > 1) {
        Problem(Plus(p, "duplicate"), "duplicate: must be in [0,1]");
      }
    }
    for (int i = 0; i < t.owner_credentials_size(); ++i) {
      const sv1::OwnerCredentialSpec& o = t.owner_credentials(i);
      const Path p = Plus(top, "owner_credentials", i);
      if (o.id().empty()) Problem(p, "id: missing");
      if (!devices_.count(o.device())) {
        Problem(Plus(p, "device"), absl::StrCat("unknown device \"", o.device(), "\""));
      } else if (!o.persona().empty() && !personas_[o.device()].count(o.persona())) {
        Problem(Plus(p, "persona"),
                absl::StrCat("device \"", o.device(), "\" has no persona \"", o.persona(), "\""));
      }
      if (!access_points_.count(o.access_point())) {
        Problem(Plus(p, "access_point"),
                absl::StrCat("unknown access point \"", o.access_point(), "\""));
      }
      if (o.has_validity()) Window(Plus(p, "validity"), o.validity());
      if (!credentials_.emplace(o.id(), Held{o.device(), o.kind()}).second) {
        Problem(p, absl::StrCat("credential \"", o.id(), "\" defined twice"));
      }
    }
  }

  // ---------------------------------------------------------------- adversaries

  void CheckAdversaries() {
    for (int i = 0; i < sc_.adversaries_size(); ++i) {
      const sv1::Adversary& a = sc_.adversaries(i);
      const Path p = {{"adversaries", i}};
      if (a.name().empty()) Problem(p, "name: missing");
      if (services_.count(a.name())) {
        Problem(p, absl::StrCat("adversary name \"", a.name(), "\" clashes with a service id"));
      }
      if (!adversaries_.emplace(a.name(), a.kind_case()).second) {
        Problem(p, absl::StrCat("adversary \"", a.name(), "\" defined twice"));
      }
    }
    // Shares saved anywhere (a replayer names its share before it exists).
    std::set<std::string> any_share;
    for (const sv1::Step& s : sc_.steps()) {
      if (s.has_share() && !s.share().save_as().empty()) any_share.insert(s.share().save_as());
    }
    for (int i = 0; i < sc_.adversaries_size(); ++i) {
      const sv1::Adversary& a = sc_.adversaries(i);
      const Path p = {{"adversaries", i}};
      switch (a.kind_case()) {
        case sv1::Adversary::kLinkInterceptor: {
          const sv1::LinkInterceptor& li = a.link_interceptor();
          const Path q = Plus(p, "link_interceptor");
          if (li.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
            Problem(q, "channel: missing");
          }
          if (!li.target().empty() && !devices_.count(li.target())) {
            Problem(Plus(q, "target"), absl::StrCat("unknown device \"", li.target(), "\""));
          }
          if (!devices_.count(li.device())) {
            Problem(Plus(q, "device"), absl::StrCat("unknown device \"", li.device(), "\""));
          }
          break;
        }
        case sv1::Adversary::kIdGuesser:
          if (a.id_guesser().tries() == 0) Problem(Plus(p, "id_guesser"), "tries: must be > 0");
          if (a.id_guesser().rate() <= 0) Problem(Plus(p, "id_guesser"), "rate: must be > 0");
          break;
        case sv1::Adversary::kTokenReplayer: {
          const sv1::TokenReplayer& tr = a.token_replayer();
          const Path q = Plus(p, "token_replayer");
          auto it = adversaries_.find(tr.interceptor());
          if (it == adversaries_.end() || it->second != sv1::Adversary::kLinkInterceptor) {
            Problem(Plus(q, "interceptor"),
                    absl::StrCat("\"", tr.interceptor(), "\" is not a link_interceptor adversary"));
          }
          if (!devices_.count(tr.device())) {
            Problem(Plus(q, "device"), absl::StrCat("unknown device \"", tr.device(), "\""));
          }
          if (!any_share.count(tr.share())) {
            Problem(Plus(q, "share"), absl::StrCat("no share step saves \"", tr.share(), "\""));
          }
          break;
        }
        case sv1::Adversary::kRelayDump:
          break;
        case sv1::Adversary::KIND_NOT_SET:
          Problem(p, "adversary: no kind set");
          break;
      }
    }
  }

  // ---------------------------------------------------------------- steps

  struct Held {
    std::string device;
    ::common::v1::CredentialKind kind = ::common::v1::CREDENTIAL_KIND_UNSPECIFIED;
  };

  bool IsDevice(const std::string& id) const { return devices_.count(id) > 0; }

  // The step's actor must be a device; returns whether it is.
  bool NeedDevice(const Path& p, const sv1::Step& s) {
    if (!IsDevice(s.actor())) {
      Problem(Plus(p, "actor"),
              absl::StrCat("actor \"", s.actor(),
                           "\" is not a topology device (needed for this action)"));
      return false;
    }
    return true;
  }

  void NeedPersona(const Path& p, const std::string& device, const std::string& persona) {
    if (persona.empty() || !IsDevice(device)) return;
    if (!personas_[device].count(persona)) {
      Problem(p, absl::StrCat("device \"", device, "\" has no persona \"", persona, "\""));
    }
  }

  // The credential must be known by now and, unless `any_holder`, held by `device`.
  const Held* NeedCredential(const Path& p, const std::string& name, const std::string& device,
                             bool any_holder) {
    auto it = credentials_.find(name);
    if (it == credentials_.end()) {
      Problem(p, absl::StrCat("credential \"", name,
                              "\" is neither an owner credential nor saved by an earlier step"));
      return nullptr;
    }
    if (!any_holder && it->second.device != device) {
      Problem(p, absl::StrCat("credential \"", name, "\" is held by \"", it->second.device,
                              "\", not by actor \"", device, "\""));
    }
    return &it->second;
  }

  const std::string* NeedShare(const Path& p, const std::string& name) {
    auto it = shares_.find(name);
    if (it == shares_.end()) {
      Problem(
          p, absl::StrCat("share \"", name, "\" is not saved by an earlier successful share step"));
      return nullptr;
    }
    return &it->second;
  }

  void SaveCredential(const Path& p, const std::string& name, const std::string& device,
                      bool success) {
    if (name.empty() || !success) return;
    if (credentials_.count(name)) {
      Problem(p, absl::StrCat("credential name \"", name, "\" already used"));
      return;
    }
    credentials_[name] = Held{device, ::common::v1::CREDENTIAL_KIND_UNSPECIFIED};
  }

  void CheckSteps() {
    for (int i = 0; i < sc_.steps_size(); ++i) {
      const sv1::Step& s = sc_.steps(i);
      const Path p = {{"steps", i}};
      if (s.id().empty()) {
        Problem(p, "id: missing");
      } else if (!step_index_.emplace(s.id(), i).second) {
        Problem(Plus(p, "id"), absl::StrCat("step id \"", s.id(), "\" used twice"));
      }
      CheckStep(p, s);
    }
  }

  void CheckExpect(const Path& p, const sv1::Step& s) {
    const Path e = Plus(p, "expect");
    Duration(Plus(e, "max_duration"), s.expect().max_duration(), false, false, kMaxWait);
    if (s.expect().outcome_case() == sv1::Expectation::kAccess && !s.has_use()) {
      Problem(e, "expect.access applies to `use` steps only");
    }
    if (s.expect().outcome_case() == sv1::Expectation::kError &&
        s.expect().error().code() == sv1::ANY_ERROR_CODE && s.expect().error().reason().empty()) {
      Problem(Plus(e, "error"), "expect.error: give a code or a reason");
    }
    if (s.has_retry()) {
      const Path r = Plus(p, "retry");
      Duration(Plus(r, "backoff"), s.retry().backoff(), false, false, kMaxBackoff);
      if (s.retry().attempts() > kMaxRetryAttempts) {
        Problem(r, absl::StrCat("retry.attempts: at most ", kMaxRetryAttempts, " in the suite"));
      }
    }
  }

  void CheckStep(const Path& p, const sv1::Step& s) {
    CheckExpect(p, s);
    const bool success = s.expect().outcome_case() != sv1::Expectation::kError;
    const std::string& actor = s.actor();
    switch (s.action_case()) {
      case sv1::Step::kShare: {
        const sv1::ShareAction& a = s.share();
        const Path q = Plus(p, "share");
        if (!NeedDevice(p, s)) break;
        const Held* held = NeedCredential(Plus(q, "credential"), a.credential(), actor, false);
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        if (a.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) Problem(q, "channel: missing");
        if (a.to().empty() == a.to_address().empty()) {
          Problem(q, "give exactly one of `to` (a device) and `to_address`");
        }
        if (!a.to().empty() && !IsDevice(a.to())) {
          Problem(Plus(q, "to"), absl::StrCat("unknown device \"", a.to(), "\""));
        }
        if (!a.pin().empty() && (a.pin().size() != 6 || !std::all_of(a.pin().begin(), a.pin().end(),
                                                                     absl::ascii_isdigit))) {
          Problem(Plus(q, "pin"), "pin: must be exactly 6 digits");
        }
        if (a.pin_channel() != ::common::v1::CHANNEL_KIND_UNSPECIFIED && a.pin().empty()) {
          Problem(Plus(q, "pin_channel"), "pin_channel without a pin");
        }
        if (!a.payload_type().empty() && a.payload_type() != "AEAD_AES_128_GCM" &&
            a.payload_type() != "AEAD_AES_256_GCM") {
          Problem(Plus(q, "payload_type"), "payload_type: AEAD_AES_128_GCM or AEAD_AES_256_GCM");
        }
        if (a.multi_round() && held != nullptr && held->kind == ::common::v1::SYMMETRIC) {
          Problem(Plus(q, "multi_round"), "multi_round needs an asymmetric credential");
        }
        if (a.has_validity()) Window(Plus(q, "validity"), a.validity());
        Duration(Plus(q, "token_ttl"), a.token_ttl(), false, false);
        Duration(Plus(q, "mailbox_ttl"), a.mailbox_ttl(), false, false);
        if (!a.save_as().empty() && success) {
          if (!shares_.emplace(a.save_as(), actor).second) {
            Problem(Plus(q, "save_as"),
                    absl::StrCat("share name \"", a.save_as(), "\" already used"));
          }
        }
        break;
      }
      case sv1::Step::kAccept: {
        const sv1::AcceptAction& a = s.accept();
        const Path q = Plus(p, "accept");
        if (!NeedDevice(p, s)) break;
        NeedShare(Plus(q, "share"), a.share());
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        if (!a.intercepted_by().empty()) {
          auto it = adversaries_.find(a.intercepted_by());
          if (it == adversaries_.end() || it->second != sv1::Adversary::kLinkInterceptor) {
            Problem(
                Plus(q, "intercepted_by"),
                absl::StrCat("\"", a.intercepted_by(), "\" is not a link_interceptor adversary"));
          }
        }
        if (a.no_pin() && !a.pin().empty()) Problem(Plus(q, "no_pin"), "no_pin together with pin");
        Duration(Plus(q, "round_timeout"), a.round_timeout(), false, false, kMaxWait);
        SaveCredential(Plus(q, "save_as"), a.save_as(), actor, success);
        break;
      }
      case sv1::Step::kReply: {
        const sv1::ReplyStepAction& a = s.reply();
        const Path q = Plus(p, "reply");
        if (!NeedDevice(p, s)) break;
        NeedShare(Plus(q, "share"), a.share());
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        if (a.action() == ::device::v1::REPLY_ACTION_UNSPECIFIED) Problem(q, "action: missing");
        if (!a.save_as().empty() && a.action() != ::device::v1::REPLY_COMPLETE) {
          Problem(Plus(q, "save_as"), "save_as applies to REPLY_COMPLETE only");
        }
        SaveCredential(Plus(q, "save_as"), a.save_as(), actor, success);
        break;
      }
      case sv1::Step::kUse: {
        const sv1::UseAction& a = s.use();
        const Path q = Plus(p, "use");
        if (!NeedDevice(p, s)) break;
        NeedCredential(Plus(q, "credential"), a.credential(), actor, false);
        if (!access_points_.count(a.access_point())) {
          Problem(Plus(q, "access_point"),
                  absl::StrCat("unknown access point \"", a.access_point(), "\""));
        }
        if (a.action().empty()) Problem(q, "action: missing");
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        break;
      }
      case sv1::Step::kRevoke: {
        const sv1::RevokeAction& a = s.revoke();
        const Path q = Plus(p, "revoke");
        if (!a.as_admin() && !NeedDevice(p, s)) break;
        if (a.as_admin() && !actor.empty() && !IsDevice(actor)) {
          Problem(Plus(p, "actor"), "an admin revoke has no actor or a device actor");
        }
        if (a.target_case() == sv1::RevokeAction::kShare) {
          NeedShare(Plus(q, "share"), a.share());
        } else if (a.target_case() == sv1::RevokeAction::kCredential) {
          NeedCredential(Plus(q, "credential"), a.credential(), actor, true);
        } else {
          Problem(q, "revoke: give share or credential");
        }
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        break;
      }
      case sv1::Step::kCancel: {
        const Path q = Plus(p, "cancel");
        if (!NeedDevice(p, s)) break;
        const std::string* sender = NeedShare(Plus(q, "share"), s.cancel().share());
        if (sender != nullptr && *sender != actor) {
          Problem(Plus(p, "actor"), absl::StrCat("only the sender \"", *sender, "\" can cancel"));
        }
        break;
      }
      case sv1::Step::kRelinquish:
        if (!NeedDevice(p, s)) break;
        NeedShare(Plus(Plus(p, "relinquish"), "share"), s.relinquish().share());
        break;
      case sv1::Step::kForward: {
        const Path q = Plus(p, "forward");
        if (!NeedDevice(p, s)) break;
        NeedShare(Plus(q, "share"), s.forward().share());
        if (!IsDevice(s.forward().to()) || s.forward().to() == actor) {
          Problem(Plus(q, "to"), absl::StrCat("forward.to \"", s.forward().to(),
                                              "\" must be another topology device"));
        }
        break;
      }
      case sv1::Step::kListShares: {
        const sv1::ListSharesAction& a = s.list_shares();
        const Path q = Plus(p, "list_shares");
        if (!NeedDevice(p, s)) break;
        NeedCredential(Plus(q, "credential"), a.credential(), actor, false);
        for (int j = 0; j < a.expect_states_size(); ++j) {
          NeedShare(Plus(q, "expect_states", j), a.expect_states(j).share());
        }
        break;
      }
      case sv1::Step::kWaitForEvent: {
        const sv1::WaitForEventAction& a = s.wait_for_event();
        const Path q = Plus(p, "wait_for_event");
        if (!NeedDevice(p, s)) break;
        if (a.event() == ::device::v1::DEVICE_EVENT_KIND_UNSPECIFIED) Problem(q, "event: missing");
        if (!a.share().empty()) NeedShare(Plus(q, "share"), a.share());
        Duration(Plus(q, "timeout"), a.timeout(), false, false, kMaxWait);
        if (!a.save_as().empty() && a.event() != ::device::v1::EVENT_CREDENTIAL_PROVISIONED) {
          Problem(Plus(q, "save_as"), "save_as applies to EVENT_CREDENTIAL_PROVISIONED only");
        }
        SaveCredential(Plus(q, "save_as"), a.save_as(), actor, success);
        break;
      }
      case sv1::Step::kCheckState: {
        const sv1::CheckStateAction& a = s.check_state();
        const Path q = Plus(p, "check_state");
        if (!NeedDevice(p, s)) break;
        NeedPersona(Plus(q, "persona"), actor, a.persona());
        if (!a.share().empty()) NeedShare(Plus(q, "share"), a.share());
        if (a.flow_state() != ::device::v1::FLOW_STATE_UNSPECIFIED && a.share().empty()) {
          Problem(q, "flow_state needs a share");
        }
        for (int j = 0; j < a.has_credentials_size(); ++j) {
          NeedCredential(Plus(q, "has_credentials", j), a.has_credentials(j), actor, true);
        }
        for (int j = 0; j < a.lacks_credentials_size(); ++j) {
          NeedCredential(Plus(q, "lacks_credentials", j), a.lacks_credentials(j), actor, true);
        }
        if (a.flow_state() == ::device::v1::FLOW_STATE_UNSPECIFIED && a.has_credentials().empty() &&
            a.lacks_credentials().empty() && !a.has_push_connected()) {
          Problem(q, "check_state checks nothing");
        }
        break;
      }
      case sv1::Step::kAdvanceClock: {
        const Path q = Plus(p, "advance_clock");
        NeedEngineStep(p, s);
        Duration(Plus(q, "by"), s.advance_clock().by(), true, false);
        for (int j = 0; j < s.advance_clock().services_size(); ++j) {
          NeedService(Plus(q, "services", j), s.advance_clock().services(j));
        }
        if (sc_.topology().clock() == sv1::REAL) {
          Problem(q, "advance_clock needs clock FAKE (the topology says REAL)");
        }
        break;
      }
      case sv1::Step::kAwaitRevocation: {
        const Path q = Plus(p, "await_revocation");
        NeedEngineStep(p, s);
        if (!access_points_.count(s.await_revocation().access_point())) {
          Problem(Plus(q, "access_point"), absl::StrCat("unknown access point \"",
                                                        s.await_revocation().access_point(), "\""));
        }
        Duration(Plus(q, "timeout"), s.await_revocation().timeout(), false, false, kMaxWait);
        break;
      }
      case sv1::Step::kService: {
        const Path q = Plus(p, "service");
        NeedEngineStep(p, s);
        NeedService(Plus(q, "service"), s.service().service());
        if (s.service().op() == sv1::SERVICE_OP_UNSPECIFIED) Problem(q, "op: missing");
        break;
      }
      case sv1::Step::kPause:
        NeedEngineStep(p, s);
        Duration(Plus(Plus(p, "pause"), "duration"), s.pause().duration(), true, false, kMaxPause);
        break;
      case sv1::Step::kAdversaryAct: {
        const std::string& name = s.adversary_act().adversary();
        if (!adversaries_.count(name)) {
          Problem(Plus(Plus(p, "adversary_act"), "adversary"),
                  absl::StrCat("unknown adversary \"", name, "\""));
        }
        if (!actor.empty() && actor != name) {
          Problem(Plus(p, "actor"),
                  absl::StrCat("actor of an adversary_act must be the adversary \"", name,
                               "\" or empty"));
        }
        break;
      }
      case sv1::Step::ACTION_NOT_SET:
        Problem(p, "step has no action");
        break;
    }
  }

  void NeedEngineStep(const Path& p, const sv1::Step& s) {
    if (!s.actor().empty()) Problem(Plus(p, "actor"), "engine actions take no actor");
  }

  void NeedService(const Path& p, const std::string& id) {
    if (!services_.count(id)) Problem(p, absl::StrCat("unknown service \"", id, "\""));
  }

  // ---------------------------------------------------------------- faults

  void NeedStep(const Path& p, const std::string& id) {
    if (!id.empty() && !step_index_.count(id)) {
      Problem(p, absl::StrCat("no step \"", id, "\""));
    }
  }

  void CheckFaults() {
    for (int i = 0; i < sc_.faults_size(); ++i) {
      const sv1::Fault& f = sc_.faults(i);
      const Path p = {{"faults", i}};
      NeedStep(Plus(p, "from_step"), f.from_step());
      NeedStep(Plus(p, "until_step"), f.until_step());
      if (step_index_.count(f.from_step()) && step_index_.count(f.until_step()) &&
          step_index_[f.from_step()] > step_index_[f.until_step()]) {
        Problem(Plus(p, "until_step"), "until_step comes before from_step");
      }
      switch (f.kind_case()) {
        case sv1::Fault::kChannel: {
          const Path q = Plus(p, "channel");
          if (f.channel().kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
            Problem(q, "kind: missing");
          }
          Duration(Plus(q, "delay"), f.channel().delay(), false, false, kMaxChannelDelay);
          break;
        }
        case sv1::Fault::kLink: {
          const Path q = Plus(p, "link");
          NeedService(Plus(q, "from"), f.link().from());
          if (f.link().to() != "*") NeedService(Plus(q, "to"), f.link().to());
          Duration(Plus(q, "delay"), f.link().delay(), false, false, kMaxChannelDelay);
          break;
        }
        case sv1::Fault::kRestart:
          NeedService(Plus(Plus(p, "restart"), "service"), f.restart().service());
          break;
        case sv1::Fault::kClockSkew:
          NeedService(Plus(Plus(p, "clock_skew"), "service"), f.clock_skew().service());
          Duration(Plus(Plus(p, "clock_skew"), "offset"), f.clock_skew().offset(), true, true);
          break;
        case sv1::Fault::kOutage:
          NeedService(Plus(Plus(p, "outage"), "service"), f.outage().service());
          break;
        case sv1::Fault::KIND_NOT_SET:
          Problem(p, "fault: no kind set");
          break;
      }
    }
  }

  // ---------------------------------------------------------------- assertions

  void CheckAssertions() {
    for (int i = 0; i < sc_.assertions_size(); ++i) {
      const sv1::Assertion& a = sc_.assertions(i);
      const Path p = {{"assertions", i}};
      if (a.has_knowledge()) {
        const sv1::KnowledgeAssertion& k = a.knowledge();
        const Path q = Plus(p, "knowledge");
        if (!services_.count(k.actor()) && !adversaries_.count(k.actor())) {
          Problem(Plus(q, "actor"),
                  absl::StrCat("\"", k.actor(), "\" is neither a service nor an adversary"));
        }
        if (k.must_not_learn().empty() && k.must_learn().empty()) Problem(q, "asserts nothing");
        for (int item : k.must_not_learn()) {
          if (item == ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED) Problem(q, "unspecified item");
        }
      } else if (a.has_timing()) {
        const Path q = Plus(p, "timing");
        NeedStep(Plus(q, "from_step"), a.timing().from_step());
        NeedStep(Plus(q, "to_step"), a.timing().to_step());
        if (a.timing().from_step().empty() || a.timing().to_step().empty()) {
          Problem(q, "timing needs from_step and to_step");
        } else if (step_index_.count(a.timing().from_step()) &&
                   step_index_.count(a.timing().to_step()) &&
                   step_index_[a.timing().from_step()] > step_index_[a.timing().to_step()]) {
          Problem(Plus(q, "to_step"), "to_step comes before from_step");
        }
        Duration(Plus(q, "max"), a.timing().max(), true, false);
      } else {
        Problem(p, "assertion: no kind set");
      }
    }
  }

  const std::string& text_;
  std::string file_;
  std::string stem_;
  TextFormat::ParseInfoTree tree_;
  sv1::Scenario sc_;
  std::vector<std::string> problems_;

  std::set<std::string> services_, authorities_, oems_, access_points_, devices_;
  std::map<std::string, std::set<std::string>> personas_;
  std::map<std::string, sv1::Adversary::KindCase> adversaries_;
  std::map<std::string, Held> credentials_;    // name -> holder
  std::map<std::string, std::string> shares_;  // save_as -> sender device
  std::map<std::string, int> step_index_;
};

}  // namespace

LintResult LintScenarioFile(const std::string& path, const std::string& text) {
  return Linter(path, text).Run();
}

}  // namespace sct::scenarios::suite

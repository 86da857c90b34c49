#include "scenarios/engine/parse.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <tuple>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "google/protobuf/descriptor.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/tokenizer.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// Collects protobuf's syntax errors as "FILE:LINE:COL: message" lines.
class LineErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  LineErrorCollector(std::string file, std::vector<std::string>* out)
      : file_(std::move(file)), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    out_->push_back(
        absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    out_->push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1,
                                 ": warning: ", message));
  }

 private:
  std::string file_;
  std::vector<std::string>* out_;
};

// A message inside the parsed scenario, with its parse-info subtree and the
// (0-based) location where it starts.
struct Node {
  const Message* msg = nullptr;
  const TextFormat::ParseInfoTree* tree = nullptr;
  int line = -1;
  int col = -1;
  std::string path;
};

const FieldDescriptor* FieldOf(const Message& m, absl::string_view name) {
  return m.GetDescriptor()->FindFieldByName(std::string(name));
}

std::pair<int, int> LocationOf(const Node& n, absl::string_view field,
                               int index) {
  if (n.tree != nullptr) {
    const FieldDescriptor* f = FieldOf(*n.msg, field);
    if (f != nullptr) {
      TextFormat::ParseLocation loc =
          n.tree->GetLocation(f, f->is_repeated() ? index : -1);
      if (loc.line >= 0) return {loc.line, loc.column};
    }
  }
  return {n.line, n.col};
}

Node Child(const Node& n, absl::string_view field, int index = -1) {
  const FieldDescriptor* f = FieldOf(*n.msg, field);
  const Reflection* r = n.msg->GetReflection();
  Node c;
  c.msg = f->is_repeated() ? &r->GetRepeatedMessage(*n.msg, f, index)
                           : &r->GetMessage(*n.msg, f);
  c.tree = n.tree != nullptr
               ? n.tree->GetTreeForNested(f, f->is_repeated() ? index : -1)
               : nullptr;
  std::tie(c.line, c.col) = LocationOf(n, field, index);
  c.path = n.path.empty() ? std::string(field) : absl::StrCat(n.path, ".", field);
  if (f->is_repeated()) absl::StrAppend(&c.path, "[", index, "]");
  return c;
}

// The location of a field path such as "topology.devices[1].oem" (0-based
// line and column; the deepest part of the path that exists).
std::pair<int, int> LocatePath(const Node& root, absl::string_view path) {
  Node n = root;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    int index = -1;
    size_t br = name.find('[');
    if (br != std::string::npos) {
      index = std::atoi(name.c_str() + br + 1);
      name = name.substr(0, br);
    }
    const FieldDescriptor* f = FieldOf(*n.msg, name);
    if (f == nullptr) break;
    const int idx = f->is_repeated() ? std::max(index, 0) : -1;
    if (f->is_repeated() &&
        idx >= n.msg->GetReflection()->FieldSize(*n.msg, f)) {
      break;
    }
    if (i + 1 == parts.size() ||
        f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return LocationOf(n, name, idx);
    }
    n = Child(n, name, idx);
  }
  return {n.line, n.col};
}

class Validator {
 public:
  Validator(const sv1::Scenario& s, const TextFormat::ParseInfoTree* tree,
            std::string file)
      : s_(s), file_(std::move(file)) {
    root_.msg = &s;
    root_.tree = tree;
    root_.line = 0;
    root_.col = 0;
  }

  std::vector<std::string> Run() {
    CheckTop();
    CheckTopology();
    CollectAdversaries();
    CheckSteps();
    CheckFaults();
    CheckAdversaries();
    CheckAssertions();
    // In file order, as a reader fixes them.
    std::stable_sort(located_.begin(), located_.end(),
                     [](const Located& a, const Located& b) {
                       return std::tie(a.line, a.col) < std::tie(b.line, b.col);
                     });
    std::vector<std::string> errors;
    for (Located& e : located_) errors.push_back(std::move(e.text));
    return errors;
  }

 private:
  // Reports `problem` at `field` (index for repeated fields) of node `n`.
  void Err(const Node& n, absl::string_view field, int index,
           absl::string_view problem) {
    auto [line, col] = LocationOf(n, field, index);
    std::string name = n.path.empty() ? std::string(field)
                                      : absl::StrCat(n.path, ".", field);
    if (index >= 0) absl::StrAppend(&name, "[", index, "]");
    located_.push_back({line, col,
                        absl::StrCat(file_, ":", line + 1, ":", col + 1, ": ",
                                     name, ": ", problem)});
  }
  void Err(const Node& n, absl::string_view field, absl::string_view problem) {
    Err(n, field, -1, problem);
  }

  void Duration(const Node& n, absl::string_view field, const std::string& v,
                bool allow_negative = false, bool required = false) {
    if (v.empty()) {
      if (required) Err(n, field, "required (a duration such as \"5s\")");
      return;
    }
    absl::StatusOr<absl::Duration> d =
        ParseScenarioDuration(v, field, absl::ZeroDuration(), allow_negative);
    if (!d.ok()) {
      std::string msg(d.status().message());
      // Drop the "<field>: " prefix; Err adds the full path.
      auto colon = msg.find(": ");
      Err(n, field, colon == std::string::npos ? msg : msg.substr(colon + 2));
    }
  }

  void Probability(const Node& n, absl::string_view field, double p) {
    if (p < 0 || p > 1) {
      Err(n, field, absl::StrCat("probability ", p, " is outside [0,1]"));
    }
  }

  bool IsService(const std::string& name) const {
    return services_.count(name) > 0;
  }
  bool IsDevice(const std::string& name) const {
    return personas_.count(name) > 0;
  }

  void CheckTop() {
    if (s_.name().empty()) Err(root_, "name", "required (a short unique name)");
    if (!s_.has_topology()) Err(root_, "topology", "required");
    Duration(root_, "timeout", s_.timeout());
  }

  void AddService(const Node& n, absl::string_view field,
                  const std::string& id) {
    if (id.empty()) {
      Err(n, field, "required");
      return;
    }
    if (!services_.insert(id).second) {
      Err(n, field, absl::StrCat("duplicate service id \"", id, "\""));
    }
  }

  void CheckTopology() {
    services_.insert("relay");
    services_.insert("channel");
    if (!s_.has_topology()) return;
    Node topo = Child(root_, "topology");
    const sv1::Topology& t = s_.topology();
    Node relay = Child(topo, "relay");
    Duration(relay, "default_ttl", t.relay().default_ttl());
    Duration(relay, "max_ttl", t.relay().max_ttl());
    if (t.relay().store() == sv1::REDIS && t.relay().redis_address().empty() &&
        !t.relay().has_attach()) {
      Err(relay, "redis_address", "required when store is REDIS");
    }
    for (int i = 0; i < t.authorities_size(); ++i) {
      AddService(Child(topo, "authorities", i), "id", t.authorities(i).id());
      authorities_.insert(t.authorities(i).id());
    }
    for (int i = 0; i < t.oems_size(); ++i) {
      Node o = Child(topo, "oems", i);
      AddService(o, "id", t.oems(i).id());
      oems_.insert(t.oems(i).id());
      if (!t.oems(i).authority().empty() &&
          !authorities_.count(t.oems(i).authority())) {
        Err(o, "authority",
            absl::StrCat("unknown authority \"", t.oems(i).authority(), "\""));
      }
    }
    for (int i = 0; i < t.access_points_size(); ++i) {
      Node a = Child(topo, "access_points", i);
      const sv1::AccessPointSpec& ap = t.access_points(i);
      AddService(a, "id", ap.id());
      access_points_.insert(ap.id());
      if (!ap.authority().empty() && !authorities_.count(ap.authority())) {
        Err(a, "authority",
            absl::StrCat("unknown authority \"", ap.authority(), "\""));
      }
      Duration(a, "poll_interval", ap.poll_interval());
    }
    for (int i = 0; i < t.devices_size(); ++i) {
      Node d = Child(topo, "devices", i);
      const sv1::DeviceSpec& dev = t.devices(i);
      AddService(d, "id", dev.id());
      if (!dev.has_attach()) {
        if (dev.oem().empty()) {
          Err(d, "oem", "required (the device's OEM id)");
        } else if (!oems_.count(dev.oem())) {
          Err(d, "oem", absl::StrCat("unknown OEM \"", dev.oem(), "\""));
        }
      }
      std::set<std::string>& names = personas_[dev.id()];
      for (int p = 0; p < dev.personas_size(); ++p) {
        if (!names.insert(dev.personas(p).name()).second ||
            dev.personas(p).name().empty()) {
          Err(Child(d, "personas", p), "name",
              "empty or duplicate persona name");
        }
      }
      if (dev.personas_size() == 0) names.insert("personal");
      Duration(d, "poll_interval", dev.poll_interval());
    }
    for (int i = 0; i < t.channels_size(); ++i) {
      Node c = Child(topo, "channels", i);
      const sv1::ChannelSpec& ch = t.channels(i);
      if (ch.kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        Err(c, "kind", "required (SMS, EMAIL or MESSENGER)");
      }
      Duration(c, "delay", ch.delay());
      Duration(c, "jitter", ch.jitter());
      Duration(c, "preview_delay", ch.preview_delay());
      Probability(c, "loss", ch.loss());
      Probability(c, "duplicate", ch.duplicate());
    }
    for (int i = 0; i < t.owner_credentials_size(); ++i) {
      Node o = Child(topo, "owner_credentials", i);
      const sv1::OwnerCredentialSpec& oc = t.owner_credentials(i);
      if (oc.id().empty()) {
        Err(o, "id", "required (the credential's scenario name)");
      } else if (!credentials_.insert(oc.id()).second) {
        Err(o, "id", absl::StrCat("duplicate credential \"", oc.id(), "\""));
      }
      if (!IsDevice(oc.device())) {
        Err(o, "device", absl::StrCat("unknown device \"", oc.device(), "\""));
      } else if (!oc.persona().empty() &&
                 !personas_[oc.device()].count(oc.persona())) {
        Err(o, "persona", absl::StrCat("device \"", oc.device(),
                                       "\" has no persona \"", oc.persona(),
                                       "\""));
      }
      if (!access_points_.count(oc.access_point())) {
        Err(o, "access_point", absl::StrCat("unknown access point \"",
                                            oc.access_point(), "\""));
      }
      if (oc.has_validity()) {
        Node v = Child(o, "validity");
        Duration(v, "not_before", oc.validity().not_before(), true);
        Duration(v, "not_after", oc.validity().not_after(), true);
      }
    }
    if (t.relay().has_attach() && t.relay().attach().grpc_address().empty()) {
      Err(Child(relay, "attach"), "grpc_address", "required to attach");
    }
  }

  void CollectAdversaries() {
    for (const sv1::Adversary& a : s_.adversaries()) {
      adversaries_[a.name()] = a.kind_case();
    }
  }

  // A share used by a step: must have been saved by an earlier step.
  void ShareRef(const Node& n, absl::string_view field, const std::string& v,
                bool required = true) {
    if (v.empty()) {
      if (required) Err(n, field, "required (a share's save_as name)");
      return;
    }
    if (!shares_.count(v)) {
      Err(n, field,
          absl::StrCat("unknown share \"", v,
                       all_shares_.count(v)
                           ? "\" (used before the step that saves it)"
                           : "\" (no share step saves it)"));
    }
  }

  void CredentialRef(const Node& n, absl::string_view field,
                     const std::string& v, int index = -1) {
    if (v.empty()) {
      Err(n, field, index, "required (an owner credential id or save_as name)");
      return;
    }
    if (!credentials_.count(v)) {
      Err(n, field, index,
          absl::StrCat("unknown credential \"", v,
                       all_credentials_.count(v)
                           ? "\" (used before the step that saves it)"
                           : "\""));
    }
  }

  void SaveCredential(const Node& n, absl::string_view field,
                      const std::string& name) {
    if (name.empty()) return;
    if (!credentials_.insert(name).second) {
      Err(n, field, absl::StrCat("credential name \"", name,
                                 "\" is already taken"));
    }
  }

  void PersonaRef(const Node& n, absl::string_view field,
                  const std::string& device, const std::string& persona) {
    if (persona.empty() || !IsDevice(device)) return;
    if (!personas_[device].count(persona)) {
      Err(n, field, absl::StrCat("device \"", device, "\" has no persona \"",
                                 persona, "\""));
    }
  }

  void DeviceRef(const Node& n, absl::string_view field, const std::string& v,
                 bool required) {
    if (v.empty()) {
      if (required) Err(n, field, "required (a device id)");
      return;
    }
    if (!IsDevice(v)) Err(n, field, absl::StrCat("unknown device \"", v, "\""));
  }

  void CheckSteps() {
    // First pass: step ids and every name saved anywhere (for better
    // "used before it is saved" messages).
    for (int i = 0; i < s_.steps_size(); ++i) {
      const sv1::Step& st = s_.steps(i);
      Node n = Child(root_, "steps", i);
      if (st.id().empty()) {
        Err(n, "id", "required (a unique step id)");
      } else if (!step_index_.emplace(st.id(), i).second) {
        Err(n, "id", absl::StrCat("duplicate step id \"", st.id(), "\""));
      }
      if (st.has_share()) all_shares_.insert(st.share().save_as());
      if (st.has_accept()) all_credentials_.insert(st.accept().save_as());
      if (st.has_reply()) all_credentials_.insert(st.reply().save_as());
      if (st.has_wait_for_event()) {
        all_credentials_.insert(st.wait_for_event().save_as());
      }
    }
    for (int i = 0; i < s_.steps_size(); ++i) CheckStep(i);
  }

  void CheckStep(int i) {
    const sv1::Step& st = s_.steps(i);
    Node n = Child(root_, "steps", i);
    const std::string action = ActionName(st);
    const bool device_action =
        st.has_share() || st.has_accept() || st.has_reply() || st.has_use() ||
        st.has_revoke() || st.has_cancel() || st.has_relinquish() ||
        st.has_forward() || st.has_list_shares() || st.has_wait_for_event() ||
        st.has_check_state();
    const bool admin_revoke = st.has_revoke() && st.revoke().as_admin();
    if (action.empty()) {
      Err(n, "id", absl::StrCat("step \"", st.id(),
                                "\" has no action (share, accept, use, ...)"));
    }
    if (device_action && !admin_revoke) {
      if (st.actor().empty()) {
        Err(n, "actor", absl::StrCat("required: the ", action,
                                     " action needs an acting device"));
      } else if (!IsDevice(st.actor())) {
        Err(n, "actor",
            absl::StrCat("unknown device \"", st.actor(), "\"",
                         adversaries_.count(st.actor())
                             ? " (an adversary cannot do this action)"
                             : ""));
      }
    } else if (!st.actor().empty() && !IsDevice(st.actor()) &&
               !adversaries_.count(st.actor())) {
      Err(n, "actor",
          absl::StrCat("unknown actor \"", st.actor(), "\""));
    }
    const std::string& actor = st.actor();

    if (st.has_share()) {
      Node a = Child(n, "share");
      const sv1::ShareAction& x = st.share();
      CredentialRef(a, "credential", x.credential());
      PersonaRef(a, "persona", actor, x.persona());
      if (x.channel() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
        Err(a, "channel", "required (SMS, EMAIL or MESSENGER)");
      }
      if (x.to().empty() && x.to_address().empty()) {
        Err(a, "to", "required (a recipient device, or to_address)");
      } else if (!x.to().empty() && !x.to_address().empty()) {
        Err(a, "to_address", "give either to or to_address, not both");
      }
      DeviceRef(a, "to", x.to(), false);
      if (!x.pin().empty() &&
          (x.pin().size() != 6 ||
           x.pin().find_first_not_of("0123456789") != std::string::npos)) {
        Err(a, "pin", "must be exactly 6 digits");
      }
      if (x.pin_channel() != ::common::v1::CHANNEL_KIND_UNSPECIFIED &&
          x.pin().empty()) {
        Err(a, "pin_channel", "set without a pin");
      }
      if (x.has_validity()) {
        Node v = Child(a, "validity");
        Duration(v, "not_before", x.validity().not_before(), true);
        Duration(v, "not_after", x.validity().not_after(), true, true);
      }
      Duration(a, "token_ttl", x.token_ttl());
      Duration(a, "mailbox_ttl", x.mailbox_ttl());
      if (!x.payload_type().empty() && x.payload_type() != "AEAD_AES_128_GCM" &&
          x.payload_type() != "AEAD_AES_256_GCM") {
        Err(a, "payload_type",
            "must be AEAD_AES_128_GCM or AEAD_AES_256_GCM");
      }
      if (x.save_as().empty()) {
        Err(a, "save_as", "required (a name later steps use for this share)");
      } else if (!shares_.insert(x.save_as()).second) {
        Err(a, "save_as",
            absl::StrCat("share name \"", x.save_as(), "\" is already taken"));
      }
    } else if (st.has_accept()) {
      Node a = Child(n, "accept");
      const sv1::AcceptAction& x = st.accept();
      ShareRef(a, "share", x.share());
      PersonaRef(a, "persona", actor, x.persona());
      if (!x.intercepted_by().empty()) {
        auto it = adversaries_.find(x.intercepted_by());
        if (it == adversaries_.end()) {
          Err(a, "intercepted_by",
              absl::StrCat("unknown adversary \"", x.intercepted_by(), "\""));
        } else if (it->second != sv1::Adversary::kLinkInterceptor) {
          Err(a, "intercepted_by",
              absl::StrCat("adversary \"", x.intercepted_by(),
                           "\" is not a link_interceptor"));
        }
      }
      if (!x.pin().empty() && x.no_pin()) {
        Err(a, "no_pin", "set together with pin");
      }
      Duration(a, "round_timeout", x.round_timeout());
      SaveCredential(a, "save_as", x.save_as());
    } else if (st.has_reply()) {
      Node a = Child(n, "reply");
      const sv1::ReplyStepAction& x = st.reply();
      ShareRef(a, "share", x.share());
      PersonaRef(a, "persona", actor, x.persona());
      if (x.action() == ::device::v1::REPLY_ACTION_UNSPECIFIED) {
        Err(a, "action",
            "required (REPLY_KEY_SIGNING_REQUEST, REPLY_APPROVE, "
            "REPLY_DECLINE or REPLY_COMPLETE)");
      }
      if (!x.save_as().empty() && x.action() != ::device::v1::REPLY_COMPLETE) {
        Err(a, "save_as", "only REPLY_COMPLETE yields a credential");
      }
      SaveCredential(a, "save_as", x.save_as());
    } else if (st.has_use()) {
      Node a = Child(n, "use");
      const sv1::UseAction& x = st.use();
      CredentialRef(a, "credential", x.credential());
      if (x.access_point().empty()) {
        Err(a, "access_point", "required (an access point id)");
      } else if (!access_points_.count(x.access_point())) {
        Err(a, "access_point",
            absl::StrCat("unknown access point \"", x.access_point(), "\""));
      }
      if (x.action().empty()) {
        Err(a, "action", "required (e.g. \"unlock\", \"enter\")");
      }
      PersonaRef(a, "persona", actor, x.persona());
    } else if (st.has_revoke()) {
      Node a = Child(n, "revoke");
      const sv1::RevokeAction& x = st.revoke();
      if (x.target_case() == sv1::RevokeAction::kShare) {
        ShareRef(a, "share", x.share());
      } else if (x.target_case() == sv1::RevokeAction::kCredential) {
        CredentialRef(a, "credential", x.credential());
      } else {
        Err(n, "revoke", "required: share or credential");
      }
      PersonaRef(a, "persona", actor, x.persona());
    } else if (st.has_cancel()) {
      ShareRef(Child(n, "cancel"), "share", st.cancel().share());
    } else if (st.has_relinquish()) {
      ShareRef(Child(n, "relinquish"), "share", st.relinquish().share());
    } else if (st.has_forward()) {
      Node a = Child(n, "forward");
      ShareRef(a, "share", st.forward().share());
      DeviceRef(a, "to", st.forward().to(), true);
    } else if (st.has_list_shares()) {
      Node a = Child(n, "list_shares");
      const sv1::ListSharesAction& x = st.list_shares();
      CredentialRef(a, "credential", x.credential());
      for (int j = 0; j < x.expect_states_size(); ++j) {
        Node e = Child(a, "expect_states", j);
        ShareRef(e, "share", x.expect_states(j).share());
        if (x.expect_states(j).state() == ::common::v1::SHARE_STATE_UNSPECIFIED) {
          Err(e, "state", "required (PENDING, REDEEMED, REVOKED, ...)");
        }
      }
    } else if (st.has_wait_for_event()) {
      Node a = Child(n, "wait_for_event");
      const sv1::WaitForEventAction& x = st.wait_for_event();
      if (x.event() == ::device::v1::DEVICE_EVENT_KIND_UNSPECIFIED) {
        Err(a, "event", "required (e.g. EVENT_PUSH_RECEIVED)");
      }
      ShareRef(a, "share", x.share(), false);
      Duration(a, "timeout", x.timeout());
      if (!x.save_as().empty() &&
          x.event() != ::device::v1::EVENT_CREDENTIAL_PROVISIONED) {
        Err(a, "save_as", "only EVENT_CREDENTIAL_PROVISIONED yields a credential");
      }
      SaveCredential(a, "save_as", x.save_as());
    } else if (st.has_check_state()) {
      Node a = Child(n, "check_state");
      const sv1::CheckStateAction& x = st.check_state();
      PersonaRef(a, "persona", actor, x.persona());
      ShareRef(a, "share", x.share(), false);
      if (x.flow_state() != ::device::v1::FLOW_STATE_UNSPECIFIED &&
          x.share().empty()) {
        Err(a, "flow_state", "needs share (whose flow state to check)");
      }
      for (int j = 0; j < x.has_credentials_size(); ++j) {
        CredentialRef(a, "has_credentials", x.has_credentials(j), j);
      }
      for (int j = 0; j < x.lacks_credentials_size(); ++j) {
        CredentialRef(a, "lacks_credentials", x.lacks_credentials(j), j);
      }
    } else if (st.has_advance_clock()) {
      Node a = Child(n, "advance_clock");
      Duration(a, "by", st.advance_clock().by(), false, true);
      for (int j = 0; j < st.advance_clock().services_size(); ++j) {
        if (!IsService(st.advance_clock().services(j))) {
          Err(a, "services", j,
              absl::StrCat("unknown service \"", st.advance_clock().services(j),
                           "\""));
        }
      }
    } else if (st.has_await_revocation()) {
      Node a = Child(n, "await_revocation");
      if (!access_points_.count(st.await_revocation().access_point())) {
        Err(a, "access_point",
            absl::StrCat("unknown access point \"",
                         st.await_revocation().access_point(), "\""));
      }
      Duration(a, "timeout", st.await_revocation().timeout());
    } else if (st.has_service()) {
      Node a = Child(n, "service");
      if (!IsService(st.service().service())) {
        Err(a, "service", absl::StrCat("unknown service \"",
                                       st.service().service(), "\""));
      }
      if (st.service().op() == sv1::SERVICE_OP_UNSPECIFIED) {
        Err(a, "op", "required (KILL, START or RESTART)");
      }
    } else if (st.has_pause()) {
      Duration(Child(n, "pause"), "duration", st.pause().duration(), false,
               true);
    } else if (st.has_adversary_act()) {
      Node a = Child(n, "adversary_act");
      if (!adversaries_.count(st.adversary_act().adversary())) {
        Err(a, "adversary", absl::StrCat("unknown adversary \"",
                                         st.adversary_act().adversary(), "\""));
      }
    }

    if (st.has_expect()) {
      Node e = Child(n, "expect");
      const sv1::Expectation& x = st.expect();
      if (x.outcome_case() == sv1::Expectation::kAccess && !st.has_use()) {
        Err(e, "access",
            absl::StrCat("an access decision is only possible for a use step, "
                         "not ", action.empty() ? "this step" : action));
      }
      if (x.outcome_case() == sv1::Expectation::kAccess &&
          x.access() == ::access_point::v1::AUTH_REASON_UNSPECIFIED) {
        Err(e, "access", "AUTH_REASON_UNSPECIFIED is never returned");
      }
      if (x.outcome_case() == sv1::Expectation::kSuccess && !x.success()) {
        Err(e, "success",
            "\"success: false\" expects nothing; write error { ... } instead");
      }
      if (x.outcome_case() == sv1::Expectation::kError && st.has_pause()) {
        Err(e, "error", "a pause cannot fail");
      }
      Duration(e, "max_duration", x.max_duration());
    }
    if (st.has_retry()) {
      Node r = Child(n, "retry");
      Duration(r, "backoff", st.retry().backoff());
      for (int j = 0; j < st.retry().on_size(); ++j) {
        if (st.retry().on(j) == sv1::ANY_ERROR_CODE) {
          Err(r, "on", j, "ANY_ERROR_CODE is not a code to retry on");
        }
      }
      if (st.retry().attempts() > 100) {
        Err(r, "attempts", "at most 100");
      }
    }
  }

  void StepRef(const Node& n, absl::string_view field, const std::string& v,
               bool required) {
    if (v.empty()) {
      if (required) Err(n, field, "required (a step id)");
      return;
    }
    if (!step_index_.count(v)) {
      Err(n, field, absl::StrCat("unknown step \"", v, "\""));
    }
  }

  void ServiceRef(const Node& n, absl::string_view field, const std::string& v,
                  bool allow_star = false) {
    if (allow_star && v == "*") return;
    if (v.empty()) {
      Err(n, field, "required (a service id)");
    } else if (!IsService(v)) {
      Err(n, field, absl::StrCat("unknown service \"", v, "\""));
    }
  }

  void CheckFaults() {
    for (int i = 0; i < s_.faults_size(); ++i) {
      const sv1::Fault& f = s_.faults(i);
      Node n = Child(root_, "faults", i);
      StepRef(n, "from_step", f.from_step(), false);
      StepRef(n, "until_step", f.until_step(), false);
      auto from = step_index_.find(f.from_step());
      auto until = step_index_.find(f.until_step());
      if (from != step_index_.end() && until != step_index_.end() &&
          until->second < from->second) {
        Err(n, "until_step", absl::StrCat("step \"", f.until_step(),
                                          "\" comes before from_step \"",
                                          f.from_step(), "\""));
      }
      switch (f.kind_case()) {
        case sv1::Fault::kChannel: {
          Node c = Child(n, "channel");
          if (f.channel().kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
            Err(c, "kind", "required (SMS, EMAIL or MESSENGER)");
          }
          Duration(c, "delay", f.channel().delay());
          Probability(c, "loss", f.channel().loss());
          Probability(c, "duplicate", f.channel().duplicate());
          break;
        }
        case sv1::Fault::kLink: {
          Node c = Child(n, "link");
          ServiceRef(c, "from", f.link().from());
          ServiceRef(c, "to", f.link().to(), true);
          Duration(c, "delay", f.link().delay());
          Probability(c, "drop", f.link().drop());
          Probability(c, "duplicate", f.link().duplicate());
          break;
        }
        case sv1::Fault::kRestart:
          ServiceRef(Child(n, "restart"), "service", f.restart().service());
          break;
        case sv1::Fault::kClockSkew: {
          Node c = Child(n, "clock_skew");
          ServiceRef(c, "service", f.clock_skew().service());
          Duration(c, "offset", f.clock_skew().offset(), true, true);
          break;
        }
        case sv1::Fault::kOutage:
          ServiceRef(Child(n, "outage"), "service", f.outage().service());
          break;
        case sv1::Fault::KIND_NOT_SET:
          Err(n, "name",
              absl::StrCat("fault \"", f.name(),
                           "\" has no kind (channel, link, restart, "
                           "clock_skew or outage)"));
          break;
      }
    }
  }

  void CheckAdversaries() {
    std::set<std::string> seen;
    for (int i = 0; i < s_.adversaries_size(); ++i) {
      const sv1::Adversary& a = s_.adversaries(i);
      Node n = Child(root_, "adversaries", i);
      if (a.name().empty()) {
        Err(n, "name", "required");
      } else if (!seen.insert(a.name()).second) {
        Err(n, "name", absl::StrCat("duplicate adversary \"", a.name(), "\""));
      } else if (IsService(a.name())) {
        Err(n, "name", absl::StrCat("\"", a.name(), "\" is also a service id"));
      }
      switch (a.kind_case()) {
        case sv1::Adversary::kLinkInterceptor: {
          Node c = Child(n, "link_interceptor");
          if (a.link_interceptor().channel() ==
              ::common::v1::CHANNEL_KIND_UNSPECIFIED) {
            Err(c, "channel", "required (SMS, EMAIL or MESSENGER)");
          }
          DeviceRef(c, "target", a.link_interceptor().target(), false);
          DeviceRef(c, "device", a.link_interceptor().device(),
                    a.link_interceptor().race());
          break;
        }
        case sv1::Adversary::kIdGuesser: {
          Node c = Child(n, "id_guesser");
          if (a.id_guesser().rate() < 0) Err(c, "rate", "must not be negative");
          break;
        }
        case sv1::Adversary::kTokenReplayer: {
          Node c = Child(n, "token_replayer");
          const sv1::TokenReplayer& r = a.token_replayer();
          auto it = adversaries_.find(r.interceptor());
          if (it == adversaries_.end() ||
              it->second != sv1::Adversary::kLinkInterceptor) {
            Err(c, "interceptor",
                absl::StrCat("\"", r.interceptor(),
                             "\" is not a link_interceptor adversary"));
          }
          DeviceRef(c, "device", r.device(), true);
          if (r.share().empty()) {
            Err(c, "share", "required (a share's save_as name)");
          } else if (!all_shares_.count(r.share())) {
            Err(c, "share",
                absl::StrCat("unknown share \"", r.share(),
                             "\" (no share step saves it)"));
          }
          break;
        }
        case sv1::Adversary::kRelayDump:
          break;
        case sv1::Adversary::KIND_NOT_SET:
          Err(n, "name",
              absl::StrCat("adversary \"", a.name(),
                           "\" has no kind (link_interceptor, id_guesser, "
                           "token_replayer or relay_dump)"));
          break;
      }
    }
  }

  void CheckAssertions() {
    for (int i = 0; i < s_.assertions_size(); ++i) {
      const sv1::Assertion& a = s_.assertions(i);
      Node n = Child(root_, "assertions", i);
      switch (a.kind_case()) {
        case sv1::Assertion::kKnowledge: {
          Node k = Child(n, "knowledge");
          const std::string& actor = a.knowledge().actor();
          if (actor.empty()) {
            Err(k, "actor", "required (a service id or adversary name)");
          } else if (!IsService(actor) && !adversaries_.count(actor) &&
                     actor != "relay-operator" && actor != "preview-bot") {
            Err(k, "actor", absl::StrCat("unknown actor \"", actor, "\""));
          }
          if (a.knowledge().must_not_learn_size() == 0 &&
              a.knowledge().must_learn_size() == 0) {
            Err(k, "must_not_learn", "give must_not_learn or must_learn items");
          }
          break;
        }
        case sv1::Assertion::kTiming: {
          Node t = Child(n, "timing");
          StepRef(t, "from_step", a.timing().from_step(), true);
          StepRef(t, "to_step", a.timing().to_step(), true);
          Duration(t, "max", a.timing().max(), false, true);
          auto from = step_index_.find(a.timing().from_step());
          auto to = step_index_.find(a.timing().to_step());
          if (from != step_index_.end() && to != step_index_.end() &&
              to->second < from->second) {
            Err(t, "to_step", "comes before from_step");
          }
          break;
        }
        case sv1::Assertion::KIND_NOT_SET:
          Err(n, "name", "assertion has no kind (knowledge or timing)");
          break;
      }
    }
  }

  const sv1::Scenario& s_;
  std::string file_;
  Node root_;
  struct Located {
    int line;
    int col;
    std::string text;
  };
  std::vector<Located> located_;

  std::set<std::string> services_;
  std::set<std::string> authorities_, oems_, access_points_;
  std::map<std::string, std::set<std::string>> personas_;  // device -> names
  std::map<std::string, sv1::Adversary::KindCase> adversaries_;
  std::map<std::string, int> step_index_;
  std::set<std::string> credentials_, shares_;  // known so far (step order)
  std::set<std::string> all_credentials_, all_shares_;  // saved anywhere
};

}  // namespace

absl::StatusOr<absl::Duration> ParseScenarioDuration(absl::string_view text,
                                                     absl::string_view field,
                                                     absl::Duration fallback,
                                                     bool allow_negative) {
  if (text.empty()) return fallback;
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d == absl::InfiniteDuration() ||
      d == -absl::InfiniteDuration()) {
    return InvalidField(field,
                        absl::StrCat("bad duration \"", text,
                                     "\" (write e.g. \"300ms\", \"1.5s\", "
                                     "\"5m\", \"48h\")"));
  }
  if (d < absl::ZeroDuration() && !allow_negative) {
    return InvalidField(field,
                        absl::StrCat("negative duration \"", text,
                                     "\" is not allowed here"));
  }
  return d;
}

std::string ActionName(const sv1::Step& step) {
  if (step.action_case() == sv1::Step::ACTION_NOT_SET) return "";
  const google::protobuf::OneofDescriptor* oneof =
      sv1::Step::descriptor()->FindOneofByName("action");
  const Reflection* r = step.GetReflection();
  const FieldDescriptor* f = r->GetOneofFieldDescriptor(step, oneof);
  return f == nullptr ? "" : f->name();
}

std::vector<std::string> ValidateScenario(
    const sv1::Scenario& scenario, const TextFormat::ParseInfoTree* tree,
    const std::string& file) {
  return Validator(scenario, tree, file).Run();
}

absl::StatusOr<sv1::Scenario> ParseScenarioText(const std::string& text,
                                                const std::string& file) {
  std::vector<std::string> errors;
  LineErrorCollector collector(file, &errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.AllowPartialMessage(false);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  sv1::Scenario scenario;
  if (!parser.ParseFromString(text, &scenario)) {
    if (errors.empty()) {
      errors.push_back(absl::StrCat(file, ":1:1: cannot parse scenario"));
    }
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrJoin(errors, "\n"));
  }
  // Warnings (e.g. deprecated syntax) do not fail the file.
  errors.clear();
  errors = ValidateScenario(scenario, &tree, file);
  if (errors.empty()) {
    // What the launcher would refuse (its defaults and limits), located.
    absl::StatusOr<ResolvedTopology> resolved =
        ResolveTopology(scenario.topology());
    if (!resolved.ok()) {
      std::string msg(resolved.status().message());
      Node root;
      root.msg = &scenario;
      root.tree = &tree;
      root.line = 0;
      root.col = 0;
      auto [line, col] = LocatePath(root, msg.substr(0, msg.find(':')));
      errors.push_back(
          absl::StrCat(file, ":", line + 1, ":", col + 1, ": ", msg));
    }
  }
  if (!errors.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrJoin(errors, "\n"));
  }
  return scenario;
}

absl::StatusOr<sv1::Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(absl::StatusCode::kNotFound, "file_not_found",
                     absl::StrCat(path, ": cannot read scenario file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseScenarioText(ss.str(), path);
}

}  // namespace sct::scenarios

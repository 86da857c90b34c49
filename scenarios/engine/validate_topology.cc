// Validator: the topology section (service ids, references between specs,
// durations and probabilities). What only the launcher knows (its limits and
// defaults) is checked by ResolveTopology after these checks pass.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

namespace {

// The largest --max_pin_attempts ca_server accepts (credential_authority/pin.h,
// kMaxPinAttemptsLimit); the scenario floor does not link the authority.
constexpr uint32_t kMaxPinAttemptsLimit = 100;

}  // namespace

void Validator::AddService(const Node& n, absl::string_view field, const std::string& id) {
  if (id.empty()) {
    Err(n, field, "required");
    return;
  }
  if (!services_.insert(id).second) {
    Err(n, field, absl::StrCat("duplicate service id \"", id, "\""));
  }
}

void Validator::CheckTopology() {
  services_.insert("relay");
  services_.insert("channel");
  if (!s_.has_topology()) return;
  Node topo = Child(root_, "topology");
  Node relay = Child(topo, "relay");
  CheckRelay(relay);
  CheckServiceSpecs(topo);
  CheckDevices(topo);
  CheckChannels(topo);
  CheckOwnerCredentials(topo);
  CheckArchitecture(topo);
  const sv1::RelaySpec& spec = s_.topology().relay();
  if (spec.has_attach() && spec.attach().grpc_address().empty() &&
      spec.attach().http_url().empty()) {
    Err(Child(relay, "attach"), "grpc_address", "required to attach, unless http_url is given");
  }
}

void Validator::CheckRelay(const Node& relay) {
  const sv1::RelaySpec& r = s_.topology().relay();
  Duration(relay, "default_ttl", r.default_ttl());
  Duration(relay, "max_ttl", r.max_ttl());
  if (r.has_redis()) {
    if (r.store() != sv1::REDIS) Err(relay, "redis", "only with store: REDIS");
    if (!r.redis_address().empty()) {
      Err(relay, "redis", "describes a launched Redis; not with redis_address (an external one)");
    }
    if (r.has_attach()) Err(relay, "redis", "not with attach (the relay is not launched)");
    if (r.redis().cluster_masters() > kMaxRedisClusterMasters) {
      Err(Child(relay, "redis"), "cluster_masters",
          absl::StrCat(r.redis().cluster_masters(), " is out of range: 0 (one server) or 1-",
                       kMaxRedisClusterMasters, " masters"));
    }
  }
  for (int i = 0; i < r.malicious_size(); ++i) {
    if (r.malicious(i) == sv1::MALICIOUS_BEHAVIOUR_UNSPECIFIED) {
      Err(relay, "malicious", i, "must name a behaviour (e.g. REPLAY_ROUND)");
    }
  }
  if (r.malicious_size() > 0 && r.has_attach()) {
    Err(relay, "malicious", "only for a launched relay; not with attach");
  }
  const sv1::RelayDesign design = s_.topology().architecture().relay_design();
  if (r.malicious_size() > 0 && (design == sv1::DERIVED_LOCATIONS || design == sv1::DIRECT)) {
    Err(relay, "malicious",
        "only for the mailbox relay; topology.architecture.relay_design carries no exchange "
        "over it");
  }
  // The launched Redis nodes are services that steps and faults may name.
  for (const std::string& name : LaunchedRedisNames(r)) services_.insert(name);
}

// Authorities, OEMs and access points: ids, and the authority each names.
void Validator::CheckServiceSpecs(const Node& topo) {
  const sv1::Topology& t = s_.topology();
  for (int i = 0; i < t.authorities_size(); ++i) {
    Node a = Child(topo, "authorities", i);
    AddService(a, "id", t.authorities(i).id());
    authorities_.insert(t.authorities(i).id());
    const uint32_t max_pin = t.authorities(i).max_pin_attempts();
    if (max_pin > kMaxPinAttemptsLimit) {
      Err(a, "max_pin_attempts",
          absl::StrCat(max_pin, " is out of range (1-", kMaxPinAttemptsLimit,
                       "; 0: the authority's default)"));
    }
    if (max_pin != 0 && t.authorities(i).has_attach()) {
      Err(a, "max_pin_attempts", "only for a launched authority; not with attach");
    }
  }
  for (int i = 0; i < t.oems_size(); ++i) {
    Node o = Child(topo, "oems", i);
    AddService(o, "id", t.oems(i).id());
    oems_.insert(t.oems(i).id());
    if (!t.oems(i).authority().empty() && !authorities_.count(t.oems(i).authority())) {
      Err(o, "authority", absl::StrCat("unknown authority \"", t.oems(i).authority(), "\""));
    }
  }
  for (int i = 0; i < t.access_points_size(); ++i) {
    Node a = Child(topo, "access_points", i);
    const sv1::AccessPointSpec& ap = t.access_points(i);
    AddService(a, "id", ap.id());
    access_points_.insert(ap.id());
    if (!ap.authority().empty() && !authorities_.count(ap.authority())) {
      Err(a, "authority", absl::StrCat("unknown authority \"", ap.authority(), "\""));
    }
    Duration(a, "poll_interval", ap.poll_interval());
  }
}

void Validator::CheckDevices(const Node& topo) {
  const sv1::Topology& t = s_.topology();
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
      if (!names.insert(dev.personas(p).name()).second || dev.personas(p).name().empty()) {
        Err(Child(d, "personas", p), "name", "empty or duplicate persona name");
      }
    }
    if (dev.personas_size() == 0) names.insert("personal");
    Duration(d, "poll_interval", dev.poll_interval());
    CheckRelayApi(d, dev);
  }
}

void Validator::CheckRelayApi(const Node& d, const sv1::DeviceSpec& dev) {
  const sv1::RelaySpec& relay = s_.topology().relay();
  if (dev.has_attach() || !relay.has_attach()) return;
  if (dev.relay_api() == sv1::GRPC && relay.attach().grpc_address().empty()) {
    Err(d, "relay_api",
        "GRPC needs a relay with a gRPC address; topology.relay.attach gives only http_url (use "
        "HTTP)");
  }
  if (dev.relay_api() == sv1::HTTP && relay.attach().http_url().empty()) {
    Err(d, "relay_api", "HTTP needs the relay's URL; topology.relay.attach gives no http_url");
  }
}

void Validator::CheckChannels(const Node& topo) {
  const sv1::Topology& t = s_.topology();
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
}

void Validator::CheckOwnerCredentials(const Node& topo) {
  const sv1::Topology& t = s_.topology();
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
    } else if (!oc.persona().empty() && !personas_[oc.device()].count(oc.persona())) {
      Err(o, "persona",
          absl::StrCat("device \"", oc.device(), "\" has no persona \"", oc.persona(), "\""));
    }
    if (!access_points_.count(oc.access_point())) {
      Err(o, "access_point", absl::StrCat("unknown access point \"", oc.access_point(), "\""));
    }
    if (oc.has_validity()) {
      Node v = Child(o, "validity");
      Duration(v, "not_before", oc.validity().not_before(), true);
      Duration(v, "not_after", oc.validity().not_after(), true);
    }
  }
}

}  // namespace sct::scenarios::validation

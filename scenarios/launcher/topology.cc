#include "scenarios/launcher/topology.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;

// Names used by the launcher itself (service names and PKI identities).
const std::set<std::string>& Reserved() {
  static const auto* reserved = [] {
    auto* names = new std::set<std::string>{"relay", "channel", "admin", "root", "engine", "redis"};
    for (uint32_t i = 0; i < kMaxRedisClusterMasters; ++i) names->insert(RedisNodeName(i));
    return names;
  }();
  return *reserved;
}

absl::Status CheckId(const std::string& field, const std::string& id) {
  if (id.empty()) return InvalidField(field, "required");
  if (id.size() > 64 || id[0] == '.' || id[0] == '-') {
    return InvalidField(field, absl::StrCat("\"", id,
                                            "\" must be 1-64 characters, not "
                                            "starting with '.' or '-'"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return InvalidField(field, absl::StrCat("\"", id, "\" may only hold [A-Za-z0-9._-]"));
    }
  }
  if (Reserved().count(id) > 0) {
    return InvalidField(field, absl::StrCat("\"", id, "\" is reserved"));
  }
  return absl::OkStatus();
}

// Parses a duration string; `allow_negative`/`allow_zero` as the field says.
absl::StatusOr<absl::Duration> Duration(const std::string& field, const std::string& text,
                                        bool allow_negative, bool allow_zero) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d == absl::InfiniteDuration() ||
      d == -absl::InfiniteDuration()) {
    return InvalidField(field, absl::StrCat("\"", text,
                                            "\" is not a duration (e.g. "
                                            "\"500ms\", \"5s\", \"48h\")"));
  }
  if (!allow_negative && d < absl::ZeroDuration()) {
    return InvalidField(field, absl::StrCat("\"", text, "\" must not be negative"));
  }
  if (!allow_zero && d == absl::ZeroDuration()) {
    return InvalidField(field, absl::StrCat("\"", text, "\" must be positive"));
  }
  return d;
}

absl::Status CheckEndpoint(const std::string& field, const sv1::Endpoint& e, bool relay) {
  if (e.grpc_address().empty() && !(relay && !e.http_url().empty())) {
    return InvalidField(field + ".grpc_address",
                        relay ? "required to attach, unless http_url is given"
                              : "required to attach");
  }
  if (!e.http_url().empty() && !relay) {
    return InvalidField(field + ".http_url", "only a relay has an HTTP URL");
  }
  if (!e.http_url().empty() && e.http_url().rfind("https://", 0) != 0 &&
      e.http_url().rfind("http://", 0) != 0) {
    return InvalidField(field + ".http_url", "must start with https:// or http://");
  }
  return absl::OkStatus();
}

// The authority a spec names, defaulting to the only one.
absl::StatusOr<std::string> AuthorityRef(const std::string& field, const std::string& given,
                                         const sv1::Topology& t) {
  if (!given.empty()) {
    for (const auto& a : t.authorities()) {
      if (a.id() == given) return given;
    }
    return InvalidField(field, absl::StrCat("unknown authority \"", given, "\""));
  }
  if (t.authorities_size() == 1) return t.authorities(0).id();
  if (t.authorities_size() == 0) {
    return InvalidField(field, "no authority in topology.authorities");
  }
  return InvalidField(field, "required when there is more than one authority");
}

const char* KindName(cv1::ChannelKind kind) {
  switch (kind) {
    case cv1::SMS:
      return "SMS";
    case cv1::EMAIL:
      return "EMAIL";
    case cv1::MESSENGER:
      return "MESSENGER";
    default:
      return "UNSPECIFIED";
  }
}

bool IsChannelKind(cv1::ChannelKind kind) {
  return kind == cv1::SMS || kind == cv1::EMAIL || kind == cv1::MESSENGER;
}

// Service ids across every kind: each may be used once ("relay" and
// "channel" are taken from the start).
class IdRegistry {
 public:
  absl::Status Claim(const std::string& field, const std::string& id) {
    RETURN_IF_ERROR(CheckId(field, id));
    auto [it, inserted] = names_.emplace(id, field);
    if (!inserted) {
      return InvalidField(field, absl::StrCat("duplicate id \"", id, "\" (also ", it->second, ")"));
    }
    return absl::OkStatus();
  }

 private:
  std::map<std::string, std::string> names_ = {{"relay", "topology.relay"},
                                               {"channel", "(the channel)"}};
};

// The topology being resolved and what later sections refer to, collected
// as the earlier sections resolve (pointers into `t`).
struct Resolution {
  sv1::Topology t;
  IdRegistry ids;
  std::set<std::string> oems;
  std::map<std::string, const sv1::AccessPointSpec*> access_points;
  std::map<std::string, const sv1::DeviceSpec*> devices;
  std::map<std::string, std::string> address_owner;  // "KIND/address" -> field
};

// ---- relay -----------------------------------------------------------------

absl::Status CheckRelayTtls(const sv1::RelaySpec& relay) {
  absl::Duration default_ttl = absl::Hours(48), max_ttl = absl::Hours(168);
  if (!relay.default_ttl().empty()) {
    ASSIGN_OR_RETURN(default_ttl,
                     Duration("topology.relay.default_ttl", relay.default_ttl(), false, false));
  }
  if (!relay.max_ttl().empty()) {
    ASSIGN_OR_RETURN(max_ttl, Duration("topology.relay.max_ttl", relay.max_ttl(), false, false));
  }
  if (max_ttl < default_ttl) {
    return InvalidField(
        relay.max_ttl().empty() ? "topology.relay.default_ttl" : "topology.relay.max_ttl",
        "max_ttl must be at least default_ttl (relay defaults: 48h and 168h)");
  }
  return absl::OkStatus();
}

absl::Status ResolveRelay(sv1::Topology& t) {
  if (!t.has_relay()) return InvalidField("topology.relay", "required (exactly one relay)");
  sv1::RelaySpec* relay = t.mutable_relay();
  if (relay->has_attach()) {
    if (relay->has_redis()) {
      return InvalidField("topology.relay.redis", "not with attach (the relay is not launched)");
    }
    return CheckEndpoint("topology.relay.attach", relay->attach(), true);
  }
  if (relay->store() == sv1::STORE_KIND_UNSPECIFIED) relay->set_store(sv1::SQLITE);
  if (relay->store() != sv1::REDIS && !relay->redis_address().empty()) {
    return InvalidField("topology.relay.redis_address", "only with store: REDIS");
  }
  if (relay->store() != sv1::REDIS && relay->has_redis()) {
    return InvalidField("topology.relay.redis", "only with store: REDIS");
  }
  if (!relay->redis_address().empty() && relay->has_redis()) {
    return InvalidField("topology.relay.redis",
                        "describes a launched Redis; not with redis_address (an external one)");
  }
  if (relay->redis().cluster_masters() > kMaxRedisClusterMasters) {
    return InvalidField(
        "topology.relay.redis.cluster_masters",
        absl::StrCat(relay->redis().cluster_masters(), " is out of range: 0 (one server) or 1-",
                     kMaxRedisClusterMasters, " masters"));
  }
  return CheckRelayTtls(*relay);
}

// ---- authorities and OEMs --------------------------------------------------

absl::Status ResolveAuthorities(Resolution& r) {
  for (int i = 0; i < r.t.authorities_size(); ++i) {
    const std::string f = absl::StrCat("topology.authorities[", i, "]");
    sv1::AuthoritySpec* a = r.t.mutable_authorities(i);
    RETURN_IF_ERROR(r.ids.Claim(f + ".id", a->id()));
    if (a->has_attach()) {
      RETURN_IF_ERROR(CheckEndpoint(f + ".attach", a->attach(), false));
    }
    if (a->store() == sv1::STORE_KIND_UNSPECIFIED) a->set_store(sv1::SQLITE);
    if (a->store() == sv1::REDIS) {
      return InvalidField(f + ".store", "an authority ledger is SQLITE or MEMORY");
    }
  }
  return absl::OkStatus();
}

absl::Status ResolveOems(Resolution& r) {
  for (int i = 0; i < r.t.oems_size(); ++i) {
    const std::string f = absl::StrCat("topology.oems[", i, "]");
    sv1::OemSpec* o = r.t.mutable_oems(i);
    RETURN_IF_ERROR(r.ids.Claim(f + ".id", o->id()));
    if (o->has_attach()) {
      RETURN_IF_ERROR(CheckEndpoint(f + ".attach", o->attach(), false));
    }
    ASSIGN_OR_RETURN(std::string auth, AuthorityRef(f + ".authority", o->authority(), r.t));
    o->set_authority(auth);
    r.oems.insert(o->id());
  }
  return absl::OkStatus();
}

// ---- access points ---------------------------------------------------------

absl::Status CheckEntitlements(const std::string& f, const sv1::AccessPointSpec& ap) {
  std::set<std::string> seen;
  for (int j = 0; j < ap.entitlements_size(); ++j) {
    const std::string& e = ap.entitlements(j);
    const std::string ef = absl::StrCat(f, ".entitlements[", j, "]");
    if (e.empty() || e.find_first_of(", ") != std::string::npos) {
      return InvalidField(ef, "must be a non-empty word without ',' or ' '");
    }
    if (!seen.insert(e).second) return InvalidField(ef, absl::StrCat("duplicate \"", e, "\""));
  }
  return absl::OkStatus();
}

// Revocation WATCH, and a 5 s poll interval for POLL; a given interval is
// checked.
absl::Status ResolveRevocation(const std::string& f, sv1::AccessPointSpec* ap) {
  if (ap->revocation() == ::access_point::v1::REVOCATION_SOURCE_UNSPECIFIED) {
    ap->set_revocation(::access_point::v1::WATCH);
  }
  if (ap->poll_interval().empty()) {
    if (ap->revocation() == ::access_point::v1::POLL) ap->set_poll_interval("5s");
    return absl::OkStatus();
  }
  return Duration(f + ".poll_interval", ap->poll_interval(), false, false).status();
}

absl::Status ResolveAccessPoint(Resolution& r, int i) {
  const std::string f = absl::StrCat("topology.access_points[", i, "]");
  sv1::AccessPointSpec* ap = r.t.mutable_access_points(i);
  RETURN_IF_ERROR(r.ids.Claim(f + ".id", ap->id()));
  if (ap->has_attach()) {
    RETURN_IF_ERROR(CheckEndpoint(f + ".attach", ap->attach(), false));
  }
  if (ap->kind() != cv1::CAR && ap->kind() != cv1::DOOR && ap->kind() != cv1::HOTEL_LOCK) {
    return InvalidField(f + ".kind", "required: CAR, DOOR or HOTEL_LOCK");
  }
  ASSIGN_OR_RETURN(std::string auth, AuthorityRef(f + ".authority", ap->authority(), r.t));
  ap->set_authority(auth);
  if (ap->entitlements().empty()) {
    for (const std::string& e : DefaultEntitlements(ap->kind())) ap->add_entitlements(e);
  }
  RETURN_IF_ERROR(CheckEntitlements(f, *ap));
  RETURN_IF_ERROR(ResolveRevocation(f, ap));
  r.access_points[ap->id()] = ap;
  return absl::OkStatus();
}

// ---- channels --------------------------------------------------------------

absl::Status CheckChannel(const std::string& f, const sv1::ChannelSpec& c) {
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"delay", &c.delay()},
                                    {"jitter", &c.jitter()},
                                    {"preview_delay", &c.preview_delay()}}) {
    if (!value->empty()) {
      RETURN_IF_ERROR(Duration(absl::StrCat(f, ".", name), *value, false, true).status());
    }
  }
  if (c.loss() < 0 || c.loss() > 1) return InvalidField(f + ".loss", "must be in [0,1]");
  if (c.duplicate() < 0 || c.duplicate() > 1) {
    return InvalidField(f + ".duplicate", "must be in [0,1]");
  }
  if ((c.preview_bot() || !c.preview_delay().empty()) && c.kind() != cv1::MESSENGER) {
    return InvalidField(f + ".preview_bot", "only the MESSENGER channel has a preview bot");
  }
  if (c.mail_scanner() != sv1::MAIL_SCANNER_NONE && c.kind() != cv1::EMAIL) {
    return InvalidField(f + ".mail_scanner", "only the EMAIL channel has a mail scanner");
  }
  return absl::OkStatus();
}

absl::Status CheckChannels(const sv1::Topology& t) {
  std::set<int> kinds;
  for (int i = 0; i < t.channels_size(); ++i) {
    const std::string f = absl::StrCat("topology.channels[", i, "]");
    const sv1::ChannelSpec& c = t.channels(i);
    if (!IsChannelKind(c.kind())) {
      return InvalidField(f + ".kind", "required: SMS, EMAIL or MESSENGER");
    }
    if (!kinds.insert(c.kind()).second) {
      return InvalidField(f + ".kind", absl::StrCat("duplicate channel ", KindName(c.kind())));
    }
    RETURN_IF_ERROR(CheckChannel(f, c));
  }
  return absl::OkStatus();
}

// ---- devices ---------------------------------------------------------------

// One PERSONAL persona "personal" when none is given; names unique; an
// unspecified kind becomes PERSONAL.
absl::Status ResolvePersonas(const std::string& f, sv1::DeviceSpec* d) {
  if (d->personas().empty()) {
    sv1::PersonaSpec* p = d->add_personas();
    p->set_name("personal");
    p->set_kind(cv1::PERSONAL);
  }
  std::set<std::string> names;
  for (int j = 0; j < d->personas_size(); ++j) {
    sv1::PersonaSpec* p = d->mutable_personas(j);
    const std::string pf = absl::StrCat(f, ".personas[", j, "].name");
    if (p->name().empty()) return InvalidField(pf, "required");
    if (!names.insert(p->name()).second) {
      return InvalidField(pf, absl::StrCat("duplicate persona \"", p->name(), "\""));
    }
    if (p->kind() == cv1::PERSONA_KIND_UNSPECIFIED) p->set_kind(cv1::PERSONAL);
  }
  return absl::OkStatus();
}

// The given addresses (one per kind), then a default for every kind not given.
absl::Status ResolveAddresses(const std::string& f, int index, sv1::DeviceSpec* d) {
  std::set<int> kinds;
  for (int j = 0; j < d->addresses_size(); ++j) {
    const auto& a = d->addresses(j);
    const std::string af = absl::StrCat(f, ".addresses[", j, "]");
    if (!IsChannelKind(a.channel())) {
      return InvalidField(af + ".channel", "required: SMS, EMAIL or MESSENGER");
    }
    if (a.address().empty()) return InvalidField(af + ".address", "required");
    if (!kinds.insert(a.channel()).second) {
      return InvalidField(af + ".channel",
                          absl::StrCat("a second ", KindName(a.channel()), " address"));
    }
  }
  for (cv1::ChannelKind k : {cv1::SMS, cv1::EMAIL, cv1::MESSENGER}) {
    if (kinds.count(k) > 0) continue;
    sv1::ChannelAddress* a = d->add_addresses();
    a->set_channel(k);
    a->set_address(DefaultAddress(d->id(), index, k));
  }
  return absl::OkStatus();
}

// No two devices share an address on the same channel kind.
absl::Status ClaimAddresses(Resolution& r, const std::string& f, const sv1::DeviceSpec& d) {
  for (int j = 0; j < d.addresses_size(); ++j) {
    const auto& a = d.addresses(j);
    const std::string key = absl::StrCat(KindName(a.channel()), "/", a.address());
    const std::string af = absl::StrCat(f, ".addresses[", j, "].address");
    auto [it, inserted] = r.address_owner.emplace(key, af);
    if (!inserted) {
      return InvalidField(af, absl::StrCat("\"", a.address(), "\" is also ", it->second));
    }
  }
  return absl::OkStatus();
}

// HTTP unless the device asks for GRPC; GRPC when an attached relay has no
// HTTP URL. The relay must offer the API the device uses.
absl::Status ResolveRelayApi(const std::string& f, const sv1::RelaySpec& relay,
                             sv1::DeviceSpec* d) {
  const bool attached = relay.has_attach();
  if (d->relay_api() == sv1::RELAY_API_UNSPECIFIED) {
    d->set_relay_api(attached && relay.attach().http_url().empty() ? sv1::GRPC : sv1::HTTP);
  }
  if (d->relay_api() == sv1::GRPC && attached && relay.attach().grpc_address().empty()) {
    return InvalidField(f + ".relay_api",
                        "GRPC needs a relay with a gRPC address; topology.relay.attach gives only "
                        "http_url (use HTTP)");
  }
  if (d->relay_api() == sv1::HTTP && attached && relay.attach().http_url().empty()) {
    return InvalidField(f + ".relay_api",
                        "HTTP needs the relay's URL; topology.relay.attach gives no http_url");
  }
  return absl::OkStatus();
}

absl::Status ResolveDevice(Resolution& r, int i) {
  const std::string f = absl::StrCat("topology.devices[", i, "]");
  sv1::DeviceSpec* d = r.t.mutable_devices(i);
  RETURN_IF_ERROR(r.ids.Claim(f + ".id", d->id()));
  if (d->has_attach()) {
    RETURN_IF_ERROR(CheckEndpoint(f + ".attach", d->attach(), false));
  }
  if (d->oem().empty()) return InvalidField(f + ".oem", "required");
  if (r.oems.count(d->oem()) == 0) {
    return InvalidField(f + ".oem", absl::StrCat("unknown OEM \"", d->oem(), "\""));
  }
  RETURN_IF_ERROR(ResolvePersonas(f, d));
  RETURN_IF_ERROR(ResolveAddresses(f, i, d));
  RETURN_IF_ERROR(ClaimAddresses(r, f, *d));
  if (!d->has_attach()) RETURN_IF_ERROR(ResolveRelayApi(f, r.t.relay(), d));
  if (d->poll_interval().empty()) {
    d->set_poll_interval("2s");
  } else {
    RETURN_IF_ERROR(Duration(f + ".poll_interval", d->poll_interval(), false, false).status());
  }
  r.devices[d->id()] = d;
  return absl::OkStatus();
}

// ---- owner credentials -----------------------------------------------------

// The device's first persona by default; a given one must exist.
absl::Status ResolveOwnerPersona(const std::string& f, const sv1::DeviceSpec& device,
                                 sv1::OwnerCredentialSpec* c) {
  if (c->persona().empty()) {
    c->set_persona(device.personas(0).name());
    return absl::OkStatus();
  }
  for (const auto& p : device.personas()) {
    if (p.name() == c->persona()) return absl::OkStatus();
  }
  return InvalidField(f + ".persona", absl::StrCat("device \"", c->device(), "\" has no persona \"",
                                                   c->persona(), "\""));
}

// The access point's entitlements by default; given ones must be among them.
absl::Status ResolveOwnerEntitlements(const std::string& f, const sv1::AccessPointSpec& ap,
                                      sv1::OwnerCredentialSpec* c) {
  const auto& supported = ap.entitlements();
  if (c->entitlements().empty()) {
    for (const std::string& e : supported) c->add_entitlements(e);
  }
  for (int j = 0; j < c->entitlements_size(); ++j) {
    if (std::find(supported.begin(), supported.end(), c->entitlements(j)) == supported.end()) {
      return InvalidField(
          absl::StrCat(f, ".entitlements[", j, "]"),
          absl::StrCat("\"", c->entitlements(j), "\" is not supported by ", c->access_point(), " (",
                       absl::StrJoin(supported, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// Validity "0s".."720h" by default; not_after must come after not_before.
absl::Status ResolveOwnerValidity(const std::string& f, sv1::OwnerCredentialSpec* c) {
  sv1::RelativeWindow* v = c->mutable_validity();
  if (v->not_before().empty()) v->set_not_before("0s");
  if (v->not_after().empty()) v->set_not_after("720h");
  ASSIGN_OR_RETURN(absl::Duration nb,
                   Duration(f + ".validity.not_before", v->not_before(), true, true));
  ASSIGN_OR_RETURN(absl::Duration na,
                   Duration(f + ".validity.not_after", v->not_after(), true, true));
  if (na <= nb) return InvalidField(f + ".validity.not_after", "must be after not_before");
  return absl::OkStatus();
}

absl::Status ResolveOwnerCredential(const Resolution& r, int i, std::set<std::string>& ids,
                                    sv1::OwnerCredentialSpec* c) {
  const std::string f = absl::StrCat("topology.owner_credentials[", i, "]");
  if (c->id().empty()) return InvalidField(f + ".id", "required");
  if (!ids.insert(c->id()).second) {
    return InvalidField(f + ".id", absl::StrCat("duplicate id \"", c->id(), "\""));
  }
  if (c->device().empty()) return InvalidField(f + ".device", "required");
  auto dev = r.devices.find(c->device());
  if (dev == r.devices.end()) {
    return InvalidField(f + ".device", absl::StrCat("unknown device \"", c->device(), "\""));
  }
  RETURN_IF_ERROR(ResolveOwnerPersona(f, *dev->second, c));
  if (c->access_point().empty()) return InvalidField(f + ".access_point", "required");
  auto ap = r.access_points.find(c->access_point());
  if (ap == r.access_points.end()) {
    return InvalidField(f + ".access_point",
                        absl::StrCat("unknown access point \"", c->access_point(), "\""));
  }
  if (c->kind() == cv1::CREDENTIAL_KIND_UNSPECIFIED) c->set_kind(cv1::ASYMMETRIC);
  RETURN_IF_ERROR(ResolveOwnerEntitlements(f, *ap->second, c));
  RETURN_IF_ERROR(ResolveOwnerValidity(f, c));
  if (c->label().empty()) c->set_label(c->id());
  return absl::OkStatus();
}

}  // namespace

ResolvedTopology::ResolvedTopology(sv1::Topology topology) : topology_(std::move(topology)) {}

const sv1::DeviceSpec* ResolvedTopology::FindDevice(absl::string_view device) const {
  for (const sv1::DeviceSpec& d : topology_.devices()) {
    if (d.id() == device) return &d;
  }
  return nullptr;
}

std::string ResolvedTopology::AddressOf(absl::string_view device, cv1::ChannelKind kind) const {
  const sv1::DeviceSpec* d = FindDevice(device);
  return d == nullptr ? "" : ::sct::scenarios::AddressOf(*d, kind);
}

std::string DefaultAddress(absl::string_view device_id, int index, cv1::ChannelKind kind) {
  switch (kind) {
    case cv1::SMS:
      return absl::StrFormat("+1555%07d", index + 1);
    case cv1::EMAIL:
      return absl::StrCat(device_id, "@example.test");
    case cv1::MESSENGER:
      return absl::StrCat("@", device_id);
    default:
      return "";
  }
}

std::vector<std::string> DefaultEntitlements(cv1::AccessPointKind kind) {
  if (kind == cv1::CAR) return {"unlock", "lock", "drive", "open_trunk"};
  return {"enter", "unlock", "lock"};
}

std::string AddressOf(const sv1::DeviceSpec& device, cv1::ChannelKind kind) {
  for (const auto& a : device.addresses()) {
    if (a.channel() == kind) return a.address();
  }
  return "";
}

absl::StatusOr<ResolvedTopology> ResolveTopology(const sv1::Topology& in) {
  if (in.insecure_transport()) {
    return InvalidField("topology.insecure_transport",
                        "not supported: the authority identifies callers by "
                        "TLS client certificates");
  }
  Resolution r;
  r.t = in;
  RETURN_IF_ERROR(ResolveRelay(r.t));
  RETURN_IF_ERROR(ResolveAuthorities(r));
  RETURN_IF_ERROR(ResolveOems(r));
  for (int i = 0; i < r.t.access_points_size(); ++i) {
    RETURN_IF_ERROR(ResolveAccessPoint(r, i));
  }
  RETURN_IF_ERROR(CheckChannels(r.t));
  for (int i = 0; i < r.t.devices_size(); ++i) RETURN_IF_ERROR(ResolveDevice(r, i));
  std::set<std::string> credential_ids;
  for (int i = 0; i < r.t.owner_credentials_size(); ++i) {
    RETURN_IF_ERROR(ResolveOwnerCredential(r, i, credential_ids, r.t.mutable_owner_credentials(i)));
  }
  return ResolvedTopology(std::move(r.t));
}

std::string RedisNodeName(uint32_t index) { return absl::StrCat("redis-", index); }

std::vector<std::string> LaunchedRedisNames(const sv1::RelaySpec& relay) {
  if (relay.has_attach() || relay.store() != sv1::REDIS || !relay.redis_address().empty()) {
    return {};
  }
  const uint32_t masters = relay.redis().cluster_masters();
  if (masters == 0) return {"redis"};
  std::vector<std::string> names;
  for (uint32_t i = 0; i < masters && i < kMaxRedisClusterMasters; ++i) {
    names.push_back(RedisNodeName(i));
  }
  return names;
}

}  // namespace sct::scenarios

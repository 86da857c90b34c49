// The topology section: unique service ids, references between services
// (OEM and access point authorities, device OEMs, owner credentials' device,
// persona and access point), channel settings and the suite's budget for
// polling, channel delays and the number of devices and access points. It
// records every service, device, persona and owner credential for the later
// sections.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/launcher/topology.h"
#include "scenarios/suite/lint_checks.h"

namespace sct::scenarios::suite {
namespace {

namespace sv1 = ::scenario::v1;

const Path kTop = {{"topology", -1}};

void AddService(LintContext& c, const Path& path, const std::string& id) {
  if (id.empty()) {
    c.Problem(path, "id: missing");
    return;
  }
  if (!c.services.insert(id).second) c.Problem(path, absl::StrCat("id \"", id, "\" used twice"));
}

void CheckRelay(LintContext& c, const sv1::RelaySpec& relay) {
  const Path p = Plus(kTop, "relay");
  c.Duration(Plus(p, "default_ttl"), relay.default_ttl(), false, false);
  c.Duration(Plus(p, "max_ttl"), relay.max_ttl(), false, false);
  if (!relay.redis_address().empty()) {
    c.Problem(Plus(p, "redis_address"),
              "relay: the suite runs hermetically; use the launched Redis (store: REDIS without "
              "redis_address)");
  }
}

void CheckAuthoritiesAndOems(LintContext& c, const sv1::Topology& t) {
  for (int i = 0; i < t.authorities_size(); ++i) {
    AddService(c, Plus(kTop, "authorities", i), t.authorities(i).id());
    c.authorities.insert(t.authorities(i).id());
  }
  if (t.authorities().empty()) c.Problem(kTop, "topology: needs an authority");
  for (int i = 0; i < t.oems_size(); ++i) {
    AddService(c, Plus(kTop, "oems", i), t.oems(i).id());
    c.oems.insert(t.oems(i).id());
    const std::string& a = t.oems(i).authority();
    if (!a.empty() && !c.authorities.count(a)) {
      c.Problem(Plus(Plus(kTop, "oems", i), "authority"),
                absl::StrCat("unknown authority \"", a, "\""));
    }
  }
}

void CheckAccessPoints(LintContext& c, const sv1::Topology& t) {
  for (int i = 0; i < t.access_points_size(); ++i) {
    const sv1::AccessPointSpec& ap = t.access_points(i);
    const Path p = Plus(kTop, "access_points", i);
    AddService(c, p, ap.id());
    c.access_points.insert(ap.id());
    if (ap.kind() == ::common::v1::ACCESS_POINT_KIND_UNSPECIFIED) c.Problem(p, "kind: missing");
    if (!ap.authority().empty() && !c.authorities.count(ap.authority())) {
      c.Problem(Plus(p, "authority"), absl::StrCat("unknown authority \"", ap.authority(), "\""));
    }
    c.Duration(Plus(p, "poll_interval"), ap.poll_interval(), false, false, kMaxPollInterval);
  }
}

void CheckDevices(LintContext& c, const sv1::Topology& t) {
  for (int i = 0; i < t.devices_size(); ++i) {
    const sv1::DeviceSpec& d = t.devices(i);
    const Path p = Plus(kTop, "devices", i);
    AddService(c, p, d.id());
    c.devices.insert(d.id());
    if (!c.oems.count(d.oem())) {
      c.Problem(Plus(p, "oem"), absl::StrCat("unknown OEM \"", d.oem(), "\""));
    }
    std::set<std::string>& personas = c.personas[d.id()];
    personas.insert("personal");  // every device has it (docs/device.md)
    for (int j = 0; j < d.personas_size(); ++j) {
      if (d.personas(j).name().empty()) c.Problem(Plus(p, "personas", j), "persona name missing");
      personas.insert(d.personas(j).name());
    }
    c.Duration(Plus(p, "poll_interval"), d.poll_interval(), false, false, kMaxPollInterval);
  }
  if (t.devices_size() + t.access_points_size() > kMaxDevicesAndAccessPoints) {
    c.Problem(kTop, absl::StrCat("topology: ", t.devices_size() + t.access_points_size(),
                                 " devices + access points; the suite budget is ",
                                 kMaxDevicesAndAccessPoints));
  }
}

void CheckChannels(LintContext& c, const sv1::Topology& t) {
  for (int i = 0; i < t.channels_size(); ++i) {
    const sv1::ChannelSpec& ch = t.channels(i);
    const Path p = Plus(kTop, "channels", i);
    if (ch.kind() == ::common::v1::CHANNEL_KIND_UNSPECIFIED) c.Problem(p, "kind: missing");
    c.Duration(Plus(p, "delay"), ch.delay(), false, false, kMaxChannelDelay);
    c.Duration(Plus(p, "jitter"), ch.jitter(), false, false, kMaxChannelDelay);
    c.Duration(Plus(p, "preview_delay"), ch.preview_delay(), false, false, kMaxChannelDelay);
    if (ch.loss() < 0 || ch.loss() > 1) c.Problem(Plus(p, "loss"), "loss: must be in [0,1]");
    if (ch.duplicate() < 0 || ch.duplicate() > 1) {
      c.Problem(Plus(p, "duplicate"), "duplicate: must be in [0,1]");
    }
  }
}

void CheckOwnerCredentials(LintContext& c, const sv1::Topology& t) {
  for (int i = 0; i < t.owner_credentials_size(); ++i) {
    const sv1::OwnerCredentialSpec& o = t.owner_credentials(i);
    const Path p = Plus(kTop, "owner_credentials", i);
    if (o.id().empty()) c.Problem(p, "id: missing");
    if (!c.devices.count(o.device())) {
      c.Problem(Plus(p, "device"), absl::StrCat("unknown device \"", o.device(), "\""));
    } else if (!o.persona().empty() && !c.personas[o.device()].count(o.persona())) {
      c.Problem(Plus(p, "persona"),
                absl::StrCat("device \"", o.device(), "\" has no persona \"", o.persona(), "\""));
    }
    if (!c.access_points.count(o.access_point())) {
      c.Problem(Plus(p, "access_point"),
                absl::StrCat("unknown access point \"", o.access_point(), "\""));
    }
    if (o.has_validity()) c.Window(Plus(p, "validity"), o.validity());
    if (!c.credentials.emplace(o.id(), LintContext::Held{o.device(), o.kind()}).second) {
      c.Problem(p, absl::StrCat("credential \"", o.id(), "\" defined twice"));
    }
  }
}

}  // namespace

void CheckTopology(LintContext& c) {
  const sv1::Topology& t = c.sc.topology();
  if (!c.sc.has_topology()) c.Problem(kTop, "topology: missing");
  c.services = {"relay", "channel"};
  for (const std::string& name : LaunchedRedisNames(t.relay())) c.services.insert(name);
  for (const std::string& name : ArchitectureActors(t.architecture())) c.services.insert(name);
  CheckRelay(c, t.relay());
  CheckAuthoritiesAndOems(c, t);
  CheckAccessPoints(c, t);
  CheckDevices(c, t);
  CheckChannels(c, t);
  CheckOwnerCredentials(c, t);
}

}  // namespace sct::scenarios::suite

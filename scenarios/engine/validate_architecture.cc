// Validator: the topology's `architecture` (the design variants of
// docs/variants/). A variant that the launcher cannot run yet is rejected
// here, naming its field, rather than silently running the reference design;
// an implemented one is checked against the rest of the topology.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/launcher/vendorless.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

namespace {

// The id of the first device the scenario attaches to instead of launching
// ("" when every device is launched): the launcher cannot give it a
// variant's flags.
std::string FirstAttachedDevice(const sv1::Topology& t) {
  for (const sv1::DeviceSpec& d : t.devices()) {
    if (d.has_attach()) return d.id();
  }
  return "";
}

}  // namespace

// Oblivious HTTP in front of the mailbox relay's HTTP API (docs/variants/ohttp.md):
// the gateway forwards the draft's HTTP mailbox API only, to a relay the
// launcher starts.
void Validator::CheckOhttp(const Node& topo, const Node& arch) {
  const sv1::Topology& t = s_.topology();
  const sv1::ArchitectureSpec& a = t.architecture();
  // The two actors the launcher adds: steps and assertions may name them.
  AddService(arch, "ohttp", kOhttpRelayName);
  AddService(arch, "ohttp", kOhttpGatewayName);
  if (a.relay_design() != sv1::RELAY_DESIGN_UNSPECIFIED && a.relay_design() != sv1::MAILBOX) {
    Err(arch, "ohttp", "needs relay_design MAILBOX: the gateway forwards the mailbox HTTP API");
  }
  if (t.relay().has_attach()) {
    Err(arch, "ohttp",
        "needs a launched relay: the gateway and oblivious relay are not started in front of "
        "topology.relay.attach");
  }
  for (int i = 0; i < t.devices_size(); ++i) {
    if (t.devices(i).relay_api() == sv1::GRPC) {
      Err(Child(topo, "devices", i), "relay_api",
          "GRPC cannot go through OHTTP (architecture.ohttp): use HTTP");
    }
  }
}

void Validator::CheckTokenModel(const Node& arch) {
  const sv1::ArchitectureSpec& a = s_.topology().architecture();
  const bool per_oem = a.token_model() == sv1::PER_OEM_FORMAT;
  if (per_oem) {
    for (const sv1::OemSpec& o : s_.topology().oems()) {
      if (o.has_attach()) {
        Err(arch, "token_model",
            absl::StrCat("PER_OEM_FORMAT needs launched OEM servers; \"", o.id(),
                         "\" is attached (its format cannot be configured)"));
      }
    }
  }
  if (a.agreements_between_all() && !per_oem) {
    Err(arch, "agreements_between_all", "only with token_model: PER_OEM_FORMAT");
  }
  for (int i = 0; i < a.agreements_size(); ++i) {
    const sv1::ProvisioningAgreement& g = a.agreements(i);
    Node n = Child(arch, "agreements", i);
    if (!per_oem) {
      Err(arch, "agreements", i, "only with token_model: PER_OEM_FORMAT");
      continue;
    }
    for (auto [field, id] :
         {std::pair<const char*, std::string>{"issuer", g.issuer()}, {"redeemer", g.redeemer()}}) {
      if (id.empty()) {
        Err(n, field, "required");
      } else if (oems_.count(id) == 0) {
        Err(n, field, absl::StrCat("\"", id, "\" is not an OEM of the topology"));
      }
    }
    if (!g.issuer().empty() && g.issuer() == g.redeemer()) {
      Err(n, "redeemer", "a vendor always redeems its own format; name another OEM");
    }
  }
}

void Validator::CheckAuthorityTrusts(const Node& arch) {
  for (const auto& [authority, list] : s_.topology().architecture().authority_trusts()) {
    if (authorities_.count(authority) == 0) {
      Err(arch, "authority_trusts",
          absl::StrCat("\"", authority, "\" is not an authority of the topology"));
      continue;
    }
    if (list.oems().empty()) {
      Err(arch, "authority_trusts",
          absl::StrCat("\"", authority, "\": list at least one OEM (an authority trusting no ",
                       "vendor can attest no device)"));
    }
    for (const std::string& oem : list.oems()) {
      if (oems_.count(oem) == 0) {
        Err(arch, "authority_trusts",
            absl::StrCat("\"", authority, "\": \"", oem, "\" is not an OEM of the topology"));
      }
    }
    for (const sv1::AuthoritySpec& spec : s_.topology().authorities()) {
      if (spec.id() == authority && spec.has_attach()) {
        Err(arch, "authority_trusts",
            absl::StrCat("\"", authority, "\" is attached; its trust cannot be configured"));
      }
    }
  }
}

// relay_design DERIVED_LOCATIONS (docs/variants/derived-locations.md): the
// launcher starts the derived relay beside the mailbox relay and points
// every device it starts at it.
void Validator::CheckDerivedLocations(const Node& topo, const Node& arch) {
  const sv1::Topology& t = s_.topology();
  // Assertions and adversaries may name it like any service.
  AddService(arch, "relay_design", kDerivedRelayName);
  if (t.relay().has_attach()) {
    Err(arch, "relay_design",
        "DERIVED_LOCATIONS runs the project's derived relay: it cannot be combined with "
        "relay.attach (an attached relay serves the mailbox API)");
  }
  if (t.architecture().relay_verifies_attestation()) {
    Err(arch, "relay_verifies_attestation",
        "the derived-locations relay receives no device attestation to verify");
  }
  if (t.architecture().pin_binding() == sv1::BOUND_INTO_KEY) {
    Err(arch, "pin_binding",
        "BOUND_INTO_KEY seals the mailbox design's payload; the derived-locations design "
        "(relay_design DERIVED_LOCATIONS) keys each message from the link's secret alone");
  }
  for (int i = 0; i < t.devices_size(); ++i) {
    if (t.devices(i).has_attach()) {
      Err(Child(topo, "devices", i), "attach",
          "an attached device cannot be pointed at the derived relay (relay_design "
          "DERIVED_LOCATIONS)");
    }
  }
}

// relay_design DIRECT (docs/variants/direct-transfer.md): no relay carries
// the exchange; the launcher starts the proximity link between the devices
// in range and points every device it starts at it.
void Validator::CheckDirect(const Node& topo, const Node& arch) {
  const sv1::Topology& t = s_.topology();
  const sv1::ArchitectureSpec& a = t.architecture();
  // Assertions and adversaries may name it like any service.
  AddService(arch, "relay_design", kProximityName);
  if (t.relay().has_attach()) {
    Err(arch, "relay_design",
        "DIRECT uses no relay: topology.relay.attach would test nothing of the attached relay");
  }
  if (a.ohttp()) {
    Err(arch, "ohttp",
        "DIRECT sends nothing to a relay: there is no request for an oblivious relay to carry");
  }
  if (a.relay_verifies_attestation()) {
    Err(arch, "relay_verifies_attestation", "DIRECT has no relay to verify attestations");
  }
  if (a.pin_binding() == sv1::BOUND_INTO_KEY) {
    Err(arch, "pin_binding",
        "BOUND_INTO_KEY seals the mailbox design's payload; DIRECT keys each message from the "
        "link's secret alone (as DERIVED_LOCATIONS)");
  }
  for (int i = 0; i < t.devices_size(); ++i) {
    if (t.devices(i).has_attach()) {
      Err(Child(topo, "devices", i), "attach",
          "an attached device cannot be put on the proximity link (relay_design DIRECT)");
    }
  }
  std::set<std::string> seen;
  for (int i = 0; i < a.direct_in_range_size(); ++i) {
    const std::string& id = a.direct_in_range(i);
    bool known = false;
    for (const sv1::DeviceSpec& d : t.devices()) known = known || d.id() == id;
    if (!known) {
      Err(arch, "direct_in_range", i, absl::StrCat("\"", id, "\" is not a device of the topology"));
    } else if (!seen.insert(id).second) {
      Err(arch, "direct_in_range", i, absl::StrCat("\"", id, "\" is listed twice"));
    }
  }
}

// vendorless_devices (docs/variants/vendorless-device.md): each listed device
// is launched with its own attestation root and calls the authority of its
// OEM directly, so that authority is launched and registers the root.
void Validator::CheckVendorless(const Node& topo, const Node& arch) {
  const sv1::Topology& t = s_.topology();
  const sv1::ArchitectureSpec& a = t.architecture();
  std::set<std::string> seen;
  for (int i = 0; i < a.vendorless_devices_size(); ++i) {
    const std::string& id = a.vendorless_devices(i);
    if (id == "*" && a.vendorless_devices_size() > 1) {
      Err(arch, "vendorless_devices", i, "\"*\" (every device) must be the only entry");
    } else if (id != "*" && personas_.count(id) == 0) {
      Err(arch, "vendorless_devices", i,
          absl::StrCat("\"", id, "\" is not a device of the topology"));
    } else if (!seen.insert(id).second) {
      Err(arch, "vendorless_devices", i, absl::StrCat("\"", id, "\" is listed twice"));
    }
  }
  if (a.token_model() == sv1::PER_OEM_FORMAT) {
    Err(arch, "vendorless_devices",
        "a device without a vendor server has no vendor format to wrap or redeem "
        "(token_model PER_OEM_FORMAT)");
  }
  if (!a.authority_trusts().empty()) {
    Err(arch, "vendorless_devices",
        "authority_trusts lists vendors; an authority with a trust list would refuse a "
        "vendorless device's own attestation root");
  }
  for (int i = 0; i < t.devices_size(); ++i) {
    const sv1::DeviceSpec& d = t.devices(i);
    if (!IsVendorless(a, d.id())) continue;
    Node dn = Child(topo, "devices", i);
    if (d.has_attach()) {
      Err(dn, "attach",
          "a vendorless device (architecture.vendorless_devices) is launched with its own "
          "attestation root; it cannot be attached");
    }
    if (d.id() == "admin") {
      Err(dn, "id", "\"admin\" is the authority's admin identity; a vendorless device's id is "
                    "its identity at the authority");
    }
    for (const sv1::OemSpec& o : t.oems()) {
      if (o.id() != d.oem()) continue;
      for (const sv1::AuthoritySpec& au : t.authorities()) {
        if (au.has_attach() && (au.id() == o.authority() || o.authority().empty())) {
          Err(dn, "oem",
              absl::StrCat("the vendorless device enrols with the authority of \"", o.id(),
                           "\", which is attached (its --oem_roots cannot be configured)"));
        }
      }
    }
  }
}

void Validator::CheckArchitecture(const Node& topo) {
  if (!s_.topology().has_architecture()) return;
  const sv1::ArchitectureSpec& a = s_.topology().architecture();
  Node arch = Child(topo, "architecture");
  CheckTokenModel(arch);
  CheckAuthorityTrusts(arch);
  if (a.vendorless_devices_size() > 0) CheckVendorless(topo, arch);
  if (a.ohttp()) CheckOhttp(topo, arch);
  if (a.relay_design() == sv1::DIRECT) CheckDirect(topo, arch);
  if (a.relay_design() != sv1::DIRECT && a.direct_in_range_size() > 0) {
    Err(arch, "direct_in_range", 0, "only with relay_design: DIRECT");
  }
  if (a.relay_design() == sv1::DERIVED_LOCATIONS) CheckDerivedLocations(topo, arch);
  if (a.pin_binding() == sv1::BOUND_INTO_KEY) {
    const std::string attached = FirstAttachedDevice(s_.topology());
    if (!attached.empty()) {
      Err(arch, "pin_binding",
          absl::StrCat("BOUND_INTO_KEY needs launched devices (each is started with "
                       "--pin_in_key); device '",
                       attached, "' is attached"));
    }
  }
  if (a.relay_verifies_attestation()) {
    const std::string attached = FirstAttachedDevice(s_.topology());
    if (s_.topology().relay().has_attach()) {
      Err(arch, "relay_verifies_attestation",
          "needs a launched relay (it is started with the OEMs' --attestation_roots); the relay "
          "is attached");
    } else if (!attached.empty()) {
      Err(arch, "relay_verifies_attestation",
          absl::StrCat("needs launched devices (each is started with --relay_attestation); "
                       "device '",
                       attached, "' is attached"));
    } else {
      for (const sv1::OemSpec& o : s_.topology().oems()) {
        if (!o.has_attach()) continue;
        Err(arch, "relay_verifies_attestation",
            absl::StrCat("needs launched OEMs (the relay trusts their attestation roots); OEM '",
                         o.id(), "' is attached"));
        break;
      }
    }
  }
}

}  // namespace sct::scenarios::validation

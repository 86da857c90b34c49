// Validator: the topology's `architecture` (the design variants of
// docs/variants/). A variant that the launcher cannot run yet is rejected
// here, naming its field, rather than silently running the reference design.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

namespace {
constexpr absl::string_view kNotYet = "this variant is not implemented yet";
}  // namespace

// relay_design DERIVED_LOCATIONS (docs/variants/derived-locations.md): the
// launcher starts the derived relay beside the mailbox relay and points
// every device it starts at it.
void Validator::CheckDerivedLocations(const Node& topo, const Node& arch) {
  const sv1::Topology& t = s_.topology();
  // Assertions and adversaries may name it like any service.
  services_.insert(kDerivedRelayName);
  if (t.relay().has_attach()) {
    Err(arch, "relay_design",
        "DERIVED_LOCATIONS runs the project's derived relay: it cannot be combined with "
        "relay.attach (an attached relay serves the mailbox API)");
  }
  if (t.architecture().relay_verifies_attestation()) {
    Err(arch, "relay_verifies_attestation",
        "the derived-locations relay receives no device attestation to verify");
  }
  for (int i = 0; i < t.devices_size(); ++i) {
    if (t.devices(i).has_attach()) {
      Err(Child(topo, "devices", i), "attach",
          "an attached device cannot be pointed at the derived relay (relay_design "
          "DERIVED_LOCATIONS)");
    }
  }
}

void Validator::CheckArchitecture(const Node& topo) {
  if (!s_.topology().has_architecture()) return;
  const sv1::ArchitectureSpec& a = s_.topology().architecture();
  Node arch = Child(topo, "architecture");
  if (a.token_model() == sv1::PER_OEM_FORMAT) Err(arch, "token_model", kNotYet);
  if (a.agreements_size() > 0) Err(arch, "agreements", 0, kNotYet);
  if (!a.authority_trusts().empty()) Err(arch, "authority_trusts", kNotYet);
  if (a.vendorless_devices_size() > 0) Err(arch, "vendorless_devices", 0, kNotYet);
  if (a.ohttp()) Err(arch, "ohttp", kNotYet);
  if (a.relay_design() == sv1::DIRECT) Err(arch, "relay_design", kNotYet);
  if (a.relay_design() == sv1::DERIVED_LOCATIONS) CheckDerivedLocations(topo, arch);
  if (a.pin_binding() == sv1::BOUND_INTO_KEY) Err(arch, "pin_binding", kNotYet);
  if (a.relay_verifies_attestation()) Err(arch, "relay_verifies_attestation", kNotYet);
}

}  // namespace sct::scenarios::validation

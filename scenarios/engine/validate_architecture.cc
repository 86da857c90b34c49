// Validator: the topology's `architecture` (the design variants of
// docs/variants/). A variant that the launcher cannot run yet is rejected
// here, naming its field, rather than silently running the reference design;
// an implemented one is checked against the rest of the topology.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

namespace {
constexpr absl::string_view kNotYet = "this variant is not implemented yet";

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

void Validator::CheckArchitecture(const Node& topo) {
  if (!s_.topology().has_architecture()) return;
  const sv1::ArchitectureSpec& a = s_.topology().architecture();
  Node arch = Child(topo, "architecture");
  if (a.token_model() == sv1::PER_OEM_FORMAT) Err(arch, "token_model", kNotYet);
  if (a.agreements_size() > 0) Err(arch, "agreements", 0, kNotYet);
  if (!a.authority_trusts().empty()) Err(arch, "authority_trusts", kNotYet);
  if (a.vendorless_devices_size() > 0) Err(arch, "vendorless_devices", 0, kNotYet);
  if (a.ohttp()) Err(arch, "ohttp", kNotYet);
  if (a.relay_design() == sv1::DERIVED_LOCATIONS || a.relay_design() == sv1::DIRECT) {
    Err(arch, "relay_design", kNotYet);
  }
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

// Validator: the topology's `architecture` (the design variants of
// docs/variants/). A variant that the launcher cannot run yet is rejected
// here, naming its field, rather than silently running the reference design.
#include <string>

#include "absl/strings/str_cat.h"
#include "scenarios/engine/validator.h"
#include "scenarios/launcher/ohttp_commands.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

namespace {
constexpr absl::string_view kNotYet = "this variant is not implemented yet";
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

void Validator::CheckArchitecture(const Node& topo) {
  if (!s_.topology().has_architecture()) return;
  const sv1::ArchitectureSpec& a = s_.topology().architecture();
  Node arch = Child(topo, "architecture");
  if (a.token_model() == sv1::PER_OEM_FORMAT) Err(arch, "token_model", kNotYet);
  if (a.agreements_size() > 0) Err(arch, "agreements", 0, kNotYet);
  if (!a.authority_trusts().empty()) Err(arch, "authority_trusts", kNotYet);
  if (a.vendorless_devices_size() > 0) Err(arch, "vendorless_devices", 0, kNotYet);
  if (a.ohttp()) CheckOhttp(topo, arch);
  if (a.relay_design() == sv1::DERIVED_LOCATIONS || a.relay_design() == sv1::DIRECT) {
    Err(arch, "relay_design", kNotYet);
  }
  if (a.pin_binding() == sv1::BOUND_INTO_KEY) Err(arch, "pin_binding", kNotYet);
  if (a.relay_verifies_attestation()) Err(arch, "relay_verifies_attestation", kNotYet);
}

}  // namespace sct::scenarios::validation

// LaunchedEcosystem::StartOhttp: the Oblivious HTTP actors of
// `architecture { ohttp: true }` (docs/variants/ohttp.md).
#include "common/status_macros.h"
#include "scenarios/launcher/launched_ecosystem.h"
#include "scenarios/launcher/ohttp_commands.h"

namespace sct::scenarios {

absl::Status LaunchedEcosystem::StartOhttp() {
  const ServiceNode* relay = services_.Find("relay");
  const std::string keys_file = work_.dir.Data("ohttp-gateway-keys");
  ServiceNode& gateway = Node(kOhttpGatewayName);
  ASSIGN_OR_RETURN(PkiIdentity gateway_id, work_.pki->Identity(kOhttpGatewayName));
  RETURN_IF_ERROR(services_.Launch(
      gateway, OhttpGatewayCommand(gateway_id, work_.pki->root_cert_file(), relay->svc.http_url,
                                   relay->trust_file, keys_file)));
  ServiceNode& oblivious = Node(kOhttpRelayName);
  ASSIGN_OR_RETURN(PkiIdentity relay_id, work_.pki->Identity(kOhttpRelayName));
  RETURN_IF_ERROR(services_.Launch(
      oblivious, OhttpRelayCommand(relay_id, work_.pki->root_cert_file(), gateway.svc.http_url,
                                   gateway.trust_file)));
  ohttp_relay_url_ = oblivious.svc.http_url + "/relay";
  ohttp_keys_file_ = keys_file;
  return absl::OkStatus();
}

}  // namespace sct::scenarios

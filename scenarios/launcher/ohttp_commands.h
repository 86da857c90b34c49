// The commands of the two Oblivious HTTP actors the launcher starts for
// `architecture { ohttp: true }` (docs/variants/ohttp.md): the gateway in
// front of the relay's HTTP API and the oblivious relay in front of the
// gateway. Both serve HTTPS with their dev-PKI identity and a gRPC listener
// (health, simulator hooks). Pure functions.
#ifndef SCT_SCENARIOS_LAUNCHER_OHTTP_COMMANDS_H_
#define SCT_SCENARIOS_LAUNCHER_OHTTP_COMMANDS_H_

#include <string>

#include "scenarios/launcher/address_plan.h"  // kOhttpGatewayName, kOhttpRelayName
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/service_commands.h"

namespace sct::scenarios {

// The gateway forwarding to `relay` (its HTTP URL and trust file) and
// writing its key configuration to `keys_file`.
ServiceCommand OhttpGatewayCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                   const std::string& relay_http_url,
                                   const std::string& relay_trust_file,
                                   const std::string& keys_file);

// The oblivious relay forwarding to the gateway at `gateway_http_url`.
ServiceCommand OhttpRelayCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                 const std::string& gateway_http_url,
                                 const std::string& gateway_trust_file);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_OHTTP_COMMANDS_H_

#include "scenarios/launcher/ohttp_commands.h"

namespace sct::scenarios {
namespace {

ServiceCommand HttpsActor(const std::string& binary, const PkiIdentity& id,
                          const std::string& root_cert_file) {
  ServiceCommand c;
  c.binary = binary;
  c.grpc_listen_flag = "grpc_listen";
  c.http_listen_flag = "http_listen";
  c.args = {"--tls_cert=" + id.cert_file, "--tls_key=" + id.key_file,
            "--tls_client_ca=" + root_cert_file};
  return c;
}

}  // namespace

ServiceCommand OhttpGatewayCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                   const std::string& relay_http_url,
                                   const std::string& relay_trust_file,
                                   const std::string& keys_file) {
  ServiceCommand c = HttpsActor("ohttp_gateway/ohttp_gateway", id, root_cert_file);
  c.args.push_back("--target_url=" + relay_http_url);
  c.args.push_back("--target_ca_file=" + relay_trust_file);
  c.args.push_back("--keys_out=" + keys_file);
  return c;
}

ServiceCommand OhttpRelayCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                 const std::string& gateway_http_url,
                                 const std::string& gateway_trust_file) {
  ServiceCommand c = HttpsActor("ohttp_relay/ohttp_relay", id, root_cert_file);
  c.args.push_back("--gateway_url=" + gateway_http_url + "/gateway");
  c.args.push_back("--gateway_ca_file=" + gateway_trust_file);
  return c;
}

}  // namespace sct::scenarios

#include "sim/control_server.h"

#include <utility>

#include "common/status_macros.h"
#include "runtime/tls.h"

namespace sct::sim {

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Start(
    const ControlServerOptions& options, SimState* state) {
  GrpcServerOptions server_options;
  server_options.address = options.address;
  if (!options.tls_cert.empty()) {
    ASSIGN_OR_RETURN(server_options.credentials,
                     LoadServerCredentials(TlsServerFiles{options.tls_cert, options.tls_key,
                                                          options.tls_client_ca, false}));
  }
  AdminAuth auth;
  auth.client_certs = server_options.credentials != nullptr;
  std::unique_ptr<ControlServer> out(new ControlServer());
  ASSIGN_OR_RETURN(out->hooks_, ServerHooks::Attach(state, auth, &server_options));
  ASSIGN_OR_RETURN(out->server_, GrpcServer::Start(std::move(server_options)));
  return out;
}

}  // namespace sct::sim

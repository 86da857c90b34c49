// The gRPC listener of a service whose own API is HTTP only (the Oblivious
// HTTP relay and gateway): it carries nothing but grpc.health.v1 and, with a
// SimState, the simulator's Audit and SimControl, so the launcher health-
// checks and audits such a service like every other.
//
// TLS: with `tls_cert`/`tls_key` the listener serves TLS; `tls_client_ca`
// lets callers present a certificate (the admin certificate the simulator's
// controls require when TLS is on). Thread-safety: Start from one thread;
// the result is as GrpcServer. Ownership: the result owns the server and the
// hooks; `state` is not owned and must outlive it. Errors: as
// LoadServerCredentials, ServerHooks::Attach and GrpcServer::Start.
#ifndef SCT_SIM_CONTROL_SERVER_H_
#define SCT_SIM_CONTROL_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/grpc_server.h"
#include "sim/sim.h"

namespace sct::sim {

struct ControlServerOptions {
  std::string address = "127.0.0.1:0";
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
};

class ControlServer {
 public:
  static absl::StatusOr<std::unique_ptr<ControlServer>> Start(const ControlServerOptions& options,
                                                              SimState* state);
  std::string address() const { return server_->address(); }
  void Shutdown() { server_->Shutdown(absl::Seconds(2)); }

 private:
  ControlServer() = default;
  std::unique_ptr<ServerHooks> hooks_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace sct::sim

#endif  // SCT_SIM_CONTROL_SERVER_H_

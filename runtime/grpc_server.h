// Starts a gRPC server the way every SCT Lab service does.
//
// Listens on `address` ("127.0.0.1:0" picks a free port), registers the given
// services plus gRPC health checking (grpc.health.v1, overall status "" is
// SERVING until Shutdown; a client stub is in //runtime:health_cc_proto) and
// server reflection, and reports the bound port. Shutdown is clean: health
// turns NOT_SERVING, new calls are refused, in-flight calls get `grace` to
// finish and are then cancelled.
//
// Thread-safety: Shutdown and Wait may be called from different threads (the
// usual pattern: main waits for a signal, then calls Shutdown). Every Shutdown
// call, the destructor's included, returns only once the server has shut down
// (in-flight calls finished or cancelled), even when another thread's call is
// the one doing it; destroying the server while another thread is still inside
// one of its methods is the caller's error. The address is bound exclusively
// (no SO_REUSEPORT), so a port in use is an error.
#ifndef SCT_RUNTIME_GRPC_SERVER_H_
#define SCT_RUNTIME_GRPC_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace sct {

struct GrpcServerOptions {
  std::string address = "127.0.0.1:0";
  // Null means insecure (plaintext) credentials.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::vector<grpc::Service*> services;  // not owned; must outlive the server
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Server interceptors (e.g. the simulator's trace, sim/): each
  // function makes one factory when the server is built. Empty (the default)
  // installs none. A null function or a null factory is INVALID_ARGUMENT.
  std::vector<std::function<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>()>>
      interceptor_creators;
  // Threads of gRPC's synchronous server that wait for calls: at least
  // `min_pollers` wait at any time, and a thread that finishes a call while
  // `max_pollers` already wait exits. gRPC's defaults (1 and 2) make a server
  // with more than two calls in flight create and destroy threads for them;
  // these keep up to 64 idle threads (the load generator's largest client
  // count) alive.
  // INVALID_ARGUMENT unless 1 <= min_pollers <= max_pollers.
  // Figures: docs/BENCHMARKS.md, "gRPC server settings".
  int min_pollers = 4;
  int max_pollers = 64;
};

class GrpcServer {
 public:
  // Builds and starts the server. INVALID_ARGUMENT (reason "invalid_field")
  // for a malformed address (see host_port.h), a null service, a
  // non-positive message limit, a null interceptor creator or poller counts
  // out of order; UNAVAILABLE (reason "listen_failed") if the address cannot
  // be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(GrpcServerOptions options);
  ~GrpcServer();  // Shutdown(absl::Seconds(2)) if not already done

  int port() const { return port_; }
  // "host:port" with the bound port, e.g. "127.0.0.1:40123".
  std::string address() const { return address_; }
  grpc::Server* server() { return server_.get(); }

  // Idempotent: the first call shuts down (its `grace` applies); a later or
  // concurrent call waits until that shutdown has completed, then returns.
  void Shutdown(absl::Duration grace = absl::Seconds(2));
  void Wait();  // blocks until Shutdown has completed

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  absl::Mutex shutdown_mu_;  // held for a whole Shutdown
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

// Blocks the calling thread until SIGINT or SIGTERM arrives (installed with
// sigwait on a blocked signal set, so it is safe with gRPC's threads). Call
// BlockTerminationSignals() first thing in main, before any thread starts.
// It also sets SIGPIPE to ignored: a server process must not die because a
// peer closed a socket it was writing to (OpenSSL and client libraries write
// without MSG_NOSIGNAL); the write fails with EPIPE instead. And, as every
// server process calls it at start-up, it turns off Abseil's Mutex deadlock
// detection, which the system's Abseil (built without NDEBUG) has on: every
// absl::Mutex lock in the process, gRPC's own included, then updates a global
// lock-order graph (GraphCycles::GetId was the relay's hottest user-space
// symbol under load). Unit tests that do not call it keep detection on.
void BlockTerminationSignals();
int WaitForTerminationSignal();  // returns the signal number

}  // namespace sct

#endif  // SCT_RUNTIME_GRPC_SERVER_H_

// The services of one topology in start order, and the one place that starts,
// health-checks, kills and stops their processes.
//
// A process without gRPC (redis-server) is started as its command says, with
// no added flags and no start-up line, and is ready once its node's `probe`
// succeeds; it has no sim services.
//
// A node is launched (a ChildProcess from its ServiceCommand, on its planned
// address HOST, address_plan.h)
// or attached (an external endpoint from the scenario's `attach` field, never
// started or stopped here). Starting a launched node runs
//   BINARY --<grpc_listen_flag>=HOST:PORT [--<http_listen_flag>=HOST:...]
//          --source_address=HOST ARGS [--actor_id=NAME --sim_control] EXTRA_FLAGS
// with PORT 0 the first time and the previous port on a restart (addresses
// never change), reads the start-up line (runtime/startup_line.h), waits for
// grpc.health.v1.Health/Check to answer SERVING and runs the node's
// after_start hook, all within LaunchOptions::start_timeout. A restart keeps
// the previous stderr as "<stderr>.<n>". With sim_control, Kill first reads
// the service's clock (SimControl.SetClock with no change) and the next start
// sets the same offset again, so fake-clock advances and skews survive a
// crash.
//
// Thread-safety: Add/Start/Kill/Restart run on one thread (the launcher's
// caller); once every node is added, Launch of different nodes may run on
// several threads at once (the launcher's parallel start), with Find,
// ChannelAs and WithStderr. Shutdown() and Endpoints() may run concurrently
// from a signal thread: a mutex guards the node list, each Service's state
// and the processes. Shutdown is idempotent; after it nothing starts again.
// Ownership: owns the nodes and their processes; borrows the DevPki, which
// must outlive the ServiceSet.
// Errors: NOT_FOUND for an unknown name; FAILED_PRECONDITION for Kill or
// Start of an attached node, Kill of a stopped one and Start of a running
// one; CANCELLED once shut down; a failed start as ChildProcess::Start or the
// health check reports it, prefixed with the service name and followed by the
// end of its stderr file.
#ifndef SCT_SCENARIOS_LAUNCHER_SERVICE_SET_H_
#define SCT_SCENARIOS_LAUNCHER_SERVICE_SET_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "runtime/child_process.h"
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/service_commands.h"
#include "scenarios/launcher/work_dir.h"

namespace sct::scenarios {

// One service of the topology and how to (re)start it.
struct ServiceNode {
  Service svc;
  ServiceCommand command;
  std::string trust_file;  // PEM roots its TLS certificate chains to
  bool tls = true;         // device agents serve plaintext
  // An attached service with its own CA: it cannot verify this run's dev-PKI
  // certificates (a presented one would fail the handshake), so channels to
  // it present none.
  bool foreign_pki = false;
  // Runs after every start once the node is healthy (the channel's
  // Configure: it keeps its settings in memory).
  std::function<absl::Status()> after_start;
  // For a process without gRPC (command.grpc_listen_flag empty): one
  // readiness probe, repeated until it succeeds or the start times out
  // (redis: PING). gRPC services answer grpc.health.v1 instead.
  std::function<absl::Status()> probe;
  // Kept by ServiceSet.
  // The service's clock offset (its time minus real time) read just before
  // Kill, re-applied after the next start: a restarted process starts at
  // real time, and the scenario keeps every service's clock in step.
  absl::Duration clock_offset = absl::ZeroDuration();
  // The address it listens on and connects from (address_plan.h; the lab's
  // 127.0.0.1 for a node the plan does not name).
  std::string host = "127.0.0.1";
  std::string grpc_port = "0";
  std::string http_port = "0";
  int starts = 0;
  std::shared_ptr<ChildProcess> proc;
};

// How a process the launcher stopped ended: `status` as ChildProcess gives it
// (exit code, or 128 + signal), `died_before` when it had exited before the
// SIGTERM. 0 and 143 are clean; 137 is the SIGKILL after the grace; any other
// status fails (23: a LeakSanitizer report). `stderr_path` is named in the
// detail of anything not clean, followed by the first sanitizer report in it
// (runtime/child_process.h FirstSanitizerReport) or else its tail.
scenario::v1::ServiceExit ClassifyExit(const std::string& name, int status, bool died_before,
                                       const std::string& stderr_path);

class ServiceSet {
 public:
  // `pki` issues the identities of channels to the nodes; not owned.
  ServiceSet(const LaunchOptions& options, WorkDir dir, DevPki* pki);
  ServiceSet(const ServiceSet&) = delete;
  ServiceSet& operator=(const ServiceSet&) = delete;

  // The address plan (address_plan.h) that Add gives new nodes their host from.
  void SetAddressPlan(std::map<std::string, std::string> plan) { plan_ = std::move(plan); }
  // A new node named `name`, last in start order, trusting the dev root, on
  // its planned address.
  ServiceNode& Add(const std::string& name, ServiceKind kind);
  // Marks `node` attached to `endpoint` (its addresses, sim services and CA).
  static void Attach(ServiceNode& node, const scenario::v1::Endpoint& endpoint);
  // Starts `node` with `command` and waits until it is healthy.
  absl::Status Launch(ServiceNode& node, ServiceCommand command);

  // The node named `name`, or nullptr.
  ServiceNode* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;

  // A channel to `name`'s gRPC port presenting dev-PKI identity `identity`
  // (mutual TLS rooted at the node's trust file; plaintext for device
  // agents; server-only TLS to a foreign_pki node). NOT_FOUND for unknown
  // names. Made once per (name, identity) and shared (one TLS handshake for
  // the health check, the set-up calls and the audits); a (re)start or Kill
  // of the node makes the next call a new one, and Shutdown closes every
  // cached channel before its SIGTERM; CANCELLED once shut down.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view identity);

  absl::Status Kill(absl::string_view name);
  absl::Status Start(absl::string_view name);
  absl::Status Restart(absl::string_view name);
  std::map<std::string, std::string> Endpoints() const;
  // SIGTERM to every running node (reverse start order), one shared 2 s
  // grace, SIGKILL to what still runs, reap; records how each ended and how
  // long it took to stop (Exits).
  void Shutdown();
  // How each node running at Shutdown ended (empty before Shutdown): stopped
  // cleanly, killed after the grace, failed at shutdown (exit status other
  // than 0 or 143: a sanitizer's report), or died during the run.
  std::vector<scenario::v1::ServiceExit> Exits() const;

  // `s` as an error of `node`: "<name>: <message>", plus StderrExcerpt of its
  // stderr file when it was launched.
  absl::Status WithStderr(const ServiceNode& node, const absl::Status& s) const;

 private:
  absl::Status StartNode(ServiceNode& n);
  absl::Status HealthCheck(ServiceNode& n, absl::Time deadline);
  // Repeats n.probe until it succeeds, the process exits or `deadline`.
  absl::Status AwaitProbe(ServiceNode& n, absl::Time deadline);
  // The process of `n`'s next start (its flags, log files, timeout).
  ChildProcessSpec ProcessSpec(const ServiceNode& n) const;
  // Records a started process in `n`; false once shut down.
  bool Adopt(ServiceNode& n, const std::shared_ptr<ChildProcess>& proc,
             const std::string& grpc_address);
  void MarkStopped(ServiceNode& n);
  // Drops the cached channels to `name`.
  void ForgetChannels(absl::string_view name);
  // Remembers the running node's clock offset in `n.clock_offset` (kept as
  // it was when the service does not answer).
  void SaveClockOffset(ServiceNode& n);
  // Sets `n.clock_offset` on the freshly started node.
  absl::Status RestoreClockOffset(ServiceNode& n);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> CredentialsFor(
      const ServiceNode& n, absl::string_view identity);

  const LaunchOptions options_;
  const WorkDir dir_;
  DevPki* const pki_;
  std::map<std::string, std::string> plan_;  // set before the first Add
  // Start order; appended under mu_ (a signal thread may be in Shutdown).
  std::vector<std::unique_ptr<ServiceNode>> nodes_;
  std::map<std::string, size_t> index_;
  std::mutex shutdown_mu_;  // held for a whole Shutdown()
  mutable std::mutex mu_;   // guards nodes_, index_, processes and svc state
  bool shut_down_ = false;  // guarded by mu_
  std::vector<scenario::v1::ServiceExit> exits_;  // guarded by mu_
  // ChannelAs's channels by (name, identity); guarded by mu_.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_SERVICE_SET_H_

// The running topology of one scenario: the contract between the launcher
// (scenarios/launcher, which starts processes) and the engine and attack code
// (scenarios/engine, scenarios/attack, which drive them).
//
// A launched service is a separate process on its own loopback address (the
// address plan, address_plan.h) with the development PKI; an attached one is
// an external endpoint from the scenario's `attach` field. Service names are
// the topology ids: "relay", "channel", authority ids ("ca"), OEM ids
// ("oem-a"), access point ids ("car-1"), device ids ("alice-phone"), and for
// a Redis the launcher starts for the relay "redis" (one server) or
// "redis-0", "redis-1", ... (cluster nodes), which have no gRPC port and no
// sim services but can be killed and restarted.
//
// Thread safety: the engine drives an Ecosystem from one thread; Shutdown()
// may also be called from a signal-handling thread and is idempotent.
#ifndef SCT_SCENARIOS_LAUNCHER_ECOSYSTEM_H_
#define SCT_SCENARIOS_LAUNCHER_ECOSYSTEM_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {

enum class ServiceKind {
  kRelay,
  kAuthority,
  kOem,
  kAccessPoint,
  kDevice,
  kChannel,
  kRedis,  // a redis-server the launcher started for the relay (no gRPC, no sim)
  kOhttpRelay,    // architecture.ohttp: the oblivious relay devices send to
  kOhttpGateway,  // architecture.ohttp: the gateway in front of the relay's HTTP API
};

// One service of the topology.
struct Service {
  std::string name;  // topology id
  ServiceKind kind = ServiceKind::kRelay;
  std::string grpc_address;  // "127.0.0.11:PORT" (its planned address); kept while stopped
  std::string http_url;      // relay only: "https://127.0.0.2:PORT"
  bool attached = false;     // external endpoint (not launched by us)
  bool sim = false;          // serves common.v1.Audit and common.v1.SimControl
  bool running = false;
  pid_t pid = -1;                       // launched and running only
  std::string stderr_path;              // launched only: the process's stderr
  std::vector<std::string> data_files;  // durable state (relay: db, -wal, -shm)
  std::string address;                  // kRedis only (no gRPC): "127.0.0.1:PORT"
};

// The development PKI the launcher made for this run (all PEM files).
struct DevPkiFiles {
  std::string root_cert;   // trust anchor of every TLS endpoint
  std::string admin_cert;  // client identity "admin" (authority admin, SimControl)
  std::string admin_key;
  std::string dir;  // where every "<cn>.pem"/"<cn>.key" lives
};

// 2 s, or SCT_STOP_GRACE from the environment when it parses as a positive
// duration (see LaunchOptions::stop_grace).
absl::Duration DefaultStopGrace();

struct LaunchOptions {
  // Directory holding the binaries at their Bazel paths
  // ("relay/relay_server", "credential_authority/ca_server",
  // "oem_server/oem_server", "access_point/access_point",
  // "device/device_agent", "channel/channel_server"): the runfiles root
  // "$RUNFILES/sct_lab" or "bazel-bin".
  std::string binaries_dir;
  // Per-run directory for PKI, databases, state files and logs (created).
  std::string work_dir;
  // How long a service may take to print its listening line and be healthy,
  // a launched Redis cluster to form, and each set-up RPC after start
  // (authority info, enrolment, owner credentials; the engine stretches it by
  // SCT_TIME_SCALE).
  absl::Duration start_timeout = absl::Seconds(30);
  // Start every launched service with --sim_control (Audit + SimControl).
  bool sim_control = true;
  // How long Shutdown waits after SIGTERM before it SIGKILLs what still runs
  // (one grace shared by all services). 2 s, or the environment's
  // SCT_STOP_GRACE (an absl duration, e.g. "20s"): `./sct test --asan|--tsan`
  // sets it, so that sanitized services reach their exit-time checks.
  absl::Duration stop_grace = DefaultStopGrace();
};

// A running topology. Destruction calls Shutdown().
class Ecosystem {
 public:
  virtual ~Ecosystem() = default;

  // The service named `name`, or nullptr.
  virtual const Service* Find(absl::string_view name) const = 0;
  // Every service name in start order.
  virtual std::vector<std::string> Names() const = 0;

  // A channel to `name`'s gRPC port as the engine: mutual TLS with the
  // "admin" identity for TLS services, plaintext for device agents (their
  // API is the phone's local UI). NOT_FOUND for unknown names.
  virtual absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
      absl::string_view name) = 0;
  // The same, presenting dev-PKI identity `identity` (issued on demand, e.g.
  // "attacker"), for adversaries.
  virtual absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(
      absl::string_view name, absl::string_view identity) = 0;

  // SIGKILL a launched service, keeping its state files (crash).
  // FAILED_PRECONDITION for attached or already stopped services.
  virtual absl::Status Kill(absl::string_view name) = 0;
  // Start a stopped service again with the same flags and the same port;
  // returns once it is healthy.
  virtual absl::Status Start(absl::string_view name) = 0;
  // Kill then Start.
  virtual absl::Status Restart(absl::string_view name) = 0;

  // Device-local credential id of a topology owner credential (spec id), or
  // "" if unknown.
  virtual std::string OwnerCredentialId(absl::string_view spec_id) const = 0;
  // OEM-assigned device id of a topology device, or "".
  virtual std::string DeviceId(absl::string_view device) const = 0;
  // The authority id of a topology authority ("ca"), as its ledger names it.
  virtual std::string AuthorityId(absl::string_view authority) const = 0;
  virtual const DevPkiFiles& pki() const = 0;

  // name -> human-readable endpoint ("grpc=127.0.0.1:4411 http=https://...").
  virtual std::map<std::string, std::string> Endpoints() const = 0;

  // Stops every launched service (SIGTERM to each in reverse start order,
  // SIGKILL to any still running LaunchOptions::stop_grace later) and reaps
  // it. Idempotent; safe to call from a signal thread.
  virtual void Shutdown() = 0;

  // How each launched process ended, once Shutdown() has run (empty before,
  // and for an ecosystem that does not own its processes).
  virtual std::vector<scenario::v1::ServiceExit> Exits() const { return {}; }
};

// Starts `topology`: PKI, authority, OEMs, relay, channel, access points
// (registered with the authority), devices (enrolled, personas added), owner
// credentials (bootstrapped and installed). On any failure stops what it
// started and returns the error, naming the service and quoting the end of its
// stderr. INVALID_ARGUMENT for bad options (naming the field).
absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(
    const ResolvedTopology& topology, const LaunchOptions& options);

// ResolveTopology(topology), then the Launch above; for callers that hold a
// topology as written (sct_up, tests, benchmarks). INVALID_ARGUMENT for
// topology errors (naming the field).
absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(
    const scenario::v1::Topology& topology, const LaunchOptions& options);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_ECOSYSTEM_H_

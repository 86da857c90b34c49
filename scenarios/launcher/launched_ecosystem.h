// The Ecosystem that Launch() returns: a topology started as processes on
// 127.0.0.1 in a prepared work directory (work_dir.h). The node order (Names(),
// and Shutdown's reverse order) is: authorities, OEMs, the relay's Redis
// when the launcher starts one, relay, OHTTP gateway and oblivious relay,
// derived relay or proximity link, channel server, access points, devices.
// The processes start in waves of services that need only what earlier
// waves started, in parallel within a wave (Build says which):
// authorities (then GetAuthorityInfo), the channel server (then Configure),
// Redis (redis_nodes.h: ACL file and password, each node, then cluster
// formation); OEMs and access points (HPKE key registered with their
// authority first); the relay (then OHTTP); devices (then Enrol and
// AddPersona); then owner credentials (PrepareKey -> BootstrapOwner ->
// InstallCredential, and Refresh of the access point for symmetric ones),
// one after the other. A failed start is reported as the first failure of
// its wave in node order; nothing of a later wave starts. Attached services are not started; everything else points
// at them. Command lines come from service_commands.h, processes and health
// checks from service_set.h, the set-up RPCs from setup_calls.h.
//
// Thread-safety and errors: as ecosystem.h. While alive the ecosystem is in
// the process-wide set that a signal stops (live_ecosystems.h).
#ifndef SCT_SCENARIOS_LAUNCHER_LAUNCHED_ECOSYSTEM_H_
#define SCT_SCENARIOS_LAUNCHER_LAUNCHED_ECOSYSTEM_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/redis_nodes.h"
#include "scenarios/launcher/service_commands.h"
#include "scenarios/launcher/service_set.h"
#include "scenarios/launcher/work_dir.h"

namespace sct::scenarios {

class LaunchedEcosystem final : public Ecosystem {
 public:
  LaunchedEcosystem(const LaunchOptions& options, PreparedWorkDir work);
  // Unregisters, then Shutdown().
  ~LaunchedEcosystem() override;

  // Starts `topology` (resolved: every default explicit). On failure the
  // caller calls Shutdown(); the error names the service and quotes the end
  // of its stderr.
  absl::Status Build(const scenario::v1::Topology& topology);

  // ---- Ecosystem ----
  const Service* Find(absl::string_view name) const override;
  std::vector<std::string> Names() const override { return services_.Names(); }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    return services_.ChannelAs(name, "admin");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view identity) override {
    return services_.ChannelAs(name, identity);
  }
  absl::Status Kill(absl::string_view name) override { return services_.Kill(name); }
  absl::Status Start(absl::string_view name) override { return services_.Start(name); }
  absl::Status Restart(absl::string_view name) override { return services_.Restart(name); }
  std::string OwnerCredentialId(absl::string_view spec_id) const override;
  std::string DeviceId(absl::string_view device) const override;
  std::string AuthorityId(absl::string_view authority) const override;
  const DevPkiFiles& pki() const override { return work_.pki_files; }
  std::map<std::string, std::string> Endpoints() const override { return services_.Endpoints(); }
  void Shutdown() override { services_.Shutdown(); }
  std::vector<scenario::v1::ServiceExit> Exits() const override { return services_.Exits(); }

 private:
  // The steps of Build, one per kind of topology element.
  // The architecture adds the authority's trusted OEMs and each OEM's token
  // model flags (token_model.h).
  absl::Status StartAuthority(const scenario::v1::AuthoritySpec& spec,
                              const scenario::v1::ArchitectureSpec& architecture);
  absl::Status StartOem(const scenario::v1::OemSpec& spec, const scenario::v1::Topology& topology);
  absl::Status StartRedis(const scenario::v1::RelaySpec& relay);
  // One redis-server: a free port (retried on a clash), its redis.conf, start.
  absl::Status StartRedisNode(const std::string& name, bool cluster, const std::string& acl_file);
  absl::Status StartRelay(const scenario::v1::Topology& topology);
  // relay_design DERIVED_LOCATIONS: the derived relay "derived-relay" beside
  // the mailbox relay (devices use it for every exchange).
  absl::Status StartDerivedRelay(const scenario::v1::Topology& topology);
  // relay_design DIRECT: the proximity link "proximity" (ProximityCommand),
  // which the devices use in place of a derived relay; the relay stays idle.
  absl::Status StartProximity(const scenario::v1::Topology& topology);
  absl::Status StartChannel(const scenario::v1::Topology& topology);
  absl::Status StartAccessPoint(const scenario::v1::AccessPointSpec& spec);
  absl::Status StartDevice(const scenario::v1::DeviceSpec& spec);
  // A vendorless device's flags (vendorless.h) from the device command's
  // `args`. FAILED_PRECONDITION when its OEM's authority is not running.
  absl::StatusOr<std::vector<std::string>> VendorlessArgs(const scenario::v1::DeviceSpec& spec,
                                                          const std::vector<std::string>& args);
  // architecture.ohttp: the gateway, then the oblivious relay
  // (launched_ohttp.cc); devices are pointed at them.
  absl::Status StartOhttp();
  absl::Status BootstrapOwner(const scenario::v1::OwnerCredentialSpec& spec,
                              const scenario::v1::Topology& topology);
  // Runs `tasks` in parallel (the first on this thread) and returns the
  // first failure in their order, once all have finished.
  static absl::Status RunWave(std::vector<std::function<absl::Status()>> tasks);
  // The node `name`, which Build added.
  ServiceNode& Node(absl::string_view name);

  PreparedWorkDir work_;
  // LaunchOptions::start_timeout, also the bound on forming a Redis cluster
  // and the timeout of each set-up RPC (setup_calls.h).
  absl::Duration start_timeout_;
  ServiceSet services_;
  // The topology's design variant (set by Build before anything starts).
  scenario::v1::ArchitectureSpec architecture_;
  // Guards the maps below while a wave of Build writes them from several
  // threads; a later wave or the engine reads them after the wave's join.
  std::mutex build_mu_;
  // Filled by Build; read by the engine afterwards.
  std::map<std::string, std::string> owner_credentials_;  // spec id -> device credential id
  std::map<std::string, std::string> device_ids_;         // device -> OEM device id
  std::map<std::string, std::string> authority_ids_;      // authority -> its ledger's id
  std::map<std::string, std::string> authority_root_files_;
  std::map<std::string, std::string> oem_authorities_;  // OEM -> the authority it bridges to
  // The launched Redis (addresses, relay login) and the launcher's login.
  RelayRedis redis_;
  RedisLogin redis_admin_;
  bool redis_cluster_formed_ = false;
  // Set by StartOhttp: what devices get as --ohttp_relay_url/--ohttp_keys_file.
  std::string ohttp_relay_url_;
  std::string ohttp_keys_file_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_LAUNCHED_ECOSYSTEM_H_

#include "scenarios/launcher/launched_ecosystem.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "crypto/ecdsa.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/live_ecosystems.h"
#include "scenarios/launcher/service_commands.h"
#include "scenarios/launcher/setup_calls.h"
#include "scenarios/launcher/token_model.h"
#include "scenarios/launcher/topology.h"
#include "scenarios/launcher/vendorless.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

std::string Lookup(const std::map<std::string, std::string>& m, absl::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? "" : it->second;
}

// `s` with "<what>: " in front of its message.
absl::Status Prefixed(absl::string_view what, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// The relay's Redis key prefix: its --redis_key_prefix flag if the spec
// passes one, else the relay's default.
std::string RedisKeyPrefix(const sv1::RelaySpec& relay) {
  std::string prefix = "sct:";
  for (const std::string& flag : relay.flags()) {
    if (absl::StartsWith(flag, "--redis_key_prefix=")) {
      prefix = flag.substr(std::string("--redis_key_prefix=").size());
    }
  }
  return prefix;
}

}  // namespace

LaunchedEcosystem::LaunchedEcosystem(const LaunchOptions& options, PreparedWorkDir work)
    : work_(std::move(work)),
      start_timeout_(options.start_timeout),
      services_(options, work_.dir, work_.pki.get()) {
  services_.SetAddressPlan(work_.addresses);
  RegisterLiveEcosystem(this);
}

ServiceNode& LaunchedEcosystem::Node(absl::string_view name) { return *services_.Find(name); }

LaunchedEcosystem::~LaunchedEcosystem() {
  // Waits while a signal thread is stopping this ecosystem.
  UnregisterLiveEcosystem(this);
  Shutdown();
}

const Service* LaunchedEcosystem::Find(absl::string_view name) const {
  const ServiceNode* n = services_.Find(name);
  return n == nullptr ? nullptr : &n->svc;
}

std::string LaunchedEcosystem::OwnerCredentialId(absl::string_view spec_id) const {
  return Lookup(owner_credentials_, spec_id);
}

std::string LaunchedEcosystem::DeviceId(absl::string_view device) const {
  return Lookup(device_ids_, device);
}

std::string LaunchedEcosystem::AuthorityId(absl::string_view authority) const {
  return Lookup(authority_ids_, authority);
}

absl::Status LaunchedEcosystem::Build(const sv1::Topology& t) {
  architecture_ = t.architecture();
  // Every node first, in start order (Names(), and Shutdown's reverse), on
  // this thread: the waves below only look nodes up.
  for (const auto& a : t.authorities()) services_.Add(a.id(), ServiceKind::kAuthority);
  for (const auto& o : t.oems()) {
    services_.Add(o.id(), ServiceKind::kOem);
    oem_authorities_[o.id()] = o.authority();
  }
  for (const std::string& name : LaunchedRedisNames(t.relay())) {
    services_.Add(name, ServiceKind::kRedis);
  }
  services_.Add("relay", ServiceKind::kRelay);
  if (t.architecture().ohttp()) {
    services_.Add(kOhttpGatewayName, ServiceKind::kOhttpGateway);
    services_.Add(kOhttpRelayName, ServiceKind::kOhttpRelay);
  }
  if (t.architecture().relay_design() == sv1::DERIVED_LOCATIONS) {
    services_.Add(kDerivedRelayName, ServiceKind::kRelay);
  }
  if (t.architecture().relay_design() == sv1::DIRECT) {
    services_.Add(kProximityName, ServiceKind::kRelay);
  }
  services_.Add("channel", ServiceKind::kChannel);
  for (const auto& ap : t.access_points()) services_.Add(ap.id(), ServiceKind::kAccessPoint);
  for (const auto& d : t.devices()) services_.Add(d.id(), ServiceKind::kDevice);

  // Then the processes, in waves: each wave's services need only what
  // earlier waves started (an address is known once its process listens)
  // and start in parallel, each ready by its health check.
  //  1. authorities, the channel server, the relay's Redis, the derived
  //     relay or proximity link (they need only the PKI and the plan);
  //  2. OEMs (their authority's address), access points (registered with
  //     their authority);
  //  3. the relay (the OEMs' push routes, Redis), then the OHTTP gateway and
  //     oblivious relay (the relay's URL);
  //  4. devices (their OEM, the relay, the channel server);
  //  5. owner credentials, one after the other.
  std::vector<std::function<absl::Status()>> wave;
  for (const auto& a : t.authorities()) {
    wave.push_back([this, &a, &t] { return StartAuthority(a, t.architecture()); });
  }
  wave.push_back([this, &t] { return StartChannel(t); });
  wave.push_back([this, &t] { return StartRedis(t.relay()); });
  wave.push_back([this, &t] { return StartDerivedRelay(t); });
  wave.push_back([this, &t] { return StartProximity(t); });
  RETURN_IF_ERROR(RunWave(std::move(wave)));
  wave.clear();
  for (const auto& o : t.oems()) wave.push_back([this, &o, &t] { return StartOem(o, t); });
  for (const auto& ap : t.access_points()) {
    wave.push_back([this, &ap] { return StartAccessPoint(ap); });
  }
  RETURN_IF_ERROR(RunWave(std::move(wave)));
  wave.clear();
  RETURN_IF_ERROR(StartRelay(t));
  if (t.architecture().ohttp()) RETURN_IF_ERROR(StartOhttp());
  for (const auto& d : t.devices()) wave.push_back([this, &d] { return StartDevice(d); });
  RETURN_IF_ERROR(RunWave(std::move(wave)));
  for (const auto& c : t.owner_credentials()) RETURN_IF_ERROR(BootstrapOwner(c, t));
  return absl::OkStatus();
}

absl::Status LaunchedEcosystem::RunWave(std::vector<std::function<absl::Status()>> tasks) {
  std::vector<absl::Status> results(tasks.size());
  std::vector<std::thread> threads;
  // The first task runs on this thread, the others on their own.
  for (size_t i = 1; i < tasks.size(); ++i) {
    threads.emplace_back([&tasks, &results, i] { results[i] = tasks[i](); });
  }
  if (!tasks.empty()) results[0] = tasks[0]();
  for (std::thread& th : threads) th.join();
  // The first failure in start order, whichever failed first.
  for (const absl::Status& r : results) {
    if (!r.ok()) return r;
  }
  return absl::OkStatus();
}

absl::Status LaunchedEcosystem::StartAuthority(const sv1::AuthoritySpec& spec,
                                               const sv1::ArchitectureSpec& architecture) {
  ServiceNode& n = Node(spec.id());
  if (spec.has_attach()) {
    ServiceSet::Attach(n, spec.attach());
  } else {
    ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(spec.id()));
    ServiceCommand command =
        AuthorityCommand(spec, id, work_.dir, work_.pki->root_cert_file(), work_.oem_roots);
    for (std::string& flag : AuthorityTrustFlags(architecture, spec.id())) {
      command.args.push_back(std::move(flag));
    }
    RETURN_IF_ERROR(services_.Launch(n, command));
  }
  // Its identity and root (the access points' trust anchor).
  ASSIGN_OR_RETURN(auto channel, Channel(spec.id()));
  absl::StatusOr<AuthorityInfo> info = FetchAuthorityInfo(channel, start_timeout_);
  if (!info.ok()) return services_.WithStderr(n, info.status());
  const std::string root_file = work_.dir.Data(spec.id() + "-authority-root.pem");
  RETURN_IF_ERROR(WriteFileWithMode(root_file, info->root_pem, 0644));
  std::lock_guard<std::mutex> lock(build_mu_);
  authority_ids_[spec.id()] = info->authority_id;
  authority_root_files_[spec.id()] = root_file;
  return absl::OkStatus();
}

absl::Status LaunchedEcosystem::StartOem(const sv1::OemSpec& spec, const sv1::Topology& topology) {
  ServiceNode& n = Node(spec.id());
  if (spec.has_attach()) {
    ServiceSet::Attach(n, spec.attach());
    return absl::OkStatus();
  }
  const ServiceNode* authority = services_.Find(spec.authority());
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(spec.id()));
  ServiceCommand command = OemCommand(spec, id, work_.dir, work_.pki->root_cert_file(),
                                      {authority->svc.grpc_address, authority->trust_file});
  for (std::string& flag : OemTokenModelFlags(topology, spec.id(), work_.dir)) {
    command.args.push_back(std::move(flag));
  }
  return services_.Launch(n, command);
}

absl::Status LaunchedEcosystem::StartRedis(const sv1::RelaySpec& relay) {
  const std::vector<std::string> names = LaunchedRedisNames(relay);
  if (names.empty()) return absl::OkStatus();
  const bool cluster = relay.redis().cluster_masters() > 0;
  std::string acl_file;
  if (!relay.redis().no_auth()) {
    ASSIGN_OR_RETURN(std::string relay_password, NewRedisPassword());
    ASSIGN_OR_RETURN(redis_admin_.password, NewRedisPassword());
    redis_admin_.user = kRedisAdminUser;
    redis_.user = kRedisRelayUser;
    redis_.password_file = work_.dir.Data("redis-relay.password");
    acl_file = work_.dir.Data("redis-users.acl");
    RETURN_IF_ERROR(WriteFileWithMode(redis_.password_file, relay_password + "\n", 0600));
    RETURN_IF_ERROR(WriteFileWithMode(
        acl_file, RedisAclFileText(relay_password, redis_admin_.password, RedisKeyPrefix(relay)),
        0600));
  }
  for (const std::string& name : names) RETURN_IF_ERROR(StartRedisNode(name, cluster, acl_file));
  if (!cluster) return absl::OkStatus();
  absl::Status formed =
      FormRedisCluster(redis_.addresses, redis_admin_, absl::Now() + start_timeout_);
  if (!formed.ok()) return services_.WithStderr(*services_.Find(names[0]), formed);
  redis_cluster_formed_ = true;  // from now on a (re)started node must rejoin
  return absl::OkStatus();
}

absl::Status LaunchedEcosystem::StartRedisNode(const std::string& name, bool cluster,
                                               const std::string& acl_file) {
  ServiceNode& n = Node(name);
  n.tls = false;
  const std::string dir = work_.dir.Data(name);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", dir, ": ", strerror(errno)));
  }
  RedisNodeConfig config;
  config.dir = dir;
  config.log_file = work_.dir.Log(name, "stderr");
  config.cluster = cluster;
  config.acl_file = acl_file;
  const std::string conf_file = dir + "/redis.conf";
  absl::Status started;
  // The port was free when probed; another process may take it before
  // redis-server binds it, so a failed start is retried on a new port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(config.port, FreeRedisPort(cluster));
    RETURN_IF_ERROR(WriteFileWithMode(conf_file, RedisConfText(config), 0600));
    const std::string address = absl::StrCat("127.0.0.1:", config.port);
    n.probe = [this, address]() {
      return ProbeRedis(address, redis_admin_, redis_cluster_formed_);
    };
    started = services_.Launch(n, RedisServerCommand(conf_file, address, dir));
    if (started.ok()) {
      redis_.addresses.push_back(address);
      return started;
    }
  }
  return started;
}

absl::Status LaunchedEcosystem::StartRelay(const sv1::Topology& t) {
  ServiceNode& n = Node("relay");
  if (t.relay().has_attach()) {
    ServiceSet::Attach(n, t.relay().attach());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity("relay"));
  std::vector<std::pair<std::string, std::string>> oem_addresses;
  for (const auto& o : t.oems()) {
    oem_addresses.emplace_back(o.id(), services_.Find(o.id())->svc.grpc_address);
  }
  ServiceCommand command = RelayCommand(t.relay(), id, work_.dir, work_.pki->root_cert_file(),
                                        oem_addresses, work_.device_trust_file, redis_);
  for (std::string& flag : AttestationVariantRelayFlags(architecture_, work_.oem_roots)) {
    command.args.push_back(std::move(flag));
  }
  return services_.Launch(n, command);
}

absl::Status LaunchedEcosystem::StartDerivedRelay(const sv1::Topology& t) {
  if (t.architecture().relay_design() != sv1::DERIVED_LOCATIONS) return absl::OkStatus();
  ServiceNode& n = Node(kDerivedRelayName);
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(kDerivedRelayName));
  return services_.Launch(
      n, DerivedRelayCommand(t.relay(), id, work_.dir, work_.pki->root_cert_file()));
}

absl::Status LaunchedEcosystem::StartProximity(const sv1::Topology& t) {
  if (t.architecture().relay_design() != sv1::DIRECT) return absl::OkStatus();
  ServiceNode& n = Node(kProximityName);
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(kProximityName));
  return services_.Launch(
      n, ProximityCommand(id, work_.pki->root_cert_file(), DirectInRangeAddresses(t)));
}

absl::Status LaunchedEcosystem::StartChannel(const sv1::Topology& t) {
  ServiceNode& n = Node("channel");
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity("channel"));
  // Applied after every (re)start: the channel keeps its settings in memory.
  n.after_start = [this, configs = ChannelConfigureRequests(t)]() -> absl::Status {
    ASSIGN_OR_RETURN(auto channel, Channel("channel"));
    return ConfigureChannel(channel, configs, start_timeout_);
  };
  return services_.Launch(
      n, ChannelCommand(t, id, work_.pki->root_cert_file(), work_.device_trust_file));
}

absl::Status LaunchedEcosystem::StartAccessPoint(const sv1::AccessPointSpec& spec) {
  ServiceNode& n = Node(spec.id());
  if (spec.has_attach()) {
    ServiceSet::Attach(n, spec.attach());
    return absl::OkStatus();
  }
  const ServiceNode* authority = services_.Find(spec.authority());
  // Its HPKE key, registered with the authority before the access point
  // starts. A reused work_dir keeps the key the authority's ledger holds.
  const std::string key_file = AccessPointKeyFile(work_.dir, spec.id());
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, LoadOrCreateKey(key_file));
  ASSIGN_OR_RETURN(auto channel, Channel(spec.authority()));
  absl::Status registered = RegisterAccessPoint(channel, spec, key.PublicKey().SpkiDer(), start_timeout_);
  if (!registered.ok()) return services_.WithStderr(*authority, registered);
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(spec.id()));
  AuthorityOfAccessPoint ca;
  ca.peer = {authority->svc.grpc_address, authority->trust_file};
  ca.root_file = Lookup(authority_root_files_, spec.authority());
  ca.authority_id = Lookup(authority_ids_, spec.authority());
  return services_.Launch(n,
                          AccessPointCommand(spec, id, work_.pki->root_cert_file(), ca, key_file));
}

absl::Status LaunchedEcosystem::StartDevice(const sv1::DeviceSpec& spec) {
  ServiceNode& n = Node(spec.id());
  n.tls = false;  // the control API is the phone's local UI
  if (spec.has_attach()) {
    ServiceSet::Attach(n, spec.attach());
  } else {
    DevicePeers peers;
    peers.oem_address = services_.Find(spec.oem())->svc.grpc_address;
    const ServiceNode* relay = services_.Find("relay");
    peers.relay_address = relay->svc.grpc_address;
    peers.relay_http_url = relay->svc.http_url;
    peers.relay_ca_file = relay->trust_file;
    peers.ohttp_relay_url = ohttp_relay_url_;
    peers.ohttp_keys_file = ohttp_keys_file_;
    for (const char* name : {kDerivedRelayName, kProximityName}) {
      if (const ServiceNode* derived = services_.Find(name); derived != nullptr) {
        peers.derived_relay_url = derived->svc.http_url;
      }
    }
    peers.channel_address = services_.Find("channel")->svc.grpc_address;
    ServiceCommand command = DeviceCommand(spec, work_.dir, peers, work_.device_trust_file);
    for (std::string& flag : PinVariantDeviceFlags(architecture_)) {
      command.args.push_back(std::move(flag));
    }
    for (std::string& flag : AttestationVariantDeviceFlags(architecture_)) {
      command.args.push_back(std::move(flag));
    }
    if (IsVendorless(architecture_, spec.id())) {
      ASSIGN_OR_RETURN(command.args, VendorlessArgs(spec, command.args));
    }
    RETURN_IF_ERROR(services_.Launch(n, command));
  }
  ASSIGN_OR_RETURN(auto channel, Channel(spec.id()));
  absl::StatusOr<std::string> device_id = EnrolDevice(channel, start_timeout_);
  if (!device_id.ok()) return services_.WithStderr(n, device_id.status());
  {
    std::lock_guard<std::mutex> lock(build_mu_);
    device_ids_[spec.id()] = *device_id;
  }
  absl::Status personas = AddPersonas(channel, spec, start_timeout_);
  if (!personas.ok()) return services_.WithStderr(n, personas);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> LaunchedEcosystem::VendorlessArgs(
    const sv1::DeviceSpec& spec, const std::vector<std::string>& args) {
  const ServiceNode* oem = services_.Find(spec.oem());
  const ServiceNode* authority = services_.Find(Lookup(oem_authorities_, spec.oem()));
  if (authority == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(spec.id(), ": vendorless device: the authority of ", spec.oem(),
                     oem == nullptr ? " (unknown OEM)" : "", " is not running"));
  }
  ASSIGN_OR_RETURN(PkiIdentity id, work_.pki->Identity(spec.id()));
  const OemAttestationFiles root = AttestationFilesOf(work_.dir, spec.id());
  VendorlessDeviceFiles files;
  files.authority_address = authority->svc.grpc_address;
  files.attestation_key = root.key_file;
  files.attestation_cert = root.cert_file;
  files.tls_cert = id.cert_file;
  files.tls_key = id.key_file;
  return VendorlessDeviceArgs(spec.id(), args, files);
}

absl::Status LaunchedEcosystem::BootstrapOwner(const sv1::OwnerCredentialSpec& spec,
                                               const sv1::Topology& t) {
  const ServiceNode* device = services_.Find(spec.device());
  const ServiceNode* ap = services_.Find(spec.access_point());
  std::string authority_name;
  for (const auto& a : t.access_points()) {
    if (a.id() == spec.access_point()) authority_name = a.authority();
  }
  const ServiceNode* authority = services_.Find(authority_name);
  const std::string what = "owner credential " + spec.id();
  auto fail = [&](const ServiceNode* node, const absl::Status& s) {
    return services_.WithStderr(*node, Prefixed(what, s));
  };

  ASSIGN_OR_RETURN(auto dev_channel, Channel(spec.device()));
  absl::StatusOr<::device::v1::PrepareKeyResponse> key = PrepareKey(dev_channel, spec.persona(), start_timeout_);
  if (!key.ok()) return fail(device, key.status());
  ASSIGN_OR_RETURN(auto ca_channel, Channel(authority_name));
  absl::StatusOr<::credential_authority::v1::BootstrapOwnerResponse> owner =
      scenarios::BootstrapOwner(ca_channel, OwnerBootstrapRequest(spec, *key, absl::Now()),
                                start_timeout_);
  if (!owner.ok()) return fail(authority, owner.status());
  absl::StatusOr<std::string> installed =
      InstallCredential(dev_channel, spec, key->key_id(), owner->credential(),
                        start_timeout_);
  if (!installed.ok()) return fail(device, installed.status());
  owner_credentials_[spec.id()] = *installed;
  if (spec.kind() == ::common::v1::SYMMETRIC && !ap->svc.attached) {
    // The access point pulls its key grants periodically; pull now so the
    // credential works from the first step.
    ASSIGN_OR_RETURN(auto ap_channel, Channel(spec.access_point()));
    absl::Status refreshed = RefreshAccessPoint(ap_channel, start_timeout_);
    if (!refreshed.ok()) return fail(ap, refreshed);
  }
  return absl::OkStatus();
}

}  // namespace sct::scenarios

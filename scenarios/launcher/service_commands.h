// The command line of every launched actor: which binary, which flags, which
// files hold its durable state. Pure functions of the (resolved) topology
// spec, the actor's dev-PKI identity, the work directory and the addresses of
// the services it talks to; docs/launcher.md lists the flags per service.
//
// ServiceSet (service_set.h) adds the listen flags (127.0.0.1, port 0 or the
// previous port), --actor_id/--sim_control, and appends the spec's own
// `flags` last (absl keeps the last occurrence, so they can override ours).
//
// Thread-safe (pure functions).
#ifndef SCT_SCENARIOS_LAUNCHER_SERVICE_COMMANDS_H_
#define SCT_SCENARIOS_LAUNCHER_SERVICE_COMMANDS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/channel/v1/channel.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/work_dir.h"

namespace sct::scenarios {

// What a launched service runs.
struct ServiceCommand {
  std::string binary;                    // path under LaunchOptions::binaries_dir
  std::vector<std::string> args;         // flags besides listen, sim and extra
  std::vector<std::string> extra_flags;  // the spec's `flags`, passed last
  // Empty for a process that is not an SCT service (redis-server): then no
  // listen or sim flags are added, no start-up line is awaited, `address` is
  // where it listens and `binary` is an absolute path.
  std::string grpc_listen_flag = "listen";
  std::string address;
  std::string http_listen_flag;         // relay only
  std::vector<std::string> data_files;  // durable state (Service::data_files)
};

// A service another one connects to.
struct Peer {
  std::string grpc_address;  // "127.0.0.1:PORT" or an attached address
  std::string trust_file;    // PEM roots its TLS certificate chains to
};

// The authority an access point checks credentials against.
struct AuthorityOfAccessPoint {
  Peer peer;
  std::string root_file;     // its signing root (PEM), the trust anchor
  std::string authority_id;  // as its ledger names itself
};

// The addresses a device agent is configured with.
struct DevicePeers {
  std::string oem_address;
  std::string relay_address;   // gRPC (relay_api GRPC)
  std::string relay_http_url;  // "https://HOST:PORT" (relay_api HTTP, the default)
  std::string relay_ca_file;   // PEM roots of the relay's TLS certificate (HTTP)
  std::string channel_address;
  // architecture.ohttp: the oblivious relay's resource and the gateway's
  // key configuration file; empty: direct to the relay.
  std::string ohttp_relay_url;
  std::string ohttp_keys_file;
  // The derived-locations relay's "https://HOST:PORT" (relay_design
  // DERIVED_LOCATIONS), or the proximity link's (DIRECT); empty otherwise.
  // Trusted like the relay.
  std::string derived_relay_url;
};

// `text` as an absl duration, or `fallback` when it is empty or does not
// parse (a resolved topology has checked every duration).
absl::Duration DurationOr(const std::string& text, absl::Duration fallback);

// credential_authority/ca_server: ledger WORK/data/<id>.db (":memory:" for
// store MEMORY), signing key WORK/data/<id>-signing.pem, admin CN "admin",
// client certificates from the dev root, the OEM attestation `oem_roots`
// ("<oem>=<cert file>").
ServiceCommand AuthorityCommand(const scenario::v1::AuthoritySpec& spec, const PkiIdentity& id,
                                const WorkDir& dir, const std::string& root_cert_file,
                                const std::vector<std::string>& oem_roots);

// oem_server/oem_server: registry WORK/data/<oem>.db, the attestation root
// from PrepareWorkDir, bridging to `authority` as itself, relay CN "relay".
ServiceCommand OemCommand(const scenario::v1::OemSpec& spec, const PkiIdentity& id,
                          const WorkDir& dir, const std::string& root_cert_file,
                          const Peer& authority);

// The Redis a REDIS relay uses: the launched nodes' addresses (empty: the
// spec's redis_address) and, when it requires a password, the ACL user and
// the file holding the password.
struct RelayRedis {
  std::vector<std::string> addresses;
  std::string user;
  std::string password_file;
};

// relay/relay_server: its store (sqlite WORK/data/relay.db, memory or
// redis: --redis=<addresses> [--redis_user --redis_password_file]), TTLs
// when given, a push route "sct-push/<oem>=<address>" to every OEM in
// `oem_addresses` (id, gRPC address), trusting `device_trust_file`; client
// certificates (the engine's "admin") verified against `root_cert_file`.
ServiceCommand RelayCommand(const scenario::v1::RelaySpec& spec, const PkiIdentity& id,
                            const WorkDir& dir, const std::string& root_cert_file,
                            const std::vector<std::pair<std::string, std::string>>& oem_addresses,
                            const std::string& device_trust_file, const RelayRedis& redis = {});

// relay/derived/derived_relay_server (relay_design DERIVED_LOCATIONS,
// docs/derived-relay.md): sqlite WORK/data/derived-relay.db (memory for
// store MEMORY), the relay spec's default_ttl as its --ttl, TLS with the
// relay's identity, client certificates (the engine's "admin") verified
// against `root_cert_file`.
ServiceCommand DerivedRelayCommand(const scenario::v1::RelaySpec& spec, const PkiIdentity& id,
                                   const WorkDir& dir, const std::string& root_cert_file);

// The proximity link of relay_design DIRECT (docs/variants/direct-transfer.md):
// relay/derived/derived_relay_server in proximity mode, in memory, holding a
// message 10 minutes at most, serving only `in_range` (the planned addresses
// of the devices in range, --in_range), TLS as DerivedRelayCommand.
ServiceCommand ProximityCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                const std::vector<std::string>& in_range);

// The planned addresses of the devices within range of each other under
// relay_design DIRECT: architecture.direct_in_range, or every launched
// device when it is empty.
std::vector<std::string> DirectInRangeAddresses(const scenario::v1::Topology& topology);

// /usr/bin/redis-server with `conf_file`, listening on `address`, its durable
// state (the append-only files) in `dir`.
ServiceCommand RedisServerCommand(const std::string& conf_file, const std::string& address,
                                  const std::string& dir);

// channel/channel_server: its preview bot on when the MESSENGER spec asks for
// it, trusting what devices trust (it fetches relay pages); client
// certificates (the engine's "admin") verified against `root_cert_file`.
ServiceCommand ChannelCommand(const scenario::v1::Topology& topology, const PkiIdentity& id,
                              const std::string& root_cert_file,
                              const std::string& device_trust_file);

// One channel.v1 Configure per ChannelSpec (delay, jitter, loss, duplicates,
// body limit, preview bot); the channel keeps them in memory, so they are
// sent after every start.
std::vector<::channel::v1::ConfigureRequest> ChannelConfigureRequests(
    const scenario::v1::Topology& topology);

// WORK/data/<ap>-hpke.key: the access point's HPKE key (symmetric credential
// keys are sealed to it).
std::string AccessPointKeyFile(const WorkDir& dir, absl::string_view access_point_id);

// access_point/access_point: kind, actions, revocation mode, its HPKE key
// `key_file`, and the authority it trusts and watches; client certificates
// verified against `root_cert_file` when presented (devices present none,
// the engine "admin").
ServiceCommand AccessPointCommand(const scenario::v1::AccessPointSpec& spec, const PkiIdentity& id,
                                  const std::string& root_cert_file,
                                  const AuthorityOfAccessPoint& authority,
                                  const std::string& key_file);

// device/device_agent: state file WORK/data/<id>.state, its first address,
// poll interval (and 4x as the maximum), no push when the spec says so, and
// the relay over HTTP (--relay_http_url, --relay_ca_file; relay_api HTTP or
// unspecified) or gRPC (--relay_grpc_target; relay_api GRPC), plus
// --derived_relay_url when the peers name a derived relay. Its control API
// is plaintext (the phone's local UI): no identity.
ServiceCommand DeviceCommand(const scenario::v1::DeviceSpec& spec, const WorkDir& dir,
                             const DevicePeers& peers, const std::string& device_trust_file);

// What the pin-in-key variant adds to every launched device's flags
// (docs/variants/pin-in-key.md): --pin_in_key under pin_binding
// BOUND_INTO_KEY; nothing in the reference design.
std::vector<std::string> PinVariantDeviceFlags(const scenario::v1::ArchitectureSpec& arch);

// What the relay-attestation variant adds (docs/variants/relay-attestation.md)
// under relay_verifies_attestation: the relay's --attestation_roots (the
// launched OEMs' attestation roots, `oem_roots` as "<oem>=<cert file>") and
// every device's --relay_attestation; nothing otherwise.
std::vector<std::string> AttestationVariantRelayFlags(const scenario::v1::ArchitectureSpec& arch,
                                                      const std::vector<std::string>& oem_roots);
std::vector<std::string> AttestationVariantDeviceFlags(const scenario::v1::ArchitectureSpec& arch);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_SERVICE_COMMANDS_H_

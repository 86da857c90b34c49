#include "scenarios/launcher/service_commands.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "scenarios/launcher/address_plan.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace chv1 = ::channel::v1;

const char* ApKindFlag(cv1::AccessPointKind kind) {
  switch (kind) {
    case cv1::DOOR:
      return "door";
    case cv1::HOTEL_LOCK:
      return "hotel_lock";
    default:
      return "car";
  }
}

}  // namespace

absl::Duration DurationOr(const std::string& text, absl::Duration fallback) {
  absl::Duration d;
  if (text.empty() || !absl::ParseDuration(text, &d)) return fallback;
  return d;
}

ServiceCommand AuthorityCommand(const sv1::AuthoritySpec& spec, const PkiIdentity& id,
                                const WorkDir& dir, const std::string& root_cert_file,
                                const std::vector<std::string>& oem_roots) {
  ServiceCommand c;
  const std::string db = spec.store() == sv1::MEMORY ? ":memory:" : dir.Data(spec.id() + ".db");
  c.binary = "credential_authority/ca_server";
  c.args = {"--db_path=" + db,
            "--signing_key=" + dir.Data(spec.id() + "-signing.pem"),
            "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file,
            "--tls_client_ca=" + root_cert_file,
            "--oem_roots=" + absl::StrJoin(oem_roots, ","),
            "--admin_cn=admin",
            "--authority_id=" + spec.id()};
  if (spec.max_pin_attempts() != 0) {
    c.args.push_back(absl::StrCat("--max_pin_attempts=", spec.max_pin_attempts()));
  }
  c.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  if (spec.store() != sv1::MEMORY) c.data_files = {db};
  return c;
}

ServiceCommand OemCommand(const sv1::OemSpec& spec, const PkiIdentity& id, const WorkDir& dir,
                          const std::string& root_cert_file, const Peer& authority) {
  ServiceCommand c;
  const std::string db = dir.Data(spec.id() + ".db");
  const OemAttestationFiles attestation = AttestationFilesOf(dir, spec.id());
  c.binary = "oem_server/oem_server";
  c.args = {"--oem_id=" + spec.id(),
            "--db_path=" + db,
            "--attestation_ca_key=" + attestation.key_file,
            "--attestation_ca_cert=" + attestation.cert_file,
            "--ca_target=" + authority.grpc_address,
            "--ca_tls_cert=" + id.cert_file,
            "--ca_tls_key=" + id.key_file,
            "--ca_tls_root=" + authority.trust_file,
            "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file,
            "--tls_client_ca=" + root_cert_file,
            "--relay_cn=relay"};
  if (spec.malicious() == sv1::ATTEST_OWN_KEY) c.args.push_back("--malicious=attest_own_key");
  if (spec.malicious() == sv1::REDEEM_OWN_KEY) c.args.push_back("--malicious=redeem_own_key");
  c.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  c.data_files = {db};
  return c;
}

ServiceCommand RelayCommand(const sv1::RelaySpec& spec, const PkiIdentity& id, const WorkDir& dir,
                            const std::string& root_cert_file,
                            const std::vector<std::pair<std::string, std::string>>& oem_addresses,
                            const std::string& device_trust_file, const RelayRedis& redis) {
  ServiceCommand c;
  c.binary = "relay/relay_server";
  c.grpc_listen_flag = "grpc_listen";
  c.http_listen_flag = "http_listen";
  switch (spec.store()) {
    case sv1::MEMORY:
      c.args.push_back("--store=memory");
      break;
    case sv1::REDIS:
      c.args.push_back("--store=redis");
      c.args.push_back("--redis=" + (redis.addresses.empty()
                                         ? spec.redis_address()
                                         : absl::StrJoin(redis.addresses, ",")));
      if (!redis.password_file.empty()) {
        c.args.push_back("--redis_user=" + redis.user);
        c.args.push_back("--redis_password_file=" + redis.password_file);
      }
      break;
    default: {
      const std::string db = dir.Data("relay.db");
      c.args.push_back("--store=sqlite");
      c.args.push_back("--sqlite_path=" + db);
      c.data_files = {db, db + "-wal", db + "-shm"};
    }
  }
  c.args.push_back("--tls_cert=" + id.cert_file);
  c.args.push_back("--tls_key=" + id.key_file);
  c.args.push_back("--tls_client_ca=" + root_cert_file);
  if (!spec.default_ttl().empty()) c.args.push_back("--default_ttl=" + spec.default_ttl());
  if (!spec.max_ttl().empty()) c.args.push_back("--max_ttl=" + spec.max_ttl());
  std::vector<std::string> routes;
  for (const auto& [oem, address] : oem_addresses) {
    routes.push_back(absl::StrCat("sct-push/", oem, "=", address));
  }
  if (!routes.empty()) {
    c.args.push_back("--push_route=" + absl::StrJoin(routes, ","));
    c.args.push_back("--push_ca_cert=" + device_trust_file);
    c.args.push_back("--push_client_cert=" + id.cert_file);
    c.args.push_back("--push_client_key=" + id.key_file);
  }
  if (spec.malicious_size() > 0) {
    std::vector<std::string> names;
    for (int b : spec.malicious()) {
      names.push_back(absl::AsciiStrToLower(sv1::MaliciousBehaviour_Name(b)));
    }
    c.args.push_back("--malicious=" + absl::StrJoin(names, ","));
  }
  c.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  return c;
}

ServiceCommand DerivedRelayCommand(const sv1::RelaySpec& spec, const PkiIdentity& id,
                                   const WorkDir& dir, const std::string& root_cert_file) {
  ServiceCommand c;
  c.binary = "relay/derived/derived_relay_server";
  c.grpc_listen_flag = "grpc_listen";
  c.http_listen_flag = "http_listen";
  if (spec.store() == sv1::MEMORY) {
    c.args.push_back("--store=memory");
  } else {
    const std::string db = dir.Data("derived-relay.db");
    c.args.push_back("--store=sqlite");
    c.args.push_back("--sqlite_path=" + db);
    c.data_files = {db, db + "-wal", db + "-shm"};
  }
  c.args.push_back("--tls_cert=" + id.cert_file);
  c.args.push_back("--tls_key=" + id.key_file);
  c.args.push_back("--tls_client_ca=" + root_cert_file);
  if (!spec.default_ttl().empty()) c.args.push_back("--ttl=" + spec.default_ttl());
  return c;
}

ServiceCommand ProximityCommand(const PkiIdentity& id, const std::string& root_cert_file,
                                const std::vector<std::string>& in_range) {
  ServiceCommand c;
  c.binary = "relay/derived/derived_relay_server";
  c.grpc_listen_flag = "grpc_listen";
  c.http_listen_flag = "http_listen";
  c.args = {"--store=memory", "--ttl=10m", "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file, "--tls_client_ca=" + root_cert_file,
            "--in_range=" + absl::StrJoin(in_range, ",")};
  return c;
}

std::vector<std::string> DirectInRangeAddresses(const sv1::Topology& t) {
  const std::map<std::string, std::string> plan = AddressPlan(t);
  std::vector<std::string> out;
  for (const sv1::DeviceSpec& d : t.devices()) {
    const auto& named = t.architecture().direct_in_range();
    if (!named.empty() && std::find(named.begin(), named.end(), d.id()) == named.end()) continue;
    auto it = plan.find(d.id());
    if (it != plan.end()) out.push_back(it->second);
  }
  return out;
}

ServiceCommand RedisServerCommand(const std::string& conf_file, const std::string& address,
                                  const std::string& dir) {
  ServiceCommand c;
  c.binary = "/usr/bin/redis-server";
  c.grpc_listen_flag.clear();
  c.address = address;
  c.args = {conf_file};
  c.data_files = {dir + "/appendonlydir"};
  return c;
}

ServiceCommand ChannelCommand(const sv1::Topology& topology, const PkiIdentity& id,
                              const std::string& root_cert_file,
                              const std::string& device_trust_file) {
  bool preview_bot = false;
  for (const auto& c : topology.channels()) {
    if (c.kind() == cv1::MESSENGER) preview_bot = c.preview_bot();
  }
  ServiceCommand c;
  c.binary = "channel/channel_server";
  c.args = {"--tls_cert=" + id.cert_file, "--tls_key=" + id.key_file,
            "--tls_client_ca=" + root_cert_file,
            // The preview bot fetches relay pages: trust what devices trust.
            "--preview_bot_ca=" + device_trust_file,
            absl::StrCat("--preview_bot=", preview_bot ? "true" : "false")};
  c.extra_flags.assign(topology.channel_flags().begin(), topology.channel_flags().end());
  return c;
}

chv1::MailScanner MailScannerOf(sv1::MailScanner scanner) {
  switch (scanner) {
    case sv1::GET_ONLY:
      return chv1::MAIL_SCANNER_GET;
    case sv1::POST_FOLLOWING:
      return chv1::MAIL_SCANNER_POST;
    default:
      return chv1::MAIL_SCANNER_NONE;
  }
}

std::vector<chv1::ConfigureRequest> ChannelConfigureRequests(const sv1::Topology& topology) {
  std::vector<chv1::ConfigureRequest> configs;
  for (const auto& c : topology.channels()) {
    chv1::ConfigureRequest req;
    req.set_kind(c.kind());
    chv1::ChannelConfig* cfg = req.mutable_config();
    ToProto(DurationOr(c.delay(), absl::ZeroDuration()), cfg->mutable_delay());
    ToProto(DurationOr(c.jitter(), absl::ZeroDuration()), cfg->mutable_jitter());
    cfg->set_loss_probability(c.loss());
    cfg->set_duplicate_probability(c.duplicate());
    cfg->set_max_body_length(c.max_body_length());
    cfg->set_preview_bot(c.preview_bot());
    ToProto(DurationOr(c.preview_delay(), absl::ZeroDuration()), cfg->mutable_preview_delay());
    cfg->set_mail_scanner(MailScannerOf(c.mail_scanner()));
    configs.push_back(req);
  }
  return configs;
}

std::string AccessPointKeyFile(const WorkDir& dir, absl::string_view access_point_id) {
  return dir.Data(absl::StrCat(access_point_id, "-hpke.key"));
}

ServiceCommand AccessPointCommand(const sv1::AccessPointSpec& spec, const PkiIdentity& id,
                                  const std::string& root_cert_file,
                                  const AuthorityOfAccessPoint& authority,
                                  const std::string& key_file) {
  ServiceCommand c;
  c.binary = "access_point/access_point";
  c.args = {"--ap_id=" + spec.id(),
            absl::StrCat("--kind=", ApKindFlag(spec.kind())),
            "--actions=" + absl::StrJoin(spec.entitlements(), ","),
            "--ca_target=" + authority.peer.grpc_address,
            "--ca_trust_anchor=" + authority.root_file,
            "--authority_id=" + authority.authority_id,
            "--ca_tls_ca=" + authority.peer.trust_file,
            "--ca_tls_cert=" + id.cert_file,
            "--ca_tls_key=" + id.key_file,
            "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file,
            // Devices present no certificate; the engine presents "admin".
            "--tls_client_ca=" + root_cert_file,
            "--tls_require_client_cert=false",
            "--ap_key=" + key_file,
            std::string("--revocation_mode=") +
                (spec.revocation() == ::access_point::v1::POLL ? "poll" : "watch")};
  if (!spec.poll_interval().empty()) c.args.push_back("--poll_interval=" + spec.poll_interval());
  c.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  return c;
}

ServiceCommand DeviceCommand(const sv1::DeviceSpec& spec, const WorkDir& dir,
                             const DevicePeers& peers, const std::string& device_trust_file) {
  ServiceCommand c;
  const std::string state = dir.Data(spec.id() + ".state");
  const absl::Duration poll = DurationOr(spec.poll_interval(), absl::Seconds(2));
  c.binary = "device/device_agent";
  c.args = {"--device_id=" + spec.id(),
            "--oem_id=" + spec.oem(),
            "--oem_target=" + peers.oem_address,
            "--channel_target=" + peers.channel_address,
            "--state_file=" + state,
            "--address=" + spec.addresses(0).address(),
            "--tls_ca=" + device_trust_file,
            "--poll_initial=" + absl::FormatDuration(poll),
            "--poll_max=" + absl::FormatDuration(poll * 4)};
  if (spec.relay_api() == sv1::GRPC) {
    c.args.push_back("--relay_grpc_target=" + peers.relay_address);
  } else {
    c.args.push_back("--relay_http_url=" + peers.relay_http_url);
    c.args.push_back("--relay_ca_file=" + peers.relay_ca_file);
    if (!peers.ohttp_relay_url.empty()) {
      c.args.push_back("--ohttp_relay_url=" + peers.ohttp_relay_url);
      c.args.push_back("--ohttp_keys_file=" + peers.ohttp_keys_file);
    }
  }
  if (!peers.derived_relay_url.empty()) {
    c.args.push_back("--derived_relay_url=" + peers.derived_relay_url);
  }
  if (spec.no_push()) c.args.push_back("--no_push");
  c.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  c.data_files = {state};
  return c;
}

std::vector<std::string> PinVariantDeviceFlags(const sv1::ArchitectureSpec& arch) {
  std::vector<std::string> flags;
  if (arch.pin_binding() == sv1::BOUND_INTO_KEY) flags.push_back("--pin_in_key");
  return flags;
}

std::vector<std::string> AttestationVariantRelayFlags(const sv1::ArchitectureSpec& arch,
                                                      const std::vector<std::string>& oem_roots) {
  if (!arch.relay_verifies_attestation()) return {};
  return {"--attestation_roots=" + absl::StrJoin(oem_roots, ",")};
}

std::vector<std::string> AttestationVariantDeviceFlags(const sv1::ArchitectureSpec& arch) {
  if (!arch.relay_verifies_attestation()) return {};
  return {"--relay_attestation"};
}

}  // namespace sct::scenarios

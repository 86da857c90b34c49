#include "scenarios/launcher/service_commands.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "scenarios/launcher/ohttp_commands.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

const WorkDir kDir("/w");
const PkiIdentity kId{"/w/pki/me.pem", "/w/pki/me.key"};

// `text` (plus a relay, when it names none) through ResolveTopology.
sv1::Topology Resolved(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  if (!t.has_relay()) t.mutable_relay();
  absl::StatusOr<ResolvedTopology> resolved = ResolveTopology(t);
  EXPECT_TRUE(resolved.ok()) << resolved.status();
  return resolved.ok() ? resolved->proto() : t;
}

TEST(ServiceCommandsTest, AuthorityLedgerKeysAndOemRoots) {
  sv1::Topology t = Resolved(R"pb(authorities { id: "ca" flags: "--x=1" })pb");
  ServiceCommand c = AuthorityCommand(t.authorities(0), kId, kDir, "/w/pki/root.pem",
                                      {"oem-a=/w/data/oem-a-attestation.pem"});
  EXPECT_EQ(c.binary, "credential_authority/ca_server");
  EXPECT_EQ(c.grpc_listen_flag, "listen");
  EXPECT_THAT(c.args, Contains("--db_path=/w/data/ca.db"));
  EXPECT_THAT(c.args, Contains("--signing_key=/w/data/ca-signing.pem"));
  EXPECT_THAT(c.args, Contains("--oem_roots=oem-a=/w/data/oem-a-attestation.pem"));
  EXPECT_THAT(c.args, Contains("--admin_cn=admin"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
  EXPECT_THAT(c.extra_flags, ElementsAre("--x=1"));
  EXPECT_THAT(c.data_files, ElementsAre("/w/data/ca.db"));

  t.mutable_authorities(0)->set_store(sv1::MEMORY);
  c = AuthorityCommand(t.authorities(0), kId, kDir, "/w/pki/root.pem", {});
  EXPECT_THAT(c.args, Contains("--db_path=:memory:"));
  EXPECT_THAT(c.data_files, IsEmpty());
  EXPECT_THAT(c.args, Not(Contains(testing::StartsWith("--max_pin_attempts"))));

  t.mutable_authorities(0)->set_max_pin_attempts(3);
  c = AuthorityCommand(t.authorities(0), kId, kDir, "/w/pki/root.pem", {});
  EXPECT_THAT(c.args, Contains("--max_pin_attempts=3"));
}

TEST(ServiceCommandsTest, OemBridgesToItsAuthority) {
  sv1::Topology t = Resolved(R"pb(authorities { id: "ca" }
                                  oems { id: "oem-a" })pb");
  ServiceCommand c =
      OemCommand(t.oems(0), kId, kDir, "/w/pki/root.pem", {"127.0.0.1:7", "/ca-trust.pem"});
  EXPECT_EQ(c.binary, "oem_server/oem_server");
  EXPECT_THAT(c.args, Contains("--attestation_ca_key=/w/data/oem-a-attestation.key"));
  EXPECT_THAT(c.args, Contains("--attestation_ca_cert=/w/data/oem-a-attestation.pem"));
  EXPECT_THAT(c.args, Contains("--ca_target=127.0.0.1:7"));
  EXPECT_THAT(c.args, Contains("--ca_tls_root=/ca-trust.pem"));
  EXPECT_THAT(c.args, Contains("--relay_cn=relay"));
  EXPECT_THAT(c.data_files, ElementsAre("/w/data/oem-a.db"));
}

TEST(ServiceCommandsTest, RelayStoresTtlsAndPushRoutes) {
  sv1::Topology t = Resolved(R"pb(relay { default_ttl: "1h" })pb");
  ServiceCommand c = RelayCommand(t.relay(), kId, kDir, "/w/pki/root.pem",
                                  {{"oem-a", "127.0.0.1:1"}, {"oem-b", "127.0.0.1:2"}}, "/trust");
  EXPECT_EQ(c.binary, "relay/relay_server");
  EXPECT_EQ(c.grpc_listen_flag, "grpc_listen");
  EXPECT_EQ(c.http_listen_flag, "http_listen");
  EXPECT_THAT(c.args, Contains("--store=sqlite"));
  EXPECT_THAT(c.args, Contains("--default_ttl=1h"));
  EXPECT_THAT(c.args, Not(Contains(testing::StartsWith("--max_ttl"))));
  EXPECT_THAT(c.args,
              Contains("--push_route=sct-push/oem-a=127.0.0.1:1,sct-push/oem-b=127.0.0.1:2"));
  EXPECT_THAT(c.args, Contains("--push_ca_cert=/trust"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
  EXPECT_THAT(c.data_files,
              ElementsAre("/w/data/relay.db", "/w/data/relay.db-wal", "/w/data/relay.db-shm"));
  EXPECT_THAT(c.args, Not(Contains(testing::StartsWith("--malicious"))));
  // The active malicious relay: the behaviours by the binary's names.
  sv1::Topology bad = Resolved(R"pb(relay { malicious: [ DROP_ROUND, LIE_ABOUT_EXPIRY ] })pb");
  EXPECT_THAT(RelayCommand(bad.relay(), kId, kDir, "/w/pki/root.pem", {}, "/trust").args,
              Contains("--malicious=drop_round,lie_about_expiry"));

  t.mutable_relay()->set_store(sv1::REDIS);
  t.mutable_relay()->set_redis_address("127.0.0.1:6379");
  c = RelayCommand(t.relay(), kId, kDir, "/w/pki/root.pem", {}, "/trust");
  EXPECT_EQ(absl::StrJoin(c.args, " ").rfind("--store=redis --redis=127.0.0.1:6379", 0), 0u);
  EXPECT_THAT(c.args, Not(Contains(testing::StartsWith("--push_route"))));
  EXPECT_THAT(c.data_files, IsEmpty());

  // A launched Redis: its nodes, and the relay's login when it has one.
  t.mutable_relay()->clear_redis_address();
  c = RelayCommand(t.relay(), kId, kDir, "/w/pki/root.pem", {}, "/trust",
                   {{"127.0.0.1:7001", "127.0.0.1:7002"}, "relay", "/w/data/pw"});
  EXPECT_EQ(absl::StrJoin(c.args, " ").rfind(
                "--store=redis --redis=127.0.0.1:7001,127.0.0.1:7002 --redis_user=relay "
                "--redis_password_file=/w/data/pw",
                0),
            0u);
  c = RelayCommand(t.relay(), kId, kDir, "/w/pki/root.pem", {}, "/trust",
                   {{"127.0.0.1:7001"}, "", ""});
  EXPECT_THAT(c.args, Not(Contains(testing::StartsWith("--redis_user"))));
}

TEST(ServiceCommandsTest, RedisServerRunsItsConfigWithoutServiceFlags) {
  ServiceCommand c = RedisServerCommand("/w/data/redis/redis.conf", "127.0.0.1:7001",
                                        "/w/data/redis");
  EXPECT_EQ(c.binary, "/usr/bin/redis-server");
  EXPECT_TRUE(c.grpc_listen_flag.empty());
  EXPECT_EQ(c.address, "127.0.0.1:7001");
  EXPECT_THAT(c.args, ElementsAre("/w/data/redis/redis.conf"));
  EXPECT_THAT(c.data_files, ElementsAre("/w/data/redis/appendonlydir"));
}

TEST(ServiceCommandsTest, ChannelPreviewBotAndConfigureRequests) {
  sv1::Topology t = Resolved(R"pb(
    channels { kind: SMS delay: "10ms" loss: 0.5 }
    channels { kind: MESSENGER preview_bot: true preview_delay: "1s" }
  )pb");
  ServiceCommand c = ChannelCommand(t, kId, "/w/pki/root.pem", "/trust");
  EXPECT_EQ(c.binary, "channel/channel_server");
  EXPECT_THAT(c.args, Contains("--preview_bot=true"));
  EXPECT_THAT(c.args, Contains("--preview_bot_ca=/trust"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
  std::vector<::channel::v1::ConfigureRequest> configs = ChannelConfigureRequests(t);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].kind(), ::common::v1::SMS);
  EXPECT_EQ(configs[0].config().delay().nanos(), 10000000);
  EXPECT_DOUBLE_EQ(configs[0].config().loss_probability(), 0.5);
  EXPECT_EQ(configs[1].config().preview_delay().seconds(), 1);
  EXPECT_TRUE(configs[1].config().preview_bot());
}

TEST(ServiceCommandsTest, ChannelFlagsReachTheChannelServer) {
  sv1::Topology t = Resolved(R"pb(
    channel_flags: [ "--message_retention=2m", "--inbox_max_messages=500" ]
  )pb");
  ServiceCommand c = ChannelCommand(t, kId, "/w/pki/root.pem", "/trust");
  EXPECT_THAT(c.extra_flags, ElementsAre("--message_retention=2m", "--inbox_max_messages=500"));
  EXPECT_THAT(ChannelCommand(Resolved(""), kId, "/w/pki/root.pem", "/trust").extra_flags,
              IsEmpty());
}

TEST(ServiceCommandsTest, AccessPointKindActionsAndAuthority) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    access_points { id: "door-1" kind: DOOR revocation: POLL }
  )pb");
  AuthorityOfAccessPoint ca;
  ca.peer = {"127.0.0.1:9", "/ca-trust.pem"};
  ca.root_file = "/w/data/ca-authority-root.pem";
  ca.authority_id = "ca";
  const std::string key = AccessPointKeyFile(kDir, "door-1");
  EXPECT_EQ(key, "/w/data/door-1-hpke.key");
  ServiceCommand c = AccessPointCommand(t.access_points(0), kId, "/w/pki/root.pem", ca, key);
  EXPECT_EQ(c.binary, "access_point/access_point");
  EXPECT_THAT(c.args, Contains("--kind=door"));
  EXPECT_THAT(c.args, Contains("--actions=enter,unlock,lock"));
  EXPECT_THAT(c.args, Contains("--ca_trust_anchor=/w/data/ca-authority-root.pem"));
  EXPECT_THAT(c.args, Contains("--revocation_mode=poll"));
  EXPECT_THAT(c.args, Contains("--poll_interval=5s"));
  EXPECT_THAT(c.args, Contains("--ap_key=/w/data/door-1-hpke.key"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
  EXPECT_THAT(c.args, Contains("--tls_require_client_cert=false"));
}

const DevicePeers kPeers{"o:1", "r:2", "https://127.0.0.1:4", "/relay-ca.pem", "c:3"};

TEST(ServiceCommandsTest, DeviceReachesTheRelayOverHttpByDefault) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" }
  )pb");
  ServiceCommand c = DeviceCommand(t.devices(0), kDir, kPeers, "/trust");
  EXPECT_THAT(c.args, Contains("--relay_http_url=https://127.0.0.1:4"));
  EXPECT_THAT(c.args, Contains("--relay_ca_file=/relay-ca.pem"));
  for (const std::string& a : c.args) EXPECT_FALSE(absl::StartsWith(a, "--relay_grpc_target"));
}

TEST(ServiceCommandsTest, DeviceGetsTheDerivedRelayWhenOneRuns) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" }
  )pb");
  for (const std::string& a : DeviceCommand(t.devices(0), kDir, kPeers, "/trust").args) {
    EXPECT_FALSE(absl::StartsWith(a, "--derived_relay_url")) << a;
  }
  DevicePeers peers = kPeers;
  peers.derived_relay_url = "https://127.0.0.1:5";
  ServiceCommand c = DeviceCommand(t.devices(0), kDir, peers, "/trust");
  EXPECT_THAT(c.args, Contains("--derived_relay_url=https://127.0.0.1:5"));
  EXPECT_THAT(c.args, Contains("--relay_http_url=https://127.0.0.1:4"));
}

TEST(ServiceCommandsTest, DerivedRelayStoreTlsAndTtl) {
  sv1::RelaySpec relay;
  relay.set_default_ttl("10m");
  ServiceCommand c = DerivedRelayCommand(relay, kId, kDir, "/w/pki/root.pem");
  EXPECT_EQ(c.binary, "relay/derived/derived_relay_server");
  EXPECT_EQ(c.http_listen_flag, "http_listen");
  EXPECT_EQ(c.grpc_listen_flag, "grpc_listen");
  EXPECT_THAT(c.args, Contains("--store=sqlite"));
  EXPECT_THAT(c.args, Contains("--sqlite_path=/w/data/derived-relay.db"));
  EXPECT_THAT(c.args, Contains("--ttl=10m"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
  relay.set_store(sv1::MEMORY);
  EXPECT_THAT(DerivedRelayCommand(relay, kId, kDir, "/w/pki/root.pem").args,
              Contains("--store=memory"));
}

TEST(ServiceCommandsTest, ProximityLinkServesOnlyTheDevicesInRange) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" }
    devices { id: "bob" oem: "oem-a" }
    devices { id: "carol" oem: "oem-a" }
    architecture { relay_design: DIRECT }
  )pb");
  EXPECT_THAT(DirectInRangeAddresses(t), ElementsAre("127.0.0.11", "127.0.0.12", "127.0.0.13"));
  t.mutable_architecture()->add_direct_in_range("carol");
  t.mutable_architecture()->add_direct_in_range("alice");
  EXPECT_THAT(DirectInRangeAddresses(t), ElementsAre("127.0.0.11", "127.0.0.13"));
  ServiceCommand c = ProximityCommand(kId, "/w/pki/root.pem", DirectInRangeAddresses(t));
  EXPECT_EQ(c.binary, "relay/derived/derived_relay_server");
  EXPECT_EQ(c.http_listen_flag, "http_listen");
  EXPECT_THAT(c.args, Contains("--store=memory"));
  EXPECT_THAT(c.args, Contains("--in_range=127.0.0.11,127.0.0.13"));
  EXPECT_THAT(c.args, Contains("--tls_client_ca=/w/pki/root.pem"));
}

TEST(ServiceCommandsTest, GrpcDeviceReachesTheRelayOverGrpcOnly) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" relay_api: GRPC }
  )pb");
  ServiceCommand c = DeviceCommand(t.devices(0), kDir, kPeers, "/trust");
  EXPECT_THAT(c.args, Contains("--relay_grpc_target=r:2"));
  for (const std::string& a : c.args) {
    EXPECT_FALSE(absl::StartsWith(a, "--relay_http_url")) << a;
    EXPECT_FALSE(absl::StartsWith(a, "--relay_ca_file")) << a;
  }
}

TEST(ServiceCommandsTest, DevicePeersStateAndPolling) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" poll_interval: "500ms" no_push: true }
  )pb");
  ServiceCommand c = DeviceCommand(t.devices(0), kDir, kPeers, "/trust");
  EXPECT_EQ(c.binary, "device/device_agent");
  EXPECT_THAT(c.args, Contains("--oem_target=o:1"));
  EXPECT_THAT(c.args, Contains("--channel_target=c:3"));
  EXPECT_THAT(c.args, Contains("--address=+15550000001"));
  EXPECT_THAT(c.args, Contains("--poll_initial=500ms"));
  EXPECT_THAT(c.args, Contains("--poll_max=2s"));
  EXPECT_THAT(c.args, Contains("--no_push"));
  EXPECT_THAT(c.data_files, ElementsAre("/w/data/alice.state"));
}

TEST(ServiceCommandsTest, PinInKeyGivesEveryDeviceItsFlag) {
  sv1::ArchitectureSpec arch;
  EXPECT_THAT(PinVariantDeviceFlags(arch), IsEmpty());
  arch.set_pin_binding(sv1::CHECKED_AT_REDEMPTION);
  EXPECT_THAT(PinVariantDeviceFlags(arch), IsEmpty());
  arch.set_pin_binding(sv1::BOUND_INTO_KEY);
  EXPECT_THAT(PinVariantDeviceFlags(arch), ElementsAre("--pin_in_key"));
}

TEST(ServiceCommandsTest, RelayAttestationGivesTheRelayTheOemRootsAndDevicesTheirFlag) {
  sv1::ArchitectureSpec arch;
  const std::vector<std::string> roots = {"oem-a=/w/data/oem-a-attestation.pem",
                                          "oem-b=/w/data/oem-b-attestation.pem"};
  EXPECT_THAT(AttestationVariantRelayFlags(arch, roots), IsEmpty());
  EXPECT_THAT(AttestationVariantDeviceFlags(arch), IsEmpty());
  arch.set_relay_verifies_attestation(true);
  EXPECT_THAT(AttestationVariantRelayFlags(arch, roots),
              ElementsAre("--attestation_roots=oem-a=/w/data/oem-a-attestation.pem,"
                          "oem-b=/w/data/oem-b-attestation.pem"));
  EXPECT_THAT(AttestationVariantDeviceFlags(arch), ElementsAre("--relay_attestation"));
}

TEST(ServiceCommandsTest, DurationOrFallsBack) {
  EXPECT_EQ(DurationOr("", absl::Seconds(2)), absl::Seconds(2));
  EXPECT_EQ(DurationOr("nonsense", absl::Seconds(2)), absl::Seconds(2));
  EXPECT_EQ(DurationOr("-1h", absl::Seconds(2)), absl::Hours(-1));
}

}  // namespace
TEST(ServiceCommandsTest, OhttpDevicesGoThroughTheObliviousRelay) {
  sv1::Topology t = Resolved(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" }
  )pb");
  DevicePeers peers = kPeers;
  peers.ohttp_relay_url = "https://127.0.0.1:9/relay";
  peers.ohttp_keys_file = "/w/data/ohttp-gateway-keys";
  ServiceCommand c = DeviceCommand(t.devices(0), kDir, peers, "/trust");
  EXPECT_THAT(c.args, Contains("--relay_http_url=https://127.0.0.1:4"));
  EXPECT_THAT(c.args, Contains("--ohttp_relay_url=https://127.0.0.1:9/relay"));
  EXPECT_THAT(c.args, Contains("--ohttp_keys_file=/w/data/ohttp-gateway-keys"));
  c = DeviceCommand(t.devices(0), kDir, kPeers, "/trust");
  for (const std::string& a : c.args) EXPECT_FALSE(absl::StartsWith(a, "--ohttp")) << a;
}

TEST(ServiceCommandsTest, OhttpGatewayAndRelayCommands) {
  const PkiIdentity id{"/pki/x.pem", "/pki/x.key"};
  ServiceCommand g = OhttpGatewayCommand(id, "/root.pem", "https://127.0.0.1:4", "/relay-ca.pem",
                                         "/w/data/keys");
  EXPECT_EQ(g.binary, "ohttp_gateway/ohttp_gateway");
  EXPECT_EQ(g.grpc_listen_flag, "grpc_listen");
  EXPECT_EQ(g.http_listen_flag, "http_listen");
  EXPECT_THAT(g.args, Contains("--target_url=https://127.0.0.1:4"));
  EXPECT_THAT(g.args, Contains("--target_ca_file=/relay-ca.pem"));
  EXPECT_THAT(g.args, Contains("--keys_out=/w/data/keys"));
  EXPECT_THAT(g.args, Contains("--tls_cert=/pki/x.pem"));
  ServiceCommand r = OhttpRelayCommand(id, "/root.pem", "https://127.0.0.1:5", "/root.pem");
  EXPECT_EQ(r.binary, "ohttp_relay/ohttp_relay");
  EXPECT_THAT(r.args, Contains("--gateway_url=https://127.0.0.1:5/gateway"));
  EXPECT_THAT(r.args, Contains("--tls_client_ca=/root.pem"));
}

}  // namespace sct::scenarios

#include "scenarios/launcher/topology.h"

#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;

sv1::Topology Parse(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

constexpr char kBase[] = R"pb(
  relay {}
  authorities { id: "ca" }
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  access_points { id: "car-1" kind: CAR }
  access_points { id: "door-1" kind: DOOR revocation: POLL }
  devices {
    id: "alice"
    oem: "oem-a"
    addresses { channel: SMS address: "+15550001" }
  }
  devices {
    id: "bob"
    oem: "oem-b"
    personas { name: "work" kind: WORK }
    personas { name: "home" }
  }
  owner_credentials { id: "alice-car" device: "alice" access_point: "car-1" }
  owner_credentials {
    id: "bob-door"
    device: "bob"
    persona: "home"
    access_point: "door-1"
    kind: SYMMETRIC
    entitlements: "enter"
    validity { not_before: "-1h" not_after: "-10m" }
  }
)pb";

TEST(TopologyTest, FillsEveryDefault) {
  auto t = ResolveTopology(Parse(kBase));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->proto().relay().store(), sv1::SQLITE);
  EXPECT_EQ(t->proto().authorities(0).store(), sv1::SQLITE);
  EXPECT_EQ(t->proto().oems(1).authority(), "ca");
  EXPECT_EQ(t->proto().access_points(0).authority(), "ca");
  EXPECT_EQ(std::vector<std::string>(t->proto().access_points(0).entitlements().begin(),
                                     t->proto().access_points(0).entitlements().end()),
            (std::vector<std::string>{"unlock", "lock", "drive", "open_trunk"}));
  EXPECT_EQ(t->proto().access_points(0).revocation(), ::access_point::v1::WATCH);
  EXPECT_EQ(t->proto().access_points(0).poll_interval(), "");
  EXPECT_EQ(t->proto().access_points(1).entitlements_size(), 3);
  EXPECT_EQ(t->proto().access_points(1).poll_interval(), "5s");

  const sv1::DeviceSpec& alice = t->proto().devices(0);
  ASSERT_EQ(alice.personas_size(), 1);
  EXPECT_EQ(alice.personas(0).name(), "personal");
  EXPECT_EQ(alice.personas(0).kind(), cv1::PERSONAL);
  EXPECT_EQ(alice.addresses(0).address(), "+15550001");  // given: first
  EXPECT_EQ(AddressOf(alice, cv1::SMS), "+15550001");
  EXPECT_EQ(AddressOf(alice, cv1::EMAIL), "alice@example.test");
  EXPECT_EQ(AddressOf(alice, cv1::MESSENGER), "@alice");
  EXPECT_EQ(alice.poll_interval(), "2s");
  const sv1::DeviceSpec& bob = t->proto().devices(1);
  EXPECT_EQ(AddressOf(bob, cv1::SMS), "+15550000002");
  EXPECT_EQ(bob.personas(1).kind(), cv1::PERSONAL);

  const sv1::OwnerCredentialSpec& car = t->proto().owner_credentials(0);
  EXPECT_EQ(car.persona(), "personal");
  EXPECT_EQ(car.kind(), cv1::ASYMMETRIC);
  EXPECT_EQ(car.entitlements_size(), 4);
  EXPECT_EQ(car.validity().not_before(), "0s");
  EXPECT_EQ(car.validity().not_after(), "720h");
  EXPECT_EQ(car.label(), "alice-car");
  const sv1::OwnerCredentialSpec& door = t->proto().owner_credentials(1);
  EXPECT_EQ(door.persona(), "home");
  EXPECT_EQ(door.kind(), cv1::SYMMETRIC);
  EXPECT_EQ(door.entitlements_size(), 1);
  EXPECT_EQ(door.validity().not_after(), "-10m");  // expired on purpose
}

TEST(TopologyTest, DefaultAddresses) {
  EXPECT_EQ(DefaultAddress("x", 0, cv1::SMS), "+15550000001");
  EXPECT_EQ(DefaultAddress("x", 41, cv1::SMS), "+15550000042");
  EXPECT_EQ(DefaultAddress("eve", 3, cv1::EMAIL), "eve@example.test");
  EXPECT_EQ(DefaultAddress("eve", 3, cv1::MESSENGER), "@eve");
}

// The address an adversary's tap filters on: the given one, else the default.
TEST(DeviceAddressTest, ExplicitAddressElseDefault) {
  auto t = ResolveTopology(Parse(R"pb(
    relay {}
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices {
      id: "bob-phone"
      oem: "oem-a"
      addresses { channel: SMS address: "+15550002" }
    }
  )pb"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->AddressOf("bob-phone", cv1::SMS), "+15550002");
  EXPECT_EQ(t->AddressOf("bob-phone", cv1::EMAIL), DefaultAddress("bob-phone", 0, cv1::EMAIL));
  EXPECT_FALSE(t->AddressOf("bob-phone", cv1::MESSENGER).empty());
  EXPECT_EQ(t->AddressOf("nobody", cv1::SMS), "");
}

TEST(TopologyTest, RedisStoreWithoutAddressIsLaunched) {
  auto single = ResolveTopology(Parse(R"(relay { store: REDIS })"));
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(LaunchedRedisNames(single->proto().relay()), std::vector<std::string>{"redis"});
  auto cluster = ResolveTopology(Parse(R"(relay { store: REDIS redis { cluster_masters: 3 } })"));
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(LaunchedRedisNames(cluster->proto().relay()),
            (std::vector<std::string>{"redis-0", "redis-1", "redis-2"}));
  auto external = ResolveTopology(Parse(R"(relay { store: REDIS redis_address: "127.0.0.1:1" })"));
  ASSERT_TRUE(external.ok()) << external.status();
  EXPECT_TRUE(LaunchedRedisNames(external->proto().relay()).empty());
  EXPECT_TRUE(LaunchedRedisNames(Parse(R"(relay { store: SQLITE })").relay()).empty());
}

TEST(TopologyTest, RelayByUrlOnlyIsValidAndDevicesDefaultToHttp) {
  auto t = ResolveTopology(Parse(R"pb(
    relay { attach { http_url: "https://127.0.0.1:1" ca_cert_file: "/ca.pem" } }
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "a" oem: "oem-a" }
  )pb"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->proto().devices(0).relay_api(), sv1::HTTP);
}

TEST(TopologyTest, RelayApiDefaultsToHttpElseGrpcForAGrpcOnlyRelay) {
  const std::string rest = R"pb(
    authorities { id: "ca" } oems { id: "oem-a" } devices { id: "a" oem: "oem-a" }
    devices { id: "b" oem: "oem-a" relay_api: GRPC })pb";
  auto launched = ResolveTopology(Parse("relay {} " + rest));
  ASSERT_TRUE(launched.ok()) << launched.status();
  EXPECT_EQ(launched->proto().devices(0).relay_api(), sv1::HTTP);
  EXPECT_EQ(launched->proto().devices(1).relay_api(), sv1::GRPC);
  auto grpc_only = ResolveTopology(Parse(R"pb(relay { attach { grpc_address: "x:1" } })pb" + rest));
  ASSERT_TRUE(grpc_only.ok()) << grpc_only.status();
  EXPECT_EQ(grpc_only->proto().devices(0).relay_api(), sv1::GRPC);
}

TEST(ResolvedTopologyTest, FindsDevicesById) {
  auto t = ResolveTopology(Parse(kBase));
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_NE(t->FindDevice("bob"), nullptr);
  EXPECT_EQ(t->FindDevice("bob")->oem(), "oem-b");
  EXPECT_EQ(t->FindDevice("carol"), nullptr);
}

struct BadCase {
  std::string id;
  std::string topology;
  std::string message_prefix;
};

class BadTopologyTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadTopologyTest, NamesTheField) {
  auto t = ResolveTopology(Parse(GetParam().topology));
  ASSERT_FALSE(t.ok()) << GetParam().id;
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(t.status().message(), GetParam().message_prefix))
      << GetParam().id << ": " << t.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadTopologyTest,
    ::testing::Values(
        BadCase{"no_relay", R"(authorities { id: "ca" })", "topology.relay: required"},
        BadCase{"unknown_oem",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" } devices { id: "b" oem: "oem-z" })",
                "topology.devices[1].oem: unknown OEM \"oem-z\""},
        BadCase{"duplicate_id_across_kinds",
                R"(relay {} authorities { id: "ca" } oems { id: "ca" })",
                "topology.oems[0].id: duplicate id \"ca\""},
        BadCase{"reserved_id", R"(relay {} authorities { id: "admin" })",
                "topology.authorities[0].id: \"admin\" is reserved"},
        BadCase{"unsafe_id", R"(relay {} authorities { id: "../ca" })",
                "topology.authorities[0].id:"},
        BadCase{"redis_spec_without_redis_store", R"(relay { redis { cluster_masters: 3 } })",
                "topology.relay.redis: only with store: REDIS"},
        BadCase{"redis_spec_and_address",
                R"(relay { store: REDIS redis_address: "127.0.0.1:6379" redis { no_auth: true } })",
                "topology.relay.redis: describes a launched Redis"},
        BadCase{"redis_too_many_masters", R"(relay { store: REDIS redis { cluster_masters: 8 } })",
                "topology.relay.redis.cluster_masters: 8 is out of range"},
        BadCase{"redis_spec_with_attach",
                R"(relay { attach { grpc_address: "x:1" } redis {} })",
                "topology.relay.redis: not with attach"},
        BadCase{"reserved_redis_id", R"(relay {} authorities { id: "redis-2" })",
                "topology.authorities[0].id: \"redis-2\" is reserved"},
        BadCase{"bad_ttl", R"(relay { default_ttl: "soon" })",
                "topology.relay.default_ttl: \"soon\" is not a duration"},
        BadCase{"ttl_order", R"(relay { default_ttl: "10h" max_ttl: "1h" })",
                "topology.relay.max_ttl:"},
        BadCase{"attach_without_address", R"(relay { attach { ca_cert_file: "/ca.pem" } })",
                "topology.relay.attach.grpc_address: required to attach, unless http_url"},
        BadCase{"grpc_device_against_url_only_relay",
                R"(relay { attach { http_url: "https://127.0.0.1:1" } } authorities { id: "ca" }
                   oems { id: "oem-a" } devices { id: "a" oem: "oem-a" relay_api: GRPC })",
                "topology.devices[0].relay_api: GRPC needs a relay with a gRPC address"},
        BadCase{"http_device_against_grpc_only_relay",
                R"(relay { attach { grpc_address: "127.0.0.1:1" } } authorities { id: "ca" }
                   oems { id: "oem-a" } devices { id: "a" oem: "oem-a" relay_api: HTTP })",
                "topology.devices[0].relay_api: HTTP needs the relay's URL"},
        BadCase{"ambiguous_authority",
                R"(relay {} authorities { id: "ca1" } authorities { id: "ca2" }
                   oems { id: "oem-a" })",
                "topology.oems[0].authority: required when"},
        BadCase{"unknown_authority",
                R"(relay {} authorities { id: "ca" }
                   access_points { id: "car-1" kind: CAR authority: "cb" })",
                "topology.access_points[0].authority: unknown authority \"cb\""},
        BadCase{"ap_without_kind",
                R"(relay {} authorities { id: "ca" } access_points { id: "car-1" })",
                "topology.access_points[0].kind: required"},
        BadCase{"bad_poll_interval",
                R"(relay {} authorities { id: "ca" }
                   access_points { id: "car-1" kind: CAR poll_interval: "-1s" })",
                "topology.access_points[0].poll_interval:"},
        BadCase{"channel_loss", R"(relay {} channels { kind: SMS loss: 1.5 })",
                "topology.channels[0].loss: must be in [0,1]"},
        BadCase{"channel_twice", R"(relay {} channels { kind: SMS } channels { kind: SMS })",
                "topology.channels[1].kind: duplicate channel SMS"},
        BadCase{"preview_bot_on_sms", R"(relay {} channels { kind: SMS preview_bot: true })",
                "topology.channels[0].preview_bot:"},
        BadCase{"mail_scanner_on_messenger",
                R"(relay {} channels { kind: MESSENGER mail_scanner: POST_FOLLOWING })",
                "topology.channels[0].mail_scanner: only the EMAIL channel has a mail scanner"},
        BadCase{"duplicate_persona",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" personas { name: "p" } personas { name: "p" } })",
                "topology.devices[0].personas[1].name: duplicate persona \"p\""},
        BadCase{"shared_address",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" addresses { channel: SMS address: "+1" } }
                   devices { id: "b" oem: "oem-a" addresses { channel: SMS address: "+1" } })",
                "topology.devices[1].addresses[0].address: \"+1\" is also "
                "topology.devices[0].addresses[0].address"},
        BadCase{"owner_unknown_device",
                R"(relay {} authorities { id: "ca" }
                   access_points { id: "car-1" kind: CAR }
                   owner_credentials { id: "o" device: "nobody" access_point: "car-1" })",
                "topology.owner_credentials[0].device: unknown device \"nobody\""},
        BadCase{"owner_unknown_persona",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" }
                   access_points { id: "car-1" kind: CAR }
                   owner_credentials { id: "o" device: "a" persona: "work" access_point: "car-1" })",
                "topology.owner_credentials[0].persona: device \"a\" has no "
                "persona \"work\""},
        BadCase{"owner_unknown_ap",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" }
                   owner_credentials { id: "o" device: "a" access_point: "car-9" })",
                "topology.owner_credentials[0].access_point: unknown access "
                "point \"car-9\""},
        BadCase{"owner_unsupported_entitlement",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" }
                   access_points { id: "door-1" kind: DOOR }
                   owner_credentials { id: "o" device: "a" access_point: "door-1" entitlements: "drive" })",
                "topology.owner_credentials[0].entitlements[0]: \"drive\" is "
                "not supported by door-1"},
        BadCase{"owner_window",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" }
                   access_points { id: "car-1" kind: CAR }
                   owner_credentials { id: "o" device: "a" access_point: "car-1"
                                       validity { not_before: "1h" not_after: "1h" } })",
                "topology.owner_credentials[0].validity.not_after: must be "
                "after not_before"},
        BadCase{"owner_duplicate",
                R"(relay {} authorities { id: "ca" } oems { id: "oem-a" }
                   devices { id: "a" oem: "oem-a" }
                   access_points { id: "car-1" kind: CAR }
                   owner_credentials { id: "o" device: "a" access_point: "car-1" }
                   owner_credentials { id: "o" device: "a" access_point: "car-1" })",
                "topology.owner_credentials[1].id: duplicate id \"o\""},
        BadCase{"insecure_transport", R"(relay {} insecure_transport: true)",
                "topology.insecure_transport: not supported"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.id; });

}  // namespace
}  // namespace sct::scenarios

#include "relay/relay_server.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/relay/v1/relay.grpc.pb.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A configuration that starts: both listeners on loopback port 0, memory store.
RelayServerConfig LoopbackConfig() {
  RelayServerConfig config;
  config.http_listen = HostPort{"127.0.0.1", 0};
  config.grpc_listen = HostPort{"127.0.0.1", 0};
  config.store.kind = "memory";
  return config;
}

TEST(PrepareRelayTest, EveryBadFlagHasItsMessage) {
  struct Case {
    std::string name;
    std::function<void(RelayServerConfig&)> mutate;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"store", [](auto& c) { c.store.kind = "disk"; }, "--store: must be memory, sqlite or redis"},
      {"default_ttl", [](auto& c) { c.limits.default_ttl = absl::ZeroDuration(); },
       "--default_ttl: must be positive"},
      {"max_ttl", [](auto& c) { c.limits.max_ttl = c.limits.default_ttl - absl::Seconds(1); },
       "--max_ttl: must be at least --default_ttl"},
      {"max_payload_small", [](auto& c) { c.limits.max_payload_bytes = 27; },
       "--max_payload_bytes: must be between 28 (IV + tag) and 67108864"},
      {"max_payload_large", [](auto& c) { c.limits.max_payload_bytes = 64 * 1024 * 1024 + 1; },
       "--max_payload_bytes: must be between 28 (IV + tag) and 67108864"},
      {"creates", [](auto& c) { c.limits.creates_per_window = 0; },
       "--creates_per_window: must be at least 1"},
      {"lookups", [](auto& c) { c.limits.failed_lookups_per_window = 0; },
       "--failed_lookups_per_window: must be at least 1"},
      {"rate_window", [](auto& c) { c.limits.rate_window = absl::ZeroDuration(); },
       "--rate_window: must be positive"},
      {"delete_log_retention",
       [](auto& c) { c.limits.delete_log_retention = absl::Seconds(-1); },
       "--delete_log_retention: must not be negative"},
      {"delete_log_capacity_zero", [](auto& c) { c.limits.delete_log_capacity = 0; },
       "--delete_log_capacity: must be between 1 and 16777216"},
      {"delete_log_capacity_large",
       [](auto& c) { c.limits.delete_log_capacity = (size_t{1} << 24) + 1; },
       "--delete_log_capacity: must be between 1 and 16777216"},
      {"sweep", [](auto& c) { c.sweep_interval = absl::ZeroDuration(); },
       "--sweep_interval: must be positive"},
      {"tls_half", [](auto& c) { c.tls_cert = "cert.pem"; },
       "--tls_cert/--tls_key: set both or neither"},
      {"push_route", [](auto& c) { c.push_routes = {"=127.0.0.1:1"}; }, "--push_route"},
      {"http_threads", [](auto& c) { c.http_threads = 0; },
       "--http_threads: must be between 1 and 1024"},
      {"http_max_connections", [](auto& c) { c.http.max_connections = 0; },
       "--http_max_connections: must be between 1 and 1048576"},
      {"http_per_address",
       [](auto& c) {
         c.http.max_connections = 10;
         c.http.max_connections_per_address = 11;
       },
       "--http_max_connections_per_address: must be between 1 and 10"},
      {"http_head_timeout", [](auto& c) { c.http.head_timeout = absl::ZeroDuration(); },
       "--http_head_timeout: must be positive and at most 1h"},
      {"http_body_timeout", [](auto& c) { c.http.body_timeout = absl::Hours(2); },
       "--http_body_timeout: must be positive and at most 1h"},
      {"http_idle_timeout", [](auto& c) { c.http.idle_timeout = -absl::Seconds(1); },
       "--http_idle_timeout: must be positive and at most 1h"},
      {"http_request_line", [](auto& c) { c.http.max_request_line = 63; },
       "--http_max_request_line: must be between 64 and 1048576"},
      {"http_header_bytes", [](auto& c) { c.http.max_header_bytes = static_cast<size_t>(-1); },
       "--http_max_header_bytes: must be between 1024 and 16777216"},
      {"http_header_count", [](auto& c) { c.http.max_header_count = 10001; },
       "--http_max_header_count: must be between 8 and 10000"},
      {"public_base_url", [](auto& c) { c.public_base_url = "ftp://relay.example"; },
       "--public_base_url: must start with http:// or https://"},
      {"malicious", [](auto& c) { c.malicious = {"drop_round", "eat_keys"}; },
       "--malicious: unknown behaviour \"eat_keys\" (known: serve_second_reader, "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RelayServerConfig config = LoopbackConfig();
    c.mutate(config);
    absl::StatusOr<RelaySetup> setup = PrepareRelay(config);
    ASSERT_FALSE(setup.ok());
    EXPECT_EQ(setup.status().code(), absl::StatusCode::kInvalidArgument) << setup.status();
    EXPECT_THAT(std::string(setup.status().message()), StartsWith(c.message));
  }
}

TEST(PrepareRelayTest, KeepsTheConfigurationAndParsesRoutes) {
  RelayServerConfig config = LoopbackConfig();
  config.public_base_url = "https://relay.example//";
  config.push_routes = {"oem-a=127.0.0.1:7001,oem-b=127.0.0.1:7002"};
  absl::StatusOr<RelaySetup> setup = PrepareRelay(config);
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->config.public_base_url, "https://relay.example");
  EXPECT_EQ(setup->push_routes.size(), 2u);
  EXPECT_EQ(setup->push_routes.at("oem-b"), "127.0.0.1:7002");
  EXPECT_EQ(setup->grpc_credentials, nullptr);
  EXPECT_EQ(setup->push_credentials, nullptr);
}

TEST(RelayServerTest, ServesBothFacesOnTheBoundPorts) {
  absl::StatusOr<RelaySetup> setup = PrepareRelay(LoopbackConfig());
  ASSERT_TRUE(setup.ok()) << setup.status();
  auto server = RelayServer::Start(*std::move(setup), /*sim=*/nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string http = (*server)->http_address();
  ASSERT_THAT(http, StartsWith("127.0.0.1:"));
  EXPECT_NE(http, "127.0.0.1:0");
  EXPECT_THAT((*server)->Describe(),
              StartsWith("store=memory tls=off public_base_url=http://" + http +
                         " default_ttl=48h max_ttl=168h max_payload_bytes=65536"));
  EXPECT_THAT((*server)->Describe(), HasSubstr(" push_routes=[]"));
  EXPECT_THAT((*server)->Describe(),
              HasSubstr(" http_threads=16 http_max_connections=4096"
                        " http_max_connections_per_address=256 http_head_timeout=10s"
                        " http_body_timeout=30s http_idle_timeout=5s http_max_request_line=8192"
                        " http_max_header_bytes=32768 http_max_header_count=64"));

  httplib::Client client("127.0.0.1", std::stoi(http.substr(http.rfind(':') + 1)));
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto channel = grpc::CreateChannel((*server)->grpc_address(), grpc::InsecureChannelCredentials());
  auto echo = ::relay::v1::Echo::NewStub(channel);
  grpc::ClientContext ctx;
  ::relay::v1::EchoRequest request;
  request.set_data("ping");
  ::relay::v1::EchoResponse response;
  ASSERT_TRUE(echo->Echo(&ctx, request, &response).ok());
  EXPECT_EQ(response.data(), "ping");

  (*server)->Shutdown();
  (*server)->Shutdown();  // idempotent
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST(RelayServerTest, AMaliciousRelaySaysSoInItsStartupLine) {
  RelayServerConfig config = LoopbackConfig();
  config.malicious = {"swap_payloads", "drop_round"};
  absl::StatusOr<RelaySetup> setup = PrepareRelay(config);
  ASSERT_TRUE(setup.ok()) << setup.status();
  auto server = RelayServer::Start(*std::move(setup), /*sim=*/nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT((*server)->Describe(), HasSubstr(" MALICIOUS=drop_round,swap_payloads"));
}

TEST(RelayServerTest, AStoreThatCannotOpenFailsTheStart) {
  RelayServerConfig config = LoopbackConfig();
  config.store.kind = "sqlite";
  config.store.sqlite_path = "/nonexistent-dir-for-sct-test/relay.db";
  absl::StatusOr<RelaySetup> setup = PrepareRelay(config);
  ASSERT_TRUE(setup.ok()) << setup.status();
  auto server = RelayServer::Start(*std::move(setup), /*sim=*/nullptr);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr(config.store.sqlite_path));
}

}  // namespace
}  // namespace sct::relay

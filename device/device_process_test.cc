#include "device/device_process.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/device/v1/device.grpc.pb.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Peers nobody serves: the process must start without them (enrolment and
// the push stream fail and are retried later).
DeviceConfig Config(const std::string& state_file) {
  DeviceConfig config;
  config.oem_id = "oem-a";
  config.oem_target = "127.0.0.1:1";
  config.relay_grpc_target = "127.0.0.1:1";
  config.state_file = state_file;
  config.enrol_at_start = false;
  config.address = "+15550001";
  return config;
}

std::unique_ptr<dv::DeviceAgent::Stub> ControlClient(const DeviceProcess& process) {
  return dv::DeviceAgent::NewStub(
      grpc::CreateChannel(process.address(), grpc::InsecureChannelCredentials()));
}

TEST(CheckConfigTest, NamesTheMissingFlag) {
  DeviceConfig config = Config("");
  EXPECT_TRUE(CheckConfig(config).ok());
  config.oem_id.clear();
  EXPECT_EQ(CheckConfig(config).message(), "--oem_id: required");
  config = Config("");
  config.oem_target.clear();
  EXPECT_EQ(CheckConfig(config).message(), "--oem_target: required");
  config = Config("");
  config.relay_grpc_target.clear();
  EXPECT_EQ(ReasonOf(CheckConfig(config)), "invalid_field");
  EXPECT_EQ(CheckConfig(config).message(),
            "--relay_grpc_target: required, or --relay_http_url");
  config.relay_http_url = "https://relay.test";
  EXPECT_TRUE(CheckConfig(config).ok());
  config.relay_grpc_target = "127.0.0.1:1";
  EXPECT_EQ(CheckConfig(config).message(),
            "--relay_grpc_target: give --relay_grpc_target or --relay_http_url, not both");
  config = Config("");
  config.relay_ca_file = "root.pem";
  EXPECT_EQ(CheckConfig(config).message(), "--relay_ca_file: needs --relay_http_url");
}

TEST(DeviceProcessTest, ABadRelayUrlIsRefusedNamingTheFlag) {
  DeviceConfig config = Config("");
  config.relay_grpc_target.clear();
  config.relay_http_url = "ftp://relay.test";
  auto process = DeviceProcess::Start(config, nullptr);
  ASSERT_FALSE(process.ok());
  EXPECT_EQ(ReasonOf(process.status()), "invalid_field");
  EXPECT_TRUE(absl::StartsWith(process.status().message(), "--relay_http_url: "))
      << process.status();
  config.relay_http_url = "https://127.0.0.1:1";
  config.relay_ca_file = TmpPath("no_such_ca.pem");
  process = DeviceProcess::Start(config, nullptr);
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::StartsWith(process.status().message(), "--relay_ca_file: "))
      << process.status();
}

TEST(CheckConfigTest, AVendorlessDeviceHasNoOemServerButItsOwnRootAndIdentity) {
  DeviceConfig config = Config("");
  config.vendorless_authority_target = "127.0.0.1:1";
  EXPECT_EQ(CheckConfig(config).message(),
            "--oem_target: a vendorless device (--vendorless_authority_target) has no OEM server");
  config.oem_target.clear();
  EXPECT_EQ(CheckConfig(config).message(),
            "--vendorless_attestation_key: required with --vendorless_authority_target");
  config.vendorless_attestation_key = "root.key";
  config.vendorless_attestation_cert = "root.pem";
  EXPECT_EQ(ReasonOf(CheckConfig(config)), "invalid_field");
  EXPECT_TRUE(absl::StartsWith(CheckConfig(config).message(), "--tls_client_cert: required"));
  config.tls_client_cert = "bob-key.pem";
  EXPECT_TRUE(CheckConfig(config).ok());
  EXPECT_FALSE(AgentOptionsFrom(config).push_tokens);
  EXPECT_TRUE(AgentOptionsFrom(Config("")).push_tokens);
}

TEST(AgentOptionsFromTest, CopiesTheAgentsSettings) {
  DeviceConfig config = Config("");
  config.model = "sim-tablet";
  config.poll_initial = absl::Seconds(1);
  config.poll_max = absl::Seconds(8);
  DeviceAgentOptions options = AgentOptionsFrom(config);
  EXPECT_EQ(options.oem_id, "oem-a");
  EXPECT_EQ(options.model, "sim-tablet");
  EXPECT_EQ(options.address, "+15550001");
  EXPECT_EQ(options.poll_initial, absl::Seconds(1));
  EXPECT_EQ(options.poll_max, absl::Seconds(8));
}

TEST(DeviceProcessTest, ServesTheControlApiAndKeepsTheWalletInTheStateFile) {
  const std::string state = TmpPath("process_wallet.state");
  std::remove(state.c_str());
  {
    auto process = DeviceProcess::Start(Config(state), nullptr);
    ASSERT_TRUE(process.ok()) << process.status();
    EXPECT_TRUE(absl::StartsWith((*process)->address(), "127.0.0.1:"));
    auto client = ControlClient(**process);
    grpc::ClientContext get;
    dv::GetStateResponse before;
    ASSERT_TRUE(client->GetState(&get, dv::GetStateRequest(), &before).ok());
    EXPECT_FALSE(before.enrolled());
    EXPECT_EQ(before.oem_id(), "oem-a");
    grpc::ClientContext add;
    dv::AddPersonaRequest work;
    work.set_name("work");
    work.set_kind(::common::v1::WORK);
    dv::AddPersonaResponse added;
    ASSERT_TRUE(client->AddPersona(&add, work, &added).ok());
    EXPECT_TRUE(added.created());
    (*process)->Shutdown();
    (*process)->Shutdown();  // idempotent
  }
  // A new process on the same state file has the persona.
  auto again = DeviceProcess::Start(Config(state), nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  auto client = ControlClient(**again);
  grpc::ClientContext get;
  dv::GetStateResponse after;
  ASSERT_TRUE(client->GetState(&get, dv::GetStateRequest(), &after).ok());
  ASSERT_EQ(after.personas_size(), 2);
  EXPECT_EQ(after.personas(1).name(), "work");
}

TEST(DeviceProcessTest, StartFailuresAreReported) {
  DeviceConfig config = Config("");
  config.oem_id.clear();
  EXPECT_EQ(ReasonOf(DeviceProcess::Start(config, nullptr).status()), "invalid_field");

  config = Config("");
  config.tls_ca = TmpPath("no-such-roots.pem");
  EXPECT_FALSE(DeviceProcess::Start(config, nullptr).ok());

  const std::string corrupt = TmpPath("corrupt.state");
  std::ofstream(corrupt) << "not a secure element";
  auto st = DeviceProcess::Start(Config(corrupt), nullptr).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReasonOf(st), "state_file_corrupt");

  config = Config("");
  config.listen = "not an address";
  EXPECT_FALSE(DeviceProcess::Start(config, nullptr).ok());
}

}  // namespace
}  // namespace sct::device

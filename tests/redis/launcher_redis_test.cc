// The launcher with a relay on a Redis store (store: REDIS): the relay
// process gets --store=redis --redis=ADDR, keeps no data files, and a mailbox
// survives a relay restart because it lives in Redis. A real redis-server is
// started by the relay's Redis harness (//relay/redis:redis_server), which is
// why this case lives under tests/ and not beside the launcher.
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/redis/testing/redis_server.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

std::string TmpDir(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

LaunchOptions Options(const std::string& name) {
  LaunchOptions o;
  o.binaries_dir = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab";
  o.work_dir = TmpDir(name);
  o.sim_control = false;
  o.start_timeout = absl::Seconds(60);
  return o;
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

// No child process of this test is left, not even a zombie.
bool NoChildren() {
  int status;
  return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

std::string Cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

TEST(LauncherTest, RedisRelayKeepsMailboxesInRedis) {
  auto redis = ::sct::relay::testing::RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  sv1::Topology t;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString("relay { store: REDIS }", &t));
  t.mutable_relay()->set_redis_address((*redis)->address());
  auto eco = Launch(t, Options("redis"));
  ASSERT_TRUE(eco.ok()) << eco.status();
  const Service* relay = (*eco)->Find("relay");
  ASSERT_NE(relay, nullptr);
  EXPECT_TRUE(relay->data_files.empty());
  const std::string cmd = Cmdline(relay->pid);
  EXPECT_NE(cmd.find("--store=redis --redis=" + (*redis)->address()), std::string::npos) << cmd;
  auto channel = (*eco)->Channel("relay");
  ASSERT_TRUE(channel.ok());
  auto stub = ::relay::v1::Relay::NewStub(*channel);
  std::string mailbox_id;
  {
    ::relay::v1::CreateMailboxRequest req;
    req.set_device_claim(NewUuidV4());
    req.set_request_id(NewUuidV4());
    req.mutable_payload()->set_type("AEAD_AES_256_GCM");
    req.mutable_payload()->set_data(std::string(64, 'x'));
    req.mutable_display_information()->set_title("in redis");
    ::relay::v1::CreateMailboxResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = stub->CreateMailbox(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    mailbox_id = resp.url_link().substr(resp.url_link().rfind('/') + 1);
  }
  ASSERT_TRUE((*eco)->Restart("relay").ok());
  {
    ::relay::v1::ReadDisplayInformationRequest req;
    req.set_mailbox_id(mailbox_id);
    ::relay::v1::ReadDisplayInformationResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    ctx.set_wait_for_ready(true);
    grpc::Status s = stub->ReadDisplayInformation(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.display_information().title(), "in redis");
  }
  eco->reset();
  redis->reset();
  EXPECT_TRUE(NoChildren());
}

}  // namespace
}  // namespace sct::scenarios

// The launcher starting the relay's Redis (`store: REDIS`, no
// redis_address): one server or a 3-master cluster as services "redis" /
// "redis-0".., an ACL user and a password file for the relay, a mailbox that
// survives a SIGKILL of Redis (appendfsync always), and no process left after
// Shutdown.
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

LaunchOptions Options(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  LaunchOptions o;
  o.binaries_dir = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab";
  o.work_dir = std::string(d != nullptr ? d : "/tmp") + "/" + name;
  o.sim_control = false;
  o.start_timeout = absl::Seconds(60);
  return o;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Cmdline(pid_t pid) {
  std::string s = ReadAll("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

bool NoChildren() {
  int status;
  return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

std::unique_ptr<Ecosystem> LaunchText(const std::string& text, const std::string& name) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  auto eco = Launch(t, Options(name));
  EXPECT_TRUE(eco.ok()) << eco.status();
  return eco.ok() ? std::move(*eco) : nullptr;
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

// Creates a mailbox on the relay; returns its id.
std::string CreateMailbox(Ecosystem& eco, const std::string& title) {
  auto stub = ::relay::v1::Relay::NewStub(*eco.Channel("relay"));
  ::relay::v1::CreateMailboxRequest req;
  req.set_device_claim(NewUuidV4());
  req.set_request_id(NewUuidV4());
  req.mutable_payload()->set_type("AEAD_AES_256_GCM");
  req.mutable_payload()->set_data(std::string(64, 'x'));
  req.mutable_display_information()->set_title(title);
  ::relay::v1::CreateMailboxResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = stub->CreateMailbox(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.url_link().substr(resp.url_link().rfind('/') + 1);
}

// The mailbox's title as the relay answers it ("" and a failure if not).
std::string TitleOf(Ecosystem& eco, const std::string& id) {
  auto stub = ::relay::v1::Relay::NewStub(*eco.Channel("relay"));
  ::relay::v1::ReadDisplayInformationRequest req;
  req.set_mailbox_id(id);
  ::relay::v1::ReadDisplayInformationResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status s = stub->ReadDisplayInformation(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.display_information().title();
}

TEST(LaunchedRedisTest, PasswordProtectedServerKeepsMailboxesAcrossItsCrash) {
  auto eco = LaunchText("relay { store: REDIS }", "single");
  ASSERT_NE(eco, nullptr);
  const Service* redis = eco->Find("redis");
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->kind, ServiceKind::kRedis);
  EXPECT_FALSE(redis->sim);
  EXPECT_TRUE(absl::StartsWith(redis->address, "127.0.0.1:")) << redis->address;
  EXPECT_EQ(eco->Endpoints()["redis"], "redis=" + redis->address);
  const std::vector<std::string> names = eco->Names();
  EXPECT_LT(std::find(names.begin(), names.end(), "redis"),
            std::find(names.begin(), names.end(), "relay"));  // stopped after the relay

  const Service* relay = eco->Find("relay");
  const std::string cmd = Cmdline(relay->pid);
  EXPECT_TRUE(absl::StrContains(cmd, "--store=redis --redis=" + redis->address)) << cmd;
  EXPECT_TRUE(absl::StrContains(cmd, "--redis_user=relay --redis_password_file=")) << cmd;
  const std::string password_file = Options("single").work_dir + "/data/redis-relay.password";
  struct stat st;
  ASSERT_EQ(stat(password_file.c_str(), &st), 0) << password_file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string password = ReadAll(password_file);
  password = password.substr(0, password.find('\n'));
  ASSERT_EQ(password.size(), 32u);
  EXPECT_FALSE(absl::StrContains(cmd, password));
  const std::string acl = ReadAll(Options("single").work_dir + "/data/redis-users.acl");
  EXPECT_TRUE(absl::StrContains(acl, "user default on #")) << acl;
  EXPECT_FALSE(absl::StrContains(acl, password));

  const std::string id = CreateMailbox(*eco, "kept by the AOF");
  // SIGKILL: only what Redis fsynced before answering survives.
  ASSERT_TRUE(eco->Kill("redis").ok());
  EXPECT_FALSE(eco->Find("redis")->running);
  ASSERT_TRUE(eco->Start("redis").ok());
  EXPECT_EQ(TitleOf(*eco, id), "kept by the AOF");
  ASSERT_TRUE(eco->Restart("redis").ok());
  EXPECT_EQ(TitleOf(*eco, id), "kept by the AOF");
  EXPECT_FALSE(absl::StrContains(ReadAll(relay->stderr_path), password));
  EXPECT_FALSE(absl::StrContains(ReadAll(redis->stderr_path), password));
  eco.reset();
  EXPECT_TRUE(NoChildren());
}

TEST(LaunchedRedisTest, ThreeMasterClusterSurvivesANodeRestart) {
  auto eco = LaunchText("relay { store: REDIS redis { cluster_masters: 3 } }", "cluster");
  ASSERT_NE(eco, nullptr);
  std::string seeds;
  for (const char* name : {"redis-0", "redis-1", "redis-2"}) {
    const Service* node = eco->Find(name);
    ASSERT_NE(node, nullptr) << name;
    seeds += (seeds.empty() ? "" : ",") + node->address;
  }
  EXPECT_EQ(eco->Find("redis"), nullptr);
  const std::string cmd = Cmdline(eco->Find("relay")->pid);
  EXPECT_TRUE(absl::StrContains(cmd, "--redis=" + seeds)) << cmd;
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(CreateMailbox(*eco, "m" + std::to_string(i)));
  ASSERT_TRUE(eco->Restart("redis-1").ok());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(TitleOf(*eco, ids[i]), "m" + std::to_string(i));
  eco.reset();
  EXPECT_TRUE(NoChildren());
}

TEST(LaunchedRedisTest, NoAuthRunsTheDefaultUser) {
  auto eco = LaunchText("relay { store: REDIS redis { no_auth: true } }", "noauth");
  ASSERT_NE(eco, nullptr);
  const std::string cmd = Cmdline(eco->Find("relay")->pid);
  EXPECT_FALSE(absl::StrContains(cmd, "--redis_user")) << cmd;
  const std::string id = CreateMailbox(*eco, "open");
  EXPECT_EQ(TitleOf(*eco, id), "open");
  eco.reset();
  EXPECT_TRUE(NoChildren());
}

}  // namespace
}  // namespace sct::scenarios

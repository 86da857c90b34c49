#include "relay/redis/testing/redis_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "runtime/redis_node.h"

namespace sct::relay::testing {
namespace {

constexpr int kLaunchAttempts = 5;
// How long Stop() lets redis flush and exit after SIGTERM before SIGKILL.
constexpr absl::Duration kStopGrace = absl::Seconds(30);

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

std::atomic<int> g_counter{0};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(const RedisServerOptions& options) {
  std::string dir =
      absl::StrCat(TmpDir(), "/", options.name, "-", getpid(), "-", g_counter.fetch_add(1));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("mkdir ", dir, ": ", strerror(errno)));
  }
  absl::Status last;
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    absl::StatusOr<int> port = FreeRedisPort(options.cluster_enabled);
    if (!port.ok()) return absl::UnavailableError(port.status().message());
    std::unique_ptr<RedisServer> server(new RedisServer(options, dir, *port));
    last = server->Launch();
    if (last.ok()) return server;
    // Most likely someone took the port between our probe and redis' bind.
  }
  return last;
}

RedisServer::~RedisServer() {
  if (running()) (void)Kill();
}

std::string RedisServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status RedisServer::Launch() {
  RedisNodeConfig config;
  config.port = port_;
  config.dir = dir_;
  config.log_file = dir_ + "/redis.log";
  config.appendonly = options_.appendonly;
  config.appendfsync = options_.appendfsync;
  config.cluster = options_.cluster_enabled;
  config.extra_lines = {"protected-mode no"};
  config.extra_lines.insert(config.extra_lines.end(), options_.extra_config.begin(),
                            options_.extra_config.end());
  ASSIGN_OR_RETURN(RedisNodeProcess node,
                   StartRedisNode(kRedisServerBinary, absl::StrCat("redis-server on port ", port_),
                                  config, {}, absl::Now() + options_.startup_timeout));
  process_ = std::move(node.process);
  return absl::OkStatus();
}

absl::Status RedisServer::Stop() {
  if (!running()) return absl::OkStatus();
  process_->Terminate(kStopGrace);
  process_.reset();
  return absl::OkStatus();
}

absl::Status RedisServer::Kill() {
  if (!running()) return absl::OkStatus();
  process_->Kill();
  process_.reset();
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  if (running()) return absl::FailedPreconditionError("Restart: server is running");
  absl::Status last;
  // The port was ours a moment ago; TIME_WAIT does not block redis' bind
  // (SO_REUSEADDR), but retry briefly in case the old process lingers.
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    last = Launch();
    if (last.ok()) return last;
  }
  return last;
}

absl::StatusOr<std::string> RedisServer::Command(const std::vector<std::string>& argv) const {
  absl::StatusOr<RedisTextReply> reply = RunRedisCommand(address(), {}, argv);
  if (!reply.ok()) return reply.status();
  if (reply->error) return absl::InternalError(reply->text);
  return reply->text;
}

absl::StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(int masters,
                                                                  RedisServerOptions options) {
  if (masters < 1) return absl::InvalidArgumentError("masters must be >= 1");
  auto cluster = std::unique_ptr<RedisCluster>(new RedisCluster());
  options.cluster_enabled = true;
  const std::string base = options.name;
  for (int i = 0; i < masters; ++i) {
    options.name = absl::StrCat(base, "-node", i);
    auto node = RedisServer::Start(options);
    if (!node.ok()) return node.status();
    cluster->nodes_.push_back(std::move(*node));
  }
  absl::Status formed = FormRedisCluster(cluster->addresses(), {}, absl::Now() + absl::Seconds(30));
  if (!formed.ok()) return absl::UnavailableError(formed.message());
  return cluster;
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n->address());
  return out;
}

RedisServer* RedisCluster::NodeByPort(int port) {
  for (auto& n : nodes_) {
    if (n->port() == port) return n.get();
  }
  return nullptr;
}

absl::Status RedisCluster::WaitHealthy(absl::Duration timeout) {
  std::vector<std::string> running;
  for (const auto& n : nodes_) {
    if (n->running()) running.push_back(n->address());
  }
  absl::Status healthy = WaitRedisClusterHealthy(running, size(), {}, absl::Now() + timeout);
  if (!healthy.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cluster did not become healthy: ", healthy.message()));
  }
  return absl::OkStatus();
}

}  // namespace sct::relay::testing

#include "relay/redis/testing/redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sct::relay::testing {
namespace {

constexpr char kRedisServer[] = "/usr/bin/redis-server";
constexpr int kLaunchAttempts = 5;
// How long Stop() lets redis flush and exit after SIGTERM before SIGKILL.
constexpr absl::Duration kStopGrace = absl::Seconds(30);

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

// A loopback port that was free a moment ago (bind port 0). In cluster mode
// the bus port (port + 10000) must be valid and free too.
absl::StatusOr<int> FreePort(bool cluster) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      continue;
    }
    close(fd);
    int port = ntohs(addr.sin_port);
    if (!cluster) return port;
    if (port + 10000 > 65535) continue;
    int bus = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in b{};
    b.sin_family = AF_INET;
    b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b.sin_port = htons(static_cast<uint16_t>(port + 10000));
    const bool ok = bind(bus, reinterpret_cast<sockaddr*>(&b), sizeof(b)) == 0;
    close(bus);
    if (ok) return port;
  }
  return absl::UnavailableError("no free loopback port found");
}

std::string Flatten(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < r->elements; ++i) parts.push_back(Flatten(r->element[i]));
      return absl::StrJoin(parts, "\n");
    }
    default:
      return std::string(r->str, r->len);
  }
}

std::string LogTail(const std::string& dir) {
  std::ifstream in(dir + "/redis.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > 1500) s = s.substr(s.size() - 1500);
  return s;
}

std::atomic<int> g_counter{0};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    const RedisServerOptions& options) {
  std::string dir = absl::StrCat(TmpDir(), "/", options.name, "-", getpid(), "-",
                                 g_counter.fetch_add(1));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("mkdir ", dir, ": ", strerror(errno)));
  }
  absl::Status last;
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    absl::StatusOr<int> port = FreePort(options.cluster_enabled);
    if (!port.ok()) return port.status();
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
  const std::string conf = dir_ + "/redis.conf";
  {
    std::ofstream out(conf, std::ios::trunc);
    out << "bind 127.0.0.1\n"
        << "port " << port_ << "\n"
        << "dir " << dir_ << "\n"
        << "logfile " << dir_ << "/redis.log\n"
        << "daemonize no\n"
        << "protected-mode no\n"
        << "save \"\"\n"
        << "appendonly " << (options_.appendonly ? "yes" : "no") << "\n"
        << "appendfsync " << options_.appendfsync << "\n";
    if (options_.cluster_enabled) {
      out << "cluster-enabled yes\n"
          << "cluster-config-file " << dir_ << "/nodes.conf\n"
          << "cluster-node-timeout 5000\n"
          << "cluster-require-full-coverage yes\n";
    }
    for (const std::string& line : options_.extra_config) out << line << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", conf));
  }
  ChildProcessSpec spec;
  spec.name = absl::StrCat("redis-server on port ", port_);
  spec.binary = kRedisServer;
  spec.args = {conf};
  spec.wait_for_listening_line = false;  // ready once it answers PING (below)
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  if (!started.ok()) return absl::UnavailableError(started.status().message());
  process_ = *std::move(started);
  const absl::Time deadline = absl::Now() + options_.startup_timeout;
  while (absl::Now() < deadline) {
    if (!process_->Running()) {
      process_.reset();
      return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                                 " exited during startup: ",
                                                 LogTail(dir_)));
    }
    absl::StatusOr<std::string> pong = Command({"PING"});
    if (pong.ok() && *pong == "PONG") return absl::OkStatus();
    // Waiting for another process to come up; not a timing assumption.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (void)Kill();
  return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                             " did not answer PING: ", LogTail(dir_)));
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
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c == nullptr || c->err) {
    std::string err = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(err);
  }
  redisSetTimeout(c, tv);
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
  if (r == nullptr) {
    std::string err = c->errstr;
    redisFree(c);
    return absl::UnavailableError(err);
  }
  absl::StatusOr<std::string> out = Flatten(r);
  if (r->type == REDIS_REPLY_ERROR) out = absl::InternalError(std::string(r->str, r->len));
  freeReplyObject(r);
  redisFree(c);
  return out;
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
  constexpr int kSlots = 16384;
  for (int i = 0; i < masters; ++i) {
    const int first = kSlots * i / masters;
    const int last = kSlots * (i + 1) / masters - 1;
    auto r = cluster->nodes_[i]->Command(
        {"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(last)});
    if (!r.ok()) return r.status();
  }
  for (int i = 1; i < masters; ++i) {
    auto r = cluster->nodes_[0]->Command(
        {"CLUSTER", "MEET", "127.0.0.1", std::to_string(cluster->nodes_[i]->port())});
    if (!r.ok()) return r.status();
  }
  absl::Status healthy = cluster->WaitHealthy();
  if (!healthy.ok()) return healthy;
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
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    bool all_ok = true;
    for (auto& n : nodes_) {
      if (!n->running()) continue;
      auto info = n->Command({"CLUSTER", "INFO"});
      if (!info.ok() || !absl::StrContains(*info, "cluster_state:ok") ||
          !absl::StrContains(*info, absl::StrCat("cluster_known_nodes:", nodes_.size()))) {
        all_ok = false;
        last = info.ok() ? *info : std::string(info.status().message());
        break;
      }
      // Every node must also see all slots assigned to known masters.
      auto slots = n->Command({"CLUSTER", "SLOTS"});
      if (!slots.ok()) {
        all_ok = false;
        break;
      }
    }
    if (all_ok) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::UnavailableError(absl::StrCat("cluster did not become healthy: ", last));
}

}  // namespace sct::relay::testing

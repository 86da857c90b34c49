#include "runtime/redis_node.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "runtime/files.h"

namespace sct {
namespace {

constexpr int kSlots = 16384;

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

// Sends `argv` on `c`: the reply, or UNAVAILABLE when the connection fails.
absl::StatusOr<RedisTextReply> Send(redisContext* c, const std::string& address,
                                    const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
  if (r == nullptr) return absl::UnavailableError(absl::StrCat(address, ": ", c->errstr));
  RedisTextReply reply{r->type == REDIS_REPLY_ERROR, Flatten(r)};
  freeReplyObject(r);
  return reply;
}

bool Bindable(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::string RedisConfText(const RedisNodeConfig& c) {
  std::string conf =
      absl::StrCat("bind 127.0.0.1\n", "port ", c.port, "\n", "dir ", c.dir, "\n", "logfile \"",
                   c.log_file, "\"\n", "daemonize no\n", "save \"\"\n", "appendonly ",
                   c.appendonly ? "yes" : "no", "\n", "appendfsync ", c.appendfsync, "\n");
  if (c.cluster) {
    absl::StrAppend(&conf, "cluster-enabled yes\n", "cluster-config-file ", c.dir, "/nodes.conf\n",
                    "cluster-node-timeout 5000\n", "cluster-require-full-coverage yes\n");
  }
  if (!c.acl_file.empty()) absl::StrAppend(&conf, "aclfile ", c.acl_file, "\n");
  for (const std::string& line : c.extra_lines) absl::StrAppend(&conf, line, "\n");
  return conf;
}

absl::StatusOr<int> FreeRedisPort(bool cluster) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                       getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    close(fd);
    if (!bound) continue;
    const int port = ntohs(addr.sin_port);
    if (!cluster) return port;
    if (port + 10000 <= 65535 && Bindable(port + 10000)) return port;
  }
  return absl::InternalError("no free loopback port for redis-server");
}

absl::StatusOr<RedisTextReply> RunRedisCommand(const std::string& address, const RedisLogin& login,
                                               const std::vector<std::string>& argv) {
  ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address, "redis"));
  const timeval timeout{2, 0};
  redisContext* c = redisConnectWithTimeout(hp.host.c_str(), hp.port, timeout);
  if (c == nullptr || c->err) {
    const std::string err = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(absl::StrCat(address, ": ", err));
  }
  redisSetTimeout(c, timeout);
  absl::StatusOr<RedisTextReply> out = RedisTextReply{};
  if (!login.password.empty()) out = Send(c, address, {"AUTH", login.user, login.password});
  if (out.ok() && !out->error) out = Send(c, address, argv);
  redisFree(c);
  return out;
}

absl::StatusOr<std::string> RedisCommand(const std::string& address, const RedisLogin& login,
                                         const std::vector<std::string>& argv) {
  ASSIGN_OR_RETURN(RedisTextReply reply, RunRedisCommand(address, login, argv));
  // argv[0] names the command; arguments (AUTH's password) are never quoted.
  if (reply.error) {
    return absl::UnavailableError(absl::StrCat(address, ": ", argv[0], ": ", reply.text));
  }
  return reply.text;
}

absl::Status ProbeRedis(const std::string& address, const RedisLogin& login, bool cluster_formed) {
  ASSIGN_OR_RETURN(std::string pong, RedisCommand(address, login, {"PING"}));
  if (pong != "PONG") return absl::UnavailableError(absl::StrCat(address, ": PING: ", pong));
  if (!cluster_formed) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string info, RedisCommand(address, login, {"CLUSTER", "INFO"}));
  if (!absl::StrContains(info, "cluster_state:ok")) {
    return absl::UnavailableError(absl::StrCat(address, ": cluster_state is not ok"));
  }
  return absl::OkStatus();
}

absl::Status FormRedisCluster(const std::vector<std::string>& addresses, const RedisLogin& login,
                              absl::Time deadline) {
  const int n = static_cast<int>(addresses.size());
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string info, RedisCommand(addresses[i], login, {"CLUSTER", "INFO"}));
    if (absl::StrContains(info, absl::StrCat("cluster_slots_assigned:", kSlots))) continue;
    RETURN_IF_ERROR(RedisCommand(addresses[i], login,
                                 {"CLUSTER", "ADDSLOTSRANGE", std::to_string(kSlots * i / n),
                                  std::to_string(kSlots * (i + 1) / n - 1)})
                        .status());
  }
  for (int i = 1; i < n; ++i) {
    ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(addresses[i], "redis"));
    RETURN_IF_ERROR(
        RedisCommand(addresses[0], login, {"CLUSTER", "MEET", hp.host, std::to_string(hp.port)})
            .status());
  }
  return WaitRedisClusterHealthy(addresses, n, login, deadline);
}

absl::Status WaitRedisClusterHealthy(const std::vector<std::string>& addresses, int known_nodes,
                                     const RedisLogin& login, absl::Time deadline) {
  std::string last = "not checked yet";
  while (absl::Now() < deadline) {
    bool healthy = true;
    for (const std::string& address : addresses) {
      absl::StatusOr<std::string> info = RedisCommand(address, login, {"CLUSTER", "INFO"});
      if (!info.ok() || !absl::StrContains(*info, "cluster_state:ok") ||
          !absl::StrContains(*info, absl::StrCat("cluster_known_nodes:", known_nodes))) {
        healthy = false;
        last = info.ok() ? absl::StrCat(address, ": cluster_state not ok yet")
                         : std::string(info.status().message());
        break;
      }
    }
    if (healthy) return absl::OkStatus();
    // Waiting for the nodes to gossip; not a timing assumption.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("redis cluster not healthy in time: ", last));
}

std::string RedisLogTail(const std::string& log_file, size_t max_bytes) {
  std::ifstream in(log_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

absl::StatusOr<RedisNodeProcess> StartRedisNode(const std::string& binary, const std::string& name,
                                                const RedisNodeConfig& config,
                                                const RedisLogin& login, absl::Time deadline) {
  const std::string conf = config.dir + "/redis.conf";
  absl::Status written = WriteFileAtomically(conf, RedisConfText(config), 0600);
  if (!written.ok()) return absl::UnavailableError(written.message());
  ChildProcessSpec spec;
  spec.name = name;
  spec.binary = binary;
  spec.args = {conf};
  spec.wait_for_listening_line = false;  // ready once it answers (below)
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  if (!started.ok()) return absl::UnavailableError(started.status().message());
  RedisNodeProcess node{*std::move(started), absl::StrCat("127.0.0.1:", config.port)};
  absl::Status ready;
  while (true) {
    if (!node.process->Running()) {
      return absl::UnavailableError(absl::StrCat(
          name, " on ", node.address, " exited during start-up: ", RedisLogTail(config.log_file)));
    }
    ready = ProbeRedis(node.address, login, false);
    if (ready.ok()) return node;
    if (absl::Now() >= deadline) break;
    // Waiting for another process to come up; not a timing assumption.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  node.process->Kill();
  return absl::UnavailableError(absl::StrCat(name, " on ", node.address, " did not answer (",
                                             ready.message(),
                                             "): ", RedisLogTail(config.log_file)));
}

}  // namespace sct

#include "relay/loadgen/scale_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "relay/loadgen/relay_grpc_client.h"
#include "runtime/redis_node.h"

namespace sct::relay::loadgen {
namespace {

struct RedisContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

absl::StatusOr<RedisContextPtr> ConnectTo(const std::string& address) {
  std::vector<std::string> parts = absl::StrSplit(address, ':');
  int port = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port)) {
    return absl::InvalidArgumentError(absl::StrCat("redis address \"", address,
                                                   "\": want HOST:PORT"));
  }
  timeval tv{2, 0};
  RedisContextPtr c(redisConnectWithTimeout(parts[0].c_str(), port, tv));
  if (c == nullptr || c->err) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, ": ", c ? c->errstr : "cannot allocate context"));
  }
  redisSetTimeout(c.get(), tv);
  return c;
}

absl::StatusOr<RedisReplyPtr> Run(redisContext* c, const std::string& address,
                                  const char* command) {
  RedisReplyPtr r(static_cast<redisReply*>(redisCommand(c, command)));
  if (r == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis ", address, " ", command, ": ", c->errstr));
  }
  if (r->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(absl::StrCat("redis ", address, " ", command, ": ", r->str));
  }
  return r;
}

// "key:value" lines of an INFO section.
std::map<std::string, std::string> InfoFields(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\r\n"), absl::SkipEmpty())) {
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    out[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
  }
  return out;
}

// Runs argv with stdout into `out_path`; returns the exit status text.
absl::StatusOr<int> RunToFile(const std::vector<std::string>& argv, const std::string& out_path) {
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", out_path, ": ", strerror(errno)));
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fd, STDOUT_FILENO);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

absl::StatusOr<int64_t> ProcessRssBytes(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("process ", pid, " is gone"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view v = line;
    if (absl::ConsumePrefix(&v, "VmRSS:")) {
      v = absl::StripAsciiWhitespace(v);
      absl::ConsumeSuffix(&v, "kB");
      int64_t kb = 0;
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &kb)) break;
      return kb * 1024;
    }
  }
  return absl::NotFoundError(absl::StrCat("no VmRSS for process ", pid));
}

int64_t SqliteFilesBytes(const std::string& path) {
  int64_t total = 0;
  for (const std::string& p : {path, path + "-wal", path + "-shm"}) {
    std::error_code ec;
    auto size = std::filesystem::file_size(p, ec);
    if (!ec) total += static_cast<int64_t>(size);
  }
  return total;
}

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string err = strerror(errno);
    close(fd);
    return absl::InternalError("bind 127.0.0.1:0: " + err);
  }
  close(fd);
  return ntohs(a.sin_port);
}

int64_t RedisStats::total_calls() const {
  int64_t n = 0;
  for (const auto& [cmd, c] : calls) n += c;
  return n;
}

absl::StatusOr<RedisStats> QueryRedis(const std::vector<std::string>& addresses) {
  RedisStats out;
  for (const std::string& address : addresses) {
    absl::StatusOr<RedisContextPtr> c = ConnectTo(address);
    if (!c.ok()) return c.status();
    absl::StatusOr<RedisReplyPtr> mem = Run(c->get(), address, "INFO memory");
    if (!mem.ok()) return mem.status();
    auto fields = InfoFields(std::string((*mem)->str, (*mem)->len));
    int64_t used = 0;
    if (!absl::SimpleAtoi(fields["used_memory"], &used)) {
      return absl::InternalError(absl::StrCat("redis ", address, ": no used_memory in INFO"));
    }
    out.used_memory += used;
    absl::StatusOr<RedisReplyPtr> cpu = Run(c->get(), address, "INFO cpu");
    if (!cpu.ok()) return cpu.status();
    auto cpu_fields = InfoFields(std::string((*cpu)->str, (*cpu)->len));
    for (const char* f : {"used_cpu_user", "used_cpu_sys"}) {
      double v = 0;
      if (absl::SimpleAtod(cpu_fields[f], &v)) out.cpu_seconds += v;
    }
    absl::StatusOr<RedisReplyPtr> size = Run(c->get(), address, "DBSIZE");
    if (!size.ok()) return size.status();
    out.keys += (*size)->integer;
    absl::StatusOr<RedisReplyPtr> stats = Run(c->get(), address, "INFO commandstats");
    if (!stats.ok()) return stats.status();
    for (const auto& [key, value] : InfoFields(std::string((*stats)->str, (*stats)->len))) {
      absl::string_view cmd = key;
      if (!absl::ConsumePrefix(&cmd, "cmdstat_")) continue;
      for (absl::string_view kv : absl::StrSplit(value, ',')) {
        if (absl::ConsumePrefix(&kv, "calls=")) {
          int64_t calls = 0;
          if (absl::SimpleAtoi(kv, &calls)) out.calls[std::string(cmd)] += calls;
        }
      }
    }
  }
  return out;
}

std::map<std::string, int64_t> CallsDelta(const RedisStats& before, const RedisStats& after) {
  std::map<std::string, int64_t> out;
  for (const auto& [cmd, calls] : after.calls) {
    auto it = before.calls.find(cmd);
    const int64_t d = calls - (it == before.calls.end() ? 0 : it->second);
    if (d != 0) out[cmd] = d;
  }
  return out;
}

absl::StatusOr<RedisServerProcess> StartRedisServer(const std::string& redis_server_binary,
                                                    const std::string& dir,
                                                    const std::string& name) {
  absl::StatusOr<int> port = FreeRedisPort(/*cluster=*/false);
  if (!port.ok()) return port.status();
  RedisNodeConfig config;
  config.port = *port;
  config.dir = absl::StrCat(dir, "/", name);
  config.log_file = config.dir + "/redis.log";
  config.appendonly = false;  // a benchmark's data need not survive
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("mkdir ", config.dir, ": ", ec.message()));
  absl::StatusOr<RedisNodeProcess> node =
      StartRedisNode(redis_server_binary, name, config, {}, absl::Now() + absl::Seconds(20));
  if (!node.ok()) return node.status();
  return RedisServerProcess{std::move(node->process), node->address};
}

double PreloadResult::per_sec() const {
  const double s = absl::ToDoubleSeconds(elapsed);
  return s > 0 ? static_cast<double>(created) / s : 0;
}

PreloadResult Preload(const std::vector<std::string>& grpc_targets, int64_t n, int clients,
                      size_t payload_bytes, uint64_t seed) {
  PreloadResult out;
  if (n <= 0 || grpc_targets.empty()) return out;
  if (clients < 1) clients = 1;
  // Slots still to fill; a failed create is retried, so exactly n mailboxes
  // exist at the end unless kMaxFailures creates failed in all.
  constexpr int64_t kMaxFailures = 1000;
  std::atomic<int64_t> remaining{n};
  std::atomic<int64_t> failures{0};
  struct PerThread {
    LatencySamples latency;
    std::map<std::string, int64_t> errors;
    int64_t created = 0;
    int64_t failed = 0;
  };
  std::vector<PerThread> per(clients);
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      RelayGrpcCycleClient client(grpc_targets, static_cast<size_t>(i), false, payload_bytes,
                                  seed + static_cast<uint64_t>(i));
      PerThread& me = per[i];
      while (remaining.fetch_sub(1) > 0) {
        // Retry this slot with a fresh request until it is created.
        while (true) {
          client.BeginCycle();
          const absl::Time t0 = absl::Now();
          std::string err = client.Do(CycleOp::kCreate);
          if (err.empty()) {
            me.latency.Add(absl::Now() - t0);
            ++me.created;
            break;
          }
          ++me.errors[err];
          ++me.failed;
          if (failures.fetch_add(1) + 1 >= kMaxFailures) return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  out.elapsed = absl::Now() - start;
  LatencySamples all;
  for (PerThread& p : per) {
    all.Merge(p.latency);
    out.created += p.created;
    out.failed += p.failed;
    for (const auto& [label, count] : p.errors) out.errors[label] += count;
  }
  out.latency = all.Summarize();
  return out;
}

absl::StatusOr<std::map<std::string, double>> RunRedisBenchmark(
    const std::string& binary, const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/redis_benchmark.XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp: ", strerror(errno)));
  close(fd);
  const std::string out_path = tmpl;
  // Options first: everything after a custom command is its arguments.
  std::vector<std::string> argv = {binary, "--csv"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<int> rc = RunToFile(argv, out_path);
  std::ifstream in(out_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(out_path.c_str());
  if (!rc.ok()) return rc.status();
  if (*rc != 0) {
    return absl::InternalError(absl::StrCat("redis-benchmark exited ", *rc, ": ", ss.str()));
  }
  std::map<std::string, double> rps;
  std::string line;
  while (std::getline(ss, line)) {
    // "SET","51282.05","0.503",...
    std::vector<std::string> cells = absl::StrSplit(line, "\",\"");
    if (cells.size() < 2) continue;
    std::string name = std::string(absl::StripPrefix(cells[0], "\""));
    double v = 0;
    if (name == "test" || !absl::SimpleAtod(cells[1], &v)) continue;
    rps[name] = v;
  }
  if (rps.empty()) {
    return absl::InternalError(absl::StrCat("redis-benchmark printed no results: ", ss.str()));
  }
  return rps;
}

}  // namespace sct::relay::loadgen

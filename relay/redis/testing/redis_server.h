// Test harness: real `redis-server` processes for tests (testonly).
//
// RedisServer starts /usr/bin/redis-server on 127.0.0.1 at a free port chosen
// at run time (bind port 0 to find one, then start redis; retried on a port
// collision), with its working directory (AOF, nodes.conf, redis.log) under
// $TEST_TMPDIR, and waits until PING answers. Stop (SIGTERM), Kill (SIGKILL)
// and Restart (same port, same dir, so AOF and cluster identity survive)
// let tests exercise outages and persistence.
//
// RedisCluster starts `masters` cluster-enabled servers, assigns the 16384
// slots in contiguous ranges (CLUSTER ADDSLOTSRANGE), joins them (CLUSTER
// MEET) and waits until every node reports cluster_state:ok and knows every
// other node. No redis-cli is needed. The configuration, ports, commands and
// cluster formation are runtime/redis_node.h, shared with the launcher.
//
// Lifetime: every process is killed by the destructor (also when a test
// fails), and the child gets PR_SET_PDEATHSIG=SIGKILL so it dies with the test
// process even on a crash. (PDEATHSIG fires when the *thread* that started the
// server exits: start servers from the test's main thread or a thread that
// outlives them.)
//
// Usage:
//   auto redis = RedisServer::Start({});          // StatusOr<unique_ptr<..>>
//   ASSERT_TRUE(redis.ok()) << redis.status();
//   std::string addr = (*redis)->address();       // "127.0.0.1:PORT"
//   auto cluster = RedisCluster::Start(3);
//   std::vector<std::string> seeds = (*cluster)->addresses();
//
// Errors: Start/Restart return UNAVAILABLE when redis-server cannot be
// started or does not answer PING within the startup timeout (the message
// carries the tail of redis.log); FAILED_PRECONDITION for misuse (Restart of
// a running server). Not thread-safe: one test thread drives a server.
#ifndef SCT_RELAY_REDIS_TESTING_REDIS_SERVER_H_
#define SCT_RELAY_REDIS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/child_process.h"

namespace sct::relay::testing {

struct RedisServerOptions {
  // Append-only file persistence; with appendfsync "always" every write a
  // client saw acknowledged is on disk.
  bool appendonly = false;
  std::string appendfsync = "always";  // "always", "everysec" or "no"
  bool cluster_enabled = false;
  // Subdirectory of $TEST_TMPDIR (made unique per server).
  std::string name = "redis";
  absl::Duration startup_timeout = absl::Seconds(20);
  // Extra "directive value" lines for redis.conf.
  std::vector<std::string> extra_config;
};

class RedisServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      const RedisServerOptions& options);
  ~RedisServer();  // Kill()s a running server.

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  const std::string& dir() const { return dir_; }
  bool running() const { return process_ != nullptr; }
  pid_t pid() const { return process_ != nullptr ? process_->pid() : -1; }

  // SIGTERM and wait (redis flushes and exits cleanly).
  absl::Status Stop();
  // SIGKILL and wait: an abrupt crash, nothing flushed beyond what fsync did.
  absl::Status Kill();
  // Starts the stopped server again on the same port and dir; waits for PING.
  absl::Status Restart();

  // Runs one command on this server over a fresh connection and returns the
  // reply flattened to text (integers in decimal, arrays joined by '\n').
  // A Redis error reply becomes an INTERNAL status with its text.
  absl::StatusOr<std::string> Command(const std::vector<std::string>& argv) const;

 private:
  RedisServer(RedisServerOptions options, std::string dir, int port)
      : options_(std::move(options)), dir_(std::move(dir)), port_(port) {}
  absl::Status Launch();  // writes redis.conf, forks, waits for PING

  RedisServerOptions options_;
  std::string dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;  // null while stopped
};

class RedisCluster {
 public:
  // `masters` (>= 1) cluster-enabled servers sharing the slots, no replicas.
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start(
      int masters = 3, RedisServerOptions options = {});

  // Every node's "127.0.0.1:PORT".
  std::vector<std::string> addresses() const;
  RedisServer& node(int i) { return *nodes_[i]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  // The node whose port is `port`, or nullptr.
  RedisServer* NodeByPort(int port);
  // Waits until every running node reports cluster_state:ok.
  absl::Status WaitHealthy(absl::Duration timeout = absl::Seconds(30));

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace sct::relay::testing

#endif  // SCT_RELAY_REDIS_TESTING_REDIS_SERVER_H_

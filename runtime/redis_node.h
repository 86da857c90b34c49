// What starting and administering a loopback redis-server needs, whoever
// runs the process: its redis.conf, a free loopback port, one command over a
// fresh connection (optionally logged in), the readiness probe, and forming
// a cluster of fresh nodes (CLUSTER ADDSLOTSRANGE + CLUSTER MEET) and waiting
// until it is healthy. The scenario launcher (scenarios/launcher/redis_nodes)
// and the relay's Redis test harness (relay/redis/testing) both use it; each
// runs the processes its own way.
//
// Errors: RunRedisCommand returns UNAVAILABLE when the node cannot be
// reached or the connection fails (the message names the address); a Redis
// error reply is not an error status but a RedisTextReply with `error` set,
// so a caller chooses its own code. RedisCommand, ProbeRedis and
// FormRedisCluster turn an error reply into UNAVAILABLE quoting it (and the
// command's name, never its arguments, so AUTH's password is never quoted).
// FreeRedisPort: INTERNAL when no port could be found. StartRedisNode:
// UNAVAILABLE when the node cannot be started, exits during start-up or does
// not answer before the deadline (the message carries the tail of its log). The cluster waits:
// DEADLINE_EXCEEDED when the cluster is not healthy before the deadline.
// Thread-safety: the functions keep no state (one connection per call).
#ifndef SCT_RUNTIME_REDIS_NODE_H_
#define SCT_RUNTIME_REDIS_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/child_process.h"

namespace sct {

// Login of a connection: an empty password means no AUTH (the default user
// without a password).
struct RedisLogin {
  std::string user;
  std::string password;
};

// One node's redis.conf.
struct RedisNodeConfig {
  int port = 0;
  std::string dir;       // working directory: AOF, nodes.conf
  std::string log_file;  // where redis logs
  // Append-only file persistence; with appendfsync "always" every write a
  // client saw acknowledged is on disk.
  bool appendonly = true;
  std::string appendfsync = "always";  // "always", "everysec" or "no"
  bool cluster = false;                // cluster-enabled, nodes.conf in `dir`
  std::string acl_file;                // "" = no ACL file
  // Extra "directive value" lines, appended last.
  std::vector<std::string> extra_lines;
};

// The text of redis.conf: loopback only, no RDB snapshots, the append-only
// settings of `config`, cluster settings (node timeout 5 s, full coverage
// required) when `config.cluster`, then the ACL file and the extra lines.
std::string RedisConfText(const RedisNodeConfig& config);

// A loopback port that was free a moment ago; for a cluster node its bus
// port (port + 10000) was free too. The caller retries the start on a clash.
absl::StatusOr<int> FreeRedisPort(bool cluster);

// One reply flattened to text: integers in decimal, nil as "", array
// elements joined by '\n'. `error` is set for an error reply (its text).
struct RedisTextReply {
  bool error = false;
  std::string text;
};

// Runs `argv` on `address` ("HOST:PORT") over a fresh connection with a 2 s
// timeout, after AUTH when `login.password` is set. A failed AUTH is the
// reply returned (with `error` set).
absl::StatusOr<RedisTextReply> RunRedisCommand(const std::string& address, const RedisLogin& login,
                                               const std::vector<std::string>& argv);

// RunRedisCommand with an error reply as UNAVAILABLE "ADDRESS: COMMAND: TEXT".
absl::StatusOr<std::string> RedisCommand(const std::string& address, const RedisLogin& login,
                                         const std::vector<std::string>& argv);

// One readiness probe of a node: PING answers PONG and, when
// `cluster_formed`, CLUSTER INFO says cluster_state:ok.
absl::Status ProbeRedis(const std::string& address, const RedisLogin& login, bool cluster_formed);

// Forms a cluster of fresh nodes: the 16384 slots in contiguous ranges
// (ADDSLOTSRANGE), every node met by the first, then WaitRedisClusterHealthy
// for all of them. Nodes that already hold every slot (a reused work
// directory) are only waited for.
absl::Status FormRedisCluster(const std::vector<std::string>& addresses, const RedisLogin& login,
                              absl::Time deadline);

// Waits until each node of `addresses` reports cluster_state:ok and knows
// `known_nodes` nodes (a stopped node is still known to the others).
absl::Status WaitRedisClusterHealthy(const std::vector<std::string>& addresses, int known_nodes,
                                     const RedisLogin& login, absl::Time deadline);

// Debian's redis-server.
inline constexpr char kRedisServerBinary[] = "/usr/bin/redis-server";

// One redis-server started by StartRedisNode; the process stops (SIGTERM,
// see ChildProcess) when `process` is destroyed.
struct RedisNodeProcess {
  std::unique_ptr<ChildProcess> process;
  std::string address;  // "127.0.0.1:PORT"
};

// Writes RedisConfText(config) to <config.dir>/redis.conf (mode 0600: it may
// name an ACL file; the directory must exist), starts `binary` on it as the
// child process `name`, and waits until ProbeRedis(address, login, false)
// succeeds or `deadline` passes (then the process is killed). A port clash
// with another process shows as UNAVAILABLE: pick a new FreeRedisPort and
// start again.
absl::StatusOr<RedisNodeProcess> StartRedisNode(const std::string& binary, const std::string& name,
                                                const RedisNodeConfig& config,
                                                const RedisLogin& login, absl::Time deadline);

// The last `max_bytes` of a node's log file ("" when unreadable).
std::string RedisLogTail(const std::string& log_file, size_t max_bytes = 1500);

}  // namespace sct

#endif  // SCT_RUNTIME_REDIS_NODE_H_

// Relay replicas over a real Redis: real relay_server processes
// (ports 0, --store=redis) over real redis-server processes started by the
// harness in relay/redis/testing/redis_server.h, all in $TEST_TMPDIR and all
// killed when a test ends, also when it fails (ChildProcess and RedisServer
// destructors; PR_SET_PDEATHSIG if this process dies).
//
//  1. two replicas over one Redis: create on A, read and bind on B (HTTP and
//     gRPC); 16 racing readers per replica on the same mailbox -> exactly one
//     winner, every loser 401 claim_mismatch;
//  2. kill -9 of one replica while a client creates on both -> the other
//     replica serves every mailbox either one acknowledged;
//  3. Redis killed (SIGKILL) and restarted with AOF appendfsync always under
//     load -> every acknowledged mailbox and binding survives, and the same
//     relay processes serve again without a restart;
//  4. Redis down -> HTTP 503 store_unavailable with Retry-After and gRPC
//     UNAVAILABLE; Redis back -> the relay serves again without a restart;
//  5. the replica checks of (1) over a 3-master Redis Cluster.
//
// Waits in these tests poll for a state (a relay answering again, enough
// acknowledged writes) with a deadline; nothing asserts a duration.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/redis/testing/redis_server.h"
#include "runtime/child_process.h"

namespace sct::relay {
namespace {

using nlohmann::json;
using testing::RedisCluster;
using testing::RedisServer;
using testing::RedisServerOptions;

constexpr int kReadersPerReplica = 16;

std::string TmpDir() {
  const char* d = getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

std::string RelayBinary() {
  const char* srcdir = getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/sct_lab/relay/relay_server");
}

// One relay_server process over Redis.
class Relay {
 public:
  static absl::StatusOr<std::unique_ptr<Relay>> Start(const std::vector<std::string>& redis,
                                                      const std::string& name) {
    static std::atomic<int> counter{0};
    const std::string tag = absl::StrCat(name, "-", counter.fetch_add(1));
    std::vector<std::string> argv = {RelayBinary(),
                                     "--http_listen=127.0.0.1:0",
                                     "--grpc_listen=127.0.0.1:0",
                                     "--store=redis",
                                     "--redis=" + absl::StrJoin(redis, ","),
                                     "--creates_per_window=1000000000",
                                     "--failed_lookups_per_window=1000000000"};
    ChildProcessSpec spec;
    spec.name = "relay " + tag;
    spec.binary = argv[0];
    spec.args.assign(argv.begin() + 1, argv.end());
    spec.stderr_path = absl::StrCat(TmpDir(), "/relay-", tag, ".stderr");
    spec.start_timeout = absl::Seconds(60);
    auto child = ChildProcess::Start(spec);
    if (!child.ok()) {
      return absl::UnavailableError(absl::StrCat("relay ", tag, " did not start (",
                                                 absl::StrJoin(argv, " "),
                                                 "): ", child.status().message()));
    }
    auto relay = std::unique_ptr<Relay>(new Relay());
    relay->child_ = std::move(*child);
    const std::map<std::string, std::string>& listening = relay->child_->listening();
    if (auto grpc = listening.find("grpc"); grpc != listening.end()) {
      relay->grpc_target_ = grpc->second;
    }
    if (auto http = listening.find("http"); http != listening.end()) {
      (void)absl::SimpleAtoi(http->second.substr(http->second.rfind(':') + 1), &relay->http_port_);
    }
    if (relay->http_port_ == 0 || relay->grpc_target_.empty()) {
      return absl::InternalError("bad listening line: " + relay->child_->listening_line());
    }
    relay->stub_ = ::relay::v1::Relay::NewStub(
        grpc::CreateChannel(relay->grpc_target_, grpc::InsecureChannelCredentials()));
    return relay;
  }

  int http_port() const { return http_port_; }
  ::relay::v1::Relay::Stub* stub() { return stub_.get(); }
  void Kill9() { child_->Kill(); }

 private:
  Relay() = default;
  std::unique_ptr<ChildProcess> child_;
  std::string grpc_target_;
  int http_port_ = 0;
  std::unique_ptr<::relay::v1::Relay::Stub> stub_;
};

std::string RandomPayload(size_t n = 96) {
  static std::atomic<uint64_t> seed{std::random_device{}()};
  std::mt19937_64 rng(seed.fetch_add(0x9e3779b97f4a7c15ULL));
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// ------------------------------------------------------------------ HTTP

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection failed)
  json body;
  std::string retry_after;
  std::string code() const {
    if (body.is_object() && body.contains("error") && body["error"].contains("code")) {
      return body["error"]["code"].get<std::string>();
    }
    return "";
  }
};

HttpAnswer HttpCall(int port, const std::string& method, const std::string& path,
                    const std::string& claim, const json* body) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(15, 0);
  httplib::Headers h = {{"Mailbox-Device-Claim", claim}, {"Mailbox-Request-ID", NewUuidV4()}};
  const std::string data = body != nullptr ? body->dump() : "{}";
  httplib::Result r = method == "POST" ? c.Post(path, h, data, "application/json")
                                       : c.Delete(path, h);
  HttpAnswer a;
  if (!r) return a;
  a.status = r->status;
  a.body = json::parse(r->body, nullptr, false);
  a.retry_after = r->get_header_value("Retry-After");
  return a;
}

// Creates a mailbox; returns (status, id).
std::pair<int, std::string> HttpCreate(int port, const std::string& sender,
                                       const std::string& payload) {
  json body = {{"payload", {{"type", "AEAD_AES_128_GCM"}, {"data", absl::Base64Escape(payload)}}},
               {"mailboxConfiguration", {{"accessRights", "RWD"}}}};
  HttpAnswer a = HttpCall(port, "POST", "/v1/m", sender, &body);
  if (a.status != 200) return {a.status, ""};
  const std::string link = a.body.value("urlLink", "");
  return {200, link.substr(link.rfind('/') + 1)};
}

// Reads; returns (status, raw payload).
std::pair<int, std::string> HttpRead(int port, const std::string& id, const std::string& claim) {
  HttpAnswer a = HttpCall(port, "POST", "/v1/m/" + id, claim, nullptr);
  std::string raw;
  if (a.status == 200) {
    absl::Base64Unescape(a.body["payload"]["data"].get<std::string>(), &raw);
  }
  return {a.status, raw};
}

// ------------------------------------------------------------------ gRPC

std::pair<grpc::StatusCode, std::string> GrpcCreate(Relay& relay, const std::string& sender,
                                                    const std::string& payload) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  ::relay::v1::CreateMailboxRequest req;
  req.set_device_claim(sender);
  req.set_request_id(NewUuidV4());
  req.mutable_payload()->set_type("AEAD_AES_128_GCM");
  req.mutable_payload()->set_data(payload);
  req.mutable_mailbox_configuration()->set_access_rights("RWD");
  ::relay::v1::CreateMailboxResponse resp;
  grpc::Status s = relay.stub()->CreateMailbox(&ctx, req, &resp);
  if (!s.ok()) return {s.error_code(), ""};
  return {grpc::StatusCode::OK, resp.url_link().substr(resp.url_link().rfind('/') + 1)};
}

std::pair<grpc::StatusCode, std::string> GrpcRead(Relay& relay, const std::string& id,
                                                  const std::string& claim) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  ::relay::v1::ReadSecureContentRequest req;
  req.set_mailbox_id(id);
  req.set_device_claim(claim);
  req.set_request_id(NewUuidV4());
  ::relay::v1::ReadSecureContentResponse resp;
  grpc::Status s = relay.stub()->ReadSecureContent(&ctx, req, &resp);
  return {s.error_code(), resp.payload().data()};
}

// ---------------------------------------------------------------- checks

// Create on A, bind on B, the binding holds on both, over HTTP and gRPC.
void CheckCrossReplica(Relay& a, Relay& b) {
  for (int i = 0; i < 4; ++i) {
    const std::string sender = NewUuidV4(), receiver = NewUuidV4(), other = NewUuidV4();
    const std::string payload = RandomPayload();
    auto [st, id] = HttpCreate(a.http_port(), sender, payload);
    ASSERT_EQ(st, 200);
    auto read = HttpRead(b.http_port(), id, receiver);
    ASSERT_EQ(read.first, 200) << "replica B cannot read what A created";
    EXPECT_EQ(read.second, payload);
    EXPECT_EQ(HttpRead(a.http_port(), id, receiver).first, 200);
    EXPECT_EQ(HttpRead(a.http_port(), id, other).first, 401) << "binding made on B not seen on A";
    EXPECT_EQ(HttpRead(b.http_port(), id, other).first, 401);
    // The same over gRPC, starting on B this time.
    const std::string payload2 = RandomPayload();
    auto [code, id2] = GrpcCreate(b, sender, payload2);
    ASSERT_EQ(code, grpc::StatusCode::OK);
    auto g = GrpcRead(a, id2, receiver);
    ASSERT_EQ(g.first, grpc::StatusCode::OK);
    EXPECT_EQ(g.second, payload2);
    EXPECT_EQ(GrpcRead(b, id2, other).first, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(GrpcRead(a, id2, other).first, grpc::StatusCode::UNAUTHENTICATED);
    // HTTP and gRPC see one store.
    EXPECT_EQ(HttpRead(a.http_port(), id2, receiver).first, 200);
    EXPECT_EQ(GrpcRead(b, id, receiver).first, grpc::StatusCode::OK);
  }
}

// kReadersPerReplica fresh claims per replica read one new mailbox at once:
// exactly one binds (200); every other answer is 401 claim_mismatch (a 503
// "retry" is retried, as a client would).
void CheckRace(const std::vector<Relay*>& replicas, int mailboxes) {
  for (int m = 0; m < mailboxes; ++m) {
    const std::string payload = RandomPayload();
    // Not a structured binding: the reader lambdas capture `id` (C++17 lets
    // lambdas capture only variables; clang enforces it).
    const std::pair<int, std::string> created =
        HttpCreate(replicas[0]->http_port(), NewUuidV4(), payload);
    ASSERT_EQ(created.first, 200);
    const std::string& id = created.second;
    const int n = kReadersPerReplica * static_cast<int>(replicas.size());
    absl::Barrier* barrier = new absl::Barrier(n);
    std::vector<int> final_status(n, 0);
    std::vector<std::string> claims(n), codes(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      claims[i] = NewUuidV4();
      threads.emplace_back([&, i] {
        Relay* relay = replicas[i % replicas.size()];
        if (barrier->Block()) delete barrier;
        for (int attempt = 0; attempt < 50; ++attempt) {
          HttpAnswer a = HttpCall(relay->http_port(), "POST", "/v1/m/" + id, claims[i], nullptr);
          final_status[i] = a.status;
          codes[i] = a.code();
          if (a.status != 503) break;
        }
      });
    }
    for (auto& t : threads) t.join();
    int winners = 0;
    std::string winner;
    for (int i = 0; i < n; ++i) {
      if (final_status[i] == 200) {
        ++winners;
        winner = claims[i];
      } else {
        EXPECT_EQ(final_status[i], 401) << "reader " << i << " code " << codes[i];
        EXPECT_EQ(codes[i], "claim_mismatch");
      }
    }
    EXPECT_EQ(winners, 1) << "mailbox " << m << ": " << winners << " readers bound it";
    for (Relay* r : replicas) {
      auto again = HttpRead(r->http_port(), id, winner);
      EXPECT_EQ(again.first, 200);
      EXPECT_EQ(again.second, payload);
    }
  }
}

// Polls `done` until it is true or `timeout` passes (waiting for a state).
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

// ----------------------------------------------------------------- tests

TEST(RelayRedisTest, TwoReplicasOverOneRedisShareMailboxesAndBindOnce) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto a = Relay::Start({(*redis)->address()}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = Relay::Start({(*redis)->address()}, "b");
  ASSERT_TRUE(b.ok()) << b.status();
  CheckCrossReplica(**a, **b);
  CheckRace({a->get(), b->get()}, 3);
}

TEST(RelayRedisTest, KillNineOfOneReplicaLosesNoAcknowledgedMailbox) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto a = Relay::Start({(*redis)->address()}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = Relay::Start({(*redis)->address()}, "b");
  ASSERT_TRUE(b.ok()) << b.status();
  const int ports[2] = {(*a)->http_port(), (*b)->http_port()};

  absl::Mutex mu;
  std::map<std::string, std::string> acked;  // id -> payload, guarded by mu
  std::atomic<int> acked_on_b_after_kill{0};
  std::atomic<bool> killed{false}, stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        const int replica = (t + n) % 2;  // alternate A and B
        const std::string payload = RandomPayload();
        auto [st, id] = HttpCreate(ports[replica], NewUuidV4(), payload);
        if (st != 200) continue;  // not acknowledged (A is gone): not promised
        absl::MutexLock lock(&mu);
        acked[id] = payload;
        if (killed.load() && replica == 1) acked_on_b_after_kill.fetch_add(1);
      }
    });
  }
  bool progressed = WaitFor(
      [&] {
        absl::MutexLock lock(&mu);
        return acked.size() >= 100;
      },
      absl::Seconds(120));
  if (progressed) {
    (*a)->Kill9();  // mid-load: clients are still writing to A
    killed = true;
    progressed = WaitFor([&] { return acked_on_b_after_kill.load() >= 20; }, absl::Seconds(120));
  }
  stop = true;
  for (auto& t : load) t.join();
  ASSERT_TRUE(progressed) << "the load made no progress";

  absl::MutexLock lock(&mu);
  int served = 0;
  for (const auto& [id, payload] : acked) {
    auto read = HttpRead(ports[1], id, NewUuidV4());
    EXPECT_EQ(read.first, 200) << "mailbox " << id << " acknowledged but not served by B";
    if (read.first == 200) {
      EXPECT_EQ(read.second, payload);
      ++served;
    }
  }
  EXPECT_EQ(served, static_cast<int>(acked.size()));
}

TEST(RelayRedisTest, RedisCrashAndRestartWithAofKeepsEveryAcknowledgedMailbox) {
  RedisServerOptions options;
  options.appendonly = true;
  options.appendfsync = "always";
  options.name = "redis-aof";
  auto redis = RedisServer::Start(options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto a = Relay::Start({(*redis)->address()}, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = Relay::Start({(*redis)->address()}, "b");
  ASSERT_TRUE(b.ok()) << b.status();
  const int ports[2] = {(*a)->http_port(), (*b)->http_port()};

  struct Acked {
    std::string payload;
    std::string sender;
    std::string receiver;  // non-empty once the bind was acknowledged
  };
  absl::Mutex mu;
  std::map<std::string, Acked> acked;  // guarded by mu
  std::atomic<int> acked_after_restart{0};
  std::atomic<bool> restarted{false}, stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        const int port = ports[(t + n) % 2];
        const std::string payload = RandomPayload(), sender = NewUuidV4();
        auto [st, id] = HttpCreate(port, sender, payload);
        if (st != 200) continue;
        {
          absl::MutexLock lock(&mu);
          acked[id].payload = payload;
          acked[id].sender = sender;
          if (restarted.load()) acked_after_restart.fetch_add(1);
        }
        const std::string receiver = NewUuidV4();
        if (HttpRead(ports[(t + n + 1) % 2], id, receiver).first == 200) {
          absl::MutexLock lock(&mu);
          acked[id].receiver = receiver;
        }
      }
    });
  }
  bool progressed = WaitFor(
      [&] {
        absl::MutexLock lock(&mu);
        return acked.size() >= 100;
      },
      absl::Seconds(120));
  absl::Status kill = absl::OkStatus(), restart = absl::OkStatus();
  if (progressed) {
    kill = (*redis)->Kill();  // SIGKILL: only what AOF fsynced survives
    if (kill.ok()) restart = (*redis)->Restart();
    restarted = true;
    // The same relay processes must serve again (they reconnect by themselves).
    progressed = WaitFor([&] { return acked_after_restart.load() >= 20; }, absl::Seconds(120));
  }
  stop = true;
  for (auto& t : load) t.join();
  ASSERT_TRUE(kill.ok()) << kill;
  ASSERT_TRUE(restart.ok()) << restart;
  ASSERT_TRUE(progressed) << "no progress (before the crash, or the relays never served again)";

  absl::MutexLock lock(&mu);
  int lost = 0;
  for (const auto& [id, m] : acked) {
    if (m.receiver.empty()) {
      // The bind was not acknowledged (it may still have happened, its answer
      // lost in the crash): the sender, who can always read, checks.
      auto read = HttpRead(ports[0], id, m.sender);
      if (read.first != 200 || read.second != m.payload) ++lost;
      EXPECT_EQ(read.first, 200) << "acknowledged mailbox " << id << " lost";
    } else {
      auto read = HttpRead(ports[1], id, m.receiver);
      if (read.first != 200 || read.second != m.payload) ++lost;
      EXPECT_EQ(read.first, 200) << "bound receiver of " << id << " cannot read";
      EXPECT_EQ(HttpRead(ports[0], id, NewUuidV4()).first, 401)
          << "acknowledged binding of " << id << " lost";
    }
  }
  EXPECT_EQ(lost, 0) << "of " << acked.size() << " acknowledged mailboxes";
}

TEST(RelayRedisTest, RedisDownAnswers503WithRetryAfterAndRecoversWithoutRestart) {
  auto redis = RedisServer::Start({});
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto relay = Relay::Start({(*redis)->address()}, "r");
  ASSERT_TRUE(relay.ok()) << relay.status();
  const int port = (*relay)->http_port();
  const std::string sender = NewUuidV4();
  auto [st, id] = HttpCreate(port, sender, RandomPayload());
  ASSERT_EQ(st, 200);

  ASSERT_TRUE((*redis)->Stop().ok());
  json body = {
      {"payload", {{"type", "AEAD_AES_128_GCM"}, {"data", absl::Base64Escape(RandomPayload())}}}};
  HttpAnswer create = HttpCall(port, "POST", "/v1/m", NewUuidV4(), &body);
  EXPECT_EQ(create.status, 503);
  EXPECT_EQ(create.code(), "store_unavailable");
  int retry_after = 0;
  EXPECT_TRUE(absl::SimpleAtoi(create.retry_after, &retry_after) && retry_after >= 1)
      << "Retry-After: \"" << create.retry_after << "\"";
  HttpAnswer read = HttpCall(port, "POST", "/v1/m/" + id, NewUuidV4(), nullptr);
  EXPECT_EQ(read.status, 503);
  EXPECT_EQ(read.code(), "store_unavailable");
  EXPECT_FALSE(read.retry_after.empty()) << "503 without Retry-After";
  EXPECT_EQ(GrpcCreate(**relay, NewUuidV4(), RandomPayload()).first,
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GrpcRead(**relay, id, NewUuidV4()).first, grpc::StatusCode::UNAVAILABLE);
  // The relay is still alive and still answers (health needs no store).
  EXPECT_EQ(HttpCall(port, "DELETE", "/v1/m/" + id, sender, nullptr).status, 503);

  ASSERT_TRUE((*redis)->Restart().ok());
  std::string new_id;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto [s, i] = HttpCreate(port, NewUuidV4(), "0123456789abcdef0123456789abcdef");
        new_id = i;
        return s == 200;
      },
      absl::Seconds(30)))
      << "the relay did not serve again after Redis came back";
  const std::string payload = RandomPayload();
  auto [gc, gid] = GrpcCreate(**relay, NewUuidV4(), payload);
  ASSERT_EQ(gc, grpc::StatusCode::OK);
  auto back = HttpRead(port, gid, NewUuidV4());
  EXPECT_EQ(back.first, 200);
  EXPECT_EQ(back.second, payload);
}

TEST(RelayRedisTest, ReplicasOverAThreeMasterClusterShareMailboxesAndBindOnce) {
  auto cluster = RedisCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::vector<std::string> nodes = (*cluster)->addresses();
  auto a = Relay::Start(nodes, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = Relay::Start({nodes[1]}, "b");  // one seed is enough to discover the cluster
  ASSERT_TRUE(b.ok()) << b.status();
  CheckCrossReplica(**a, **b);
  CheckRace({a->get(), b->get()}, 3);
  // Mailboxes spread over the masters (hash slot of the mailbox id).
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(HttpCreate((*a)->http_port(), NewUuidV4(), RandomPayload()).first, 200);
  }
  for (int n = 0; n < (*cluster)->size(); ++n) {
    auto keys = (*cluster)->node(n).Command({"DBSIZE"});
    ASSERT_TRUE(keys.ok()) << keys.status();
    int64_t k = 0;
    ASSERT_TRUE(absl::SimpleAtoi(*keys, &k));
    EXPECT_GT(k, 0) << "master " << n << " holds no keys";
  }
}

}  // namespace
}  // namespace sct::relay

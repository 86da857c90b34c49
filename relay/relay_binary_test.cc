// Binary-level test: the real relay_server with --sim_control traces a
// CreateMailbox (gRPC) and a ReadSecureContent (HTTP) and fingerprints the
// mailbox id it handed out, but not a secret it never saw; without
// --sim_control it serves no Audit service. Also: the HTTP bound flags reach
// the server and a bad one exits 2 naming the flag.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "crypto/random.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "relay/raw_http_client.h"
#include "runtime/child_process.h"
#include "sim/recorder.h"

namespace sct::sim {
namespace {

namespace cv1 = ::common::v1;

// A child relay_server (its stderr to the test log); stopped (SIGTERM) and
// reaped on destruction.
class RelayProcess {
 public:
  explicit RelayProcess(bool sim_control, std::vector<std::string> extra_args = {}) {
    ChildProcessSpec spec;
    spec.name = "relay_server";
    spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
    spec.args = {"--store=memory", "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0"};
    if (sim_control) spec.args.push_back("--sim_control");
    spec.args.insert(spec.args.end(), extra_args.begin(), extra_args.end());
    spec.start_timeout = absl::Seconds(20);
    absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return;
    process_ = *std::move(started);
    const std::map<std::string, std::string>& listening = process_->listening();
    if (auto it = listening.find("http"); it != listening.end()) http_ = it->second;
    if (auto it = listening.find("grpc"); it != listening.end()) grpc_ = it->second;
  }
  const std::string& grpc() const { return grpc_; }
  const std::string& http() const { return http_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string grpc_, http_;
};

bool HasFingerprint(const cv1::GetObservationsResponse& obs, const std::string& fp,
                    const std::string& where = "") {
  for (const auto& o : obs.observations()) {
    if (o.fingerprint() == fp && (where.empty() || o.where() == where)) return true;
  }
  return false;
}

TEST(RelayBinaryTest, TracesAndFingerprintsWithSimControl) {
  RelayProcess relay(/*sim_control=*/true);
  ASSERT_FALSE(relay.grpc().empty()) << "relay_server did not print its listening line";
  auto channel = grpc::CreateChannel(relay.grpc(), grpc::InsecureChannelCredentials());
  auto control = cv1::SimControl::NewStub(channel);
  auto audit = cv1::Audit::NewStub(channel);
  auto stub = ::relay::v1::Relay::NewStub(channel);

  const std::string key = *crypto::RandomBytes(32);
  {
    grpc::ClientContext ctx;
    cv1::SetAuditKeyRequest req;
    req.set_key(key);
    cv1::SetAuditKeyResponse resp;
    ASSERT_TRUE(control->SetAuditKey(&ctx, req, &resp).ok());
  }
  ::relay::v1::CreateMailboxResponse created;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("sct-actor", "alice-phone");
    ctx.AddMetadata("sct-step", "share-1");
    ::relay::v1::CreateMailboxRequest req;
    req.set_device_claim(NewUuidV4());
    req.set_request_id(NewUuidV4());
    req.mutable_payload()->set_type("AEAD_AES_128_GCM");
    req.mutable_payload()->set_data(*crypto::RandomBytes(64));
    grpc::Status s = stub->CreateMailbox(&ctx, req, &created);
    ASSERT_TRUE(s.ok()) << FromGrpcStatus(s);
  }
  const size_t at = created.url_link().find("/v1/m/");
  ASSERT_NE(at, std::string::npos) << created.url_link();
  const std::string id = created.url_link().substr(at + 6, 36);

  // The HTTP face, as "bob-phone".
  httplib::Client http("http://" + relay.http());
  httplib::Headers headers = {{"sct-actor", "bob-phone"},
                              {"Mailbox-Device-Claim", NewUuidV4()},
                              {"Mailbox-Request-ID", NewUuidV4()}};
  auto res = http.Post(("/v1/m/" + id).c_str(), headers, "{}", "application/json");
  ASSERT_TRUE(res) << "HTTP request failed";
  EXPECT_EQ(res->status, 200) << res->body;

  // The HTTP exchange is recorded by httplib's logger, which runs after the
  // response is written: wait (bounded) until the relay has recorded it.
  cv1::GetTraceResponse trace;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  do {
    trace.Clear();
    grpc::ClientContext ctx;
    ASSERT_TRUE(audit->GetTrace(&ctx, {}, &trace).ok());
    if (trace.events_size() >= 2) break;
    absl::SleepFor(absl::Milliseconds(5));
  } while (absl::Now() < until);
  ASSERT_EQ(trace.events_size(), 2);
  const cv1::TraceEvent& e = trace.events(0);
  EXPECT_EQ(e.rpc(), "relay.v1.Relay/CreateMailbox");
  EXPECT_EQ(e.from(), "alice-phone");
  EXPECT_EQ(e.to(), "relay");
  EXPECT_EQ(e.step_id(), "share-1");
  EXPECT_EQ(e.status_code(), "OK");
  const cv1::TraceEvent& h = trace.events(1);
  EXPECT_EQ(h.rpc(), "HTTP POST /v1/m/{id}");
  EXPECT_EQ(h.from(), "bob-phone");
  EXPECT_EQ(h.status_code(), "OK");
  EXPECT_FALSE(absl::StrContains(h.summary(), id));

  cv1::GetObservationsResponse obs;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(audit->GetObservations(&ctx, {}, &obs).ok());
  }
  const std::string id_fp = *Recorder::Fingerprint(key, id);
  EXPECT_TRUE(HasFingerprint(obs, id_fp, "relay.v1.Relay/CreateMailbox"));
  EXPECT_TRUE(HasFingerprint(obs, id_fp, "HTTP POST /v1/m/{id}"));
  const std::string never_sent = *crypto::RandomBytes(16);
  EXPECT_FALSE(HasFingerprint(obs, *Recorder::Fingerprint(key, never_sent)));
  EXPECT_FALSE(HasFingerprint(obs, *Recorder::Fingerprint(std::string(32, '\0'), id)));
}

int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

// --http_max_connections_per_address reaches the HTTP server: with 2, a
// third connection from the same address is closed at once while the first
// two are still served.
TEST(RelayBinaryTest, PerAddressConnectionCapFlagReachesTheServer) {
  RelayProcess relay(/*sim_control=*/false, {"--http_max_connections_per_address=2"});
  ASSERT_FALSE(relay.http().empty());
  const int port = PortOf(relay.http());
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n";
  relay::testing::RawHttpClient first(port), second(port);
  for (relay::testing::RawHttpClient* c : {&first, &second}) {
    ASSERT_TRUE(c->connected());
    ASSERT_TRUE(c->Send(healthz));
    EXPECT_TRUE(absl::StartsWith(c->ReadResponse(), "HTTP/1.1 200")) << "first two";
  }
  relay::testing::RawHttpClient third(port);
  ASSERT_TRUE(third.connected());  // the kernel accepts; the relay then closes it
  EXPECT_TRUE(third.Closed());
  ASSERT_TRUE(first.Send(healthz));
  EXPECT_TRUE(absl::StartsWith(first.ReadResponse(), "HTTP/1.1 200"));
}

// A bad bound is refused at start: exit 2, the message names the flag.
TEST(RelayBinaryTest, ABadHttpBoundExitsTwoNamingTheFlag) {
  ChildProcessSpec spec;
  spec.name = "relay_server";
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
  spec.args = {"--store=memory", "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
               "--http_max_header_count=0"};
  spec.stderr_path = std::string(std::getenv("TEST_TMPDIR")) + "/bad_bound.stderr";
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  ASSERT_FALSE(started.ok());
  EXPECT_TRUE(absl::StrContains(started.status().message(), "exit 2")) << started.status();
  EXPECT_TRUE(absl::StrContains(started.status().message(),
                                "--http_max_header_count: must be between 8 and 10000"))
      << started.status();
  // The delete log's bounds (a negative capacity wraps to a huge size).
  for (const auto& [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--delete_log_capacity=-1", "--delete_log_capacity: must be between 1 and 16777216"},
           {"--delete_log_retention=-5s", "--delete_log_retention: must not be negative"}}) {
    spec.args = {"--store=memory", "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                 flag};
    started = ChildProcess::Start(spec);
    ASSERT_FALSE(started.ok()) << flag;
    EXPECT_TRUE(absl::StrContains(started.status().message(), "exit 2")) << started.status();
    EXPECT_TRUE(absl::StrContains(started.status().message(), message)) << started.status();
  }
}

// Two relays on one SQLite file would each answer reads from a cache of
// their own writes: the second is refused at start (exit 1), naming the
// file, while the first runs.
TEST(RelayBinaryTest, ASecondRelayOnTheSameSqliteFileIsRefused) {
  const std::string db = std::string(std::getenv("TEST_TMPDIR")) + "/shared-relay.db";
  RelayProcess first(/*sim_control=*/false, {"--store=sqlite", "--sqlite_path=" + db});
  ASSERT_FALSE(first.grpc().empty());
  ChildProcessSpec spec;
  spec.name = "relay_server";
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
  spec.args = {"--store=sqlite", "--sqlite_path=" + db, "--grpc_listen=127.0.0.1:0",
               "--http_listen=127.0.0.1:0"};
  spec.stderr_path = std::string(std::getenv("TEST_TMPDIR")) + "/second_relay.stderr";
  spec.start_timeout = absl::Seconds(20);
  absl::StatusOr<std::unique_ptr<ChildProcess>> second = ChildProcess::Start(spec);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::StrContains(second.status().message(), "exit 1")) << second.status();
  std::ifstream err(spec.stderr_path);
  const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(absl::StrContains(text, db)) << text;
  EXPECT_TRUE(absl::StrContains(text, "in use")) << text;
}

TEST(RelayBinaryTest, NoAuditWithoutSimControl) {
  RelayProcess relay(/*sim_control=*/false);
  ASSERT_FALSE(relay.grpc().empty());
  auto audit = cv1::Audit::NewStub(
      grpc::CreateChannel(relay.grpc(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  cv1::GetTraceResponse trace;
  EXPECT_EQ(audit->GetTrace(&ctx, {}, &trace).error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

// --help into a pipe (fully buffered stdout) prints the usage and exits 0.
TEST(RelayBinaryTest, HelpIsPrintedIntoAPipe) {
  const std::string binary =
      std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
  FILE* pipe = popen((binary + " --help").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(absl::StrContains(out, "--http_listen")) << out.substr(0, 200);
  EXPECT_TRUE(absl::StrContains(out, "mailbox relay")) << out.substr(0, 200);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace sct::sim

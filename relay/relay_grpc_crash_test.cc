// Binary-level: the real relay_server on a SQLite file, many concurrent gRPC
// writers (the callback face answers them from the store's sync threads),
// kill -9 mid-load, a restart on the same file: every create that was
// answered OK is there with its payload.
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "runtime/child_process.h"

namespace sct::relay {
namespace {

namespace pb = ::relay::v1;

std::unique_ptr<ChildProcess> StartRelay(const std::string& db) {
  ChildProcessSpec spec;
  spec.name = "relay_server";
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
  spec.args = {"--store=sqlite", "--sqlite_path=" + db, "--grpc_listen=127.0.0.1:0",
               "--http_listen=127.0.0.1:0", "--creates_per_window=100000000"};
  spec.start_timeout = absl::Seconds(20);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

std::string GrpcAddress(const ChildProcess& p) {
  auto it = p.listening().find("grpc");
  return it == p.listening().end() ? "" : it->second;
}

TEST(RelayGrpcCrashTest, EveryAcknowledgedGrpcWriteSurvivesKill9) {
  constexpr int kWriters = 32;
  constexpr int kKillAfter = 400;  // acknowledged creates before the kill
  const std::string db =
      std::string(std::getenv("TEST_TMPDIR")) + "/grpc-crash-" + NewUuidV4() + ".db";
  std::unique_ptr<ChildProcess> relay = StartRelay(db);
  ASSERT_NE(relay, nullptr);
  const std::string address = GrpcAddress(*relay);
  ASSERT_FALSE(address.empty());

  absl::Mutex mu;
  struct Acked {
    std::string claim, data;
  };
  std::map<std::string, Acked> acked;  // mailbox id -> what its create sent
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto stub = pb::Relay::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      for (int n = 0; !killed.load(); ++n) {
        pb::CreateMailboxRequest r;
        r.set_device_claim(NewUuidV4());
        r.set_request_id(NewUuidV4());
        r.mutable_payload()->set_type("AEAD_AES_128_GCM");
        r.mutable_payload()->set_data(std::string(48, 'a' + w % 26) + std::to_string(n));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        pb::CreateMailboxResponse out;
        if (!stub->CreateMailbox(&ctx, r, &out).ok()) continue;  // the relay is gone
        const std::string id = out.url_link().substr(out.url_link().rfind('/') + 1);
        absl::MutexLock lock(&mu);
        acked[id] = Acked{r.device_claim(), r.payload().data()};
      }
    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::map<std::string, Acked>* m) { return m->size() >= kKillAfter; }, &acked));
  }
  relay->Kill();  // SIGKILL mid-load: writers are still writing
  killed.store(true);
  for (std::thread& t : writers) t.join();

  std::unique_ptr<ChildProcess> restarted = StartRelay(db);
  ASSERT_NE(restarted, nullptr);
  auto stub = pb::Relay::NewStub(
      grpc::CreateChannel(GrpcAddress(*restarted), grpc::InsecureChannelCredentials()));
  absl::MutexLock lock(&mu);
  ASSERT_GE(acked.size(), static_cast<size_t>(kKillAfter));
  for (const auto& [id, m] : acked) {
    pb::ReadSecureContentRequest r;
    r.set_mailbox_id(id);
    r.set_device_claim(m.claim);
    grpc::ClientContext ctx;
    pb::ReadSecureContentResponse out;
    grpc::Status s = stub->ReadSecureContent(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << "acknowledged mailbox " << id << " lost: " << s.error_message();
    EXPECT_EQ(out.payload().data(), m.data) << id;
  }
}

}  // namespace
}  // namespace sct::relay

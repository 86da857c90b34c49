// Signal helpers, in their own binary: the mask must be set before any thread
// exists, as in a real main().
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "runtime/grpc_server.h"
#include "runtime/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(TerminationSignalTest, SigwaitReturnsTheSignalAndServerShutsDown) {
  BlockTerminationSignals();

  // Threads started from here on (gRPC's) inherit the blocked mask, so the
  // signal reaches sigwait instead of killing the process.
  auto server = GrpcServer::Start({});
  ASSERT_TRUE(server.ok()) << server.status();

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_EQ(WaitForTerminationSignal(), SIGTERM);
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  EXPECT_EQ(WaitForTerminationSignal(), SIGINT);

  (*server)->Shutdown();
  (*server)->Wait();

  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  EXPECT_FALSE(stub->Check(&ctx, req, &resp).ok());
}

// A write to a socket whose peer has gone fails with EPIPE instead of
// killing the process.
TEST(TerminationSignalTest, ABrokenPipeIsAnErrorNotADeath) {
  BlockTerminationSignals();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  close(fds[1]);
  errno = 0;
  EXPECT_EQ(write(fds[0], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  close(fds[0]);
}

// Server processes run without Abseil's Mutex deadlock detection (the system
// Abseil has it on, and aborts on a lock-order inversion): taking two mutexes
// in both orders, one after the other (no real deadlock), must not abort.
TEST(TerminationSignalTest, TurnsOffMutexDeadlockDetection) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // earlier tests left threads
  EXPECT_EXIT(
      {
        BlockTerminationSignals();
        absl::Mutex a;
        absl::Mutex b;
        a.Lock();
        b.Lock();
        b.Unlock();
        a.Unlock();
        b.Lock();
        a.Lock();
        a.Unlock();
        b.Unlock();
        std::exit(0);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace sct

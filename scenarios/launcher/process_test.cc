#include "scenarios/launcher/process.h"

#include <errno.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ProcessSpec Shell(const std::string& name, const std::string& script) {
  ProcessSpec spec;
  spec.name = name;
  spec.binary = "/bin/sh";
  spec.args = {"-c", script};
  spec.stderr_path = Tmp(name + ".stderr");
  spec.stdout_path = Tmp(name + ".stdout");
  spec.start_timeout = absl::Seconds(10);
  return spec;
}

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

TEST(ProcessTest, ParsesListeningLineAndTerminates) {
  auto p =
      Process::Start(Shell("ok",
                           "echo starting; echo 'listening http=127.0.0.1:2 "
                           "grpc=127.0.0.1:1'; echo after; exec sleep 60"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->listening().at("grpc"), "127.0.0.1:1");
  EXPECT_EQ((*p)->listening().at("http"), "127.0.0.1:2");
  EXPECT_TRUE((*p)->Running());
  const pid_t pid = (*p)->pid();
  EXPECT_EQ((*p)->Terminate(), 128 + SIGTERM);
  EXPECT_TRUE(Gone(pid));
  EXPECT_EQ((*p)->Terminate(), -1);  // idempotent
  EXPECT_NE(Read(Tmp("ok.stdout")).find("starting"), std::string::npos);
}

TEST(ProcessTest, EarlyExitNamesServiceAndQuotesStderr) {
  auto p = Process::Start(
      Shell("broken", "echo 'unknown flag --frobnicate' >&2; exit 3"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  const std::string m(p.status().message());
  EXPECT_NE(m.find("broken:"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown flag --frobnicate"), std::string::npos) << m;
  EXPECT_NE(m.find("exit 3"), std::string::npos) << m;
}

TEST(ProcessTest, TimeoutKillsTheChild) {
  ProcessSpec spec = Shell("silent", "echo hello >&2; exec sleep 60");
  spec.start_timeout = absl::Seconds(2);  // ample for sh to print
  auto p = Process::Start(spec);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(p.status().message().find("hello"), std::string::npos);
}

TEST(ProcessTest, MissingBinaryIsNotFound) {
  ProcessSpec spec = Shell("nobin", "");
  spec.binary = Tmp("does-not-exist");
  EXPECT_EQ(Process::Start(spec).status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcessTest, SigkillAfterGraceWhenTermIgnored) {
  auto p =
      Process::Start(Shell("stubborn",
                           "trap '' TERM; echo 'listening grpc=127.0.0.1:1'; "
                           "while true; do sleep 0.05; done"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Terminate(absl::Milliseconds(200)), 128 + SIGKILL);
}

// SendTerm to several, then AwaitExit with one shared deadline.
TEST(ProcessTest, ParallelStopSharesOneDeadline) {
  auto a = Process::Start(
      Shell("par-a", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
  auto b =
      Process::Start(Shell("par-b",
                           "trap '' TERM; echo 'listening grpc=127.0.0.1:2'; "
                           "while true; do sleep 0.05; done"));
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->SendTerm();
  (*b)->SendTerm();
  const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
  EXPECT_EQ((*a)->AwaitExit(deadline), 128 + SIGTERM);
  EXPECT_EQ((*b)->AwaitExit(deadline), 128 + SIGKILL);
  EXPECT_EQ((*a)->AwaitExit(deadline), 128 + SIGTERM);  // already reaped
}

TEST(ProcessTest, KillIsACrash) {
  auto p = Process::Start(
      Shell("crash", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
  ASSERT_TRUE(p.ok()) << p.status();
  (*p)->Kill();
  EXPECT_FALSE((*p)->Running());
  EXPECT_EQ((*p)->exit_code(), 128 + SIGKILL);
}

// A child started from a thread that then ends keeps running (the fork
// happens on the long-lived spawner thread, PDEATHSIG is per thread).
TEST(ProcessTest, SurvivesTheEndOfTheStartingThread) {
  std::unique_ptr<Process> p;
  std::thread t([&] {
    auto started = Process::Start(
        Shell("threaded", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
    if (started.ok()) p = *std::move(started);
  });
  t.join();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Terminate(), 128 + SIGTERM);
}

TEST(ProcessTest, ParseListeningLine) {
  EXPECT_FALSE(ParseListeningLine("hello").ok());
  EXPECT_FALSE(ParseListeningLine("listening grpc").ok());
  auto ok = ParseListeningLine("listening grpc=127.0.0.1:5\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("grpc"), "127.0.0.1:5");
}

}  // namespace
}  // namespace sct::scenarios

#include "runtime/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sct {
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

ChildProcessSpec Shell(const std::string& name, const std::string& script) {
  ChildProcessSpec spec;
  spec.name = name;
  spec.binary = "/bin/sh";
  spec.args = {"-c", script};
  spec.stderr_path = Tmp(name + ".stderr");
  spec.stdout_path = Tmp(name + ".stdout");
  spec.start_timeout = absl::Seconds(10);
  return spec;
}

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

TEST(ChildProcessTest, ParsesListeningLineAndTerminates) {
  auto p = ChildProcess::Start(Shell("ok",
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

TEST(ChildProcessTest, EarlyExitNamesServiceAndQuotesStderr) {
  auto p = ChildProcess::Start(Shell("broken", "echo 'unknown flag --frobnicate' >&2; exit 3"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  const std::string m(p.status().message());
  EXPECT_NE(m.find("broken:"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown flag --frobnicate"), std::string::npos) << m;
  EXPECT_NE(m.find("exit 3"), std::string::npos) << m;
}

// A sanitizer's report is quoted from its start (the racing stacks), not
// just its last 15 lines.
TEST(ChildProcessTest, EarlyExitQuotesTheSanitizerReport) {
  auto p = ChildProcess::Start(Shell(
      "raced",
      "printf '==================\\nWARNING: ThreadSanitizer: data race (pid=1)\\n"
      "    #0 Handler device/device_agent.cc:9\\n' >&2; "
      "for i in $(seq 1 40); do echo \"    #$i frame\" >&2; done; "
      "printf 'SUMMARY: ThreadSanitizer: data race in Handler\\n==================\\n' >&2; "
      "exit 66"));
  ASSERT_FALSE(p.ok());
  const std::string m(p.status().message());
  EXPECT_NE(m.find("#0 Handler device/device_agent.cc:9"), std::string::npos) << m;
  EXPECT_NE(m.find("SUMMARY: ThreadSanitizer"), std::string::npos) << m;
  EXPECT_NE(m.find("exit 66"), std::string::npos) << m;
}

TEST(ChildProcessTest, TimeoutKillsTheChild) {
  ChildProcessSpec spec = Shell("silent", "echo hello >&2; exec sleep 60");
  spec.start_timeout = absl::Seconds(2);  // ample for sh to print
  auto p = ChildProcess::Start(spec);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(p.status().message().find("hello"), std::string::npos);
}

TEST(ChildProcessTest, MissingBinaryIsNotFound) {
  ChildProcessSpec spec = Shell("nobin", "");
  spec.binary = Tmp("does-not-exist");
  EXPECT_EQ(ChildProcess::Start(spec).status().code(), absl::StatusCode::kNotFound);
}

TEST(ChildProcessTest, SigkillAfterGraceWhenTermIgnored) {
  auto p = ChildProcess::Start(Shell("stubborn",
                                     "trap '' TERM; echo 'listening grpc=127.0.0.1:1'; "
                                     "while true; do sleep 0.05; done"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Terminate(absl::Milliseconds(200)), 128 + SIGKILL);
}

// SendTerm to several, then AwaitExit with one shared deadline.
TEST(ChildProcessTest, ParallelStopSharesOneDeadline) {
  auto a = ChildProcess::Start(Shell("par-a", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
  auto b = ChildProcess::Start(Shell("par-b",
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

TEST(ChildProcessTest, KillIsACrash) {
  auto p = ChildProcess::Start(Shell("crash", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
  ASSERT_TRUE(p.ok()) << p.status();
  (*p)->Kill();
  EXPECT_FALSE((*p)->Running());
  EXPECT_EQ((*p)->exit_code(), 128 + SIGKILL);
}

// A child started from a thread that then ends keeps running (the fork
// happens on the long-lived spawner thread, PDEATHSIG is per thread).
TEST(ChildProcessTest, SurvivesTheEndOfTheStartingThread) {
  std::unique_ptr<ChildProcess> p;
  std::thread t([&] {
    auto started =
        ChildProcess::Start(Shell("threaded", "echo 'listening grpc=127.0.0.1:1'; exec sleep 60"));
    if (started.ok()) p = *std::move(started);
  });
  t.join();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Terminate(), 128 + SIGTERM);
}

// Stdout lines other than the start-up line (before and after it) land in
// stdout_path; the line itself is kept as printed.
TEST(ChildProcessTest, OtherStdoutLinesGoToStdoutPath) {
  auto p = ChildProcess::Start(
      Shell("chatty",
            "echo before; echo 'listening http=127.0.0.1:2 grpc=127.0.0.1:1'; echo after; "
            "exec sleep 60"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->listening_line(), "listening http=127.0.0.1:2 grpc=127.0.0.1:1");
  // "after" is copied by a background thread: wait (bounded) for it.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (Read(Tmp("chatty.stdout")).find("after") == std::string::npos && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(Read(Tmp("chatty.stdout")), "before\nafter\n");
  EXPECT_EQ((*p)->Terminate(), 128 + SIGTERM);
}

TEST(ChildProcessTest, MalformedListeningLineIsUnavailable) {
  auto p = ChildProcess::Start(Shell("malformed", "echo 'listening grpc'; exec sleep 60"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(p.status().message().find("NAME=ADDRESS"), std::string::npos) << p.status();
}

// Without stderr_path the child writes to this process's stderr (a test log).
TEST(ChildProcessTest, EmptyStderrPathInheritsStderr) {
  const std::string captured = Tmp("inherited.stderr");
  const int file = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  const int saved = dup(2);
  dup2(file, 2);
  ChildProcessSpec spec = Shell("inherits", "echo 'from the child' >&2; exit 3");
  spec.stderr_path = "";
  auto p = ChildProcess::Start(spec);
  dup2(saved, 2);
  close(saved);
  close(file);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(p.status().message().find("exit 3"), std::string::npos) << p.status();
  EXPECT_NE(Read(captured).find("from the child"), std::string::npos);
}

// A binary that prints no start-up line (redis-server): Start returns at
// once, its whole stdout goes to stdout_path.
TEST(ChildProcessTest, WithoutListeningLineReturnsOnceStarted) {
  ChildProcessSpec spec = Shell("plain", "echo out; echo err >&2; exit 0");
  spec.wait_for_listening_line = false;
  auto p = ChildProcess::Start(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE((*p)->listening().empty());
  EXPECT_EQ((*p)->AwaitExit(absl::Now() + absl::Seconds(10)), 0);
  EXPECT_EQ(Read(Tmp("plain.stdout")), "out\n");
  EXPECT_EQ(Read(Tmp("plain.stderr")), "err\n");
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

constexpr char kTsanReport[] =
    "==================\n"
    "WARNING: ThreadSanitizer: data race (pid=7)\n"
    "  Read of size 8 at 0x7b78 by thread T3:\n"
    "    #0 Guess scenarios/attack/id_guesser.cc:55:24\n"
    "SUMMARY: ThreadSanitizer: data race in Guess\n";

TEST(FirstSanitizerReportTest, FindsTheFirstThreadSanitizerReport) {
  const std::string path = Tmp("tsan.stderr");
  Write(path, std::string("relay: listening\nsome log line\n") + kTsanReport +
                  "==================\n"
                  "==================\nWARNING: ThreadSanitizer: data race (pid=7)\n"
                  "  a second report\n"
                  "ThreadSanitizer: reported 2 warnings\n");
  EXPECT_EQ(FirstSanitizerReport(path), std::string(kTsanReport).substr(0, sizeof(kTsanReport) - 2));
}

TEST(FirstSanitizerReportTest, FindsAddressLeakAndUndefinedBehaviourReports) {
  const std::string asan = Tmp("asan.stderr");
  Write(asan,
        "log\n=================================================================\n"
        "==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x6\n"
        "    #0 F a.cc:1\n"
        "SUMMARY: AddressSanitizer: heap-use-after-free a.cc:1 in F\n"
        "Shadow bytes around the buggy address:\n");
  EXPECT_EQ(FirstSanitizerReport(asan),
            "=================================================================\n"
            "==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x6\n"
            "    #0 F a.cc:1\n"
            "SUMMARY: AddressSanitizer: heap-use-after-free a.cc:1 in F");
  const std::string lsan = Tmp("lsan.stderr");
  Write(lsan, "\n=================================================================\n"
              "==9==ERROR: LeakSanitizer: detected memory leaks\n\n"
              "SUMMARY: AddressSanitizer: 24 byte(s) leaked in 1 allocation(s).\n");
  EXPECT_NE(FirstSanitizerReport(lsan).find("24 byte(s) leaked"), std::string::npos);
  const std::string ubsan = Tmp("ubsan.stderr");
  Write(ubsan, "x\nrelay/a.cc:3:5: runtime error: signed integer overflow\nmore\n");
  EXPECT_EQ(FirstSanitizerReport(ubsan), "relay/a.cc:3:5: runtime error: signed integer overflow");
}

TEST(FirstSanitizerReportTest, NothingWithoutAReportAndBoundedWithOne) {
  const std::string plain = Tmp("plain-log.stderr");
  Write(plain, "==================\nrelay: stopping\n");
  EXPECT_EQ(FirstSanitizerReport(plain), "");
  EXPECT_EQ(FirstSanitizerReport(Tmp("does-not-exist.stderr")), "");
  const std::string big = Tmp("big.stderr");
  std::string text = "==================\nWARNING: ThreadSanitizer: data race\n";
  for (int i = 0; i < 10000; ++i) text += "    #1 frame of a very deep stack\n";
  Write(big, text);
  const std::string cut = FirstSanitizerReport(big, 1024);
  EXPECT_LE(cut.size(), 1024u + 5);
  EXPECT_TRUE(cut.size() >= 5 && cut.substr(cut.size() - 5) == "[...]") << cut;
}

}  // namespace
}  // namespace sct

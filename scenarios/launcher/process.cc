#include "scenarios/launcher/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace sct::scenarios {
namespace {

// Runs fork() on one thread that never exits, because PR_SET_PDEATHSIG fires
// when the forking *thread* ends, not the process.
class Spawner {
 public:
  static Spawner& Get() {
    static Spawner* spawner = new Spawner();  // never destroyed
    return *spawner;
  }

  pid_t Run(std::function<pid_t()> fn) {
    Request req;
    req.fn = std::move(fn);
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(&req);
    cv_.notify_all();
    cv_.wait(lock, [&] { return req.done; });
    return req.result;
  }

 private:
  struct Request {
    std::function<pid_t()> fn;
    pid_t result = -1;
    bool done = false;
  };

  Spawner() {
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !queue_.empty(); });
      Request* req = queue_.front();
      queue_.pop_front();
      lock.unlock();
      pid_t pid = req->fn();
      lock.lock();
      req->result = pid;
      req->done = true;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;
};

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Copies `fd` to `path` (appending) until EOF, then closes both.
void DrainInBackground(int fd, std::string path) {
  std::thread([fd, path = std::move(path)] {
    int out = path.empty()
                  ? -1
                  : open(path.c_str(),
                         O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    char buf[4096];
    while (true) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (out >= 0) {
        ssize_t ignored = write(out, buf, static_cast<size_t>(n));
        (void)ignored;
      }
    }
    close(fd);
    if (out >= 0) close(out);
  }).detach();
}

void AppendTo(const std::string& path, absl::string_view data) {
  if (path.empty() || data.empty()) return;
  int out = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) return;
  ssize_t ignored = write(out, data.data(), data.size());
  (void)ignored;
  close(out);
}

}  // namespace

std::string DescribeExit(int code) {
  if (code < 0) return "unknown exit";
  if (code > 128) {
    return absl::StrCat("signal ", code - 128, " (", strsignal(code - 128),
                        ")");
  }
  return absl::StrCat("exit ", code);
}

std::string TailOfFile(const std::string& path, int max_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  if (all.size() > 4096) all = all.substr(all.size() - 4096);
  std::vector<std::string> lines = absl::StrSplit(all, '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (static_cast<int>(lines.size()) > max_lines) {
    lines.erase(lines.begin(), lines.end() - max_lines);
  }
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<std::map<std::string, std::string>> ParseListeningLine(
    absl::string_view line) {
  line = absl::StripTrailingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "listening ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a listening line: \"", line, "\""));
  }
  std::map<std::string, std::string> out;
  for (absl::string_view kv : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
    std::vector<std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    if (p.size() != 2 || p[0].empty() || p[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("listening line field \"", kv, "\" is not KEY=VALUE"));
    }
    out[p[0]] = p[1];
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("listening line has no address");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(
    const ProcessSpec& spec) {
  if (access(spec.binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat(spec.name, ": binary ", spec.binary,
                     " is not executable: ", std::strerror(errno)));
  }
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(
        absl::StrCat(spec.name, ": pipe: ", std::strerror(errno)));
  }
  int err_fd = open(spec.stderr_path.c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (err_fd < 0 || null_fd < 0) {
    const int err = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_fd, null_fd}) {
      if (fd >= 0) close(fd);
    }
    return absl::InternalError(absl::StrCat(
        spec.name, ": cannot open ", spec.stderr_path, ": ", strerror(err)));
  }
  if (!spec.stdout_path.empty()) {
    int f = open(spec.stdout_path.c_str(),
                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (f >= 0) close(f);
  }

  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed.
  std::vector<std::string> all;
  all.push_back(spec.binary);
  all.insert(all.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const int out_w = out_pipe[1];

  const pid_t pid = Spawner::Get().Run([&]() -> pid_t {
    pid_t child = fork();
    if (child == 0) {
      struct sigaction dfl;
      std::memset(&dfl, 0, sizeof(dfl));
      dfl.sa_handler = SIG_DFL;
      for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) {
        sigaction(sig, &dfl, nullptr);
      }
      sigset_t empty;
      sigemptyset(&empty);
      sigprocmask(SIG_SETMASK, &empty, nullptr);
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(null_fd, 0);
      dup2(out_w, 1);
      dup2(err_fd, 2);
      execv(argv[0], argv.data());
      const char msg[] = "launcher: execv failed\n";
      ssize_t ignored = write(2, msg, sizeof(msg) - 1);
      (void)ignored;
      _exit(127);
    }
    return child;
  });
  const int fork_errno = errno;
  close(out_pipe[1]);
  close(err_fd);
  close(null_fd);
  if (pid < 0) {
    close(out_pipe[0]);
    return absl::InternalError(
        absl::StrCat(spec.name, ": fork: ", std::strerror(fork_errno)));
  }

  std::unique_ptr<Process> proc(new Process(spec.name, pid));
  const int out_r = out_pipe[0];
  const absl::Time deadline = absl::Now() + spec.start_timeout;
  std::string buffer;
  bool eof = false;
  std::string line;
  bool found = false;
  while (!found && !eof) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) break;
    pollfd pfd{out_r, POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    char buf[1024];
    ssize_t n = read(out_r, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      eof = true;
      break;
    }
    buffer.append(buf, static_cast<size_t>(n));
    size_t nl;
    while (!found && (nl = buffer.find('\n')) != std::string::npos) {
      std::string one = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (absl::StartsWith(one, "listening ")) {
        line = one;
        found = true;
      } else {
        AppendTo(spec.stdout_path, one + "\n");
      }
    }
  }
  auto fail = [&](absl::StatusCode code, const std::string& what) {
    close(out_r);
    proc->Terminate(absl::Seconds(1));
    const int exit_code = proc->exit_code();
    std::string message = absl::StrCat(spec.name, ": ", what);
    if (exit_code >= 0 && code == absl::StatusCode::kUnavailable) {
      absl::StrAppend(&message, " (", DescribeExit(exit_code), ")");
    }
    const std::string tail = TailOfFile(spec.stderr_path);
    absl::StrAppend(&message, "; stderr (", spec.stderr_path, "):\n",
                    tail.empty() ? "(empty)" : tail);
    return absl::Status(code, message);
  };
  if (!found) {
    if (eof) {
      // The child closed stdout: it is exiting. Give it a moment to finish.
      std::lock_guard<std::mutex> lock(proc->mu_);
      proc->WaitLocked(absl::Seconds(2));
    }
    if (eof || !proc->Running()) {
      return fail(absl::StatusCode::kUnavailable,
                  "exited before printing its listening line");
    }
    return fail(absl::StatusCode::kDeadlineExceeded,
                absl::StrCat("no listening line within ",
                             absl::FormatDuration(spec.start_timeout)));
  }
  auto fields = ParseListeningLine(line);
  if (!fields.ok()) {
    return fail(absl::StatusCode::kUnavailable, fields.status().ToString());
  }
  proc->listening_ = *std::move(fields);
  AppendTo(spec.stdout_path, buffer);
  DrainInBackground(out_r, spec.stdout_path);
  return proc;
}

Process::~Process() { Terminate(); }

bool Process::WaitLocked(absl::Duration timeout) {
  if (reaped_) return true;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      exit_code_ = ExitCodeOf(status);
      return true;
    }
    if (r < 0 && errno != EINTR) {  // ECHILD: reaped elsewhere
      reaped_ = true;
      return true;
    }
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

bool Process::Running() {
  std::lock_guard<std::mutex> lock(mu_);
  return !WaitLocked(absl::ZeroDuration());
}

int Process::Terminate(absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reaped_) return -1;
  }
  SendTerm();
  return AwaitExit(absl::Now() + grace);
}

void Process::SendTerm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!reaped_) kill(pid_, SIGTERM);
}

int Process::AwaitExit(absl::Time deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return exit_code_;
  if (!WaitLocked(deadline - absl::Now())) {
    std::cerr << "launcher: " << name_ << " (pid " << pid_
              << ") still running after SIGTERM; sending SIGKILL\n";
    kill(pid_, SIGKILL);
    WaitLocked(absl::InfiniteDuration());
  }
  return exit_code_;
}

void Process::Kill() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return;
  kill(pid_, SIGKILL);
  WaitLocked(absl::InfiniteDuration());
}

int Process::exit_code() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exit_code_;
}

}  // namespace sct::scenarios

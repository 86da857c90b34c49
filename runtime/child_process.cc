#include "runtime/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include "absl/time/clock.h"
#include "runtime/startup_line.h"

namespace sct {
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
    errno = req.error;
    return req.result;
  }

 private:
  struct Request {
    std::function<pid_t()> fn;
    pid_t result = -1;
    int error = 0;  // errno after fn, carried back to the caller's thread
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
      const int error = errno;
      lock.lock();
      req->result = pid;
      req->error = error;
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

int OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

// Copies `fd` to `path` (appending; "" discards) until EOF, then closes both.
void DrainInBackground(int fd, std::string path) {
  std::thread([fd, path = std::move(path)] {
    int out = path.empty() ? -1 : OpenForAppend(path);
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
  int out = OpenForAppend(path);
  if (out < 0) return;
  ssize_t ignored = write(out, data.data(), data.size());
  (void)ignored;
  close(out);
}

// The descriptors a child is started with: the parent's ends are
// `stdout_read` (-1 when stdout goes straight to a file), the others are
// handed to the child and closed in the parent after the fork.
struct ChildFds {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stdout_read = -1;
  int stderr_fd = -1;  // -1: the child inherits this process's stderr

  void CloseChildSide() {
    for (int* fd : {&stdin_fd, &stdout_fd, &stderr_fd}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  }
  void CloseAll() {
    CloseChildSide();
    if (stdout_read >= 0) close(stdout_read);
    stdout_read = -1;
  }
};

absl::StatusOr<ChildFds> OpenChildFds(const ChildProcessSpec& spec) {
  ChildFds fds;
  auto fail = [&](const std::string& what) {
    const int err = errno;
    fds.CloseAll();
    return absl::InternalError(absl::StrCat(spec.name, ": ", what, ": ", std::strerror(err)));
  };
  fds.stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fds.stdin_fd < 0) return fail("cannot open /dev/null");
  if (!spec.stderr_path.empty()) {
    fds.stderr_fd = open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fds.stderr_fd < 0) return fail("cannot open " + spec.stderr_path);
  }
  if (spec.wait_for_listening_line) {
    int out_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return fail("pipe");
    fds.stdout_read = out_pipe[0];
    fds.stdout_fd = out_pipe[1];
    if (!spec.stdout_path.empty()) {
      const int f = open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (f >= 0) close(f);
    }
  } else if (spec.stdout_path.empty()) {
    fds.stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fds.stdout_fd < 0) return fail("cannot open /dev/null");
  } else {
    fds.stdout_fd = open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fds.stdout_fd < 0) return fail("cannot open " + spec.stdout_path);
  }
  return fds;
}

// fork + exec of `argv` (null-terminated) with `fds` on the spawner thread.
// Returns the child's pid, or -1 with errno set.
pid_t ForkExec(std::vector<char*>& argv, const ChildFds& fds) {
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed.
  const pid_t parent = getpid();
  return Spawner::Get().Run([&]() -> pid_t {
    pid_t child = fork();
    if (child != 0) return child;
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaction(sig, &dfl, nullptr);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds.stdin_fd, 0);
    dup2(fds.stdout_fd, 1);
    if (fds.stderr_fd >= 0) dup2(fds.stderr_fd, 2);
    execv(argv[0], argv.data());
    const char msg[] = "child_process: execv failed\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  });
}

// What the child printed on stdout until its start-up line.
struct LineRead {
  bool found = false;
  bool eof = false;  // the child closed stdout before the line
  std::string line;  // the start-up line, without its newline
  std::string rest;  // bytes read after it
};

// Reads `fd` until a start-up line, EOF or `timeout`; copies the lines before
// it to stdout_path.
LineRead ReadUntilListeningLine(int fd, const ChildProcessSpec& spec) {
  const absl::Time deadline = absl::Now() + spec.start_timeout;
  LineRead r;
  while (!r.found && !r.eof) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      r.eof = true;
      break;
    }
    r.rest.append(buf, static_cast<size_t>(n));
    size_t nl;
    while (!r.found && (nl = r.rest.find('\n')) != std::string::npos) {
      std::string one = r.rest.substr(0, nl);
      r.rest.erase(0, nl + 1);
      if (IsListeningLine(one)) {
        r.line = std::move(one);
        r.found = true;
      } else {
        AppendTo(spec.stdout_path, one + "\n");
      }
    }
  }
  return r;
}

}  // namespace

std::string DescribeExit(int code) {
  if (code < 0) return "unknown exit";
  if (code > 128) {
    return absl::StrCat("signal ", code - 128, " (", strsignal(code - 128), ")");
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

std::string FirstSanitizerReport(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  constexpr absl::string_view kRule = "==================";
  std::string out;
  bool inside = false;
  std::string previous;  // the line before, kept while it is a rule
  std::string line;
  while (std::getline(in, line)) {
    if (!inside) {
      if (absl::StrContains(line, "runtime error:")) return line.substr(0, max_bytes);
      const bool starts = absl::StrContains(line, "WARNING: ThreadSanitizer") ||
                          absl::StrContains(line, "ERROR: AddressSanitizer") ||
                          absl::StrContains(line, "ERROR: LeakSanitizer");
      if (starts) {
        inside = true;
        if (!previous.empty()) absl::StrAppend(&out, previous, "\n");
      }
      previous = absl::StartsWith(line, kRule) ? line.substr(0, 128) : "";
      if (!inside) continue;
    } else if (absl::StartsWith(line, kRule)) {
      absl::StrAppend(&out, line);
      return out;
    }
    if (out.size() + line.size() + 1 > max_bytes) {
      absl::StrAppend(&out, "[...]");
      return out;
    }
    absl::StrAppend(&out, line, "\n");
    if (absl::StartsWith(line, "SUMMARY:")) break;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string StderrExcerpt(const std::string& path) {
  std::string said = FirstSanitizerReport(path);
  return said.empty() ? TailOfFile(path) : said;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(const ChildProcessSpec& spec) {
  if (access(spec.binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(spec.name, ": binary ", spec.binary,
                                            " is not executable: ", std::strerror(errno)));
  }
  absl::StatusOr<ChildFds> fds = OpenChildFds(spec);
  if (!fds.ok()) return fds.status();
  std::vector<std::string> all;
  all.push_back(spec.binary);
  all.insert(all.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ForkExec(argv, *fds);
  const int fork_errno = errno;
  fds->CloseChildSide();
  if (pid < 0) {
    fds->CloseAll();
    return absl::InternalError(absl::StrCat(spec.name, ": fork: ", std::strerror(fork_errno)));
  }
  std::unique_ptr<ChildProcess> proc(new ChildProcess(spec.name, pid));
  if (!spec.wait_for_listening_line) return proc;
  absl::Status started = proc->AwaitListeningLine(spec, fds->stdout_read);
  if (!started.ok()) return started;
  return proc;
}

absl::Status ChildProcess::AwaitListeningLine(const ChildProcessSpec& spec, int stdout_fd) {
  LineRead r = ReadUntilListeningLine(stdout_fd, spec);
  if (!r.found) {
    close(stdout_fd);
    if (r.eof) {
      // The child closed stdout: it is exiting. Give it a moment to finish.
      std::lock_guard<std::mutex> lock(mu_);
      WaitLocked(absl::Seconds(2));
    }
    if (r.eof || !Running()) {
      return StartFailure(spec, absl::StatusCode::kUnavailable,
                          "exited before printing its listening line");
    }
    return StartFailure(
        spec, absl::StatusCode::kDeadlineExceeded,
        absl::StrCat("no listening line within ", absl::FormatDuration(spec.start_timeout)));
  }
  absl::StatusOr<std::map<std::string, std::string>> fields = ParseListeningLine(r.line);
  if (!fields.ok()) {
    close(stdout_fd);
    return StartFailure(spec, absl::StatusCode::kUnavailable, fields.status().ToString());
  }
  listening_ = *std::move(fields);
  listening_line_ = std::move(r.line);
  AppendTo(spec.stdout_path, r.rest);
  DrainInBackground(stdout_fd, spec.stdout_path);
  return absl::OkStatus();
}

absl::Status ChildProcess::StartFailure(const ChildProcessSpec& spec, absl::StatusCode code,
                                        const std::string& what) {
  Terminate(absl::Seconds(1));
  std::string message = absl::StrCat(spec.name, ": ", what);
  const int code_at_exit = exit_code();
  if (code_at_exit >= 0 && code == absl::StatusCode::kUnavailable) {
    absl::StrAppend(&message, " (", DescribeExit(code_at_exit), ")");
  }
  if (spec.stderr_path.empty()) {
    absl::StrAppend(&message, "; its stderr is this process's stderr");
  } else {
    const std::string said = StderrExcerpt(spec.stderr_path);
    absl::StrAppend(&message, "; stderr (", spec.stderr_path, "):\n",
                    said.empty() ? "(empty)" : said);
  }
  return absl::Status(code, message);
}

ChildProcess::~ChildProcess() { Terminate(); }

bool ChildProcess::WaitLocked(absl::Duration timeout) {
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
    absl::SleepFor(absl::Milliseconds(10));  // polling a child's exit
  }
}

bool ChildProcess::Running() {
  std::lock_guard<std::mutex> lock(mu_);
  return !WaitLocked(absl::ZeroDuration());
}

int ChildProcess::Terminate(absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reaped_) return -1;
  }
  SendTerm();
  return AwaitExit(absl::Now() + grace);
}

void ChildProcess::SendTerm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!reaped_) kill(pid_, SIGTERM);
}

int ChildProcess::AwaitExit(absl::Time deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return exit_code_;
  if (!WaitLocked(deadline - absl::Now())) {
    std::cerr << "child_process: " << name_ << " (pid " << pid_
              << ") still running after SIGTERM; sending SIGKILL\n";
    kill(pid_, SIGKILL);
    WaitLocked(absl::InfiniteDuration());
  }
  return exit_code_;
}

void ChildProcess::Kill() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return;
  kill(pid_, SIGKILL);
  WaitLocked(absl::InfiniteDuration());
}

int ChildProcess::exit_code() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exit_code_;
}

}  // namespace sct

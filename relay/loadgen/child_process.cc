#include "relay/loadgen/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sct::relay::loadgen {
namespace {

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& stderr_path) {
  if (argv.empty()) return absl::InvalidArgumentError("argv: empty");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  int err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err_fd < 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError(absl::StrCat("open ", stderr_path, ": ", std::strerror(errno)));
  }
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    close(err_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(out[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(cargv[0], cargv.data());
    const char msg[] = "relay_loadgen: exec failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  close(out[1]);
  close(err_fd);
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess());
  child->pid_ = pid;
  child->stdout_fd_ = out[0];
  child->stderr_path_ = stderr_path;
  return child;
}

ChildProcess::~ChildProcess() { Stop(); }

std::string ChildProcess::StderrTail() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  if (all.size() > 2000) all = all.substr(all.size() - 2000);
  return all;
}

absl::StatusOr<std::string> ChildProcess::WaitForLine(absl::string_view prefix,
                                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    size_t nl;
    while ((nl = buffered_.find('\n')) != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      if (absl::StartsWith(line, prefix)) {
        // Keep the pipe drained from now on.
        int fd = stdout_fd_;
        drain_ = std::thread([fd] {
          char buf[4096];
          while (read(fd, buf, sizeof(buf)) > 0) {
          }
        });
        return line;
      }
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line starting with \"", prefix, "\" from the child within ",
                       absl::FormatDuration(timeout), "; its stderr:\n", StderrTail()));
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t got = read(stdout_fd_, buf, sizeof(buf));
    if (got <= 0) {
      std::string how = Stop(absl::Seconds(1));
      return absl::UnavailableError(absl::StrCat("the child ", how, " before it printed \"", prefix,
                                                 "\"; its stderr:\n", StderrTail()));
    }
    buffered_.append(buf, static_cast<size_t>(got));
  }
}

std::string ChildProcess::Stop(absl::Duration grace) {
  if (stopped_) return exit_text_;
  stopped_ = true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + grace;
    while ((r = waitpid(pid_, &status, WNOHANG)) == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (r == 0) {
      kill(pid_, SIGKILL);
      r = waitpid(pid_, &status, 0);
    }
  }
  exit_text_ = r == pid_ ? DescribeWaitStatus(status) : "not waited for";
  // The child is gone, so the pipe's write end is closed and the drain ends.
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return exit_text_;
}

}  // namespace sct::relay::loadgen

// A server the load generator starts as a child process and stops at the end:
// the real relay_server, or this binary in its --serve_echo mode.
//
// The child's stdout is a pipe: WaitForLine() reads it until the
// "listening ..." line that a server started on port 0 prints; after that a
// background thread drains and discards stdout so the child can never block
// on a full pipe. The child's stderr goes to `stderr_path` (its tail is shown
// when start-up fails). The child gets PR_SET_PDEATHSIG=SIGKILL, so it does
// not outlive the load generator even if this process is killed.
//
// Thread-compatible: one owner thread. The destructor stops the child.
#ifndef SCT_RELAY_LOADGEN_CHILD_PROCESS_H_
#define SCT_RELAY_LOADGEN_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::relay::loadgen {

class ChildProcess {
 public:
  // Starts argv[0] with `argv`. INTERNAL if fork/exec setup fails; a failing
  // exec shows up as the child exiting (see WaitForLine).
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                             const std::string& stderr_path);

  ~ChildProcess();

  // Reads stdout lines until one starts with `prefix` and returns it (without
  // the newline). DEADLINE_EXCEEDED after `timeout`; UNAVAILABLE if the child
  // exits first (the message has the tail of its stderr).
  absl::StatusOr<std::string> WaitForLine(absl::string_view prefix, absl::Duration timeout);

  // SIGTERM, then SIGKILL after `grace`. Returns the exit status text
  // ("exited 0", "killed by signal 9"). Idempotent.
  std::string Stop(absl::Duration grace = absl::Seconds(5));

  pid_t pid() const { return pid_; }

 private:
  ChildProcess() = default;
  std::string StderrTail() const;

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string buffered_;
  std::thread drain_;
  bool stopped_ = false;
  std::string exit_text_;
};

}  // namespace sct::relay::loadgen

#endif  // SCT_RELAY_LOADGEN_CHILD_PROCESS_H_

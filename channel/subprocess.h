// Test helper: runs a binary as a child process (end-to-end tier), reads the
// "listening ..." line it prints on stdout, and stops it with SIGTERM.
// The child's stderr goes to the test log. The destructor SIGKILLs a child
// that is still running, so a failing test never leaves a process behind.
// Not thread-safe; testonly.
#ifndef SCT_CHANNEL_SUBPROCESS_H_
#define SCT_CHANNEL_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::channel {

class Subprocess {
 public:
  // INTERNAL if the process cannot be started.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv);
  ~Subprocess();

  // The first stdout line starting with `prefix`; DEADLINE_EXCEEDED after
  // `timeout`, UNAVAILABLE if the child closed stdout (exited) first.
  absl::StatusOr<std::string> WaitForLine(absl::string_view prefix, absl::Duration timeout);

  // SIGTERM, then wait up to `timeout` (SIGKILL after). Returns the exit
  // code, or 128 + signal if it died of a signal.
  int Terminate(absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  pid_t pid_;
  int stdout_fd_;
  std::string buffer_;
  bool reaped_ = false;
};

// $TEST_SRCDIR/sct_lab/<path>: a data dependency's runfiles path.
std::string RunfilesPath(absl::string_view path);

}  // namespace sct::channel

#endif  // SCT_CHANNEL_SUBPROCESS_H_

// One child process of the launcher: fork/exec of a service binary that
// prints a single `listening grpc=HOST:PORT [http=HOST:PORT]` line on stdout
// once it serves, then runs until SIGTERM.
//
// - The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the launcher
//   even on a crash or SIGKILL. Because Linux ties that signal to the thread
//   that forked, every fork happens on one process-wide spawner thread that
//   lives as long as the process (so Start may be called from any thread).
// - Its stderr goes to a file (stderr_path), its stdout to a pipe: the
//   listening line is parsed; anything printed later is copied to stdout_path
//   (if set) so the child never blocks or gets SIGPIPE.
// - The child starts with an empty signal mask (the launcher may block
//   SIGINT/SIGTERM for its sigwait thread) and in its own process group, so a
//   terminal's Ctrl-C reaches only the launcher, which then stops the
//   children in order.
//
// Thread-safety: a Process may be used from several threads (the engine and
// a signal thread); a mutex serialises signalling and reaping.
// Errors of Start: NOT_FOUND when the binary is not executable;
// UNAVAILABLE when the child exits before the listening line (message names
// spec.name, the exit status and quotes the end of its stderr);
// DEADLINE_EXCEEDED when no line came within start_timeout (same details);
// INTERNAL for fork/pipe failures. A failed Start leaves no child behind.
#ifndef SCT_SCENARIOS_LAUNCHER_PROCESS_H_
#define SCT_SCENARIOS_LAUNCHER_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sct::scenarios {

struct ProcessSpec {
  std::string name;               // for messages, e.g. "relay"
  std::string binary;             // absolute path
  std::vector<std::string> args;  // argv[1..]
  std::string stderr_path;        // truncated at start
  std::string stdout_path;        // after the listening line ("" = drop)
  absl::Duration start_timeout = absl::Seconds(30);
};

class Process {
 public:
  // Starts the child and waits (bounded) for its listening line.
  static absl::StatusOr<std::unique_ptr<Process>> Start(
      const ProcessSpec& spec);

  // Terminates (as Terminate()) if still running.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // The listening line's fields: "grpc" -> "127.0.0.1:4411", "http" -> ...
  const std::map<std::string, std::string>& listening() const {
    return listening_;
  }
  // Whether the child has not been reaped yet (reaps it if it exited).
  bool Running();
  // SIGTERM, SIGKILL after `grace`, reap. Returns the exit code (128+signal
  // when killed by a signal), or -1 if it was already reaped. Idempotent.
  int Terminate(absl::Duration grace = absl::Seconds(5));
  // The two halves of Terminate, so that many children can be stopped in
  // parallel: SIGTERM now (no-op once reaped) ...
  void SendTerm();
  // ... then wait until `deadline`, SIGKILL if still running, reap. Returns
  // the exit code (also when reaped before).
  int AwaitExit(absl::Time deadline);
  // SIGKILL and reap (a crash). Idempotent.
  void Kill();
  // Exit code recorded when reaped (-1 while running).
  int exit_code() const;

 private:
  Process(std::string name, pid_t pid) : name_(std::move(name)), pid_(pid) {}
  // Requires mu_. Waits up to `timeout` for the child to exit.
  bool WaitLocked(absl::Duration timeout);

  const std::string name_;
  const pid_t pid_;
  std::map<std::string, std::string> listening_;
  mutable std::mutex mu_;
  bool reaped_ = false;  // guarded by mu_
  int exit_code_ = -1;   // guarded by mu_
};

// Parses "listening grpc=127.0.0.1:1 http=127.0.0.1:2" into its fields.
// INVALID_ARGUMENT when the line does not start with "listening " or a field
// is not KEY=VALUE.
absl::StatusOr<std::map<std::string, std::string>> ParseListeningLine(
    absl::string_view line);

// The last `max_lines` lines of a text file (at most 4 KiB), "" if unreadable.
std::string TailOfFile(const std::string& path, int max_lines = 15);

// Human description of a wait status: "exit 1", "signal 9 (Killed)".
std::string DescribeExit(int code);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_PROCESS_H_

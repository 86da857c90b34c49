// One child process: fork/exec of a binary (usually a service binary that
// prints its start-up line, runtime/startup_line.h, once it listens), then
// stop and reap. Used by the scenario launcher, the relay load generator and
// every test that runs real binaries.
//
// - The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with this process
//   even on a crash or SIGKILL: no orphans. Because Linux ties that signal to
//   the thread that forked, every fork happens on one process-wide spawner
//   thread that lives as long as the process (so Start may be called from
//   any thread, including one that ends right after).
// - Its stderr goes to a file (stderr_path, truncated) or, when that is
//   empty, to this process's stderr (a test's log). Its stdout is a pipe
//   until the start-up line has been read; every other stdout line, before
//   and after, is copied to stdout_path (if set) by a background thread, so
//   the child never blocks on a full pipe or gets SIGPIPE.
// - The child starts with an empty signal mask and default signal handlers
//   (this process may block SIGINT/SIGTERM for a sigwait thread) and in its
//   own process group, so a terminal's Ctrl-C reaches only this process,
//   which then stops its children in order.
//
// Thread-safety: a ChildProcess may be used from several threads (say a
// driver and a signal thread); a mutex serialises signalling and reaping.
// Ownership: the object owns the child; the destructor terminates it
// (SIGTERM, SIGKILL after 5 s) if it still runs.
// Errors of Start: NOT_FOUND when the binary is not executable;
// UNAVAILABLE when the child exits before its start-up line or prints a
// malformed one (the message names spec.name, the exit status and quotes
// the end of its stderr file); DEADLINE_EXCEEDED when no line came within
// start_timeout (same details); INTERNAL for pipe/fork/open failures. A
// failed Start leaves no child behind.
#ifndef SCT_RUNTIME_CHILD_PROCESS_H_
#define SCT_RUNTIME_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sct {

struct ChildProcessSpec {
  std::string name;               // for messages, e.g. "relay"
  std::string binary;             // path of the executable (argv[0])
  std::vector<std::string> args;  // argv[1..]
  // The child's stderr: this file (truncated at start), or this process's
  // own stderr when empty.
  std::string stderr_path;
  // The child's other stdout lines (truncated at start); "" drops them.
  std::string stdout_path;
  // Whether Start waits for the start-up line. A binary that prints none
  // (e.g. redis-server) is started with false: Start returns once it forked,
  // and its whole stdout goes to stdout_path.
  bool wait_for_listening_line = true;
  absl::Duration start_timeout = absl::Seconds(30);
};

class ChildProcess {
 public:
  // Starts the child and, if asked, waits (bounded) for its start-up line.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const ChildProcessSpec& spec);

  // Terminates (as Terminate()) if still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  // The start-up line's endpoints: "grpc" -> "127.0.0.1:4411", "http" -> ...
  // (empty without wait_for_listening_line).
  const std::map<std::string, std::string>& listening() const { return listening_; }
  // The start-up line as the child printed it, for logs ("" likewise).
  const std::string& listening_line() const { return listening_line_; }

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
  ChildProcess(std::string name, pid_t pid) : name_(std::move(name)), pid_(pid) {}
  // Requires mu_. Waits up to `timeout` for the child to exit.
  bool WaitLocked(absl::Duration timeout);
  // Reads the start-up line from `stdout_fd` (which it then owns) into
  // listening_; on failure the child is stopped and the error describes it.
  absl::Status AwaitListeningLine(const ChildProcessSpec& spec, int stdout_fd);
  // The error of a failed start: stops the child, adds its exit status (for
  // UNAVAILABLE) and the tail of its stderr file.
  absl::Status StartFailure(const ChildProcessSpec& spec, absl::StatusCode code,
                            const std::string& what);

  const std::string name_;
  const pid_t pid_;
  std::map<std::string, std::string> listening_;
  std::string listening_line_;
  mutable std::mutex mu_;
  bool reaped_ = false;  // guarded by mu_
  int exit_code_ = -1;   // guarded by mu_
};

// The last `max_lines` lines of a text file (at most 4 KiB), "" if unreadable.
std::string TailOfFile(const std::string& path, int max_lines = 15);

// The first sanitizer report in a text file (a service's stderr): from the
// "==================" line before ThreadSanitizer's "WARNING:" or
// AddressSanitizer's / LeakSanitizer's "ERROR:" to the closing
// "==================" (TSan) or the "SUMMARY:" line, or a UBSan
// "runtime error:" line alone; cut at `max_bytes` (then ending "[...]").
// "" when the file has none or is unreadable. Reads line by line: memory is
// bounded by `max_bytes` whatever the file's size.
std::string FirstSanitizerReport(const std::string& path, size_t max_bytes = 16 * 1024);

// What a process's stderr file says for an error message: its first
// sanitizer report, else its last 15 lines; "" when empty or unreadable.
std::string StderrExcerpt(const std::string& path);

// Human description of an exit code as ChildProcess reports it: "exit 1",
// "signal 9 (Killed)".
std::string DescribeExit(int code);

}  // namespace sct

#endif  // SCT_RUNTIME_CHILD_PROCESS_H_

// The launcher library: Launch() (declared in ecosystem.h, the contract)
// and the process-wide helpers below.
//
// Every Ecosystem that Launch() creates registers itself in a process-wide
// set until destroyed (live_ecosystems.h), so a signal can tear all of them
// down.
//
// Thread-safety: all functions are thread-safe.
#ifndef SCT_SCENARIOS_LAUNCHER_LAUNCHER_H_
#define SCT_SCENARIOS_LAUNCHER_LAUNCHER_H_

#include <string>

namespace sct::scenarios {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and starts a thread
// that waits for them (sigwait); on one it calls Shutdown() on every live
// Ecosystem and exits the process with 128 + the signal (130 for SIGINT, 143
// for SIGTERM). Call it first thing in main(), before any other thread starts
// (threads inherit the signal mask). Idempotent.
void InstallTeardownOnSignal();

// Calls Shutdown() on every live Ecosystem (what the signal thread does).
void ShutdownAllEcosystems();

// The binaries directory for LaunchOptions::binaries_dir, derived from where
// the running program lives: "$RUNFILES_DIR/sct_lab" or
// "$TEST_SRCDIR/sct_lab" when set, else "<exe>.runfiles/sct_lab" if it holds
// relay/relay_server, else the bazel-bin directory that holds
// /proc/self/exe (".../bazel-bin/scenarios/launcher/sct_up" ->
// ".../bazel-bin").
// "" when none of these holds relay/relay_server.
std::string DefaultBinariesDir();

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_LAUNCHER_H_

// The process-wide set of live launched ecosystems, so that a signal can stop
// every one of them (launcher.h: InstallTeardownOnSignal).
//
// Thread-safety: all functions are thread-safe. Ownership: the set holds
// borrowed pointers; an ecosystem registers itself when built and
// unregisters before it is destroyed.
#ifndef SCT_SCENARIOS_LAUNCHER_LIVE_ECOSYSTEMS_H_
#define SCT_SCENARIOS_LAUNCHER_LIVE_ECOSYSTEMS_H_

#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios {

void RegisterLiveEcosystem(Ecosystem* ecosystem);

// Removes `ecosystem`; waits while ShutdownLiveEcosystems is stopping it, so
// that it is not destroyed while being stopped.
void UnregisterLiveEcosystem(Ecosystem* ecosystem);

// Calls Shutdown() on every registered ecosystem.
void ShutdownLiveEcosystems();

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_LIVE_ECOSYSTEMS_H_

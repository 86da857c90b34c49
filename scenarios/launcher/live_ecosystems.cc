#include "scenarios/launcher/live_ecosystems.h"

#include <mutex>
#include <set>

namespace sct::scenarios {
namespace {

std::mutex& RegistryMu() {
  static auto* mu = new std::mutex();
  return *mu;
}

std::set<Ecosystem*>& Registry() {
  static auto* set = new std::set<Ecosystem*>();
  return *set;
}

}  // namespace

void RegisterLiveEcosystem(Ecosystem* ecosystem) {
  std::lock_guard<std::mutex> lock(RegistryMu());
  Registry().insert(ecosystem);
}

void UnregisterLiveEcosystem(Ecosystem* ecosystem) {
  std::lock_guard<std::mutex> lock(RegistryMu());
  Registry().erase(ecosystem);
}

void ShutdownLiveEcosystems() {
  // Held throughout, so no ecosystem is destroyed while being stopped.
  std::lock_guard<std::mutex> lock(RegistryMu());
  for (Ecosystem* e : Registry()) e->Shutdown();
}

}  // namespace sct::scenarios

#include "scenarios/launcher/ecosystem.h"

#include <cstdlib>

namespace sct::scenarios {

absl::Duration DefaultStopGrace() {
  const char* env = std::getenv("SCT_STOP_GRACE");
  absl::Duration d;
  if (env != nullptr && absl::ParseDuration(env, &d) && d > absl::ZeroDuration() &&
      d < absl::InfiniteDuration()) {
    return d;
  }
  return absl::Seconds(2);
}

}  // namespace sct::scenarios

#include "scenarios/engine/time_scale.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct::scenarios {

absl::StatusOr<double> ParseTimeScale(absl::string_view value) {
  double scale = 0;
  if (!absl::SimpleAtod(value, &scale) || !std::isfinite(scale) || scale < 1) {
    return InvalidField(kTimeScaleVariable,
                        absl::StrCat("want a number >= 1 (the factor the engine's deadlines are "
                                     "multiplied by, e.g. 4), got \"",
                                     value, "\""));
  }
  return scale;
}

absl::StatusOr<double> TimeScaleFromEnv() {
  const char* value = std::getenv(kTimeScaleVariable);
  if (value == nullptr) return 1.0;
  return ParseTimeScale(value);
}

absl::Duration Scaled(absl::Duration d, double scale) {
  if (scale <= 1 || d == absl::InfiniteDuration()) return d;
  return d * scale;
}

std::string DescribeTimeScale(double scale) {
  return absl::StrCat(scale, " (", kTimeScaleVariable, ": the engine's deadlines and waits x",
                      scale, "; durations as measured)");
}

}  // namespace sct::scenarios

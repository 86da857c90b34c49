// Fuzz target: the experiment file loader (scenarios/experiment/load.h) —
// files users write and share, which `./sct experiment` loads before it
// starts any process. Every input must give a LoadedExperiment or an
// INVALID_ARGUMENT whose message is "FILE:LINE:COL: ..." lines; never a
// crash. An experiment that loads must load again after a round trip through
// its own text form, with the same sweep points, and the scenario of its first
// and last point must build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "scenarios/experiment/load.h"

namespace {

namespace ex = ::sct::scenarios::experiment;

// Larger inputs only slow the search: the loader's own bound on a file is
// 1 MiB (kMaxLabFileBytes), far above any experiment written by hand.
constexpr size_t kMaxInputBytes = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ex::LoadedExperiment> loaded = ex::ParseExperiment(text, "fuzz.textproto");
  if (!loaded.ok()) {
    if (loaded.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(loaded.status().message(), "fuzz.textproto:")) {
      std::abort();
    }
    return 0;
  }
  if (loaded->points.empty()) std::abort();
  for (const auto* point : {&loaded->points.front(), &loaded->points.back()}) {
    if (!ex::PointScenario(*loaded, *point, /*seed=*/1).ok()) std::abort();
  }
  std::string again;
  if (!google::protobuf::TextFormat::PrintToString(loaded->experiment, &again)) std::abort();
  absl::StatusOr<ex::LoadedExperiment> reloaded = ex::ParseExperiment(again, "again.textproto");
  if (!reloaded.ok() || reloaded->points != loaded->points) std::abort();
  return 0;
}

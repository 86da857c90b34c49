// Fuzz target: the scenario file parser (scenarios/engine/parse.h) — the
// text-format files users write and share, which the engine loads before it
// starts any process. Every input must give a CheckedScenario or an
// INVALID_ARGUMENT whose message is "FILE:LINE:COL: ..." lines; never a
// crash. A scenario that passes must pass again after a round trip through
// its own text form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "scenarios/engine/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sct::scenarios::CheckedScenario> checked =
      sct::scenarios::ParseCheckedScenario(text, "fuzz.textproto");
  if (!checked.ok()) {
    if (checked.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(checked.status().message(), "fuzz.textproto:")) {
      std::abort();
    }
    return 0;
  }
  std::string again;
  if (!google::protobuf::TextFormat::PrintToString(checked->scenario, &again)) std::abort();
  if (!sct::scenarios::ParseCheckedScenario(again, "again.textproto").ok()) std::abort();
  return 0;
}

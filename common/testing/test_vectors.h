// Test-only access to the shared test vectors (Wycheproof, RFC 9180) that
// live outside the repository, by default in ../shared/testvectors.
//
// Where the folder is: $SCT_TESTVECTORS if set and non-empty; otherwise the
// repository root (found by resolving the real path of this package's anchor
// runfile and walking up to the directory holding WORKSPACE) + "/../shared/
// testvectors". A suite whose file is missing SKIPS with a message, unless
// SCT_REQUIRE_TESTVECTORS=1, in which case it FAILS (CI sets this when the
// folder exists, so vectors cannot silently stop running).
//
// Typical use in a test body:
//   SCT_LOAD_TEST_VECTORS(json, "wycheproof/hkdf_sha256_test.json");
//   sct::testing::RunWycheproof(json, "hkdf_sha256_test.json",
//       [](const nlohmann::json& group, const nlohmann::json& test)
//           -> absl::StatusOr<sct::testing::VectorResult> { ... });
//
// Thread-safety: functions are safe to call concurrently; RunWycheproof
// reports through GoogleTest and is meant for the test's main thread.
#ifndef SCT_COMMON_TESTING_TEST_VECTORS_H_
#define SCT_COMMON_TESTING_TEST_VECTORS_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sct::testing {

// The test-vector folder, or nullopt if it cannot be located or is absent.
std::optional<std::string> TestVectorsDir();

// True iff SCT_REQUIRE_TESTVECTORS == "1".
bool TestVectorsRequired();

// Strict hex: even length, only [0-9a-fA-F]; "" decodes to "".
// INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> HexDecode(absl::string_view hex);
std::string HexEncode(absl::string_view bytes);  // lower case

// Reads and parses a JSON file. NOT_FOUND if it cannot be read,
// INVALID_ARGUMENT if it is not JSON.
absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path);

// The outcome of looking for a vector file for a test.
struct VectorFile {
  enum class State { kLoaded, kSkip, kFail };
  State state = State::kFail;
  std::string path;     // Where it was looked for (if the dir was found).
  std::string message;  // Why it was skipped or failed.
  nlohmann::json json;  // Valid when kLoaded.
};

// Loads <TestVectorsDir()>/<relative_path>. kSkip when the folder or file is
// absent and vectors are not required; kFail when they are required, or when
// the file exists but does not parse.
VectorFile LoadVectorFile(absl::string_view relative_path);

// The hex string field `name` of `obj`, decoded. INVALID_ARGUMENT if missing,
// not a string, or not strict hex.
absl::StatusOr<std::string> HexField(const nlohmann::json& obj,
                                     const char* name);

// What a check function reports for one Wycheproof test.
struct VectorResult {
  enum class Kind { kPass, kNotApplicable };
  Kind kind = Kind::kPass;
  // For "acceptable" vectors: whether the code accepted the input.
  bool accepted = false;
  std::string note;  // Why not applicable.
};
inline VectorResult Passed(bool accepted = true) {
  return {VectorResult::Kind::kPass, accepted, ""};
}
inline VectorResult NotApplicable(std::string why) {
  return {VectorResult::Kind::kNotApplicable, false, std::move(why)};
}

// Per-file tally, printed to the test log and recorded as XML properties.
struct VectorTally {
  int total = 0;           // tests in the file
  int ran = 0;             // tests the code was run on
  int passed = 0;          // of those, behaved as expected
  int not_applicable = 0;  // parameters the code does not support
  int acceptable_accepted = 0;
  int acceptable_rejected = 0;
  std::string Summary(absl::string_view file) const;
};

// A check returns Passed(...) when the code behaved as the vector's `result`
// demands, NotApplicable(...) when the vector's parameters are outside what
// the code supports, or an error status describing the mismatch (which fails
// the test, naming the tcId and comment).
using WycheproofCheck = std::function<absl::StatusOr<VectorResult>(
    const nlohmann::json& group, const nlohmann::json& test)>;

// Runs `check` over every test of every group in a Wycheproof file, reports
// each mismatch with ADD_FAILURE (tcId, comment, flags, result), fails if the
// number of tests differs from the file's numberOfTests or nothing ran, and
// prints the tally. Returns the tally.
VectorTally RunWycheproof(const nlohmann::json& file, absl::string_view name,
                          const WycheproofCheck& check);

}  // namespace sct::testing

// In a TEST body: declares `var` (nlohmann::json) holding the parsed file, or
// GTEST_SKIP()s / FAILs the test as LoadVectorFile decides.
#define SCT_LOAD_TEST_VECTORS(var, relative_path)                    \
  ::nlohmann::json var;                                              \
  do {                                                               \
    ::sct::testing::VectorFile sct_vf_ =                             \
        ::sct::testing::LoadVectorFile(relative_path);               \
    if (sct_vf_.state == ::sct::testing::VectorFile::State::kSkip) { \
      GTEST_SKIP() << sct_vf_.message;                               \
    }                                                                \
    if (sct_vf_.state == ::sct::testing::VectorFile::State::kFail) { \
      FAIL() << sct_vf_.message;                                     \
    }                                                                \
    var = std::move(sct_vf_.json);                                   \
  } while (false)

#endif  // SCT_COMMON_TESTING_TEST_VECTORS_H_

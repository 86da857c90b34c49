#include "common/testing/test_vectors.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sct::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kAnchor[] = "common/testing/test_vectors_anchor.txt";

std::string GetEnv(const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? "" : value;
}

// The repository root: the first ancestor of the anchor's real path that
// holds a WORKSPACE file.
std::optional<fs::path> RepositoryRoot() {
  std::vector<fs::path> candidates;
  std::string srcdir = GetEnv("TEST_SRCDIR");
  std::string workspace = GetEnv("TEST_WORKSPACE");
  if (workspace.empty()) workspace = "sct_lab";
  if (!srcdir.empty())
    candidates.push_back(fs::path(srcdir) / workspace / kAnchor);
  candidates.push_back(fs::path(kAnchor));  // Tests run in the runfiles root.
  for (const fs::path& candidate : candidates) {
    std::error_code ec;
    fs::path real = fs::canonical(candidate, ec);
    if (ec) continue;
    for (fs::path dir = real.parent_path(); !dir.empty();
         dir = dir.parent_path()) {
      if (fs::exists(dir / "WORKSPACE", ec)) return dir;
      if (dir == dir.root_path()) break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> TestVectorsDir() {
  std::string from_env = GetEnv("SCT_TESTVECTORS");
  fs::path dir;
  if (!from_env.empty()) {
    dir = from_env;
  } else {
    std::optional<fs::path> root = RepositoryRoot();
    if (!root.has_value()) return std::nullopt;
    dir = *root / ".." / "shared" / "testvectors";
  }
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(real, ec)) return std::nullopt;
  return real.string();
}

bool TestVectorsRequired() { return GetEnv("SCT_REQUIRE_TESTVECTORS") == "1"; }

absl::StatusOr<std::string> HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hex: odd length ", hex.size()));
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("hex: invalid character at offset ", 2 * i));
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string HexEncode(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

absl::StatusOr<nlohmann::json> LoadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json json =
      nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  }
  return json;
}

VectorFile LoadVectorFile(absl::string_view relative_path) {
  VectorFile result;
  const bool required = TestVectorsRequired();
  const char* consequence =
      required ? " (SCT_REQUIRE_TESTVECTORS=1, so this fails)"
               : "; skipping this vector suite (embedded known-answer tests "
                 "still run). Set SCT_TESTVECTORS to the folder.";
  std::optional<std::string> dir = TestVectorsDir();
  if (!dir.has_value()) {
    result.state =
        required ? VectorFile::State::kFail : VectorFile::State::kSkip;
    result.message =
        absl::StrCat("test-vector folder not found (SCT_TESTVECTORS='",
                     GetEnv("SCT_TESTVECTORS"),
                     "', default ../shared/testvectors beside "
                     "the repository root)",
                     consequence);
    return result;
  }
  result.path = absl::StrCat(*dir, "/", relative_path);
  std::error_code ec;
  if (!fs::exists(result.path, ec)) {
    result.state =
        required ? VectorFile::State::kFail : VectorFile::State::kSkip;
    result.message = absl::StrCat("test-vector file ", result.path,
                                  " is absent", consequence);
    return result;
  }
  absl::StatusOr<nlohmann::json> json = LoadJsonFile(result.path);
  if (!json.ok()) {
    result.state = VectorFile::State::kFail;
    result.message = std::string(json.status().message());
    return result;
  }
  result.state = VectorFile::State::kLoaded;
  result.json = *std::move(json);
  std::cout << "[vectors] loaded " << result.path << std::endl;
  return result;
}

absl::StatusOr<std::string> HexField(const nlohmann::json& obj,
                                     const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", name, "' missing or not a string"));
  }
  absl::StatusOr<std::string> bytes = HexDecode(it->get<std::string>());
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", name, "': ", bytes.status().message()));
  }
  return bytes;
}

std::string VectorTally::Summary(absl::string_view file) const {
  std::string out =
      absl::StrCat("[vectors] ", file, ": ", total, " vectors, ", ran, " ran, ",
                   passed, " passed, ", not_applicable, " not applicable");
  if (acceptable_accepted + acceptable_rejected > 0) {
    absl::StrAppend(&out, " (acceptable: ", acceptable_accepted, " accepted, ",
                    acceptable_rejected, " rejected)");
  }
  return out;
}

VectorTally RunWycheproof(const nlohmann::json& file, absl::string_view name,
                          const WycheproofCheck& check) {
  VectorTally tally;
  if (!file.contains("testGroups") || !file["testGroups"].is_array()) {
    ADD_FAILURE() << name << ": no testGroups array";
    return tally;
  }
  for (const nlohmann::json& group : file["testGroups"]) {
    if (!group.contains("tests") || !group["tests"].is_array()) {
      ADD_FAILURE() << name << ": a group has no tests array";
      continue;
    }
    for (const nlohmann::json& test : group["tests"]) {
      ++tally.total;
      const std::string tc_id =
          test.contains("tcId") ? test["tcId"].dump() : "?";
      const std::string result =
          test.value("result", std::string("(missing result)"));
      std::string describe = absl::StrCat(
          name, " tcId ", tc_id, " (", result, ", \"",
          test.value("comment", std::string()), "\", flags ",
          test.contains("flags") ? test["flags"].dump() : "[]", ")");
      absl::StatusOr<VectorResult> outcome;
      try {
        outcome = check(group, test);
      } catch (const nlohmann::json::exception& e) {
        outcome = absl::InvalidArgumentError(
            absl::StrCat("malformed vector: ", e.what()));
      }
      if (!outcome.ok()) {
        ++tally.ran;
        ADD_FAILURE() << describe << ": " << outcome.status().message();
        continue;
      }
      if (outcome->kind == VectorResult::Kind::kNotApplicable) {
        ++tally.not_applicable;
        continue;
      }
      ++tally.ran;
      ++tally.passed;
      if (result == "acceptable") {
        ++(outcome->accepted ? tally.acceptable_accepted
                             : tally.acceptable_rejected);
      }
    }
  }
  if (file.contains("numberOfTests")) {
    EXPECT_EQ(tally.total, file["numberOfTests"].get<int>())
        << name << ": number of tests differs from numberOfTests";
  }
  EXPECT_GT(tally.ran, 0) << name << ": no vector ran";
  const std::string summary = tally.Summary(name);
  std::cout << summary << std::endl;
  ::testing::Test::RecordProperty("vectors_total", tally.total);
  ::testing::Test::RecordProperty("vectors_ran", tally.ran);
  ::testing::Test::RecordProperty("vectors_passed", tally.passed);
  ::testing::Test::RecordProperty("vectors_not_applicable",
                                  tally.not_applicable);
  return tally;
}

}  // namespace sct::testing

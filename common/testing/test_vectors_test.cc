#include "common/testing/test_vectors.h"

#include <stdlib.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sct::testing {
namespace {

// Sets an environment variable for the scope of one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = getenv(name);
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (had_old_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_old_ = false;
  std::string old_;
};

std::string TmpDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(HexTest, StrictDecoding) {
  absl::StatusOr<std::string> ok = HexDecode("00ffA0");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, std::string("\x00\xff\xa0", 3));
  EXPECT_TRUE(HexDecode("").ok());
  EXPECT_FALSE(HexDecode("0").ok());
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode(" 00").ok());
  EXPECT_FALSE(HexDecode("0x00").ok());
  EXPECT_EQ(HexEncode(std::string("\x00\xff\xa0", 3)), "00ffa0");
}

TEST(HexFieldTest, ReportsMissingAndBadFields) {
  nlohmann::json obj = {{"good", "0a"}, {"bad", "zz"}, {"number", 5}};
  EXPECT_EQ(*HexField(obj, "good"), "\n");
  EXPECT_FALSE(HexField(obj, "bad").ok());
  EXPECT_FALSE(HexField(obj, "number").ok());
  EXPECT_FALSE(HexField(obj, "missing").ok());
}

TEST(TestVectorsDirTest, EnvironmentOverridesAndMissingDirSkipsOrFails) {
  const std::string dir = TmpDir() + "/vectors";
  ASSERT_EQ(system(("mkdir -p " + dir + "/sub").c_str()), 0);
  {
    std::ofstream(dir + "/sub/ok.json") << "{\"numberOfTests\": 0}";
    std::ofstream(dir + "/sub/broken.json") << "{not json";
  }
  {
    ScopedEnv env("SCT_TESTVECTORS", dir.c_str());
    ScopedEnv req("SCT_REQUIRE_TESTVECTORS", nullptr);
    ASSERT_TRUE(TestVectorsDir().has_value());
    VectorFile ok = LoadVectorFile("sub/ok.json");
    EXPECT_EQ(ok.state, VectorFile::State::kLoaded) << ok.message;
    EXPECT_EQ(ok.json["numberOfTests"], 0);
    EXPECT_EQ(LoadVectorFile("sub/broken.json").state,
              VectorFile::State::kFail);
    EXPECT_EQ(LoadVectorFile("sub/absent.json").state,
              VectorFile::State::kSkip);
  }
  {
    ScopedEnv env("SCT_TESTVECTORS", (dir + "/nope").c_str());
    ScopedEnv req("SCT_REQUIRE_TESTVECTORS", nullptr);
    EXPECT_FALSE(TestVectorsDir().has_value());
    VectorFile skip = LoadVectorFile("sub/ok.json");
    EXPECT_EQ(skip.state, VectorFile::State::kSkip);
    EXPECT_NE(skip.message.find("not found"), std::string::npos);
    EXPECT_FALSE(TestVectorsRequired());
  }
  {
    ScopedEnv env("SCT_TESTVECTORS", (dir + "/nope").c_str());
    ScopedEnv req("SCT_REQUIRE_TESTVECTORS", "1");
    EXPECT_TRUE(TestVectorsRequired());
    EXPECT_EQ(LoadVectorFile("sub/ok.json").state, VectorFile::State::kFail);
  }
}

TEST(TestVectorsDirTest, DefaultIsBesideTheRepositoryRoot) {
  ScopedEnv env("SCT_TESTVECTORS", nullptr);
  std::optional<std::string> dir = TestVectorsDir();
  if (!dir.has_value()) {
    GTEST_SKIP() << "no ../shared/testvectors beside this checkout";
  }
  EXPECT_NE(dir->find("testvectors"), std::string::npos) << *dir;
}

TEST(RunWycheproofTest, CountsAndNotApplicable) {
  nlohmann::json file = nlohmann::json::parse(R"({
    "numberOfTests": 3,
    "testGroups": [{"tests": [
      {"tcId": 1, "result": "valid"},
      {"tcId": 2, "result": "acceptable"},
      {"tcId": 3, "result": "invalid"}]}]})");
  VectorTally tally = RunWycheproof(
      file, "synthetic",
      [](const nlohmann::json&,
         const nlohmann::json& test) -> absl::StatusOr<VectorResult> {
        if (test["tcId"] == 3) return NotApplicable("unsupported");
        return Passed(test["tcId"] == 1);
      });
  EXPECT_EQ(tally.total, 3);
  EXPECT_EQ(tally.ran, 2);
  EXPECT_EQ(tally.passed, 2);
  EXPECT_EQ(tally.not_applicable, 1);
  EXPECT_EQ(tally.acceptable_rejected, 1);
}

}  // namespace
}  // namespace sct::testing

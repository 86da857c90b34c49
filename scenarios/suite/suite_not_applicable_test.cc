// Against a relay attached by URL only, the suite's scenarios that are not
// applicable are exactly those listed in attach_not_applicable.txt, each with
// at least one reason; every other scenario needs nothing of the relay's
// internals. A rule change that moves a scenario in or out fails here first.
#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/relay_internals.h"

namespace sct::scenarios {
namespace {

std::string SuiteDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir == nullptr ? "." : srcdir) + "/" +
         (workspace == nullptr ? "sct_lab" : workspace) + "/scenarios/suite/";
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> Expected() {
  std::set<std::string> names;
  std::istringstream in(Read(SuiteDir() + "attach_not_applicable.txt"));
  std::string line;
  while (std::getline(in, line)) {
    const std::string name(absl::StripAsciiWhitespace(line));
    if (!name.empty() && name[0] != '#') names.insert(name);
  }
  return names;
}

std::vector<std::string> SuiteFiles() {
  std::vector<std::string> files;
  DIR* dir = opendir(SuiteDir().c_str());
  if (dir == nullptr) return files;
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (absl::EndsWith(name, ".textproto")) files.push_back(SuiteDir() + name);
  }
  closedir(dir);
  return files;
}

TEST(SuiteNotApplicable, ExactlyTheListedScenariosNeedTheRelaysInternals) {
  const std::set<std::string> expected = Expected();
  ASSERT_FALSE(expected.empty());
  std::set<std::string> not_applicable;
  const std::vector<std::string> files = SuiteFiles();
  ASSERT_GT(files.size(), 40u);
  for (const std::string& file : files) {
    scenario::v1::Scenario s;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(Read(file), &s)) << file;
    const std::vector<std::string> reasons =
        RelayInternalsNeeded(s, RelayOffer{false, false, false});
    if (reasons.empty()) continue;
    not_applicable.insert(s.name());
    for (const std::string& r : reasons) EXPECT_FALSE(r.empty()) << s.name();
    if (!expected.count(s.name())) {
      ADD_FAILURE() << s.name() << " is not applicable: " << absl::StrJoin(reasons, "; ");
    }
  }
  for (const std::string& n : expected) {
    EXPECT_TRUE(not_applicable.count(n)) << n << " is listed but needs no relay internals";
  }
  EXPECT_LT(not_applicable.size(), files.size());
}

}  // namespace
}  // namespace sct::scenarios

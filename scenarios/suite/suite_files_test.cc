// Checks every scenario file of the default suite without launching anything
// (scenarios/suite/suite_lint.h lists what is checked), that the suite has at
// least 30 scenarios covering every theme of the architecture's section 7
// (happy paths, lifecycle, failure modes, by tag), and that the checker
// itself catches broken files.
// A broken file fails with its problems as FILE:LINE:COLUMN lines.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "scenarios/suite/suite_lint.h"

namespace sct::scenarios::suite {
namespace {

std::string SuiteDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir == nullptr ? "." : srcdir) + "/" +
         (workspace == nullptr ? "sct_lab" : workspace) + "/scenarios/suite";
}

std::vector<std::string> SuiteFiles() {
  std::vector<std::string> files;
  DIR* dir = opendir(SuiteDir().c_str());
  if (dir == nullptr) return files;
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (absl::EndsWith(name, ".textproto")) files.push_back(name);
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class SuiteFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SuiteFileTest, ParsesAndIsConsistent) {
  const std::string path = SuiteDir() + "/" + GetParam();
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << path << ": missing or empty";
  LintResult r = LintScenarioFile(path, text);
  EXPECT_TRUE(r.parsed) << absl::StrJoin(r.problems, "\n");
  EXPECT_TRUE(r.problems.empty()) << absl::StrJoin(r.problems, "\n");
}

INSTANTIATE_TEST_SUITE_P(Suite, SuiteFileTest, ::testing::ValuesIn(SuiteFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(
                               0, info.param.size() - std::string(".textproto").size());
                           return absl::StrReplaceAll(n, {{"-", "_"}, {".", "_"}});
                         });

// At least 30 files with distinct names, and every theme tagged by at least
// one of them: the three categories, the verticals, platforms, PINs,
// personas, multi-round and symmetric flows, the lifecycle operations and the
// failure modes (interception, preview bots, guessing, replay, lockout,
// restarts, push loss, clock skew, outages, relay operators).
TEST(SuiteCoverageTest, CoversTheIssue) {
  const std::vector<std::string> files = SuiteFiles();
  ASSERT_GE(files.size(), 30u) << "the default suite needs at least 30 scenarios";
  std::set<std::string> tags;
  std::set<std::string> names;
  for (const std::string& f : files) {
    LintResult r = LintScenarioFile(f, ReadFile(SuiteDir() + "/" + f));
    if (!r.parsed) continue;
    for (const std::string& t : r.scenario.tags()) tags.insert(t);
    EXPECT_TRUE(names.insert(r.scenario.name()).second) << "duplicate name " << r.scenario.name();
  }
  for (const char* want :
       {"happy-path",   "lifecycle",     "failure-mode",   "car",           "hotel",
        "home",         "same-platform", "cross-platform", "pin",           "no-pin",
        "persona",      "work",          "multi-round",    "symmetric",     "cancel",
        "relinquish",   "expiry",        "revocation",     "cascade",       "reshare",
        "interception", "preview-bot",   "id-guessing",    "rate-limit",    "replay",
        "lockout",      "restart",       "durability",     "push",          "polling",
        "clock-skew",   "outage",        "idempotency",    "relay-operator"}) {
    EXPECT_TRUE(tags.count(want)) << "no scenario tagged \"" << want << "\"";
  }
}

// ---------------------------------------------------------------- the checker

constexpr char kGood[] = R"(# proto-file: proto/scenario/v1/scenario.proto
# What: a tiny scenario for the checker's own tests.
# Why it matters: ARCHITECTURE.md section 7.
# Third line of prose.
name: "tiny"
description: "tiny"
tags: ["happy-path"]
topology {
  authorities { id: "ca" }
  oems { id: "oem-a" }
  access_points { id: "car-1"  kind: CAR }
  devices { id: "alice-phone"  oem: "oem-a" }
  devices { id: "bob-phone"  oem: "oem-a" }
  owner_credentials { id: "alice-car"  device: "alice-phone"  access_point: "car-1" }
}
steps {
  id: "share"
  actor: "alice-phone"
  share { credential: "alice-car"  channel: SMS  to: "bob-phone"  save_as: "share-1" }
}
steps {
  id: "accept"
  actor: "bob-phone"
  accept { share: "share-1"  save_as: "bob-car" }
}
steps {
  id: "use"
  actor: "bob-phone"
  use { credential: "bob-car"  access_point: "car-1"  action: "unlock" }
  expect { access: GRANTED }
}
)";

std::string Lint(const std::string& text, const std::string& file = "x/tiny.textproto") {
  return absl::StrJoin(LintScenarioFile(file, text).problems, "\n");
}

TEST(SuiteLintTest, AcceptsAGoodFile) { EXPECT_EQ(Lint(kGood), ""); }

TEST(SuiteLintTest, NameMustMatchFileStem) {
  EXPECT_TRUE(absl::StrContains(Lint(kGood, "other.textproto"),
                                "other.textproto:5:1: name: \"tiny\" must equal the file stem"))
      << Lint(kGood, "other.textproto");
}

TEST(SuiteLintTest, ParseErrorsHaveFileLineColumn) {
  std::string bad = absl::StrReplaceAll(kGood, {{"accept { share", "acept { share"}});
  EXPECT_TRUE(absl::StrContains(Lint(bad), "tiny.textproto:24:9: ")) << Lint(bad);
}

TEST(SuiteLintTest, NeedsLeadingComment) {
  std::string bad = kGood;
  bad = bad.substr(bad.find("name:"));
  EXPECT_TRUE(absl::StrContains(Lint(bad), "must start with a comment block")) << Lint(bad);
  EXPECT_TRUE(absl::StrContains(Lint(bad), "must cite ARCHITECTURE.md")) << Lint(bad);
}

TEST(SuiteLintTest, UnknownActorIsReportedAtItsLine) {
  std::string bad = absl::StrReplaceAll(
      kGood, {{"actor: \"bob-phone\"\n  accept", "actor: \"bobby\"\n  accept"}});
  EXPECT_TRUE(
      absl::StrContains(Lint(bad), "tiny.textproto:23:3: actor \"bobby\" is not a topology device"))
      << Lint(bad);
}

TEST(SuiteLintTest, ShareMustBeSavedEarlier) {
  std::string bad =
      absl::StrReplaceAll(kGood, {{"accept { share: \"share-1\"", "accept { share: \"share-9\""}});
  EXPECT_TRUE(absl::StrContains(Lint(bad), "share \"share-9\" is not saved")) << Lint(bad);
}

TEST(SuiteLintTest, CredentialMustBeHeldByTheActor) {
  std::string bad = absl::StrReplaceAll(
      kGood, {{"use { credential: \"bob-car\"", "use { credential: \"alice-car\""}});
  EXPECT_TRUE(absl::StrContains(Lint(bad), "held by \"alice-phone\", not by actor \"bob-phone\""))
      << Lint(bad);
}

TEST(SuiteLintTest, FailedShareSavesNothing) {
  std::string bad = absl::StrReplaceAll(
      kGood, {{"save_as: \"share-1\" }\n}",
               "save_as: \"share-1\" }\n  expect { error { code: NOT_FOUND } }\n}"}});
  EXPECT_TRUE(absl::StrContains(Lint(bad), "share \"share-1\" is not saved")) << Lint(bad);
}

TEST(SuiteLintTest, BadDurationsAndBudgets) {
  std::string bad =
      std::string(kGood) +
      "steps { id: \"wait\"  pause { duration: \"5 seconds\" } }\n"
      "steps { id: \"nap\"  pause { duration: \"3s\" } }\n"
      "faults { from_step: \"nope\"  clock_skew { service: \"car-2\"  offset: \"1h\" } }\n"
      "assertions { timing { from_step: \"use\"  to_step: \"share\"  max: \"1s\" } }\n";
  const std::string out = Lint(bad);
  EXPECT_TRUE(absl::StrContains(out, "\"5 seconds\" is not a duration")) << out;
  EXPECT_TRUE(absl::StrContains(out, "exceeds the suite budget")) << out;
  EXPECT_TRUE(absl::StrContains(out, "no step \"nope\"")) << out;
  EXPECT_TRUE(absl::StrContains(out, "unknown service \"car-2\"")) << out;
  EXPECT_TRUE(absl::StrContains(out, "to_step comes before from_step")) << out;
}

TEST(SuiteLintTest, AdversaryReferences) {
  std::string bad = std::string(kGood) +
                    "adversaries { name: \"eve\"  id_guesser { rate: 1  tries: 1 } }\n"
                    "steps { id: \"x\"  actor: \"bob-phone\"  accept { share: \"share-1\"  "
                    "intercepted_by: \"eve\" } }\n"
                    "steps { id: \"y\"  adversary_act { adversary: \"mallory\" } }\n"
                    "assertions { knowledge { actor: \"nobody\"  must_not_learn: [PIN] } }\n";
  const std::string out = Lint(bad);
  EXPECT_TRUE(absl::StrContains(out, "\"eve\" is not a link_interceptor adversary")) << out;
  EXPECT_TRUE(absl::StrContains(out, "unknown adversary \"mallory\"")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"nobody\" is neither a service nor an adversary")) << out;
}

TEST(SuiteLintTest, GuesserAttackersAreBounded) {
  const std::string ok = std::string(kGood) +
                         "adversaries { name: \"g\"  id_guesser { rate: 1  tries: 1  attackers: 64"
                         "  distinct_addresses: true } }\n";
  EXPECT_EQ(Lint(ok), "");
  const std::string bad = absl::StrReplaceAll(ok, {{"attackers: 64", "attackers: 65"}});
  EXPECT_TRUE(absl::StrContains(Lint(bad), "attackers: must be at most 64")) << Lint(bad);
  EXPECT_TRUE(absl::StrContains(Lint(bad), "tiny.textproto:32:26: attackers")) << Lint(bad);
}

TEST(SuiteLintTest, GarbageDoesNotCrash) {
  EXPECT_NE(Lint("{{{{ \x01\x02"), "");
  EXPECT_NE(Lint(""), "");  // parses (empty) but has no name, steps, comment
}

}  // namespace
}  // namespace sct::scenarios::suite

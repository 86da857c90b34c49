#include "scenarios/compare/variant_set.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/suite.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

std::vector<std::string> Lines(const absl::Status& s) { return absl::StrSplit(s.message(), '\n'); }

TEST(ParseVariantSet, TheBuiltInSetIsValidAndStartsWithTheReference) {
  absl::StatusOr<sv1::VariantSet> set = LoadVariantSet(Runfile(kBuiltInVariantFile));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_GE(set->variants_size(), 1);
  EXPECT_EQ(set->variants(0).name(), "reference");
  EXPECT_FALSE(set->variants(0).has_architecture());
  for (const sv1::Variant& v : set->variants()) {
    EXPECT_FALSE(v.doc().empty()) << v.name();
    EXPECT_FALSE(v.summary().empty()) << v.name();
  }
}

TEST(ParseVariantSet, EveryProblemIsReportedAtItsPlace) {
  const std::string text =
      "variants { name: \"reference\" title: \"R\" }\n"
      "variants {\n"
      "  name: \"Bad_Name\"\n"
      "  title: \"B\"\n"
      "}\n"
      "variants { name: \"reference\" }\n";
  absl::StatusOr<sv1::VariantSet> set = ParseVariantSet(text, "v.textproto");
  ASSERT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Lines(set.status()),
              ElementsAre("v.textproto:3:3: variants[1].name: variant name \"Bad_Name\" must start "
                          "with a lower-case letter",
                          "v.textproto:6:12: variants[2].name: duplicate variant \"reference\" "
                          "(also variants[0])",
                          "v.textproto:6:1: variants[2].title: required (column heading)"));
}

TEST(ParseVariantSet, SyntaxErrorsAndAnEmptySet) {
  EXPECT_THAT(std::string(ParseVariantSet("variants { nme: \"x\" }", "v").status().message()),
              HasSubstr("v:1:"));
  EXPECT_THAT(std::string(ParseVariantSet("", "v").status().message()),
              HasSubstr("v:1:1: variants: at least one variant is required"));
}

sv1::VariantSet Three() {
  sv1::VariantSet s;
  for (const char* n : {"reference", "ohttp", "pin-in-key"}) {
    sv1::Variant* v = s.add_variants();
    v->set_name(n);
    v->set_title(n);
  }
  return s;
}

std::vector<std::string> Names(const sv1::VariantSet& s) {
  std::vector<std::string> out;
  for (const auto& v : s.variants()) out.push_back(v.name());
  return out;
}

TEST(SelectVariants, AllByDefaultOrTheNamedOnesInTheirOrder) {
  EXPECT_THAT(Names(*SelectVariants(Three(), "")), ElementsAre("reference", "ohttp", "pin-in-key"));
  EXPECT_THAT(Names(*SelectVariants(Three(), "pin-in-key, reference")),
              ElementsAre("pin-in-key", "reference"));
}

TEST(SelectVariants, UnknownOrRepeatedNamesAreErrors) {
  EXPECT_THAT(std::string(SelectVariants(Three(), "ohtp").status().message()),
              HasSubstr("--variants: unknown variant \"ohtp\" (known: reference, ohttp, "
                        "pin-in-key)"));
  EXPECT_THAT(std::string(SelectVariants(Three(), "ohttp,ohttp").status().message()),
              HasSubstr("--variants: variant \"ohttp\" given twice"));
}

TEST(ExpandCompareInputs, TheDefaultListNamesAtLeastTwelveSuiteScenarios) {
  absl::StatusOr<std::vector<std::string>> files =
      ExpandCompareInputs({Runfile("scenarios/compare/default.txt")});
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_GE(files->size(), 12u);
  for (const std::string& f : *files) EXPECT_THAT(f, HasSubstr("/scenarios/suite/")) << f;
}

TEST(ExpandCompareInputs, AMissingEntryNamesTheListLine) {
  const std::string list = std::string(std::getenv("TEST_TMPDIR")) + "/list.txt";
  std::ofstream(list) << "# comment\n\n  missing.textproto  # why\n";
  absl::StatusOr<std::vector<std::string>> files = ExpandCompareInputs({list});
  EXPECT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(files.status().message()), HasSubstr(list + ":3: "));
  EXPECT_THAT(std::string(files.status().message()), HasSubstr("missing.textproto"));
}

// What sct compare checks before a run: a suite file may name only variants
// of the built-in set (so a typo in variant_expect or only_variants cannot
// silently leave it out of the comparison).
TEST(BuiltInVariants, EverySuiteFileNamesOnlyBuiltInVariants) {
  absl::StatusOr<sv1::VariantSet> set = LoadVariantSet(Runfile(kBuiltInVariantFile));
  ASSERT_TRUE(set.ok()) << set.status();
  const std::set<std::string> known = VariantNames(*set);
  absl::StatusOr<std::vector<std::string>> files =
      ExpandScenarioPaths({Runfile("scenarios/suite")});
  ASSERT_TRUE(files.ok()) << files.status();
  for (const std::string& f : *files) {
    absl::StatusOr<CheckedScenario> s = LoadCheckedScenario(f, &known);
    EXPECT_TRUE(s.ok()) << s.status().message();
  }
}

}  // namespace
}  // namespace sct::scenarios

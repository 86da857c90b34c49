#include "common/uuid.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(NewUuidV4Test, IsCanonicalLowerCaseV4) {
  for (int i = 0; i < 200; ++i) {
    std::string id = NewUuidV4();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_TRUE(IsValidUuid(id, /*require_v4=*/true)) << id;
    for (char c : id) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')
          << id;
    }
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(NewUuidV4Test, IdsAreDistinctAndRandomBitsVary) {
  std::set<std::string> ids;
  // Every random hex position (not version, not the fixed variant bits) should
  // take more than one value across many ids; a constant position would mean a
  // broken generator.
  std::vector<std::set<char>> seen(36);
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuidV4();
    ids.insert(id);
    for (size_t p = 0; p < id.size(); ++p) seen[p].insert(id[p]);
  }
  EXPECT_EQ(ids.size(), 1000u);
  for (size_t p = 0; p < 36; ++p) {
    if (p == 8 || p == 13 || p == 18 || p == 23 || p == 14) {
      EXPECT_EQ(seen[p].size(), 1u) << p;
    } else if (p == 19) {
      EXPECT_EQ(seen[p].size(), 4u);  // 8, 9, a, b
    } else {
      EXPECT_GT(seen[p].size(), 8u) << "position " << p;
    }
  }
}

TEST(IsValidUuidTest, AcceptsCanonicalForms) {
  const std::vector<std::string> good = {
      "123e4567-e89b-42d3-a456-426614174000",
      "00000000-0000-4000-8000-000000000000",
      "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
      "ffffffff-ffff-4fff-bfff-ffffffffffff",
      "6ba7b810-9dad-41d1-80b4-00c04fd430c8",
  };
  for (const std::string& s : good) {
    EXPECT_TRUE(IsValidUuid(s)) << s;
    EXPECT_TRUE(IsValidUuid(s, /*require_v4=*/true)) << s;
  }
}

TEST(IsValidUuidTest, V4CheckRejectsOtherVersionsAndVariants) {
  const std::vector<std::string> not_v4 = {
      "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  // v1
      "6ba7b810-9dad-51d1-80b4-00c04fd430c8",  // v5
      "00000000-0000-0000-0000-000000000000",  // nil
      "123e4567-e89b-42d3-c456-426614174000",  // variant 110x
      "123e4567-e89b-42d3-0456-426614174000",  // variant 0xxx
      "123e4567-e89b-42d3-7456-426614174000",
  };
  for (const std::string& s : not_v4) {
    EXPECT_TRUE(IsValidUuid(s)) << s;
    EXPECT_FALSE(IsValidUuid(s, /*require_v4=*/true)) << s;
  }
}

TEST(IsValidUuidTest, RejectsMalformed) {
  const std::vector<std::string> bad = {
      "",
      "not-a-uuid",
      "123e4567e89b42d3a456426614174000",       // no hyphens
      "123e4567-e89b-42d3-a456-42661417400",    // short
      "123e4567-e89b-42d3-a456-4266141740000",  // long
      "123e4567-e89b-42d3-a456_426614174000",   // wrong separator
      "123e456-7e89b-42d3-a456-426614174000",   // hyphen misplaced
      "g23e4567-e89b-42d3-a456-426614174000",   // non-hex
      "123e4567-e89b-42d3-a456-42661417400z",
      " 123e4567-e89b-42d3-a456-42661417400",  // space
      "123e4567-e89b-42d3-a456-42661417400\n",
      "{123e4567-e89b-42d3-a456-426614174000}",  // braces
      "urn:uuid:123e4567-e89b-42d3-a456-426614174000",
      "123e4567-e89b-42d3-a456-4266141740\xc3\xa9",
      std::string("123e4567-e89b-42d3-a456-42661417400\0", 36),
      "------------------------------------",
  };
  for (const std::string& s : bad) {
    EXPECT_FALSE(IsValidUuid(s)) << s;
    EXPECT_FALSE(IsValidUuid(s, true)) << s;
  }
}

}  // namespace
}  // namespace sct

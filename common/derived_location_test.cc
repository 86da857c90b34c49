#include "common/derived_location.h"

#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(DerivedLocationTest, TextOfThirtyTwoBytesRoundTrips) {
  const std::string bytes(32, '\xfb');
  absl::StatusOr<std::string> text = DerivedLocationText(bytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->size(), kDerivedLocationTextSize);
  EXPECT_EQ(text->find_first_of("+/="), std::string::npos);
  absl::StatusOr<std::string> parsed = ParseDerivedLocation(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, *text);
}

TEST(DerivedLocationTest, RefusesOtherSizes) {
  EXPECT_EQ(ReasonOf(DerivedLocationText(std::string(16, 'a')).status()), "invalid_field");
  EXPECT_EQ(ReasonOf(ParseDerivedLocation("").status()), "invalid_field");
  EXPECT_EQ(ReasonOf(ParseDerivedLocation(std::string(44, 'A')).status()), "invalid_field");
}

TEST(DerivedLocationTest, RefusesNonBase64UrlAndPadding) {
  std::string text = *DerivedLocationText(std::string(32, 'x'));
  std::string plus = text;
  plus[3] = '+';
  absl::Status s = ParseDerivedLocation(plus).status();
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("location"), absl::string_view::npos);
  std::string padded = text.substr(0, 42) + "=";
  EXPECT_EQ(ReasonOf(ParseDerivedLocation(padded).status()), "invalid_field");
}

TEST(DerivedLocationTest, RefusesNonCanonicalLastCharacter) {
  // 32 zero bytes encode as 42 'A' and a final 'A'; 'B' sets a spare bit.
  const std::string canonical(43, 'A');
  ASSERT_TRUE(ParseDerivedLocation(canonical).ok());
  std::string spare = canonical;
  spare[42] = 'B';
  EXPECT_EQ(ReasonOf(ParseDerivedLocation(spare).status()), "invalid_field");
}

TEST(DerivedLocationTest, Url) {
  EXPECT_EQ(DerivedLocationUrl("https://relay.example/", "abc"), "https://relay.example/v1/d/abc");
  EXPECT_EQ(DerivedLocationUrl("http://127.0.0.1:1", "abc"), "http://127.0.0.1:1/v1/d/abc");
}

}  // namespace
}  // namespace sct

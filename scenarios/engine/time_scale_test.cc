#include "scenarios/engine/time_scale.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

using ::testing::HasSubstr;

TEST(ParseTimeScale, NumbersFromOneUpAreScales) {
  EXPECT_EQ(ParseTimeScale("1").value(), 1);
  EXPECT_EQ(ParseTimeScale("4").value(), 4);
  EXPECT_EQ(ParseTimeScale("2.5").value(), 2.5);
}

// Bad values are refused with a message that names the variable, never
// taken as 1 or as "no deadline".
TEST(ParseTimeScale, BadValuesNameTheVariable) {
  for (const char* bad : {"0", "-3", "0.5", "fast", "", "nan", "inf", "4x"}) {
    absl::StatusOr<double> s = ParseTimeScale(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ReasonOf(s.status()), "invalid_field") << bad;
    EXPECT_THAT(s.status().message(), HasSubstr("SCT_TIME_SCALE: want a number >= 1")) << bad;
    EXPECT_THAT(s.status().message(), HasSubstr(absl::StrCat("got \"", bad, "\""))) << bad;
  }
}

TEST(TimeScaleFromEnv, UnsetIsOneSetIsParsed) {
  ASSERT_EQ(unsetenv("SCT_TIME_SCALE"), 0);
  EXPECT_EQ(TimeScaleFromEnv().value(), 1);
  ASSERT_EQ(setenv("SCT_TIME_SCALE", "5", 1), 0);
  EXPECT_EQ(TimeScaleFromEnv().value(), 5);
  ASSERT_EQ(setenv("SCT_TIME_SCALE", "0", 1), 0);
  EXPECT_THAT(TimeScaleFromEnv().status().message(), HasSubstr("SCT_TIME_SCALE"));
  ASSERT_EQ(unsetenv("SCT_TIME_SCALE"), 0);
}

TEST(Scaled, MultipliesFiniteDurations) {
  EXPECT_EQ(Scaled(absl::Seconds(5), 4), absl::Seconds(20));
  EXPECT_EQ(Scaled(absl::Milliseconds(1), 2.5), absl::Microseconds(2500));
  EXPECT_EQ(Scaled(absl::Seconds(5), 1), absl::Seconds(5));
  EXPECT_EQ(Scaled(absl::InfiniteDuration(), 4), absl::InfiniteDuration());
}

TEST(DescribeTimeScale, NamesTheVariableAndTheFactor) {
  EXPECT_THAT(DescribeTimeScale(4),
              HasSubstr("4 (SCT_TIME_SCALE: the engine's deadlines and waits x4"));
}

}  // namespace
}  // namespace sct::scenarios

#include "relay/malicious/behaviours.h"

#include "absl/strings/match.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::relay::malicious {
namespace {

TEST(BehavioursTest, EveryNameParsesBackToItsBehaviour) {
  for (Behaviour b : AllBehaviours()) {
    absl::StatusOr<Behaviours> parsed = ParseBehaviours({NameOf(b)}, "--malicious");
    ASSERT_TRUE(parsed.ok()) << NameOf(b) << ": " << parsed.status();
    EXPECT_EQ(*parsed, Behaviours{b}) << NameOf(b);
  }
}

TEST(BehavioursTest, SeveralNamesEmptiesAndRepeats) {
  absl::StatusOr<Behaviours> parsed =
      ParseBehaviours({"replay_round", "", "drop_round", "replay_round"}, "--malicious");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, (Behaviours{Behaviour::kDropRound, Behaviour::kReplayRound}));
  EXPECT_EQ(Describe(*parsed), "drop_round,replay_round");
  EXPECT_EQ(Describe({}), "");
}

TEST(BehavioursTest, UnknownNameIsAClearError) {
  absl::StatusOr<Behaviours> parsed = ParseBehaviours({"drop_round", "eat_keys"}, "--malicious");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(parsed.status()), "invalid_field");
  EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "--malicious: "))
      << parsed.status().message();
  EXPECT_TRUE(absl::StrContains(parsed.status().message(), "\"eat_keys\""));
  EXPECT_TRUE(absl::StrContains(parsed.status().message(), "lie_about_expiry"));
}

}  // namespace
}  // namespace sct::relay::malicious

#include "scenarios/attack/adversary_logic.h"

#include "common/share_link.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios::attack {
namespace {

constexpr char kId[] = "56c1306a-915c-4681-a81e-f8e31f29cedb";

// What a tap reads out of a message: the common link scanner
// (common/share_link.h), as the interceptor calls it.
TEST(TappedLinkTest, FindsTheLinkItsIdAndFragment) {
  const std::string link =
      std::string("https://127.0.0.1:4431/v1/m/") + kId + "?v=c#c2VjcmV0LXNlY3JldC0xMjM0";
  std::vector<ShareLink> links = FindMailboxUrls("Car key for you: " + link + " (Alice)");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].ToString(), link);
  EXPECT_EQ(links[0].mailbox_id, kId);
  EXPECT_EQ(links[0].fragment, "c2VjcmV0LXNlY3JldC0xMjM0");
  EXPECT_EQ(links[0].without_fragment, std::string("https://127.0.0.1:4431/v1/m/") + kId + "?v=c");
}

TEST(TappedLinkTest, IgnoresOtherUrlsAndNormalisesCase) {
  std::vector<ShareLink> links = FindMailboxUrls(
      "see https://example.com/x and http://r/v1/m/not-a-uuid#a and "
      "http://r/v1/m/56C1306A-915C-4681-A81E-F8E31F29CEDB#s1\nhttps://r/v1/m/" +
      std::string(kId));
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].mailbox_id, kId);
  EXPECT_EQ(links[0].fragment, "s1");
  EXPECT_EQ(links[1].fragment, "");
}

TEST(ExtractPinCandidatesTest, SixDigitRunsOnlyAndNotInLinkMessages) {
  EXPECT_THAT(ExtractPinCandidates("Your PIN is 482913. Call 5551234 or 12345"),
              ::testing::ElementsAre("482913"));
  EXPECT_TRUE(ExtractPinCandidates(std::string("https://r/v1/m/") + kId + "#a 482913").empty());
}

TEST(MatchShareTest, ByMailboxIdThenByLinkElseEmpty) {
  std::map<std::string, SavedShare> shares;
  shares["share-1"].mailbox_id = "56C1306A-915C-4681-A81E-F8E31F29CEDB";
  shares["share-2"].link = "https://r/v1/m/11111111-1111-4111-8111-111111111111#x";
  ShareLink a = FindMailboxUrls(std::string("https://r/v1/m/") + kId + "#k")[0];
  EXPECT_EQ(MatchShare(a, shares), "share-1");
  ShareLink b = FindMailboxUrls(shares["share-2"].link)[0];
  EXPECT_EQ(MatchShare(b, shares), "share-2");
  ShareLink c = FindMailboxUrls("https://r/v1/m/22222222-2222-4222-8222-222222222222#z")[0];
  EXPECT_EQ(MatchShare(c, shares), "");
}

TEST(MatchShareTest, ADerivedLinkByItsCaseSensitiveFirstLocation) {
  std::map<std::string, SavedShare> shares;
  shares["share-1"].mailbox_id = "Ab3_xY-Q";  // base64url: case matters
  ShareLink link;
  link.mailbox_id = "Ab3_xY-Q";
  EXPECT_EQ(MatchShare(link, shares), "share-1");
  link.mailbox_id = "Ab3_xY-R";
  EXPECT_EQ(MatchShare(link, shares), "");
}

TEST(ExtractPinCandidatesTest, NotInDerivedLinkMessages) {
  const std::string derived =
      FormatDerivedShareLink("https://127.0.0.8:4443", "c", std::string(32, '\x07'));
  EXPECT_TRUE(ExtractPinCandidates(derived + " 482913").empty());
}

TEST(RandomMailboxIdTest, IsAFreshUuidV4) {
  const std::string a = RandomMailboxId();
  EXPECT_TRUE(IsValidUuid(a, /*require_v4=*/true));
  EXPECT_NE(a, RandomMailboxId());
}

TEST(GuessStatsTest, CountsOutcomesAndWhenTheRateLimitStarted) {
  GuessStats s;
  for (int i = 0; i < 60; ++i) s.Record(404);
  s.Record(429);
  s.Record(429);
  s.Record(401);
  s.Record(0);
  EXPECT_EQ(s.tries, 64u);
  EXPECT_EQ(s.not_found, 60u);
  EXPECT_EQ(s.rate_limited, 2u);
  EXPECT_EQ(s.rate_limited_after, 60);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.other, 1u);

  scenario::v1::MailboxIdGuesser spec;
  EXPECT_FALSE(s.Succeeded(spec));  // one hit > max_hits 0
  spec.set_max_hits(1);
  spec.set_expect_rate_limited(true);
  EXPECT_TRUE(s.Succeeded(spec));

  GuessStats never;
  never.Record(404);
  EXPECT_EQ(never.rate_limited_after, -1);
  EXPECT_FALSE(never.Succeeded(spec));  // expected a rate limit
  spec.set_expect_rate_limited(false);
  EXPECT_TRUE(never.Succeeded(spec));
  bool saw = false;
  for (const auto& [k, v] : never.Details()) {
    if (k == "rate_limited_after") {
      EXPECT_EQ(v, "never");
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
}

}  // namespace
}  // namespace sct::scenarios::attack

#include "common/share_link.h"

#include "absl/strings/match.h"
#include "common/base64.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

using ::testing::ElementsAre;

constexpr char kId[] = "0b6c1e4e-8a4b-4c55-9d1e-2f0a7c9b1d23";

TEST(ShareLinkTest, FormatThenParseRoundTrips) {
  const std::string secret(16, '\x07');
  const std::string url = MailboxUrl("https://r.test/", kId);
  EXPECT_EQ(url, std::string("https://r.test/v1/m/") + kId);
  const std::string text = FormatShareLink(url, "c", secret);
  EXPECT_EQ(text, url + "?v=c#" + Base64UrlEncode(secret));
  absl::StatusOr<ShareLink> link = ParseShareLink(text);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->mailbox_id, kId);
  EXPECT_EQ(link->vertical, "c");
  EXPECT_EQ(*link->Secret(), secret);
  EXPECT_EQ(link->without_fragment, url + "?v=c");
  EXPECT_EQ(link->ToString(), text);
}

TEST(ShareLinkTest, MailboxIdIsLowerCased) {
  absl::StatusOr<ShareLink> link =
      ParseMailboxUrl("https://r.test/v1/m/0B6C1E4E-8A4B-4C55-9D1E-2F0A7C9B1D23");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->mailbox_id, kId);
  EXPECT_FALSE(link->has_fragment());
  EXPECT_EQ(ReasonOf(link->Secret().status()), "bad_link");
}

TEST(ShareLinkTest, MailboxUrlKeepsAnUncheckedFragment) {
  absl::StatusOr<ShareLink> link =
      ParseMailboxUrl(std::string("http://r.test:8443/v1/m/") + kId + "?v=zz#not-a-secret");
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->vertical, "zz");
  EXPECT_EQ(link->fragment, "not-a-secret");
  EXPECT_FALSE(link->Secret().ok());
}

TEST(ShareLinkTest, RejectsMalformedLinksWithoutEchoingTheSecret) {
  const std::string id = kId;
  const std::string good = Base64UrlEncode(std::string(16, 'x'));
  for (const std::string& bad :
       {"https://r.test/v1/m/" + id + "?v=c",                          // no fragment
        "https://r.test/v1/m/" + id + "#" + Base64UrlEncode("short"),  // 5-byte secret
        "https://r.test/v1/m/" + id + "#***",                          // not base64url
        "https://r.test/v1/m/not-a-uuid#" + good,                      // bad id
        "https://r.test/elsewhere/" + id + "#" + good,                 // bad path
        "https://v1/m/" + id + "#" + good,                             // /v1/m/ in the host
        "https://r.test/v1/m/" + id + "?v=z#" + good}) {               // bad vertical
    absl::StatusOr<ShareLink> link = ParseShareLink(bad);
    ASSERT_FALSE(link.ok()) << bad;
    EXPECT_EQ(link.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(link.status()), "bad_link") << bad;
    EXPECT_TRUE(absl::StartsWith(link.status().message(), "link: ")) << bad;
    EXPECT_FALSE(absl::StrContains(link.status().message(), good)) << bad;
  }
}

TEST(ShareLinkTest, ThirtyTwoByteSecretsAreAccepted) {
  const std::string secret(32, 'k');
  absl::StatusOr<ShareLink> link =
      ParseShareLink(FormatShareLink(MailboxUrl("https://r.test", kId), "", secret));
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->vertical, "");
  EXPECT_EQ(*link->Secret(), secret);
}

TEST(FindUrlsTest, FindsShareLinksAndDropsSentencePunctuation) {
  EXPECT_THAT(FindUrls("Key: https://relay.example/v1/m/abc?v=c#SeCrEt_-9. Bye"),
              ElementsAre("https://relay.example/v1/m/abc?v=c#SeCrEt_-9"));
  EXPECT_THAT(FindUrls("(HTTP://a.example/x) and http://b.example:8080/y?z=1, done"),
              ElementsAre("HTTP://a.example/x", "http://b.example:8080/y?z=1"));
  EXPECT_THAT(FindUrls("<a href=\"https://c.example/p\">"), ElementsAre("https://c.example/p"));
  EXPECT_TRUE(FindUrls("no links, ftp://x.example, https:// alone").empty());
}

TEST(FindUrlsTest, FindMailboxUrlsSkipsOtherUrls) {
  const std::string body = std::string("see https://news.example/a and https://r.test/v1/m/") +
                           kId + "?v=h#abc then https://r.test/v1/m/nope";
  std::vector<ShareLink> links = FindMailboxUrls(body);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].mailbox_id, kId);
  EXPECT_EQ(links[0].fragment, "abc");
}

TEST(StripFragmentTest, SplitsAtTheFirstHash) {
  EXPECT_EQ(StripFragment("https://r/v1/m/id?v=c#secret"), "https://r/v1/m/id?v=c");
  EXPECT_EQ(StripFragment("https://r/v1/m/id"), "https://r/v1/m/id");
  EXPECT_EQ(FragmentOf("https://r/v1/m/id?v=c#sec#ret"), "sec#ret");
  EXPECT_EQ(FragmentOf("https://r/v1/m/id"), "");
}

TEST(DerivedShareLinkTest, FormatParseFind) {
  const std::string secret(32, '\x5a');
  const std::string link = FormatDerivedShareLink("https://relay.example:8443/", "c", secret);
  EXPECT_EQ(link.rfind("https://relay.example:8443/v1/d/?v=c#", 0), 0u) << link;
  absl::StatusOr<ShareLink> parsed = ParseDerivedShareLink(link);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->vertical, "c");
  EXPECT_TRUE(parsed->mailbox_id.empty());
  EXPECT_EQ(*parsed->Secret(), secret);
  EXPECT_EQ(parsed->ToString(), link);
  // Not a mailbox link, and a mailbox link is not a derived one.
  EXPECT_FALSE(ParseShareLink(link).ok());
  EXPECT_FALSE(ParseDerivedShareLink(
                   FormatShareLink(MailboxUrl("https://r", "8f0e7f3c-4f7e-4c8e-9d3b-2f1a6b5c4d3e"),
                                   "c", secret))
                   .ok());
  std::vector<ShareLink> found = FindDerivedShareLinks("key for you: " + link + ". bye");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ToString(), link);
}

TEST(DerivedShareLinkTest, RefusesShortSecretsAndOtherPaths) {
  EXPECT_EQ(ReasonOf(ParseDerivedShareLink(
                         FormatDerivedShareLink("https://r", "c", std::string(16, 'k')))
                         .status()),
            "bad_link");
  EXPECT_EQ(ReasonOf(ParseDerivedShareLink("https://r/v1/d/abc#" + std::string(43, 'A')).status()),
            "bad_link");
  EXPECT_EQ(ReasonOf(ParseDerivedShareLink("https://r/v1/d/?v=x#" + std::string(43, 'A')).status()),
            "bad_link");
  EXPECT_TRUE(ParseDerivedShareLink("https://r/v1/d/#" + std::string(43, 'A')).ok());
}

}  // namespace
}  // namespace sct

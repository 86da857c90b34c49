#include "relay/preview_page.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlEscapeTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(HtmlEscape(R"(a&b<c>d"e'f)"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
  EXPECT_EQ(HtmlEscape("plain text"), "plain text");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(PreviewPageTest, CarriesOpenGraphTags) {
  DisplayInformation d{"Car key", "Access to the blue car", "https://img.example/car.png"};
  std::string page = RenderPreviewPage(d, "https://relay.example/v1/m/abc");
  EXPECT_THAT(page, HasSubstr(R"(<meta property="og:title" content="Car key">)"));
  EXPECT_THAT(page,
              HasSubstr(R"(<meta property="og:description" content="Access to the blue car">)"));
  EXPECT_THAT(page,
              HasSubstr(R"(<meta property="og:image" content="https://img.example/car.png">)"));
  EXPECT_THAT(page,
              HasSubstr(R"(<meta property="og:url" content="https://relay.example/v1/m/abc">)"));
  EXPECT_THAT(page, HasSubstr(R"(<meta property="og:type" content="website">)"));
}

TEST(PreviewPageTest, EscapesEveryFieldAndHasNoScript) {
  const std::string evil = R"("><script>alert('x')</script><a href=')";
  DisplayInformation d{evil, evil, evil};
  std::string page = RenderPreviewPage(d, evil);
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("'x'")));
  EXPECT_THAT(page, Not(HasSubstr("<a ")));
  EXPECT_THAT(page, HasSubstr("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  // A non-https image is never turned into an <img>.
  EXPECT_THAT(page, Not(HasSubstr("<img")));
}

TEST(PreviewPageTest, HttpsImageIsShownEscaped) {
  DisplayInformation d{"t", "d", "https://x.example/a.png?a=1&b=2"};
  std::string page = RenderPreviewPage(d, "u");
  EXPECT_THAT(page, HasSubstr(R"(<img src="https://x.example/a.png?a=1&amp;b=2")"));
}

TEST(PreviewPageTest, PolicyForbidsScripts) {
  const std::string csp = kPreviewContentSecurityPolicy;
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("script-src")));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
}

}  // namespace
}  // namespace sct::relay

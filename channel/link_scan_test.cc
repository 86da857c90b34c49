#include "channel/link_scan.h"

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::channel {
namespace {

TEST(ExtractOgTitleTest, ReadsAndUnescapesTheTitle) {
  EXPECT_EQ(ExtractOgTitle("<meta property=\"og:title\" content=\"Car &amp; key &lt;A&gt; "
                           "&quot;x&quot; &#39;y&#39;\">"),
            "Car & key <A> \"x\" 'y'");
  EXPECT_EQ(ExtractOgTitle("<meta content='Hotel' property='og:title'>"), "Hotel");
  EXPECT_EQ(ExtractOgTitle("<meta property=\"og:title\" content=\"&amp;lt;\">"), "&lt;");
  EXPECT_FALSE(ExtractOgTitle("<title>no og</title>").has_value());
}

TEST(MeasureSmsTest, Gsm7CountsSeptetsAndSegments) {
  auto m = MeasureSms(std::string(160, 'a'));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->gsm7);
  EXPECT_EQ(m->units, 160u);
  EXPECT_EQ(m->segments, 1u);
  m = MeasureSms(std::string(161, 'a'));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->segments, 2u);
  m = MeasureSms(std::string(307, 'a'));  // 153 * 2 + 1
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->segments, 3u);
  // Extension characters take two septets; é and £ are in the basic table.
  m = MeasureSms("{}\xE2\x82\xAC \xC3\xA9\xC2\xA3");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->gsm7);
  EXPECT_EQ(m->units, 9u);
}

TEST(MeasureSmsTest, NonGsmCharactersSwitchToUcs2) {
  auto m = MeasureSms("hi \xF0\x9F\x94\x91");  // a key emoji: 2 UTF-16 units
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->gsm7);
  EXPECT_STREQ(m->encoding(), "UCS-2");
  EXPECT_EQ(m->units, 5u);
  m = MeasureSms(std::string(71, 'a') + "\xD0\x96");  // Cyrillic: 72 units
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->segments, 2u);
}

TEST(MeasureSmsTest, InvalidUtf8IsAnInvalidField) {
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "a\xFF"}) {
    auto m = MeasureSms(bad);
    EXPECT_EQ(ReasonOf(m.status()), "invalid_field") << bad;
  }
  EXPECT_EQ(*CountCharacters("a\xC3\xA9\xF0\x9F\x94\x91", "body"), 3u);
}

}  // namespace
}  // namespace sct::channel

#include "scenarios/report/text.h"

#include "gtest/gtest.h"

namespace sct::scenarios::report {
namespace {

TEST(TextTest, CodePointsCountsUtf8Sequences) {
  EXPECT_EQ(CodePoints(""), 0);
  EXPECT_EQ(CodePoints("abc"), 3);
  EXPECT_EQ(CodePoints("\u00e9\u2014\U0001F600"), 3);  // 2-, 3- and 4-byte sequences
  EXPECT_EQ(CodePoints("\xff"), 1);                    // a stray byte counts as one
}

TEST(TextTest, TruncateCutsWholeCodePointsAndEndsInAnEllipsis) {
  EXPECT_EQ(Truncate("abcdef", 6), "abcdef");
  EXPECT_EQ(Truncate("abcdef", 4), "abc\u2026");
  EXPECT_EQ(Truncate("\u00e9\u00e9\u00e9\u00e9", 3), "\u00e9\u00e9\u2026");
  EXPECT_EQ(Truncate("abc", 0), "\u2026");  // a maximum below 1 counts as 1
}

TEST(TextTest, XmlEscapeEscapesMarkupAndReplacesForbiddenControls) {
  EXPECT_EQ(XmlEscape("a&<>\"'b"), "a&amp;&lt;&gt;&quot;&#39;b");
  EXPECT_EQ(XmlEscape("x\x01y\x7f"), "x\uFFFDy\uFFFD");
  EXPECT_EQ(XmlEscape("l1\nl2\tl3\r"), "l1\nl2\tl3\r");
  EXPECT_EQ(XmlEscape("\u00e9"), "\u00e9");
}

TEST(TextTest, TerminalSafeReplacesControlCharacters) {
  EXPECT_EQ(TerminalSafe("a\x1b[2J\nb\x7f"), "a?[2J?b?");
  EXPECT_EQ(TerminalSafe("caf\u00e9"), "caf\u00e9");
}

TEST(TextTest, ShortDurationPicksTheUnit) {
  EXPECT_EQ(ShortDuration(absl::Microseconds(850)), "850\u00b5s");
  EXPECT_EQ(ShortDuration(absl::Microseconds(2500)), "2.5ms");
  EXPECT_EQ(ShortDuration(absl::Milliseconds(12)), "12ms");
  EXPECT_EQ(ShortDuration(absl::Milliseconds(4210)), "4.21s");
  EXPECT_EQ(ShortDuration(absl::Seconds(65)), "1m05s");
  EXPECT_EQ(ShortDuration(absl::Hours(2) + absl::Minutes(3)), "2h03m");
  EXPECT_EQ(ShortDuration(-absl::Milliseconds(12)), "-12ms");
  google::protobuf::Duration d;
  d.set_seconds(1);
  d.set_nanos(500000000);
  EXPECT_EQ(ShortDuration(d), "1.50s");
}

TEST(TextTest, FormatUtcTimeIsEmptyForTheUnsetTimestamp) {
  google::protobuf::Timestamp t;
  EXPECT_EQ(FormatUtcTime(t), "");
  t.set_seconds(1795827600);
  EXPECT_EQ(FormatUtcTime(t), "2026-11-28 01:00:00 UTC");
}

}  // namespace
}  // namespace sct::scenarios::report

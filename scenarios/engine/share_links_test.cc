#include "scenarios/engine/share_links.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
#include "crypto/derived_schedule.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

using ::testing::SizeIs;

TEST(ShareLinksIn, MailboxLinksByIdThenDerivedLinksByTheirFirstLocation) {
  const std::string secret(32, '\x07');
  const std::string derived = FormatDerivedShareLink("https://127.0.0.8:4443", "c", secret);
  const std::string mailbox =
      "https://127.0.0.2:443/v1/m/0f0e0d0c-0b0a-4908-8706-050403020100?v=c#"
      "AAECAwQFBgcICQoLDA0ODw";
  const std::vector<ShareLink> links =
      ShareLinksIn(absl::StrCat("Key from Alice: ", derived, " and ", mailbox, "."));
  ASSERT_THAT(links, SizeIs(2));
  EXPECT_EQ(links[0].mailbox_id, "0f0e0d0c-0b0a-4908-8706-050403020100");
  absl::StatusOr<std::string> first = crypto::DerivedLocation(secret, "");
  ASSERT_TRUE(first.ok());
  absl::StatusOr<std::string> text = DerivedLocationText(*first);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(links[1].mailbox_id, *text);
  EXPECT_EQ(links[1].ToString(), derived);
}

TEST(ShareLinksIn, NothingInPlainText) {
  EXPECT_THAT(ShareLinksIn("see you at 6, https://example.test/v1/x"), SizeIs(0));
}

}  // namespace
}  // namespace sct::scenarios

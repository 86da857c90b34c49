// ShareRequests: one entry per request id holding the signed request until
// the reply replaces it; at the capacity the least recently remembered id is
// forgotten and the newest survive.
#include "device/share_requests.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace ca = ::credential_authority::v1;
namespace dv = ::device::v1;

ca::InitiateShareRequest Signed(const std::string& intent) {
  ca::InitiateShareRequest r;
  r.set_request_id(intent);
  r.set_intent(intent);
  r.set_pin("1234");
  return r;
}

dv::ShareCredentialResponse Reply(const std::string& share_id) {
  dv::ShareCredentialResponse r;
  r.set_share_id(share_id);
  return r;
}

TEST(ShareRequestsTest, SignedRequestUntilTheReplyReplacesIt) {
  ShareRequests requests;
  EXPECT_EQ(requests.SignedRequest("r1"), nullptr);
  EXPECT_EQ(requests.Reply("r1"), nullptr);
  requests.RememberSigned("r1", Signed("intent-1"));
  ASSERT_NE(requests.SignedRequest("r1"), nullptr);
  EXPECT_EQ(requests.SignedRequest("r1")->intent(), "intent-1");
  EXPECT_TRUE(requests.SignedRequest("r1")->pin().empty());  // never kept
  EXPECT_EQ(requests.Reply("r1"), nullptr);

  requests.RememberReply("r1", Reply("share-1"));
  ASSERT_NE(requests.Reply("r1"), nullptr);
  EXPECT_EQ(requests.Reply("r1")->share_id(), "share-1");
  EXPECT_EQ(requests.SignedRequest("r1"), nullptr);
  EXPECT_EQ(requests.size(), 1u);
}

TEST(ShareRequestsTest, TheNewestSurviveTheCapacity) {
  ShareRequests requests(/*capacity=*/4);
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("r", i);
    if (i % 2 == 0) {
      requests.RememberSigned(id, Signed(absl::StrCat("intent-", i)));
    } else {
      requests.RememberReply(id, Reply(absl::StrCat("share-", i)));
    }
    EXPECT_LE(requests.size(), 4u);
  }
  EXPECT_EQ(requests.size(), 4u);
  for (int i = 0; i < 6; ++i) {
    const std::string id = absl::StrCat("r", i);
    EXPECT_EQ(requests.SignedRequest(id), nullptr) << id;
    EXPECT_EQ(requests.Reply(id), nullptr) << id;
  }
  ASSERT_NE(requests.SignedRequest("r6"), nullptr);
  ASSERT_NE(requests.Reply("r7"), nullptr);
  ASSERT_NE(requests.SignedRequest("r8"), nullptr);
  ASSERT_NE(requests.Reply("r9"), nullptr);
  EXPECT_EQ(requests.SignedRequest("r8")->intent(), "intent-8");
}

TEST(ShareRequestsTest, RememberingAgainMakesAnEntryTheNewest) {
  ShareRequests requests(/*capacity=*/2);
  requests.RememberSigned("old", Signed("intent-old"));
  requests.RememberSigned("mid", Signed("intent-mid"));
  requests.RememberReply("old", Reply("share-old"));  // delivered now: the newest
  requests.RememberSigned("new", Signed("intent-new"));
  EXPECT_EQ(requests.SignedRequest("mid"), nullptr);
  ASSERT_NE(requests.Reply("old"), nullptr);
  ASSERT_NE(requests.SignedRequest("new"), nullptr);
}

}  // namespace
}  // namespace sct::device

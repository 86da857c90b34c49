// The authority's answers stay bounded by what the caller asks: a polled
// revocation list from a known version is a delta of what came after it, and
// ListShares is paged.
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/proto_time.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/ca_test_expect.h"
#include "credential_authority/ca_service_test_fixture.h"
#include "credential_authority/ca_test_util.h"
#include "credential_authority/signed_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;
using ::testing::ElementsAre;
using testing::Env;
using testing::ExpectError;
using testing::TestDevice;

// Pending shares revoked one by one: each revocation is one list version.
std::vector<std::string> RevokeSharesOneByOne(Env& env, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    cav1::RevokeShareRequest rev;
    rev.set_share_id(id);
    EXPECT_TRUE(env.service->RevokeShare(env.admin, rev).ok());
  }
  return ids;
}

cav1::GetRevocationListResponse Poll(Env& env, uint64_t known) {
  cav1::GetRevocationListRequest req;
  req.set_access_point_id("car-1");
  req.set_known_version(known);
  absl::StatusOr<cav1::GetRevocationListResponse> resp =
      env.service->GetRevocationList(env.car, req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp.ok() ? *resp : cav1::GetRevocationListResponse();
}

TEST_F(CaServiceTest, PollWithAKnownVersionAnswersADeltaOfWhatCameAfter) {
  MakeOwner();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, env_->Intent(owner_cred_)));
    ids.push_back(share.share_id());
  }
  RevokeSharesOneByOne(*env_, {ids[0]});
  const uint64_t v1 = env_->service->revocation_version();
  RevokeSharesOneByOne(*env_, {ids[1], ids[2]});
  const uint64_t v3 = env_->service->revocation_version();
  ASSERT_EQ(v3, v1 + 2);

  cav1::GetRevocationListResponse delta = Poll(*env_, v1);
  ASSERT_TRUE(delta.has_delta());
  EXPECT_FALSE(delta.has_list());
  EXPECT_FALSE(delta.not_modified());
  EXPECT_EQ(delta.version(), v3);
  ASSERT_OK(env_->service->signing_public_key().Verify(
      SignedBytes(kRevocationDeltaContext, delta.delta().body()), delta.delta().signature(),
      crypto::SignatureEncoding::kDer));
  cav1::RevocationDeltaBody body;
  ASSERT_TRUE(body.ParseFromString(delta.delta().body()));
  EXPECT_EQ(body.from_version(), v1);
  EXPECT_EQ(body.to_version(), v3);
  EXPECT_EQ(ToAbslTime(body.next_update()), env_->clock.Now() + absl::Hours(1));
  std::vector<std::string> shares;
  for (const auto& e : body.entries()) shares.push_back(e.share_id());
  EXPECT_THAT(shares, ElementsAre(ids[1], ids[2]));  // only what came after v1

  // From nothing, or from ahead of the authority: the full list; current: not modified.
  for (uint64_t known : {uint64_t{0}, v3 + 5}) {
    cav1::GetRevocationListResponse full = Poll(*env_, known);
    ASSERT_TRUE(full.has_list()) << known;
    EXPECT_FALSE(full.has_delta());
    cav1::RevocationListBody list;
    ASSERT_TRUE(list.ParseFromString(full.list().body()));
    EXPECT_EQ(list.entries_size(), 3);
  }
  cav1::GetRevocationListResponse same = Poll(*env_, v3);
  EXPECT_TRUE(same.not_modified());
  EXPECT_FALSE(same.has_list() || same.has_delta());
}

TEST_F(CaServiceTest, PollTooFarBehindForADeltaGetsTheFullList) {
  env_->options.max_revocation_delta_versions = 1;
  ASSERT_OK(env_->Restart());
  MakeOwner();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, env_->Intent(owner_cred_)));
    ids.push_back(share.share_id());
  }
  RevokeSharesOneByOne(*env_, ids);
  const uint64_t v = env_->service->revocation_version();
  EXPECT_TRUE(Poll(*env_, v - 1).has_delta());
  cav1::GetRevocationListResponse two_behind = Poll(*env_, v - 2);
  EXPECT_TRUE(two_behind.has_list());
  EXPECT_FALSE(two_behind.has_delta());
}

TEST_F(CaServiceTest, ListSharesPagesFollowTheSameOrderToTheEnd) {
  MakeOwner();
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(auto share, Share(owner_device_->key, env_->Intent(owner_cred_)));
    made.push_back(share.share_id());
  }
  cav1::ListSharesRequest req;
  req.set_credential_id(owner_cred_.credential_id());
  req.set_include_descendants(true);
  req.set_page_size(2);
  std::vector<std::string> listed;
  int pages = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(auto page, env_->service->ListShares(env_->admin, req));
    ++pages;
    EXPECT_LE(page.shares_size(), 2);
    for (const auto& s : page.shares()) listed.push_back(s.share_id());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, made);

  // Default: everything here fits one page of 100.
  req.clear_page_size();
  req.clear_page_token();
  ASSERT_OK_AND_ASSIGN(auto all, env_->service->ListShares(env_->admin, req));
  EXPECT_EQ(all.shares_size(), 5);
  EXPECT_TRUE(all.next_page_token().empty());
}

// Re-shares come after the shares they descend from (by depth, then oldest
// first), across pages.
TEST_F(CaServiceTest, ListSharesPagesWalkTheTreeByDepth) {
  MakeOwner();
  cav1::ShareIntent reshareable = env_->Intent(owner_cred_);
  reshareable.set_resharing_allowed(true);
  ASSERT_OK_AND_ASSIGN(auto to_b, Share(owner_device_->key, reshareable));
  ASSERT_OK_AND_ASSIGN(auto b, RedeemB(to_b.token()));
  ASSERT_OK_AND_ASSIGN(auto from_b, Share(b.first.key, env_->Intent(b.second.credential())));
  ASSERT_OK_AND_ASSIGN(auto later, Share(owner_device_->key, env_->Intent(owner_cred_)));
  cav1::ListSharesRequest req;
  req.set_credential_id(owner_cred_.credential_id());
  req.set_include_descendants(true);
  req.set_page_size(1);
  std::vector<std::string> listed;
  for (int page = 0; page < 10; ++page) {
    ASSERT_OK_AND_ASSIGN(auto got, env_->service->ListShares(env_->admin, req));
    ASSERT_EQ(got.shares_size(), 1);
    listed.push_back(got.shares(0).share_id());
    if (got.next_page_token().empty()) break;
    req.set_page_token(got.next_page_token());
  }
  EXPECT_THAT(listed, ElementsAre(to_b.share_id(), later.share_id(), from_b.share_id()));
}

TEST_F(CaServiceTest, ListSharesDefaultPageIsBoundedAndBadPagingNamesTheField) {
  MakeOwner();
  for (uint64_t i = 0; i < kDefaultListSharesPageSize + 1; ++i) {
    ASSERT_OK(Share(owner_device_->key, env_->Intent(owner_cred_)).status());
  }
  cav1::ListSharesRequest req;
  req.set_credential_id(owner_cred_.credential_id());
  ASSERT_OK_AND_ASSIGN(auto first, env_->service->ListShares(env_->admin, req));
  EXPECT_EQ(first.shares_size(), static_cast<int>(kDefaultListSharesPageSize));
  ASSERT_FALSE(first.next_page_token().empty());

  cav1::ListSharesRequest bad = req;
  bad.set_page_size(-1);
  absl::Status s = env_->service->ListShares(env_->admin, bad).status();
  ExpectError(s, absl::StatusCode::kInvalidArgument, "invalid_field");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("page_size"));
  for (const std::string& token : {std::string("garbage!"), std::string("bHNwMTp4Onk")}) {
    bad = req;
    bad.set_page_token(token);
    s = env_->service->ListShares(env_->admin, bad).status();
    ExpectError(s, absl::StatusCode::kInvalidArgument, "invalid_field");
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("page_token"));
  }
  // A token of this listing does not continue another one (descendants asked).
  bad = req;
  bad.set_include_descendants(true);
  bad.set_page_token(first.next_page_token());
  s = env_->service->ListShares(env_->admin, bad).status();
  ExpectError(s, absl::StatusCode::kInvalidArgument, "invalid_field");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("page_token"));
  req.set_page_token(first.next_page_token());
  ASSERT_OK_AND_ASSIGN(auto second, env_->service->ListShares(env_->admin, req));
  EXPECT_EQ(second.shares_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
}

}  // namespace
}  // namespace sct::ca

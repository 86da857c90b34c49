#include "device/wallet_lookup.h"

#include "absl/strings/match.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;

class WalletLookupTest : public ::testing::Test {
 protected:
  WalletLookupTest() {
    auto& p = *wallet_.state().mutable_personas(0);
    p.add_credentials()->mutable_credential()->set_credential_id("c-1");
    p.add_keys()->set_key_id("k-1");
    auto* sent = p.add_mailboxes();
    sent->set_mailbox_id("m-1");
    sent->set_share_id("s-1");
    sent->set_role(dv::ROLE_SENDER);
    auto* received = p.add_mailboxes();
    received->set_mailbox_id("m-2");
    received->set_role(dv::ROLE_RECEIVER);
  }

  void Enrol() {
    wallet_.state().set_device_id("d-1");
    wallet_.state().set_device_token("t-1");
  }

  Wallet wallet_;
};

TEST_F(WalletLookupTest, FindsWhatWasAskedFor) {
  Enrol();
  auto target =
      WalletLookup("").Credential("c-1").Key("k-1").SentShare("s-1").Enrolled().In(wallet_);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->persona->name(), "personal");
  EXPECT_EQ(target->credential->credential().credential_id(), "c-1");
  EXPECT_EQ(target->key->key_id(), "k-1");
  EXPECT_EQ(target->exchange->mailbox_id(), "m-1");
  EXPECT_EQ(target->auth.device_id(), "d-1");
  EXPECT_EQ(target->auth.device_token(), "t-1");
}

TEST_F(WalletLookupTest, LeavesWhatWasNotAskedForEmpty) {
  auto target = WalletLookup("personal").In(wallet_);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->credential, nullptr);
  EXPECT_EQ(target->key, nullptr);
  EXPECT_EQ(target->exchange, nullptr);
  EXPECT_TRUE(target->auth.device_id().empty());
}

TEST_F(WalletLookupTest, ReportsTheFirstProblemInAFixedOrder) {
  // Persona before everything else.
  auto st = WalletLookup("nobody").Credential("nope").Enrolled().In(wallet_).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(st), "persona_not_found");
  // Credential before enrolment.
  st = WalletLookup("").Credential("nope").Enrolled().In(wallet_).status();
  EXPECT_EQ(ReasonOf(st), "credential_not_found");
  EXPECT_EQ(st.message(), "credential_id: persona \"personal\" holds no credential \"nope\"");
  st = WalletLookup("").Credential("c-1").Enrolled().In(wallet_).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(st), "not_enrolled");
}

TEST_F(WalletLookupTest, EmptyIdsNameTheirField) {
  auto st = WalletLookup("").Credential("").In(wallet_).status();
  EXPECT_EQ(ReasonOf(st), "invalid_field");
  EXPECT_TRUE(absl::StartsWith(st.message(), "credential_id:"));
  st = WalletLookup("").SentShare("").In(wallet_).status();
  EXPECT_TRUE(absl::StartsWith(st.message(), "share_id:"));
  st = WalletLookup("").Mailbox("").In(wallet_).status();
  EXPECT_TRUE(absl::StartsWith(st.message(), "mailbox_id:"));
}

TEST_F(WalletLookupTest, ExchangesAreFoundByShareOrMailboxAndRole) {
  EXPECT_EQ(ReasonOf(WalletLookup("").SentShare("s-9").In(wallet_).status()), "share_not_found");
  auto any = WalletLookup("").Mailbox("m-2").In(wallet_);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->exchange->role(), dv::ROLE_RECEIVER);
  EXPECT_EQ(ReasonOf(WalletLookup("").Mailbox("m-9").In(wallet_).status()), "mailbox_not_found");
  auto received = WalletLookup("").ReceivedMailbox("m-2").In(wallet_);
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->exchange->mailbox_id(), "m-2");
  // m-1 exists, but this persona sent it.
  auto st = WalletLookup("").ReceivedMailbox("m-1").In(wallet_).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(st), "mailbox_not_found");
  EXPECT_EQ(st.message(), "mailbox_id: persona \"personal\" has not read mailbox m-1");
}

TEST(DeviceAuthOfTest, NeedsEnrolment) {
  Wallet wallet;
  EXPECT_EQ(ReasonOf(DeviceAuthOf(wallet).status()), "not_enrolled");
  wallet.state().set_device_id("d-1");
  wallet.state().set_device_token("t-1");
  auto auth = DeviceAuthOf(wallet);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->device_id(), "d-1");
}

}  // namespace
}  // namespace sct::device

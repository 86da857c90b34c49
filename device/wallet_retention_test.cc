// PruneWallet: finished exchanges are stamped when first seen finished and
// dropped one retention period later; revoked or expired credentials are
// dropped one period after, with their key records, element handles and the
// share records made from them; live data is never touched.
#include "device/wallet_retention.h"

#include <string>

#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace ds = ::device::state;
namespace dv = ::device::v1;

const absl::Time kT0 = absl::FromUnixSeconds(1800000000);
constexpr absl::Duration kRetention = absl::Minutes(10);

bool Finished(const ds::MailboxEntry& e) { return e.state() == dv::FLOW_PROVISIONED; }

ds::MailboxEntry* AddExchange(ds::PersonaRecord& p, const std::string& id, dv::FlowState state,
                              const std::string& credential_id = "") {
  ds::MailboxEntry* e = p.add_mailboxes();
  e->set_mailbox_id(id);
  e->set_state(state);
  e->set_credential_id(credential_id);
  return e;
}

ds::CredentialRecord* AddCredential(ds::PersonaRecord& p, const std::string& id,
                                    const std::string& key_id, absl::Time not_after) {
  if (!key_id.empty()) p.add_keys()->set_key_id(key_id);
  ds::CredentialRecord* c = p.add_credentials();
  c->mutable_credential()->set_credential_id(id);
  *c->mutable_credential()->mutable_validity()->mutable_not_after() = ToProtoTimestamp(not_after);
  c->set_key_id(key_id);
  return c;
}

TEST(WalletRetentionTest, FinishedExchangeIsDroppedOneRetentionPeriodAfterItFinished) {
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  AddExchange(p, "done", dv::FLOW_PROVISIONED);
  AddExchange(p, "waiting", dv::FLOW_AWAITING_SENDER);

  PruneResult first = PruneWallet(state, kT0, kRetention, Finished);
  EXPECT_TRUE(first.changed);  // the stamp
  EXPECT_EQ(first.exchanges_removed, 0);
  ASSERT_EQ(p.mailboxes_size(), 2);
  EXPECT_EQ(ToAbslTime(p.mailboxes(0).finished_at()), kT0);
  EXPECT_FALSE(p.mailboxes(1).has_finished_at());

  PruneResult early = PruneWallet(state, kT0 + kRetention - absl::Seconds(1), kRetention, Finished);
  EXPECT_FALSE(early.changed);
  EXPECT_EQ(p.mailboxes_size(), 2);

  PruneResult due = PruneWallet(state, kT0 + kRetention, kRetention, Finished);
  EXPECT_TRUE(due.changed);
  EXPECT_EQ(due.exchanges_removed, 1);
  ASSERT_EQ(p.mailboxes_size(), 1);
  EXPECT_EQ(p.mailboxes(0).mailbox_id(), "waiting");
}

TEST(WalletRetentionTest, RevokedCredentialGoesWithItsKeyAndShareRecordsAfterRetention) {
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  ds::CredentialRecord* revoked = AddCredential(p, "c-revoked", "k-1", kT0 + absl::Hours(720));
  *revoked->mutable_revoked_at() = ToProtoTimestamp(kT0);
  AddCredential(p, "c-live", "k-2", kT0 + absl::Hours(720));
  ds::ShareMade* made = p.add_shares();
  made->set_share_id("s-1");
  made->set_credential_id("c-revoked");
  ds::ShareMade* live_made = p.add_shares();
  live_made->set_share_id("s-2");
  live_made->set_credential_id("c-live");

  EXPECT_EQ(PruneWallet(state, kT0 + absl::Minutes(9), kRetention, Finished).credentials_removed,
            0);
  PruneResult r = PruneWallet(state, kT0 + kRetention, kRetention, Finished);
  EXPECT_EQ(r.credentials_removed, 1);
  ASSERT_EQ(p.credentials_size(), 1);
  EXPECT_EQ(p.credentials(0).credential().credential_id(), "c-live");
  ASSERT_EQ(p.keys_size(), 1);
  EXPECT_EQ(p.keys(0).key_id(), "k-2");
  ASSERT_EQ(r.element_handles.size(), 1u);
  EXPECT_EQ(r.element_handles[0], "k-1");
  ASSERT_EQ(p.shares_size(), 1);
  EXPECT_EQ(p.shares(0).share_id(), "s-2");
}

TEST(WalletRetentionTest, RevokedShareRecordGoesAfterRetentionUnlessAnOpenExchangeCarriesIt) {
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  AddCredential(p, "c-owner", "k-1", kT0 + absl::Hours(720));  // lives on
  for (const char* id : {"s-revoked", "s-open", "s-live"}) {
    ds::ShareMade* made = p.add_shares();
    made->set_share_id(id);
    made->set_credential_id("c-owner");
    if (std::string(id) != "s-live") *made->mutable_revoked_at() = ToProtoTimestamp(kT0);
  }
  AddExchange(p, "m-open", dv::FLOW_AWAITING_RECEIVER, "c-owner")->set_share_id("s-open");

  PruneResult early = PruneWallet(state, kT0 + kRetention - absl::Seconds(1), kRetention, Finished);
  EXPECT_EQ(early.share_records_removed, 0);
  EXPECT_EQ(p.shares_size(), 3);
  PruneResult due = PruneWallet(state, kT0 + kRetention, kRetention, Finished);
  EXPECT_TRUE(due.changed);
  EXPECT_EQ(due.share_records_removed, 1);
  ASSERT_EQ(p.shares_size(), 2);
  EXPECT_EQ(p.shares(0).share_id(), "s-open");
  EXPECT_EQ(p.shares(1).share_id(), "s-live");
  EXPECT_EQ(p.credentials_size(), 1);
}

TEST(WalletRetentionTest, ExpiredCredentialGoesAfterRetentionUnlessAnOpenExchangeNamesIt) {
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  ds::CredentialRecord* sym = AddCredential(p, "c-expired", "", kT0);
  sym->set_symmetric_handle("s-7");
  AddCredential(p, "c-shared", "k-3", kT0);
  AddExchange(p, "open", dv::FLOW_LINK_SENT, "c-shared");

  // First found expired a minute after not_after: stamped, kept.
  const absl::Time seen = kT0 + absl::Minutes(1);
  PruneResult first = PruneWallet(state, seen, kRetention, Finished);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(first.credentials_removed, 0);
  PruneResult r = PruneWallet(state, seen + kRetention, kRetention, Finished);
  EXPECT_EQ(r.credentials_removed, 1);
  ASSERT_EQ(p.credentials_size(), 1);
  EXPECT_EQ(p.credentials(0).credential().credential_id(), "c-shared");
  ASSERT_EQ(r.element_handles.size(), 1u);
  EXPECT_EQ(r.element_handles[0], "s-7");
  EXPECT_EQ(p.keys_size(), 1);  // k-3 (the empty key id of the symmetric one is no key)
}

TEST(WalletRetentionTest, AClockJumpFarPastExpiryDoesNotDropTheCredentialAtOnce) {
  // A fake clock advanced by days (a scenario's "the weekend is over"): the
  // holder must still be able to present the expired key and hear why it
  // fails; the retention counts from when the device found it expired.
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  AddCredential(p, "c-weekend", "k-1", kT0);
  const absl::Time monday = kT0 + absl::Hours(72);
  PruneResult r = PruneWallet(state, monday, kRetention, Finished);
  EXPECT_EQ(r.credentials_removed, 0);
  ASSERT_EQ(p.credentials_size(), 1);
  EXPECT_EQ(ToAbslTime(p.credentials(0).expired_seen_at()), monday);
  EXPECT_EQ(PruneWallet(state, monday + kRetention, kRetention, Finished).credentials_removed, 1);
}

TEST(WalletRetentionTest, KeySharedWithALiveCredentialStays) {
  ds::WalletState state;
  ds::PersonaRecord& p = *state.add_personas();
  AddCredential(p, "c-old", "k-1", kT0);
  ds::CredentialRecord* live = p.add_credentials();
  live->mutable_credential()->set_credential_id("c-new");
  live->set_key_id("k-1");

  PruneWallet(state, kT0, kRetention, Finished);  // finds c-old expired
  PruneResult r = PruneWallet(state, kT0 + kRetention, kRetention, Finished);
  EXPECT_EQ(r.credentials_removed, 1);
  EXPECT_TRUE(r.element_handles.empty());
  EXPECT_EQ(p.keys_size(), 1);
}

}  // namespace
}  // namespace sct::device

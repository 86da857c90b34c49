// Unit tests of the malicious relay: each behaviour on the honest service
// over a memory store, and the honest answers where no behaviour applies.
#include "relay/malicious/malicious_mailbox_service.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"

namespace sct::relay::malicious {
namespace {

Payload P(char fill) { return Payload{kAeadAes128Gcm, std::string(48, fill)}; }

class MaliciousMailboxServiceTest : public testing::Test {
 protected:
  void Use(Behaviours behaviours) {
    relay_ = std::make_unique<MaliciousMailboxService>(&honest_, &store_, &clock_,
                                                       std::move(behaviours));
  }

  std::string Create(const Payload &payload, const std::string &sender) {
    CreateMailboxRequest req;
    req.device_claim = sender;
    req.request_id = NewUuidV4();
    req.payload = payload;
    req.access_rights = "RWD";  // multi-round: both parties write
    auto r = relay_->CreateMailbox(ctx_, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->mailbox_id : "";
  }
  absl::StatusOr<ReadSecureContentResponse> Read(const std::string &id, const std::string &claim) {
    return relay_->ReadSecureContent(ctx_, ReadSecureContentRequest{id, claim, NewUuidV4()});
  }
  absl::StatusOr<UpdateMailboxResponse> Update(const std::string &id, const std::string &claim,
                                               const Payload &payload) {
    return relay_->UpdateMailbox(
        ctx_, UpdateMailboxRequest{id, claim, NewUuidV4(), payload, std::nullopt});
  }
  // What the store really holds.
  Payload Stored(const std::string &id) {
    auto m = store_.Get(id, clock_.Now());
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->payload : Payload{};
  }

  FakeClock clock_;
  MemoryMailboxStore store_;
  MailboxService honest_{&store_, &clock_, nullptr, "https://relay.example", RelayLimits()};
  std::unique_ptr<MaliciousMailboxService> relay_;
  CallContext ctx_{"127.0.0.1", Face::kHttp};
  const std::string alice_ = NewUuidV4(), bob_ = NewUuidV4(), eve_ = NewUuidV4();
};

TEST_F(MaliciousMailboxServiceTest, NoBehaviourAnswersAsTheHonestRelay) {
  Use({});
  const std::string id = Create(P('1'), alice_);
  ASSERT_TRUE(Read(id, bob_).ok());
  auto eve = Read(id, eve_);
  EXPECT_EQ(ReasonOf(eve.status()), "claim_mismatch");
  EXPECT_EQ(ReasonOf(Update(id, eve_, P('e')).status()), "claim_mismatch");
  ASSERT_TRUE(Update(id, bob_, P('2')).ok());
  auto alice = Read(id, alice_);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->payload, P('2'));
}

TEST_F(MaliciousMailboxServiceTest, ServeSecondReaderGivesContentKeepsBinding) {
  Use({Behaviour::kServeSecondReader});
  const std::string id = Create(P('1'), alice_);
  ASSERT_TRUE(Read(id, bob_).ok());
  auto eve = Read(id, eve_);
  ASSERT_TRUE(eve.ok()) << eve.status();
  EXPECT_EQ(eve->payload, P('1'));
  // Bob stays the bound receiver; Eve may still not write.
  EXPECT_TRUE(Update(id, bob_, P('2')).ok());
  EXPECT_EQ(ReasonOf(Update(id, eve_, P('e')).status()), "claim_mismatch");
  EXPECT_EQ(Stored(id), P('2'));
}

TEST_F(MaliciousMailboxServiceTest, IgnoreBindingLetsAnyClaimReadAndWrite) {
  Use({Behaviour::kIgnoreBinding});
  const std::string id = Create(P('1'), alice_);
  ASSERT_TRUE(Read(id, bob_).ok());
  ASSERT_TRUE(Read(id, eve_).ok());
  auto wrote = Update(id, eve_, P('e'));
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_EQ(Stored(id), P('e'));
  // Still no mailbox for an unknown id, and a malformed claim is refused:
  // the honest answers.
  EXPECT_EQ(ReasonOf(Update(NewUuidV4(), eve_, P('e')).status()), "mailbox_not_found");
  EXPECT_EQ(ReasonOf(Update(id, "not-a-uuid", P('e')).status()), "invalid_field");
  EXPECT_EQ(ReasonOf(Read(id, "not-a-uuid").status()), "invalid_field");
}

TEST_F(MaliciousMailboxServiceTest, DropRoundAcknowledgesTheFirstUpdateAndStoresNothing) {
  Use({Behaviour::kDropRound});
  const std::string id = Create(P('1'), alice_);
  ASSERT_TRUE(Read(id, bob_).ok());
  auto dropped = Update(id, bob_, P('2'));
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_FALSE(dropped->repeated);
  EXPECT_EQ(Stored(id), P('1'));
  // Only the first: the next update is stored.
  ASSERT_TRUE(Update(id, bob_, P('3')).ok());
  EXPECT_EQ(Stored(id), P('3'));
  // A stranger still gets the honest refusal.
  EXPECT_EQ(ReasonOf(Update(id, eve_, P('e')).status()), "claim_mismatch");
}

TEST_F(MaliciousMailboxServiceTest, ReplayRoundServesTheRoundBeforeTheNewest) {
  Use({Behaviour::kReplayRound});
  const std::string id = Create(P('1'), alice_);
  auto first = Read(id, bob_);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->payload, P('1'));  // nothing older yet
  ASSERT_TRUE(Update(id, bob_, P('2')).ok());
  EXPECT_EQ(Stored(id), P('2'));
  auto alice = Read(id, alice_);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->payload, P('1'));
  ASSERT_TRUE(Update(id, alice_, P('3')).ok());
  auto bob = Read(id, bob_);
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->payload, P('2'));
}

TEST_F(MaliciousMailboxServiceTest, SwapPayloadsPairsMailboxesInCreationOrder) {
  Use({Behaviour::kSwapPayloads});
  const std::string a = Create(P('a'), alice_);
  const std::string b = Create(P('b'), alice_);
  const std::string c = Create(P('c'), alice_);  // no partner yet
  auto read_a = Read(a, bob_);
  auto read_b = Read(b, eve_);
  auto read_c = Read(c, bob_);
  ASSERT_TRUE(read_a.ok() && read_b.ok() && read_c.ok());
  EXPECT_EQ(read_a->payload, P('b'));
  EXPECT_EQ(read_b->payload, P('a'));
  EXPECT_EQ(read_c->payload, P('c'));
  EXPECT_EQ(Stored(a), P('a'));
}

TEST_F(MaliciousMailboxServiceTest, LieAboutExpiryClaimsLaterThanItEnforces) {
  Use({Behaviour::kLieAboutExpiry});
  CreateMailboxRequest req;
  req.device_claim = alice_;
  req.request_id = NewUuidV4();
  req.payload = P('1');
  req.expiration = clock_.Now() + absl::Hours(1);
  auto created = relay_->CreateMailbox(ctx_, req);
  ASSERT_TRUE(created.ok()) << created.status();
  const absl::Time enforced = store_.Get(created->mailbox_id, clock_.Now())->expires_at;
  EXPECT_EQ(created->expiration, enforced + kExpiryLie);
  auto read = Read(created->mailbox_id, bob_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->expiration, enforced + kExpiryLie);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(ReasonOf(Read(created->mailbox_id, bob_).status()), "mailbox_not_found");
}

}  // namespace
}  // namespace sct::relay::malicious

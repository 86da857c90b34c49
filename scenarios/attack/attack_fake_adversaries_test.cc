// attack.h against in-process fakes (attack_fake_fixture.h): the link
// interceptor (race and claim on act), the token replayer, the relay dump and
// the mailbox-id guesser (against an httplib relay stand-in).
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scenarios/attack/attack.h"
#include "scenarios/attack/attack_fake_fixture.h"

namespace sct::scenarios {
namespace {

using attack_fakes::kFragment;
using attack_fakes::kMailbox;
using attack_fakes::kPin;
using attack_fakes::Link;
using attack_fakes::Tmp;
using attack_fakes::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(AttackFakeTest, InterceptorRacesAndTheReplayerIsRefused) {
  AddInterceptor(/*race=*/true);
  scenario::v1::Adversary* r = scenario_.add_adversaries();
  r->set_name("replayer");
  r->mutable_token_replayer()->set_interceptor("eve");
  r->mutable_token_replayer()->set_share("share-1");
  r->mutable_token_replayer()->set_times(2);
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ASSERT_TRUE(ArmAdversaries(ctx_).ok());
  EXPECT_FALSE(DeviceAddressOfBob().empty());  // filtered on bob's SMS address

  ctx_.current_step = "share";
  SendShareLink();
  ctx_.shares["share-1"].mailbox_id = kMailbox;
  // What the engine does while waiting for an intercepted link.
  for (int i = 0; i < 500 && ctx_.intercepted["eve"]["share-1"].empty(); ++i) {
    SyncAdversaries(ctx_);
    if (ctx_.intercepted["eve"]["share-1"].empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the tap thread
    }
  }
  EXPECT_EQ(ctx_.intercepted["eve"]["share-1"], Link());

  ctx_.current_step = "eve-claims";
  absl::StatusOr<AdversaryOutcome> claim = ActAdversary("eve", ctx_);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(claim->succeeded) << claim->summary;
  EXPECT_EQ(claim->code, "OK");
  EXPECT_THAT(claim->summary, Not(HasSubstr(kFragment)));
  EXPECT_EQ(ctx_.intercepted["eve"]["share-1"], Link());

  ctx_.current_step = "replay";
  absl::StatusOr<AdversaryOutcome> replay = ActAdversary("replayer", ctx_);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->succeeded) << replay->summary;
  EXPECT_EQ(replay->reason, "share_already_redeemed");
  EXPECT_EQ(replay->code, "FAILED_PRECONDITION");
  {
    std::lock_guard<std::mutex> lock(device_.mu);
    EXPECT_EQ(device_.accepted[Link()], 3);  // race claim + 2 replays
    EXPECT_THAT(device_.actors, ::testing::ElementsAre("eve", "replayer", "replayer"));
  }
  {
    std::lock_guard<std::mutex> lock(channel_.mu);
    EXPECT_EQ(channel_.tap_actors, std::vector<std::string>{"eve"});
  }
  DisarmAdversaries(ctx_);
  // The tap's finished call no longer holds its channel: an idle connection
  // left open would keep the channel server waiting when it shuts down.
  EXPECT_EQ(eco_.ChannelsHeld("channel"), 0);

  // Trace and markers.
  int adversary_events = 0;
  for (const auto& e : ctx_.engine_trace) {
    EXPECT_THAT(e.summary(), Not(HasSubstr(kFragment)));
    if (e.kind() == ::common::v1::ADVERSARY) ++adversary_events;
  }
  EXPECT_GE(adversary_events, 5);  // tap, capture, race claim, 2 replays
  bool eve_marker_closed = false;
  for (const auto& m : ctx_.markers) {
    if (m.label() == "eve" && m.has_end()) eve_marker_closed = true;
  }
  EXPECT_TRUE(eve_marker_closed);

  // The audit: eve learned the full link and the secret; the replayer did too.
  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("eve");
  a->mutable_knowledge()->add_must_learn(::common::v1::FULL_LINK);
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  for (const auto& row : *rows) {
    if (row.actor() != "eve") continue;
    if (row.item() == ::common::v1::FULL_LINK) {
      EXPECT_EQ(row.verdict(), scenario::v1::AUDIT_OK);
      EXPECT_THAT(row.evidence(), HasSubstr("link of share-1"));
    }
    if (row.item() == ::common::v1::PIN) {
      EXPECT_EQ(row.verdict(), scenario::v1::AUDIT_OK);
    }
    EXPECT_THAT(row.evidence(), Not(HasSubstr(kFragment)));
  }
}

TEST_F(AttackFakeTest, InterceptorWithoutRaceClaimsOnAct) {
  AddInterceptor(/*race=*/false);
  ASSERT_TRUE(ArmAdversaries(ctx_).ok());
  absl::StatusOr<AdversaryOutcome> nothing = ActAdversary("eve", ctx_);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->succeeded);
  EXPECT_EQ(nothing->reason, "no_link_captured");
  SendShareLink();
  absl::StatusOr<AdversaryOutcome> claim = ActAdversary("eve", ctx_);
  ASSERT_TRUE(claim.ok());
  EXPECT_TRUE(claim->succeeded);
  // Not yet bound to a share: stored under the mailbox id.
  EXPECT_EQ(ctx_.intercepted["eve"][kMailbox], Link());
  EXPECT_EQ(ActAdversary("nobody", ctx_).status().code(), absl::StatusCode::kNotFound);
}

// also_channels: a second tap, on bob's e-mail address, feeds the PIN sent
// there to the same interceptor; the claim of the SMS link uses it.
TEST_F(AttackFakeTest, InterceptorOnBothChannelsClaimsWithThePinOfTheSecondChannel) {
  const std::string email_address = ArmInterceptorOnSmsAndEmail();
  ASSERT_FALSE(email_address.empty());
  {
    std::lock_guard<std::mutex> lock(channel_.mu);
    EXPECT_EQ(channel_.tap_actors, (std::vector<std::string>{"eve", "eve"}));
    EXPECT_NE(email_address, channel_.taps.front()->to);
  }
  SendPinByEmail(email_address);
  SendShareLink();
  absl::StatusOr<AdversaryOutcome> claim = ActAdversary("eve", ctx_);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(claim->succeeded) << claim->summary;
  EXPECT_TRUE(PinUsed(*claim)) << "the PIN seen on the e-mail tap was not used";
  // The link is under eve's name only (not under the second tap's key).
  EXPECT_EQ(ctx_.intercepted.size(), 1u);
  EXPECT_EQ(ctx_.intercepted["eve"][kMailbox], Link());
  DisarmAdversaries(ctx_);
  EXPECT_EQ(eco_.ChannelsHeld("channel"), 0);
}

// The PIN travels apart from the link and may come after it (under a
// sanitizer, or a slower mail channel): an act on both channels waits for a
// code too, within its capture wait, instead of claiming without one.
TEST_F(AttackFakeTest, InterceptorOnBothChannelsWaitsForAPinThatComesAfterTheLink) {
  const std::string email_address = ArmInterceptorOnSmsAndEmail();
  ASSERT_FALSE(email_address.empty());
  SendShareLink();
  std::future<absl::StatusOr<AdversaryOutcome>> act =
      std::async(std::launch::async, [this] { return ActAdversary("eve", ctx_); });
  SendPinByEmail(email_address);
  absl::StatusOr<AdversaryOutcome> claim = act.get();
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(PinUsed(*claim)) << "the act claimed before the e-mailed PIN came";
  DisarmAdversaries(ctx_);
}

TEST_F(AttackFakeTest, AlsoChannelsMustNameAnotherChannel) {
  scenario::v1::Adversary* eve = AddInterceptor(/*race=*/false);
  eve->mutable_link_interceptor()->add_also_channels(::common::v1::SMS);
  absl::Status s = ArmAdversaries(ctx_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("adversaries[eve].link_interceptor.also_channels[0]"));
}

TEST_F(AttackFakeTest, RelayDumpFindsAPlantedPinAndNamesOnlyTheFile) {
  scenario::v1::Adversary* d = scenario_.add_adversaries();
  d->set_name("operator");
  d->mutable_relay_dump()->set_include_logs(true);
  ASSERT_TRUE(PrepareAudit(ctx_).ok());

  absl::StatusOr<AdversaryOutcome> clean = ActAdversary("operator", ctx_);
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_TRUE(clean->succeeded) << clean->summary;  // only the mailbox id (allowed)

  WriteFile(Tmp("relay.db-wal"), absl::StrCat("WAL\x01", absl::BytesToHexString(kPin), "\x02"));
  absl::StatusOr<AdversaryOutcome> dirty = ActAdversary("operator", ctx_);
  ASSERT_TRUE(dirty.ok());
  EXPECT_FALSE(dirty->succeeded);
  EXPECT_THAT(dirty->summary, HasSubstr("PIN of share-1 in relay.db-wal (hex)"));
  EXPECT_THAT(dirty->summary, Not(HasSubstr(kPin)));
  for (const auto& [k, v] : dirty->details) {
    EXPECT_THAT(v, Not(HasSubstr(kPin))) << k;
  }

  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("operator");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  a->mutable_knowledge()->add_must_not_learn(::common::v1::MAILBOX_SECRET);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok());
  int checked = 0;
  for (const auto& r : *rows) {
    if (r.item() == ::common::v1::PIN) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_VIOLATED) << r.actor();
      EXPECT_THAT(r.evidence(), HasSubstr("found PIN of share-1 in relay.db-wal"));
      ++checked;
    }
    if (r.item() == ::common::v1::MAILBOX_SECRET) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_OK);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
}

TEST_F(AttackFakeTest, RelayDumpAllowsNetworkAddresses) {
  scenario::v1::Adversary* d = scenario_.add_adversaries();
  d->set_name("operator");
  d->mutable_relay_dump()->set_include_logs(true);
  ctx_.known.push_back(
      {::common::v1::CLIENT_ADDRESS, "127.0.0.5", "address of oem-a", "actor:oem-a"});
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  WriteFile(Tmp("relay.db-wal"), "WAL push route to 127.0.0.5:4433");
  absl::StatusOr<AdversaryOutcome> dump = ActAdversary("operator", ctx_);
  ASSERT_TRUE(dump.ok()) << dump.status();
  // The relay sees its peers' addresses on every connection: an address in
  // its files is allowed, not a finding.
  EXPECT_TRUE(dump->succeeded) << dump->summary;
  std::string allowed;
  for (const auto& [k, v] : dump->details) {
    if (k == "found_allowed") allowed = v;
  }
  EXPECT_THAT(allowed, HasSubstr("address of oem-a in relay.db-wal"));
}

TEST_F(AttackFakeTest, GuesserCountsAndSeesTheRateLimit) {
  httplib::Server http;
  std::mutex mu;
  int calls = 0;
  std::set<std::string> actors;
  http.Post(R"(/v1/m/([0-9a-f-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    actors.insert(req.get_header_value("sct-actor"));
    res.status = ++calls <= 4 ? 404 : 429;
  });
  const int port = http.bind_to_any_port("127.0.0.1");
  std::thread t([&] { http.listen_after_bind(); });
  eco_.entries["relay"].svc.http_url = absl::StrCat("http://127.0.0.1:", port);

  scenario::v1::Adversary* g = scenario_.add_adversaries();
  g->set_name("guesser");
  g->mutable_id_guesser()->set_tries(10);
  g->mutable_id_guesser()->set_expect_rate_limited(true);
  absl::StatusOr<AdversaryOutcome> out = ActAdversary("guesser", ctx_);
  http.stop();
  t.join();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->succeeded) << out->summary;
  EXPECT_EQ(out->code, "RESOURCE_EXHAUSTED");
  std::map<std::string, std::string> details(out->details.begin(), out->details.end());
  EXPECT_EQ(details["tries"], "10");
  EXPECT_EQ(details["hits"], "0");
  EXPECT_EQ(details["not_found"], "4");
  EXPECT_EQ(details["rate_limited_after"], "4");
  EXPECT_EQ(actors, std::set<std::string>{"guesser"});

  // Without the rate limit the act fails when one was expected.
  g->mutable_id_guesser()->set_tries(3);
  httplib::Server open;
  open.Post(R"(/v1/m/([0-9a-f-]+))",
            [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  const int port2 = open.bind_to_any_port("127.0.0.1");
  std::thread t2([&] { open.listen_after_bind(); });
  eco_.entries["relay"].svc.http_url = absl::StrCat("http://127.0.0.1:", port2);
  absl::StatusOr<AdversaryOutcome> open_out = ActAdversary("guesser", ctx_);
  open.stop();
  t2.join();
  ASSERT_TRUE(open_out.ok());
  EXPECT_FALSE(open_out->succeeded);
  EXPECT_EQ(open_out->reason, "mailbox_not_found");
}

TEST_F(AttackFakeTest, GuessersOnDistinctAddressesEachConnectFromTheirOwn) {
  httplib::Server http;
  std::mutex mu;
  std::map<std::string, int> calls_from;  // client address -> guesses
  http.Post(R"(/v1/m/([0-9a-f-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls_from[req.remote_addr];
    res.status = 404;
  });
  const int port = http.bind_to_any_port("127.0.0.1");
  std::thread t([&] { http.listen_after_bind(); });
  eco_.entries["relay"].svc.http_url = absl::StrCat("http://127.0.0.1:", port);

  scenario::v1::Adversary* g = scenario_.add_adversaries();
  g->set_name("guessers");
  g->mutable_id_guesser()->set_tries(2);
  g->mutable_id_guesser()->set_attackers(3);
  g->mutable_id_guesser()->set_distinct_addresses(true);
  absl::StatusOr<AdversaryOutcome> spread = ActAdversary("guessers", ctx_);
  std::map<std::string, int> spread_calls;
  {
    std::lock_guard<std::mutex> lock(mu);
    spread_calls.swap(calls_from);
  }
  // The same three attackers without distinct addresses share the lab's.
  g->mutable_id_guesser()->set_distinct_addresses(false);
  absl::StatusOr<AdversaryOutcome> shared = ActAdversary("guessers", ctx_);
  http.stop();
  t.join();

  ASSERT_TRUE(spread.ok()) << spread.status();
  EXPECT_EQ(spread_calls, (std::map<std::string, int>{
                              {"127.1.0.1", 2}, {"127.1.0.2", 2}, {"127.1.0.3", 2}}));
  std::map<std::string, std::string> d(spread->details.begin(), spread->details.end());
  EXPECT_EQ(d["attackers"], "3");
  EXPECT_EQ(d["tries"], "6");
  EXPECT_EQ(d["not_found"], "6");
  EXPECT_EQ(d["addresses"], "127.1.0.1 127.1.0.2 127.1.0.3");
  EXPECT_EQ(d["not_found_by_attacker"], "2/2/2");
  EXPECT_THAT(spread->summary, HasSubstr("3 attackers from 3 addresses"));

  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(calls_from, (std::map<std::string, int>{{"127.0.0.1", 6}}));
  std::map<std::string, std::string> s(shared->details.begin(), shared->details.end());
  EXPECT_EQ(s["tries"], "6");
  EXPECT_EQ(s["addresses"], "127.0.0.1 127.0.0.1 127.0.0.1");
  EXPECT_THAT(shared->summary, HasSubstr("3 attackers from 1 address (127.0.0.1)"));
}

TEST_F(AttackFakeTest, DistinctAddressesNeedALoopbackRelayAndAttackersAreBounded) {
  scenario::v1::Adversary* g = scenario_.add_adversaries();
  g->set_name("guessers");
  g->mutable_id_guesser()->set_tries(1);
  g->mutable_id_guesser()->set_attackers(2);
  g->mutable_id_guesser()->set_distinct_addresses(true);
  // A relay known by name cannot tell the attackers' addresses apart: the act
  // fails before any guess instead of guessing from one address.
  eco_.entries["relay"].svc.http_url = "https://relay.example:8443";
  absl::StatusOr<AdversaryOutcome> out = ActAdversary("guessers", ctx_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition) << out.status();
  EXPECT_EQ(ReasonOf(out.status()), "relay_not_loopback");
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("distinct_addresses"));

  g->mutable_id_guesser()->set_attackers(65);
  out = ActAdversary("guessers", ctx_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("adversaries[guessers].id_guesser.attackers: must be at most 64"));
}

}  // namespace
}  // namespace sct::scenarios

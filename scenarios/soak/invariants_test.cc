#include "scenarios/soak/invariants.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace sct::soak {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(FaultTimelineTest, ExplainsErrorsDuringAFaultAndItsGraceOnly) {
  FaultTimeline timeline(absl::Seconds(20));
  const int i = timeline.Begin(kT0, "kill_restart", "relay", "");
  timeline.End(i, kT0 + absl::Seconds(3));
  const std::string e = "UNAVAILABLE: down";
  EXPECT_EQ(timeline.Explain(kT0 + absl::Seconds(1), kT0 + absl::Seconds(2), e),
            "kill_restart relay");
  EXPECT_EQ(timeline.Explain(kT0 + absl::Seconds(22), kT0 + absl::Seconds(30), e),
            "kill_restart relay");
  EXPECT_EQ(timeline.Explain(kT0 + absl::Seconds(24), kT0 + absl::Seconds(30), e), "");
  EXPECT_EQ(timeline.Explain(kT0 - absl::Seconds(9), kT0 - absl::Seconds(1), e), "");
  EXPECT_EQ(timeline.Restarts("relay"), 1);
  EXPECT_EQ(timeline.Restarts("ca"), 0);
}

TEST(FaultTimelineTest, AnOpenFaultExplainsEverythingAfterItsStart) {
  FaultTimeline timeline(absl::Seconds(1));
  timeline.Begin(kT0, "link_drop", "oem-a", "");
  EXPECT_FALSE(
      timeline.Explain(kT0 + absl::Hours(1), kT0 + absl::Hours(2), "UNAVAILABLE: x").empty());
}

TEST(FaultTimelineTest, OnlyFaultsThatCanCauseAnErrorExplainIt) {
  FaultTimeline timeline(absl::Seconds(5));
  timeline.Begin(kT0, "link_drop", "oem-a", "");
  const absl::Time t = kT0 + absl::Seconds(1);
  EXPECT_NE(timeline.Explain(t, t, "accept: UNAVAILABLE: dropped"), "");
  EXPECT_EQ(timeline.Explain(t, t, "accept: FAILED_PRECONDITION: already redeemed"), "");
  EXPECT_EQ(timeline.Explain(t, t, "accept: RESOURCE_EXHAUSTED: rate limited"), "");
  timeline.Begin(kT0, "kill_restart", "ca", "");
  EXPECT_EQ(timeline.Explain(t, t, "accept: FAILED_PRECONDITION: already redeemed"),
            "kill_restart ca");
  EXPECT_EQ(timeline.Explain(t, t, "accept: INTERNAL: crash"), "");
}

TEST(FaultTimelineTest, ARestartCountsOnceItIsComplete) {
  FaultTimeline timeline(absl::Seconds(5));
  const int i = timeline.Begin(kT0, "kill_restart", "relay", "");
  EXPECT_EQ(timeline.Restarts("relay"), 0);
  timeline.End(i, kT0 + absl::Seconds(2));
  EXPECT_EQ(timeline.Restarts("relay"), 1);
}

TEST(FaultTimelineTest, ARedisRestartCountsAsARestartAndExplainsStateErrors) {
  FaultTimeline timeline(absl::Seconds(5));
  const int i = timeline.Begin(kT0, "redis_restart", "redis", "");
  const absl::Time t = kT0 + absl::Seconds(1);
  EXPECT_EQ(timeline.Explain(t, t, "NOT_FOUND: lost in flight"), "redis_restart redis");
  EXPECT_EQ(timeline.Restarts("redis"), 0);
  timeline.End(i, kT0 + absl::Seconds(2));
  EXPECT_EQ(timeline.Restarts("redis"), 1);
  EXPECT_EQ(timeline.Restarts("relay"), 0);
}

// Seen in the recorded 30-minute run: mallory bound the mailbox, her
// redemption was dropped by a link fault on oem-a, bob was refused the
// binding; the race's error must be judged by mallory's UNAVAILABLE.
TEST(FaultTimelineTest, ARaceNobodyWonIsJudgedByTheBindersError) {
  FaultTimeline timeline(absl::Seconds(5));
  timeline.Begin(kT0, "link_drop", "oem-a", "");
  const std::string error = NobodyRedeemed(
      {{"bob", "PERMISSION_DENIED: bound to another device [reason='mailbox_claimed']"},
       {"mallory", "UNAVAILABLE: call to ca dropped [reason='simulated_drop']"}});
  EXPECT_EQ(error.find("UNAVAILABLE"), std::string("nobody redeemed: ").size()) << error;
  const absl::Time t = kT0 + absl::Seconds(1);
  EXPECT_EQ(timeline.Explain(t, t, error), "link_drop oem-a");
}

TEST(FaultTimelineTest, NamesTheFaultWhoseTargetTheErrorNames) {
  FaultTimeline timeline(absl::Seconds(30));
  timeline.End(timeline.Begin(kT0, "kill_restart", "relay", ""), kT0 + absl::Seconds(1));
  timeline.End(timeline.Begin(kT0 + absl::Seconds(2), "kill_restart", "oem-b", ""),
               kT0 + absl::Seconds(3));
  timeline.Begin(kT0 + absl::Seconds(4), "link_drop", "dave", "");
  const absl::Time t = kT0 + absl::Seconds(5);
  EXPECT_EQ(timeline.Explain(t, t, "UNAVAILABLE: relay unreachable"), "kill_restart relay");
  EXPECT_EQ(timeline.Explain(t, t, "UNAVAILABLE: refused"), "link_drop dave");
}

TEST(ClassifyErrorTest, ByStatusCode) {
  EXPECT_EQ(ClassifyError("share: UNAVAILABLE: x"), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyError("DEADLINE_EXCEEDED: x"), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyError("no link in bob's inbox after 20s"), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyError("PERMISSION_DENIED: stale proof"), ErrorClass::kState);
  EXPECT_EQ(ClassifyError("AcceptLink: outcome ACCEPT_READ_ONLY"), ErrorClass::kState);
  EXPECT_EQ(ClassifyError("RESOURCE_EXHAUSTED: rate"), ErrorClass::kNever);
  EXPECT_EQ(ClassifyError("INTERNAL: oops"), ErrorClass::kNever);
  EXPECT_EQ(ClassifyError("share: UNAVAILABLE: unreachable; last error: UNKNOWN: refused"),
            ErrorClass::kTransient);
  EXPECT_EQ(ClassifyError("INTERNAL: bug; then UNAVAILABLE: x"), ErrorClass::kNever);
}

TEST(InvariantBookTest, CountsUnexpectedErrorsAndViolations) {
  FaultTimeline timeline(absl::Seconds(5));
  timeline.End(timeline.Begin(kT0, "clock_skew", "ca", ""), kT0 + absl::Seconds(5));
  InvariantBook book(&timeline);
  EXPECT_TRUE(book.FlowFailed("share", kT0 + absl::Seconds(1), kT0 + absl::Seconds(2), "x"));
  EXPECT_FALSE(book.FlowFailed("share", kT0 + absl::Minutes(5), kT0 + absl::Minutes(6), "y"));
  EXPECT_EQ(book.Unexpected(), 1);
  book.Held(kSingleBinding);
  book.Violated(kT0, kSingleBinding, "two");
  EXPECT_EQ(book.Checks()[kSingleBinding], 2);
  ASSERT_EQ(book.Violations().size(), 1u);
  EXPECT_EQ(book.Violations()[0].invariant, kSingleBinding);
}

TEST(MailboxLedgerTest, ALiveAcknowledgedMailboxReadAsNotFoundIsLost) {
  MailboxLedger ledger;
  ledger.Acknowledge("m1", {"s", "", "payload", kT0 + absl::Hours(1), false});
  EXPECT_EQ(ledger.JudgeRead("m1", kT0, std::string("payload")), "");
  EXPECT_NE(ledger.JudgeRead("m1", kT0, absl::NotFoundError("gone")), "");
  EXPECT_NE(ledger.JudgeRead("m1", kT0, std::string("other")), "");
  // Not judged: other errors (flow errors), expired or deleted mailboxes.
  EXPECT_EQ(ledger.JudgeRead("m1", kT0, absl::UnavailableError("down")), "");
  EXPECT_EQ(ledger.JudgeRead("m1", kT0 + absl::Hours(2), absl::NotFoundError("gone")), "");
  ledger.Deleted("m1");
  EXPECT_EQ(ledger.JudgeRead("m1", kT0, absl::NotFoundError("gone")), "");
  EXPECT_TRUE(ledger.Live(kT0).empty());
}

TEST(ShareLedgerTest, MissingAcknowledgedShareAndDoubleRedemptionAreViolations) {
  ShareLedger ledger;
  const ShareLedger::Source alice{"alice", "cred-1"};
  ledger.Acknowledge(alice, "s1");
  ledger.Acknowledge(alice, "s2");
  const std::set<std::string> acked = ledger.Acked(alice);
  std::map<std::string, int> held;
  auto v = ShareLedger::Judge("alice", acked, {{"s1", 1, 1, 1}, {"s2", 0, 1, 0}}, &held);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(held[kLedgerDurable], 2);
  EXPECT_EQ(held[kSingleRedemption], 2);

  v = ShareLedger::Judge("alice", acked, {{"s1", 1, 1, 1}}, &held);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].first, kLedgerDurable);

  v = ShareLedger::Judge("alice", acked, {{"s1", 2, 1, 2}, {"s2", 0, 0, 0}}, &held);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].first, kSingleRedemption);
  v = ShareLedger::Judge("alice", acked, {{"s1", 1, 1, 2}, {"s2", 0, 0, 0}}, &held);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].first, kSingleRedemption);
}

TEST(JudgeRaceTest, TwoWinnersIsAViolation) {
  EXPECT_EQ(JudgeRace("binding", 0, 2), "");
  EXPECT_EQ(JudgeRace("binding", 1, 2), "");
  EXPECT_NE(JudgeRace("binding", 2, 2), "");
}

TEST(RevocationWatchTest, GrantWithinTheBoundThenDenialHolds) {
  RevocationWatch w(kT0, absl::Seconds(10));
  EXPECT_FALSE(w.Observe(kT0 + absl::Seconds(2), RevocationWatch::Outcome::kGranted));
  EXPECT_FALSE(w.Observe(kT0 + absl::Seconds(3), RevocationWatch::Outcome::kTransient));
  EXPECT_TRUE(w.Observe(kT0 + absl::Seconds(4), RevocationWatch::Outcome::kDenied));
  EXPECT_FALSE(w.violated());
  EXPECT_TRUE(w.denied());
  EXPECT_EQ(w.latency(), absl::Seconds(4));
}

TEST(RevocationWatchTest, GrantPastTheBoundIsAViolation) {
  RevocationWatch w(kT0, absl::Seconds(10));
  EXPECT_TRUE(w.Observe(kT0 + absl::Seconds(11), RevocationWatch::Outcome::kGranted));
  EXPECT_TRUE(w.violated());
  EXPECT_FALSE(w.denied());
  EXPECT_NE(w.Describe().find("granted"), std::string::npos);
  EXPECT_TRUE(w.TimedOut(kT0 + absl::Seconds(16), absl::Seconds(5)));
  EXPECT_FALSE(w.TimedOut(kT0 + absl::Seconds(14), absl::Seconds(5)));
}

}  // namespace
}  // namespace sct::soak

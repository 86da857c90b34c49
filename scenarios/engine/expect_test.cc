#include "scenarios/engine/expect.h"

#include "gtest/gtest.h"
#include "google/protobuf/text_format.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace apv1 = ::access_point::v1;

sv1::Expectation E(const std::string& text) {
  sv1::Expectation e;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &e)) << text;
  return e;
}

Outcome Ok() { return Outcome{}; }
Outcome Access(apv1::AuthReason r) {
  Outcome o;
  o.has_access = true;
  o.access = r;
  return o;
}
Outcome Err(absl::StatusCode code, const std::string& reason) {
  Outcome o;
  o.code = code;
  o.reason = reason;
  o.message = "boom";
  return o;
}

TEST(Judge, DefaultIsSuccess) {
  EXPECT_TRUE(Judge(E(""), false, Ok()).passed);
  EXPECT_TRUE(Judge(E("success: true"), false, Ok()).passed);
  Judgement j = Judge(E(""), false, Err(absl::StatusCode::kNotFound, "x"));
  EXPECT_FALSE(j.passed);
  EXPECT_EQ(j.expected, "success");
  EXPECT_EQ(j.observed, "NOT_FOUND x: boom");
}

TEST(Judge, UseStepDefaultNeedsGranted) {
  EXPECT_TRUE(Judge(E(""), true, Access(apv1::GRANTED)).passed);
  Judgement j = Judge(E(""), true, Access(apv1::DENIED_REVOKED));
  EXPECT_FALSE(j.passed);
  EXPECT_EQ(j.expected, "access GRANTED");
  EXPECT_EQ(j.observed, "OK: access DENIED_REVOKED");
}

TEST(Judge, AccessMustMatchExactly) {
  EXPECT_TRUE(Judge(E("access: DENIED_ENTITLEMENT"), true,
                    Access(apv1::DENIED_ENTITLEMENT))
                  .passed);
  Judgement j =
      Judge(E("access: DENIED_ENTITLEMENT"), true, Access(apv1::GRANTED));
  EXPECT_FALSE(j.passed);
  EXPECT_EQ(j.expected, "access DENIED_ENTITLEMENT");
  EXPECT_EQ(j.observed, "OK: access GRANTED");
  // An RPC error is not a decision.
  EXPECT_FALSE(Judge(E("access: GRANTED"), true,
                     Err(absl::StatusCode::kUnavailable, "x"))
                   .passed);
}

TEST(Judge, ErrorCodeAndReason) {
  const sv1::Expectation e =
      E("error { code: PERMISSION_DENIED reason: \"mailbox_claimed\" }");
  EXPECT_TRUE(
      Judge(e, false, Err(absl::StatusCode::kPermissionDenied, "mailbox_claimed"))
          .passed);
  EXPECT_FALSE(
      Judge(e, false, Err(absl::StatusCode::kPermissionDenied, "decrypt_failed"))
          .passed);
  EXPECT_FALSE(
      Judge(e, false, Err(absl::StatusCode::kNotFound, "mailbox_claimed")).passed);
  EXPECT_FALSE(Judge(e, false, Ok()).passed);
  EXPECT_EQ(Judge(e, false, Ok()).expected,
            "error PERMISSION_DENIED mailbox_claimed");
}

TEST(Judge, AnyCodeComparesOnlyTheReason) {
  EXPECT_TRUE(Judge(E("error { reason: \"wrong_pin\" }"), false,
                    Err(absl::StatusCode::kPermissionDenied, "wrong_pin"))
                  .passed);
  EXPECT_TRUE(Judge(E("error { }"), false,
                    Err(absl::StatusCode::kInternal, "whatever"))
                  .passed);
  EXPECT_FALSE(Judge(E("error { }"), false, Ok()).passed);
}

TEST(Judge, MaxDuration) {
  Outcome o = Ok();
  o.duration = absl::Seconds(6);
  Judgement j = Judge(E("max_duration: \"5s\""), false, o);
  EXPECT_FALSE(j.passed);
  EXPECT_EQ(j.expected, "success within 5s");
  EXPECT_EQ(j.observed, "OK after 6s");
  o.duration = absl::Seconds(4);
  EXPECT_TRUE(Judge(E("max_duration: \"5s\""), false, o).passed);
}

// Under a time scale N (SCT_TIME_SCALE) a step "within 1ms" passes when it
// took less than N ms, fails when it took more, and its expectation says the
// bound it was judged against.
TEST(Judge, MaxDurationIsStretchedByTheTimeScale) {
  Outcome o = Ok();
  o.duration = absl::Microseconds(3500);
  const sv1::Expectation within = E("max_duration: \"1ms\"");
  Judgement unscaled = Judge(within, false, o);
  EXPECT_FALSE(unscaled.passed);
  EXPECT_EQ(unscaled.expected, "success within 1ms");
  Judgement scaled = Judge(within, false, o, 4);
  EXPECT_TRUE(scaled.passed);
  EXPECT_EQ(scaled.expected, "success within 1ms (x4 time scale: 4ms)");
  EXPECT_EQ(scaled.observed, "OK");
  Judgement too_slow = Judge(within, false, o, 3);
  EXPECT_FALSE(too_slow.passed);
  EXPECT_EQ(too_slow.expected, "success within 1ms (x3 time scale: 3ms)");
  EXPECT_EQ(too_slow.observed, "OK after 3.5ms");
  // A scale of 1 is no scale: nothing added to the expectation.
  EXPECT_EQ(Judge(within, false, o, 1).expected, "success within 1ms");
  EXPECT_EQ(DescribeExpectation(E("access: GRANTED max_duration: \"2s\""), true, 2.5),
            "access GRANTED within 2s (x2.5 time scale: 5s)");
}

TEST(ShouldRetry, DefaultsToOneAttempt) {
  sv1::RetryPolicy p;
  EXPECT_FALSE(ShouldRetry(p, 1, Err(absl::StatusCode::kUnavailable, "x")));
}

TEST(ShouldRetry, RetriesUnavailableByDefaultUntilAttemptsUsed) {
  sv1::RetryPolicy p;
  p.set_attempts(3);
  const Outcome down = Err(absl::StatusCode::kUnavailable, "oem_unavailable");
  EXPECT_TRUE(ShouldRetry(p, 1, down));
  EXPECT_TRUE(ShouldRetry(p, 2, down));
  EXPECT_FALSE(ShouldRetry(p, 3, down));
  EXPECT_FALSE(ShouldRetry(p, 1, Err(absl::StatusCode::kNotFound, "x")));
  EXPECT_FALSE(ShouldRetry(p, 1, Ok()));
}

TEST(ShouldRetry, OnlyListedCodes) {
  sv1::RetryPolicy p;
  p.set_attempts(2);
  p.add_on(sv1::NOT_FOUND);
  EXPECT_TRUE(ShouldRetry(p, 1, Err(absl::StatusCode::kNotFound, "x")));
  EXPECT_FALSE(ShouldRetry(p, 1, Err(absl::StatusCode::kUnavailable, "x")));
}

TEST(RetryBackoff, DefaultOneSecond) {
  sv1::RetryPolicy p;
  EXPECT_EQ(RetryBackoff(p), absl::Seconds(1));
  p.set_backoff("250ms");
  EXPECT_EQ(RetryBackoff(p), absl::Milliseconds(250));
}

TEST(CodeName, GrpcSpelling) {
  EXPECT_EQ(CodeName(absl::StatusCode::kOk), "OK");
  EXPECT_EQ(CodeName(absl::StatusCode::kFailedPrecondition),
            "FAILED_PRECONDITION");
}

}  // namespace
}  // namespace sct::scenarios

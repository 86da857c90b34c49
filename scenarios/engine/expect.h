// Judging a step: the observed outcome of an action against the step's
// Expectation, and the retry decision. Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_ENGINE_EXPECT_H_
#define SCT_SCENARIOS_ENGINE_EXPECT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// What one attempt of an action produced.
struct Outcome {
  absl::StatusCode code = absl::StatusCode::kOk;
  // Stable reason (common/errors.h ReasonOf); empty on success.
  std::string reason;
  // Error message or, on success, a short redacted summary.
  std::string message;
  // For `use` steps that got an answer: the access point's decision.
  bool has_access = false;
  ::access_point::v1::AuthReason access =
      ::access_point::v1::AUTH_REASON_UNSPECIFIED;
  // Wall-clock time of the step (all attempts).
  absl::Duration duration = absl::ZeroDuration();

  static Outcome FromStatus(const absl::Status& status);
};

// Verdict of one step.
struct Judgement {
  bool passed = false;
  std::string expected;  // e.g. "access DENIED_REVOKED"
  std::string observed;  // e.g. "OK, access GRANTED"
};

// "OK", "NOT_FOUND", ... (the gRPC spelling).
std::string CodeName(absl::StatusCode code);

// Human-readable expectation, e.g. "success", "error NOT_FOUND",
// "error PERMISSION_DENIED mailbox_claimed", "access GRANTED within 5s".
// `is_use` makes the default success read "access GRANTED". Under a time
// scale above 1 (time_scale.h) a max_duration reads "within 5s (x4 time
// scale: 20s)".
std::string DescribeExpectation(const scenario::v1::Expectation& expect,
                                bool is_use, double time_scale = 1);

// Human-readable outcome, e.g. "OK", "OK: access DENIED_ENTITLEMENT",
// "NOT_FOUND mailbox_not_found: ...".
std::string DescribeOutcome(const Outcome& outcome);

// Whether `outcome` matches `expect`:
// - success (unset or `success: true`): code OK; for a use step
//   (`is_use`) also access GRANTED;
// - error {code, reason}: a non-OK code equal to `code` (ANY_ERROR_CODE: any),
//   and the stable reason equal to `reason` when given;
// - access X: code OK and the decision X;
// - max_duration (if set and parsable): outcome.duration <= it times
//   `time_scale` (time_scale.h; at least 1).
Judgement Judge(const scenario::v1::Expectation& expect, bool is_use,
                const Outcome& outcome, double time_scale = 1);

// Whether to try again after attempt number `attempt` (1-based) produced
// `outcome` that did not pass: attempts left (policy.attempts, default 1) and
// the code is in policy.on (default: UNAVAILABLE).
bool ShouldRetry(const scenario::v1::RetryPolicy& policy, int attempt,
                 const Outcome& outcome);

// Backoff before a retry (policy.backoff, default 1s).
absl::Duration RetryBackoff(const scenario::v1::RetryPolicy& policy);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_EXPECT_H_
